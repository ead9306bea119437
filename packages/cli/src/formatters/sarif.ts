import { ruleDocsUrl, type Diagnostic, type FileProblem, type Fix } from '@mlops-lint/core';
import { allDiagnostics, summarize } from './summary.js';
import type { Formatter, RuleInfo } from './types.js';

/** Where SARIF consumers find the schema; the test validates against a copy of it. */
export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';
/** The key of our entry in `partialFingerprints`; bump the version if the fingerprint's recipe ever changes. */
export const FINGERPRINT_KEY = 'mlopsLint/v1';
const INFORMATION_URI = 'https://github.com/mlops-lint/mlops-lint';

const LEVEL = { error: 'error', warning: 'warning', info: 'note' } as const;

/** Rule groups by the code's first digit (RULES.md), as SARIF tags that code-scanning UIs can filter on. */
const GROUP: Record<string, string> = {
  '1': 'serving',
  '2': 'reproducibility',
  '3': 'tracking',
  '4': 'prompts',
  '5': 'security',
  '6': 'inference',
};

type Json = Record<string, unknown>;

/**
 * An `artifactLocation` for a display path: relative paths stay relative to `%SRCROOT%` (the checkout, for GitHub
 * code scanning), absolute ones (files outside the working directory) become `file:` URIs. Segments are
 * percent-encoded so that spaces and `#` make valid URI references.
 */
export function artifactLocation(file: string): Json {
  const encode = (path: string): string => path.split('/').map(encodeURIComponent).join('/');
  if (file.startsWith('/')) return { uri: `file://${encode(file)}` };
  if (/^[A-Za-z]:\//.test(file)) return { uri: `file:///${file.slice(0, 2)}${encode(file.slice(2))}` };
  return { uri: encode(file), uriBaseId: '%SRCROOT%' };
}

function region(a: { line: number; column: number; endLine?: number; endColumn?: number }): Json {
  const r: Json = { startLine: a.line, startColumn: a.column };
  if (a.endLine !== undefined) r['endLine'] = a.endLine;
  if (a.endColumn !== undefined) r['endColumn'] = a.endColumn;
  return r;
}

function ruleDescriptor(rule: RuleInfo): Json {
  const group = GROUP[rule.code.charAt(2)];
  return {
    id: rule.code,
    name: rule.name,
    shortDescription: { text: rule.docs.description },
    helpUri: rule.docs.url,
    help: { text: `${rule.docs.description}. Documentation: ${rule.docs.url}`, markdown: `${rule.docs.description}. [Documentation](${rule.docs.url})` },
    defaultConfiguration: { level: LEVEL[rule.severity] },
    properties: { tags: group ? ['mlops', group] : ['mlops'], fix: rule.fix },
  };
}

/** The rules to describe: those that ran, plus any that reported without being listed (hand-built inputs, merges). */
function ruleList(rules: readonly RuleInfo[] | undefined, diagnostics: readonly Diagnostic[]): RuleInfo[] {
  const byCode = new Map<string, RuleInfo>();
  for (const r of rules ?? []) byCode.set(r.code, r);
  for (const d of diagnostics) {
    if (!byCode.has(d.code)) {
      byCode.set(d.code, { code: d.code, name: d.name, severity: d.severity, fix: 'none', docs: { description: d.name, url: ruleDocsUrl(d.name) } });
    }
  }
  return [...byCode.values()].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

/**
 * A fix as a SARIF `fix`. Notebook fixes are left out: their edits are in the cell's coordinates, and a SARIF
 * consumer would apply them to the notebook's JSON text.
 */
function sarifFix(file: string, fix: Fix): Json {
  return {
    description: { text: fix.message },
    artifactChanges: [
      {
        artifactLocation: artifactLocation(file),
        replacements: fix.edits.map((e) => {
          const replacement: Json = { deletedRegion: region(e) };
          if (e.text !== '') replacement['insertedContent'] = { text: e.text };
          return replacement;
        }),
      },
    ],
    properties: { applicability: fix.applicability },
  };
}

function notification(p: FileProblem): Json {
  const physical: Json = { artifactLocation: artifactLocation(p.file) };
  if (p.line !== null) physical['region'] = region({ line: p.line, column: p.column ?? 1 });
  const location: Json = { physicalLocation: physical };
  if (p.cell !== null) location['properties'] = { cell: p.cell };
  return {
    level: p.kind === 'rule-crash' ? 'error' : 'warning',
    message: { text: p.message },
    locations: [location],
    descriptor: { id: p.kind },
  };
}

/**
 * `--format sarif`: SARIF 2.1.0 for GitHub code scanning and other SARIF viewers. `tool.driver.rules` describes
 * every rule that ran (code as `id`, name, description, `helpUri` to its page, default level); each result has
 * the code as `ruleId`, the effective level (`info` → `note`), a region with 1-based UTF-16 columns, the fix and
 * suggestions as `fixes`, the notebook cell in `properties.cell` (the region is then inside the cell), and
 * `partialFingerprints` from the normalised source line (see `fingerprint.ts`) plus an occurrence number, so an
 * alert keeps its identity when unrelated lines move. Files that could not be linted are tool notifications.
 */
export const sarif: Formatter = ({ results, problems, rules, fingerprints, toolVersion, fileCount }) => {
  const diagnostics = allDiagnostics(results);
  const described = ruleList(rules, diagnostics);
  const index = new Map(described.map((r, i) => [r.code, i]));
  const occurrences = new Map<string, number>();

  const sarifResults = diagnostics.map((d) => {
    const location: Json = { physicalLocation: { artifactLocation: artifactLocation(d.file), region: region(d) } };
    if (d.cell !== null) location['properties'] = { cell: d.cell };
    const result: Json = {
      ruleId: d.code,
      ruleIndex: index.get(d.code) ?? 0,
      level: LEVEL[d.severity],
      message: { text: d.message },
      locations: [location],
    };
    const fp = fingerprints?.get(d);
    if (fp !== undefined) {
      const key = `${d.file}\0${d.code}\0${fp}`;
      const n = (occurrences.get(key) ?? 0) + 1;
      occurrences.set(key, n);
      result['partialFingerprints'] = { [FINGERPRINT_KEY]: `${fp}:${n}` };
    }
    if (d.related.length > 0) {
      result['relatedLocations'] = d.related.map((r, i) => {
        const related: Json = { id: i + 1, physicalLocation: { artifactLocation: artifactLocation(d.file), region: region(r) }, message: { text: r.message } };
        if (r.cell !== null) related['properties'] = { cell: r.cell };
        return related;
      });
    }
    const fixes = d.cell === null ? [...(d.fix ? [d.fix] : []), ...d.suggestions] : [];
    if (fixes.length > 0) result['fixes'] = fixes.map((f) => sarifFix(d.file, f));
    if (d.cell !== null) result['properties'] = { cell: d.cell };
    return result;
  });

  const log = {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'mlops-lint',
            version: toolVersion,
            semanticVersion: toolVersion,
            informationUri: INFORMATION_URI,
            rules: described.map(ruleDescriptor),
          },
        },
        invocations: [
          {
            executionSuccessful: !problems.some((p) => p.kind === 'rule-crash'),
            toolExecutionNotifications: problems.map(notification),
          },
        ],
        columnKind: 'utf16CodeUnits',
        results: sarifResults,
        properties: { filesChecked: summarize(results, fileCount).files },
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
};
