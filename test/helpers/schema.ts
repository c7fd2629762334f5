/** Validates report.json objects against the report.json schema (the contract, docs/report.schema.json; the copy beside the checkout wins when present). */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

const schemaPath = [join(PACKAGE_ROOT, '..', 'shared', 'report.schema.json'), join(PACKAGE_ROOT, 'docs', 'report.schema.json')].find((p) => existsSync(p));
if (schemaPath === undefined) throw new Error('report.schema.json not found');
const ajv = new Ajv2020({ allErrors: true, strict: false });
const validate = ajv.compile(JSON.parse(readFileSync(schemaPath, 'utf8')) as object);

/** Returns the schema errors for `report` (empty when valid). */
export const reportSchemaErrors = (report: unknown): string[] =>
  validate(report) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
