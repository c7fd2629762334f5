/**
 * JSON Schema validation for tests (Ajv): report.json objects
 * against the report.json contract (draft 2020-12, docs/report.schema.json; the copy beside
 * the checkout wins when present), and parsed scenario and profile files
 * against their schemas (draft-07, docs/scenario.schema.json, docs/profile.schema.json).
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv as AjvDraft07 } from 'ajv';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const schemaPath = [join(PACKAGE_ROOT, '..', 'shared', 'report.schema.json'), join(PACKAGE_ROOT, 'docs', 'report.schema.json')].find((p) => existsSync(p));
if (schemaPath === undefined) throw new Error('report.schema.json not found');
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

const errorTexts = (errors: ErrorObject[] | null | undefined): string[] => (errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);

/** Returns the schema errors for `report` (empty when valid). */
export const reportSchemaErrors = (report: unknown): string[] => (validate(report) ? [] : errorTexts(validate.errors));

/**
 * Ajv for the schemas editors use on users' files. They are draft-07, the
 * newest draft the YAML language server (editors' `$schema=` line) applies. Strict about the schema
 * itself (an unknown or misspelt keyword is an error at compile time, not a
 * rule that silently checks nothing), but allowing type unions and `required`
 * of properties declared elsewhere, which are plain JSON Schema.
 */
const strictAjv = new AjvDraft07({ allErrors: true, strict: true, strictTypes: false, strictRequired: false });

/** Compiles the schema in `file`; the result returns the errors for a value (empty when valid). */
export const schemaValidator = (file: string): ((value: unknown) => string[]) => {
  const v = strictAjv.compile(JSON.parse(readFileSync(file, 'utf8')) as object);
  return (value) => (v(value) ? [] : errorTexts(v.errors));
};
