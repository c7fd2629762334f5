/**
 * report.json's types and its JSON Schema say the same thing: the TypeScript
 * compiler reads src/analyze/breaks.ts and src/analyze/types.ts (the types the
 * analysis builds report.json from), and every field docs/report.schema.json
 * requires must be a required member of the matching type; the schema's break
 * kinds must be exactly the union's. A field renamed on one side only fails here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/core/paths.js';

interface SchemaObject { required?: string[]; properties?: Record<string, SchemaObject>; items?: SchemaObject; allOf?: { if: { properties: { kind: { const: string } } }; then: { properties: { evidence: { required: string[] } } } }[]; enum?: string[] }

const schema = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'docs', 'report.schema.json'), 'utf8')) as SchemaObject;
const breakSchema = schema.properties?.breaks?.items ?? {};

const program = ts.createProgram([join(PACKAGE_ROOT, 'src', 'analyze', 'types.ts')], { strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true });
const checker = program.getTypeChecker();

/** The exported type (interface or alias) `name` of a src/analyze file. */
const exportedType = (file: string, name: string): ts.Type => {
  const sf = program.getSourceFile(join(PACKAGE_ROOT, 'src', 'analyze', file));
  if (sf === undefined) throw new Error(`${file} not in the program`);
  const sym = checker.getExportsOfModule(checker.getSymbolAtLocation(sf)!).find((s) => s.name === name);
  if (sym === undefined) throw new Error(`${file} exports no ${name}`);
  return checker.getDeclaredTypeOfSymbol(sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym);
};

/** Names of the members of `type` that are not optional. */
const requiredMembers = (type: ts.Type): string[] =>
  checker.getPropertiesOfType(type).filter((p) => (p.flags & ts.SymbolFlags.Optional) === 0).map((p) => p.name).sort();

const memberType = (type: ts.Type, name: string): ts.Type => {
  const p = type.getProperty(name);
  if (p === undefined) throw new Error(`no member ${name}`);
  return checker.getTypeOfSymbol(p);
};

/** Break kind → its evidence type, from the ReportBreak union. */
const evidenceByKind = (): Map<string, ts.Type> => {
  const union = exportedType('breaks.ts', 'ReportBreak');
  const out = new Map<string, ts.Type>();
  for (const member of union.isUnion() ? union.types : [union]) {
    const kind = memberType(member, 'kind');
    if (!kind.isStringLiteral()) throw new Error(`a ReportBreak member whose kind is not one string: ${checker.typeToString(kind)}`);
    out.set(kind.value, memberType(member, 'evidence'));
  }
  return out;
};

describe('report.json: types and schema agree', () => {
  const byKind = evidenceByKind();

  it('the break kinds are the same set in the schema and the ReportBreak union', () => {
    expect([...byKind.keys()].sort()).toEqual([...(breakSchema.properties?.kind?.enum ?? [])].sort());
  });

  it('every evidence field the schema requires is a required member of that kind\'s evidence type', () => {
    const rules = breakSchema.allOf ?? [];
    expect(rules.length, 'the schema states required evidence per kind').toBeGreaterThan(0);
    for (const rule of rules) {
      const kind = rule.if.properties.kind.const;
      const evidence = byKind.get(kind);
      expect(evidence, `schema kind ${kind}`).toBeDefined();
      const required = requiredMembers(evidence!);
      for (const field of rule.then.properties.evidence.required) expect(required, `${kind}.evidence.${field}`).toContain(field);
    }
  });

  it('every field the schema requires of a break is a required member of each kind of break', () => {
    const union = exportedType('breaks.ts', 'ReportBreak');
    for (const member of union.isUnion() ? union.types : [union]) {
      const required = requiredMembers(member);
      for (const field of breakSchema.required ?? []) expect(required, `${checker.typeToString(member)}: ${field}`).toContain(field);
    }
  });

  it('every top-level field the schema requires is a required member of Report', () => {
    const report = exportedType('types.ts', 'Report');
    const required = requiredMembers(report);
    expect(schema.required?.length).toBeGreaterThan(3);
    for (const field of schema.required ?? []) expect(required, `Report.${field}`).toContain(field);
  });

  it('catches a disagreement: a field the types lack is reported (the check is not vacuous)', () => {
    const required = requiredMembers(byKind.get('saturation')!);
    expect(required).toContain('p99_before_ms');
    expect(required).not.toContain('p99_before');
  });
});
