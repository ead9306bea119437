import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { compareDiagnostics, ruleDocsUrl, type Diagnostic, type FileProblem, type FileResult, type Fix, type LocatedEdit, type Severity } from '@mlops-lint/core';
import { findRule } from '@mlops-lint/rules';
import { lineFingerprint, normalizeLine, readSourceText, sourceLine } from '../fingerprint.js';
import { formatters, type FormatterInput, type RuleInfo } from '../formatters/index.js';
import { FINGERPRINT_KEY } from '../formatters/sarif.js';
import { EXIT_OK, UsageError, type CliIO } from '../io.js';
import { VERSION } from '../version.js';

/** Output formats `merge` can write: the two machine formats that carry every finding. */
export const MERGE_FORMATS = ['json', 'sarif'] as const;

/** What one report contributes to the merge. */
interface Part {
  kind: 'json' | 'sarif';
  toolVersion: string | null;
  files: number;
  diagnostics: Diagnostic[];
  /** Fingerprints carried by SARIF input (JSON input has none; they are recomputed from the files). */
  fingerprints: Map<Diagnostic, string>;
  rules: RuleInfo[];
  problems: FileProblem[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown, fallback: number): number => (typeof v === 'number' && Number.isFinite(v) ? v : fallback);
const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);

function edit(e: Obj): LocatedEdit {
  return { start: 0, end: 0, line: num(e['line'], 1), column: num(e['column'], 1), endLine: num(e['endLine'], 1), endColumn: num(e['endColumn'], 1), text: str(e['text']) };
}

function diagnostic(fields: Omit<Diagnostic, 'messageId' | 'start' | 'end' | 'related'> & { related?: Diagnostic['related'] }): Diagnostic {
  return { ...fields, messageId: '', start: 0, end: 0, related: fields.related ?? [] };
}

const SEVERITIES: readonly string[] = ['error', 'warning', 'info'];

function fromJson(doc: Obj, shown: string): Part {
  const bad = (why: string): UsageError => new UsageError(`${shown}: not a mlops-lint JSON report (${why})`);
  if (!Array.isArray(doc['diagnostics'])) throw bad('"diagnostics" must be an array');
  const diagnostics = doc['diagnostics'].map((raw: unknown, i): Diagnostic => {
    if (!isObj(raw) || typeof raw['code'] !== 'string' || typeof raw['file'] !== 'string' || !SEVERITIES.includes(str(raw['severity']))) {
      throw bad(`diagnostic ${i + 1} lacks code, file or severity`);
    }
    const fixOf = (f: unknown, applicability: Fix['applicability']): Fix | null =>
      isObj(f) ? { applicability, message: str(f['message']), edits: Array.isArray(f['edits']) ? f['edits'].filter(isObj).map(edit) : [] } : null;
    const fix = isObj(raw['fix']) ? fixOf(raw['fix'], raw['fix']['applicability'] === 'unsafe' ? 'unsafe' : 'safe') : null;
    return diagnostic({
      code: raw['code'],
      name: str(raw['name'], raw['code']),
      severity: raw['severity'] as Severity,
      message: str(raw['message']),
      file: raw['file'],
      cell: typeof raw['cell'] === 'number' ? raw['cell'] : null,
      line: num(raw['line'], 1),
      column: num(raw['column'], 1),
      endLine: num(raw['endLine'], num(raw['line'], 1)),
      endColumn: num(raw['endColumn'], num(raw['column'], 1)),
      fix,
      suggestions: Array.isArray(raw['suggestions']) ? raw['suggestions'].map((s) => fixOf(s, 'suggestion')).filter((s): s is Fix => s !== null) : [],
    });
  });
  const summary = isObj(doc['summary']) ? doc['summary'] : {};
  const tool = isObj(doc['tool']) ? doc['tool'] : {};
  return { kind: 'json', toolVersion: typeof tool['version'] === 'string' ? tool['version'] : null, files: num(summary['files'], 0), diagnostics, fingerprints: new Map(), rules: [], problems: [] };
}

/** A display path back from a SARIF artifact location (the inverse of the SARIF formatter's `artifactLocation`). */
function pathOf(location: unknown): string {
  const uri = isObj(location) ? str(location['uri']) : '';
  const path = uri.startsWith('file:///') && /^file:\/\/\/[A-Za-z]:/.test(uri) ? uri.slice(8) : uri.startsWith('file://') ? uri.slice(7) : uri;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

function fromSarif(doc: Obj, shown: string): Part {
  const bad = (why: string): UsageError => new UsageError(`${shown}: not a mlops-lint SARIF report (${why})`);
  const runs = Array.isArray(doc['runs']) ? doc['runs'].filter(isObj) : [];
  const part: Part = { kind: 'sarif', toolVersion: null, files: 0, diagnostics: [], fingerprints: new Map(), rules: [], problems: [] };
  for (const run of runs) {
    const driver = isObj(run['tool']) && isObj(run['tool']['driver']) ? run['tool']['driver'] : {};
    if (driver['name'] !== 'mlops-lint') throw bad(`a run from "${str(driver['name'], 'an unknown tool')}"`);
    part.toolVersion ??= typeof driver['version'] === 'string' ? driver['version'] : null;
    const rules = Array.isArray(driver['rules']) ? driver['rules'].filter(isObj) : [];
    const infos: RuleInfo[] = rules.map((r) => {
      const level = isObj(r['defaultConfiguration']) ? str(r['defaultConfiguration']['level'], 'warning') : 'warning';
      const props = isObj(r['properties']) ? r['properties'] : {};
      const fix = str(props['fix'], 'none');
      return {
        code: str(r['id']),
        name: str(r['name'], str(r['id'])),
        severity: level === 'error' ? 'error' : level === 'note' ? 'info' : 'warning',
        fix: fix === 'safe' || fix === 'unsafe' || fix === 'suggestion' ? fix : 'none',
        docs: { description: isObj(r['shortDescription']) ? str(r['shortDescription']['text']) : '', url: str(r['helpUri'], ruleDocsUrl(str(r['name']))) },
      };
    });
    part.rules.push(...infos);
    part.files += isObj(run['properties']) ? num(run['properties']['filesChecked'], 0) : 0;
    for (const result of Array.isArray(run['results']) ? run['results'].filter(isObj) : []) {
      const code = str(result['ruleId']);
      const rule = infos.find((r) => r.code === code);
      const location = Array.isArray(result['locations']) && isObj(result['locations'][0]) ? result['locations'][0] : {};
      const physical = isObj(location['physicalLocation']) ? location['physicalLocation'] : {};
      const region = isObj(physical['region']) ? physical['region'] : {};
      const props = isObj(result['properties']) ? result['properties'] : {};
      const level = str(result['level'], 'warning');
      const fixes = (Array.isArray(result['fixes']) ? result['fixes'].filter(isObj) : []).map((f): Fix => {
        const applicability = isObj(f['properties']) ? str(f['properties']['applicability'], 'suggestion') : 'suggestion';
        const changes = Array.isArray(f['artifactChanges']) ? f['artifactChanges'].filter(isObj) : [];
        const edits = changes.flatMap((c) =>
          (Array.isArray(c['replacements']) ? c['replacements'].filter(isObj) : []).map((rep) => {
            const del = isObj(rep['deletedRegion']) ? rep['deletedRegion'] : {};
            const text = isObj(rep['insertedContent']) ? str(rep['insertedContent']['text']) : '';
            return edit({ line: del['startLine'], column: del['startColumn'], endLine: del['endLine'], endColumn: del['endColumn'], text });
          }),
        );
        return { applicability: applicability === 'safe' || applicability === 'unsafe' ? applicability : 'suggestion', message: isObj(f['description']) ? str(f['description']['text']) : '', edits };
      });
      const related = (Array.isArray(result['relatedLocations']) ? result['relatedLocations'].filter(isObj) : []).map((r) => {
        const reg = isObj(r['physicalLocation']) && isObj(r['physicalLocation']['region']) ? r['physicalLocation']['region'] : {};
        const rprops = isObj(r['properties']) ? r['properties'] : {};
        return { line: num(reg['startLine'], 1), column: num(reg['startColumn'], 1), cell: typeof rprops['cell'] === 'number' ? rprops['cell'] : null, message: isObj(r['message']) ? str(r['message']['text']) : '' };
      });
      const fix = fixes.find((f) => f.applicability !== 'suggestion') ?? null;
      const d = diagnostic({
        code,
        name: rule?.name ?? code,
        severity: level === 'error' ? 'error' : level === 'note' ? 'info' : 'warning',
        message: isObj(result['message']) ? str(result['message']['text']) : '',
        file: pathOf(physical['artifactLocation']),
        cell: typeof props['cell'] === 'number' ? props['cell'] : null,
        line: num(region['startLine'], 1),
        column: num(region['startColumn'], 1),
        endLine: num(region['endLine'], num(region['startLine'], 1)),
        endColumn: num(region['endColumn'], num(region['startColumn'], 1)),
        fix,
        suggestions: fixes.filter((f) => f !== fix),
        related,
      });
      const fp = isObj(result['partialFingerprints']) ? str(result['partialFingerprints'][FINGERPRINT_KEY]) : '';
      if (fp !== '') part.fingerprints.set(d, fp.replace(/:\d+$/, ''));
      part.diagnostics.push(d);
    }
    for (const invocation of Array.isArray(run['invocations']) ? run['invocations'].filter(isObj) : []) {
      for (const n of Array.isArray(invocation['toolExecutionNotifications']) ? invocation['toolExecutionNotifications'].filter(isObj) : []) {
        const loc = Array.isArray(n['locations']) && isObj(n['locations'][0]) ? n['locations'][0] : {};
        const phys = isObj(loc['physicalLocation']) ? loc['physicalLocation'] : {};
        const reg = isObj(phys['region']) ? phys['region'] : null;
        const lprops = isObj(loc['properties']) ? loc['properties'] : {};
        const kind = isObj(n['descriptor']) ? str(n['descriptor']['id'], 'read') : 'read';
        part.problems.push({
          file: pathOf(phys['artifactLocation']),
          line: reg ? num(reg['startLine'], 1) : null,
          column: reg ? num(reg['startColumn'], 1) : null,
          cell: typeof lprops['cell'] === 'number' ? lprops['cell'] : null,
          kind: kind as FileProblem['kind'],
          message: isObj(n['message']) ? str(n['message']['text']) : '',
        });
      }
    }
  }
  return part;
}

function readReport(path: string, shown: string): Part {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `report ${shown} not found` : `cannot read report ${shown}: ${(error as Error).message.split('\n')[0]}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${shown}: not JSON (${(error as Error).message.split('\n')[0]}); merge reads --format json and --format sarif reports`);
  }
  if (isObj(doc) && doc['version'] === '2.1.0' && Array.isArray(doc['runs'])) return fromSarif(doc, shown);
  if (isObj(doc) && doc['version'] === 1 && Array.isArray(doc['diagnostics'])) return fromJson(doc, shown);
  throw new UsageError(`${shown}: neither a mlops-lint JSON report nor a SARIF log; merge reads --format json and --format sarif reports`);
}

/** Identity of a finding for de-duplication: shards never share a file, but a report given twice must not double. */
function identity(d: Diagnostic): string {
  return JSON.stringify([d.file, d.cell, d.line, d.column, d.endLine, d.endColumn, d.code, d.severity, d.message]);
}

/**
 * `mlops-lint merge a.json b.json …`: combines the reports of `check --shard i/n` jobs (JSON or SARIF, mixed if
 * need be) into one report, as if one job had checked everything: findings sorted and de-duplicated, file counts
 * added up. SARIF output keeps the shards' fingerprints; from JSON input they are recomputed from the files on
 * disk, relative to the working directory (the checkout), when the files are there.
 */
export function runMerge(paths: string[], flags: { format?: string | undefined; 'output-file'?: string | undefined }, io: CliIO): number {
  if (paths.length === 0) throw new UsageError('merge needs at least one report, e.g. `mlops-lint merge shard-1.json shard-2.json`');
  const parts = paths.map((p) => readReport(resolve(io.cwd, p), p));
  const format = flags.format ?? parts[0]?.kind ?? 'json';
  if (!(MERGE_FORMATS as readonly string[]).includes(format)) throw new UsageError(`merge writes ${MERGE_FORMATS.join(' or ')} (got "${format}")`);

  const seen = new Set<string>();
  const diagnostics: Diagnostic[] = [];
  const fingerprints = new Map<Diagnostic, string>();
  for (const part of parts) {
    for (const d of part.diagnostics) {
      const key = identity(d);
      if (seen.has(key)) continue;
      seen.add(key);
      diagnostics.push(d);
      const fp = part.fingerprints.get(d);
      if (fp !== undefined) fingerprints.set(d, fp);
    }
  }
  diagnostics.sort(compareDiagnostics);

  if (format === 'sarif') {
    // JSON reports carry no fingerprints: recompute them from the files, as `check` would have.
    const texts = new Map<string, string | null>();
    for (const d of diagnostics) {
      if (fingerprints.has(d)) continue;
      if (!texts.has(d.file)) texts.set(d.file, readSourceText(resolve(io.cwd, d.file)));
      const text = texts.get(d.file);
      const line = text == null ? null : sourceLine(d.file, text, d.cell, d.line);
      if (line !== null) fingerprints.set(d, lineFingerprint(d.code, normalizeLine(line)));
    }
  }

  const byFile = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) byFile.set(d.file, [...(byFile.get(d.file) ?? []), d]);
  const results: FileResult[] = [...byFile].map(([file, list]) => ({ displayPath: file, absPath: resolve(io.cwd, file), diagnostics: list, problems: [], fixed: 0, parsed: true, lines: 0 }));

  const ruleByCode = new Map<string, RuleInfo>();
  for (const part of parts) for (const r of part.rules) if (!ruleByCode.has(r.code)) ruleByCode.set(r.code, r);
  for (const d of diagnostics) {
    const known = findRule(d.code);
    if (!ruleByCode.has(d.code) && known) ruleByCode.set(d.code, known.meta);
  }
  const problemKeys = new Set<string>();
  const problems = parts.flatMap((p) => p.problems).filter((p) => {
    const key = JSON.stringify(p);
    if (problemKeys.has(key)) return false;
    problemKeys.add(key);
    return true;
  });

  const input: FormatterInput = {
    results,
    problems,
    color: false,
    toolVersion: parts.find((p) => p.toolVersion !== null)?.toolVersion ?? VERSION,
    fixMode: 'none',
    rules: [...ruleByCode.values()],
    fingerprints,
    fileCount: parts.reduce((n, p) => n + p.files, 0),
  };
  const formatter = formatters[format];
  if (!formatter) throw new UsageError(`unknown format "${format}"`);
  const report = formatter(input);
  const out = flags['output-file'];
  if (out) {
    try {
      writeFileSync(resolve(io.cwd, out), report);
    } catch (error) {
      throw new UsageError(`cannot write ${out}: ${(error as Error).message.split('\n')[0]}`);
    }
  } else io.stdout(report);
  return EXIT_OK;
}
