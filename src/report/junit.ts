/**
 * JUnit XML for CI (`--junit FILE`): one `<testsuite name="prodshape">` with
 * one `<testcase>` per SLO (a `<failure>` when it failed). Breaks are listed
 * in the suite's `<system-out>` so CI shows them next to the SLOs. Follows
 * the common JUnit schema (Ant's XMLJUnitResultFormatter, as Jenkins, GitLab
 * and GitHub readers accept it).
 */
import type { Report } from '../analyze/index.js';
import { escapeXml } from './format.js';

export interface JunitOptions {
  /** Suite name (default `prodshape`). */
  suite?: string;
  /** Wall-clock time of the report (ISO 8601, no zone per the schema), default now. */
  timestamp?: Date;
  hostname?: string;
}

const attr = (name: string, value: string | number): string => `${name}="${escapeXml(String(value))}"`;

/** Renders the report's SLOs as JUnit XML. */
export const renderJunit = (r: Report, opts: JunitOptions = {}): string => {
  const suite = opts.suite ?? 'prodshape';
  const failures = r.slo.filter((s) => !s.pass).length;
  const ts = (opts.timestamp ?? new Date()).toISOString().replace(/\.\d+Z$/, '');
  const className = `prodshape.${(r.scenario ?? 'run').replace(/[^A-Za-z0-9_.-]/g, '_')}.${(r.profile ?? 'profile').replace(/[^A-Za-z0-9_.-]/g, '_')}`;
  const cases = r.slo.map((s) => {
    const head = `    <testcase ${attr('name', `SLO ${s.spec}`)} ${attr('classname', className)} ${attr('time', '0')}`;
    if (s.pass) return `${head}/>`;
    return `${head}>\n      <failure ${attr('message', s.message)} ${attr('type', 'SLO')}>${escapeXml(`${s.message}\n${r.verdict.text}`)}</failure>\n    </testcase>`;
  });
  const out = [
    `verdict: ${r.verdict.text}`,
    ...r.breaks.map((b, i) => `break ${i + 1} (${b.kind}${b.endpoint ? `, ${b.endpoint}` : ''}): ${b.summary}`),
  ].join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites ${attr('name', suite)} ${attr('tests', r.slo.length)} ${attr('failures', failures)} ${attr('errors', 0)} ${attr('time', r.summary.duration_s)}>`,
    `  <testsuite ${attr('name', suite)} ${attr('tests', r.slo.length)} ${attr('failures', failures)} ${attr('errors', 0)} ${attr('skipped', 0)} `
      + `${attr('time', r.summary.duration_s)} ${attr('timestamp', ts)} ${attr('hostname', opts.hostname ?? 'localhost')}>`,
    '    <properties>',
    `      <property ${attr('name', 'target')} ${attr('value', r.target ?? '')}/>`,
    `      <property ${attr('name', 'scenario')} ${attr('value', r.scenario ?? '')}/>`,
    `      <property ${attr('name', 'profile')} ${attr('value', r.profile ?? '')}/>`,
    `      <property ${attr('name', 'verdict')} ${attr('value', r.verdict.status)}/>`,
    '    </properties>',
    ...cases,
    `    <system-out>${escapeXml(out)}</system-out>`,
    '    <system-err></system-err>',
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
};
