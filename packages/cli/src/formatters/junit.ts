import type { Diagnostic, FileProblem } from '@mlops-lint/core';
import { locationOf } from './summary.js';
import type { Formatter } from './types.js';

/** Escapes text for XML attributes and content, dropping the characters XML 1.0 cannot carry at all. */
function xml(text: string): string {
  return text
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** Escapes an attribute value; a raw newline there would be normalised to a space by every XML parser. */
function attr(text: string): string {
  return xml(text).replace(/\r?\n/g, '&#10;');
}

/** Problems that mean the file was not linted at all. */
const NOT_LINTED = new Set<FileProblem['kind']>(['read', 'decode', 'notebook', 'limit', 'discovery']);

function failure(d: Diagnostic): string {
  const where = locationOf(d);
  const body = `${where}: ${d.code} ${d.name} (${d.severity})\n${d.message}`;
  return `      <failure type="${attr(d.code)}" message="${attr(`${where}: ${d.code} ${d.message}`)}">${xml(body)}</failure>`;
}

function problemWhere(p: FileProblem): string {
  if (p.line === null) return p.file;
  return p.cell === null ? `${p.file}:${p.line}:${p.column ?? 1}` : `${p.file}:cell ${p.cell}:${p.line}:${p.column ?? 1}`;
}

/**
 * `--format junit`: JUnit XML for CI test-report views (GitLab `artifacts:reports:junit`, Jenkins, Azure).
 * One testcase per file checked, with one `<failure>` per error or warning; infos never fail a run, so they go to
 * the testcase's `<system-out>`. A file that could not be read is `<skipped>`, a rule crash is an `<error>`, and
 * syntax errors go to `<system-err>`. Problems with paths that are not files checked (discovery) get a testcase of
 * their own, as errors.
 */
export const junit: Formatter = ({ results, problems }) => {
  const byFile = new Map<string, FileProblem[]>();
  for (const p of problems) byFile.set(p.file, [...(byFile.get(p.file) ?? []), p]);
  const cases: string[] = [];
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  const files = new Set<string>();

  const testcase = (file: string, diagnostics: readonly Diagnostic[], fileProblems: readonly FileProblem[]): void => {
    const inner: string[] = [];
    const failing = diagnostics.filter((d) => d.severity !== 'info');
    const infos = diagnostics.filter((d) => d.severity === 'info');
    inner.push(...failing.map(failure));
    const crash = fileProblems.filter((p) => p.kind === 'rule-crash');
    for (const p of crash) inner.push(`      <error type="rule-crash" message="${attr(p.message)}">${xml(`${problemWhere(p)}: ${p.message}`)}</error>`);
    const notLinted = fileProblems.filter((p) => NOT_LINTED.has(p.kind));
    const isSkipped = failing.length === 0 && crash.length === 0 && notLinted.length > 0 && !notLinted.some((p) => p.kind === 'discovery');
    const isDiscoveryError = notLinted.some((p) => p.kind === 'discovery');
    if (isSkipped) inner.push(`      <skipped message="${attr(notLinted.map((p) => p.message).join('; '))}"/>`);
    if (isDiscoveryError) {
      for (const p of notLinted) inner.push(`      <error type="discovery" message="${attr(p.message)}">${xml(`${problemWhere(p)}: ${p.message}`)}</error>`);
    }
    if (infos.length > 0) {
      const text = infos.map((d) => `${locationOf(d)}: ${d.code} ${d.name} (info) ${d.message}`).join('\n');
      inner.push(`      <system-out>${xml(text)}</system-out>`);
    }
    const other = fileProblems.filter((p) => p.kind !== 'rule-crash' && !NOT_LINTED.has(p.kind));
    if (other.length > 0) inner.push(`      <system-err>${xml(other.map((p) => `${problemWhere(p)}: ${p.message}`).join('\n'))}</system-err>`);

    if (failing.length > 0) failures++;
    if (crash.length > 0 || isDiscoveryError) errors++;
    if (isSkipped) skipped++;
    const open = `    <testcase name="${attr(file)}" classname="${attr(file)}" file="${attr(file)}"`;
    cases.push(inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n    </testcase>`);
  };

  for (const r of results) {
    files.add(r.displayPath);
    testcase(r.displayPath, r.diagnostics, byFile.get(r.displayPath) ?? []);
  }
  for (const [file, list] of byFile) if (!files.has(file)) testcase(file, [], list);

  const counts = `tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="mlops-lint" ${counts}>`,
    `  <testsuite name="mlops-lint" ${counts}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
};
