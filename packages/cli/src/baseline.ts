import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import type { Diagnostic, FileResult } from '@mlops-lint/core';
import type { LineIdentity } from './fingerprint.js';
import { UsageError, type CliIO } from './io.js';

/**
 * One known finding. It matches a finding of the same rule in the same file whose normalised source line has the
 * same fingerprint, wherever that line has moved. `line` is the normalised line itself, for people reading a diff
 * of the baseline; matching never looks at it.
 */
export interface BaselineEntry {
  /** Relative to the baseline file's folder, forward slashes. */
  file: string;
  code: string;
  fingerprint: string;
  line: string;
}

export const BASELINE_VERSION = 1;
/** How much of a source line a baseline keeps for readers (the fingerprint covers the whole line). */
const LINE_SHOWN = 160;

export function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  for (const key of ['file', 'code', 'line', 'fingerprint'] as const) {
    if (a[key] !== b[key]) return a[key] < b[key] ? -1 : 1;
  }
  return 0;
}

/**
 * The baseline file's text: sorted entries, one per line, so that a change in the baseline reads as a change of
 * exactly the findings that appeared or went away.
 */
export function formatBaseline(entries: readonly BaselineEntry[]): string {
  const sorted = [...entries].sort(compareEntries);
  const lines = sorted.map((e, i) => `    ${JSON.stringify({ file: e.file, code: e.code, fingerprint: e.fingerprint, line: e.line })}${i < sorted.length - 1 ? ',' : ''}`);
  return `{\n  "version": ${BASELINE_VERSION},\n  "tool": "mlops-lint",\n  "findings": [${lines.length > 0 ? `\n${lines.join('\n')}\n  ` : ''}]\n}\n`;
}

/** Reads a baseline file. @throws UsageError when it is missing, unreadable or not a baseline. */
export function readBaseline(path: string, shownPath: string): BaselineEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UsageError(`baseline file ${shownPath} not found (create it with --update-baseline)`);
    throw new UsageError(`cannot read baseline file ${shownPath}: ${(error as Error).message.split('\n')[0]}`);
  }
  const bad = (why: string): UsageError => new UsageError(`${shownPath}: not a mlops-lint baseline (${why})`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw bad(`invalid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw bad('expected a JSON object');
  const { version, findings } = doc as { version?: unknown; findings?: unknown };
  if (version !== BASELINE_VERSION) throw bad(`unsupported version ${JSON.stringify(version)}; expected ${BASELINE_VERSION}`);
  if (!Array.isArray(findings)) throw bad('"findings" must be an array');
  return findings.map((f: unknown, i) => {
    const e = f as Partial<Record<keyof BaselineEntry, unknown>> | null;
    if (typeof e !== 'object' || e === null || typeof e.file !== 'string' || typeof e.code !== 'string' || typeof e.fingerprint !== 'string') {
      throw bad(`finding ${i + 1} needs string "file", "code" and "fingerprint"`);
    }
    return { file: e.file, code: e.code, fingerprint: e.fingerprint, line: typeof e.line === 'string' ? e.line : '' };
  });
}

export function writeBaseline(path: string, shownPath: string, entries: readonly BaselineEntry[]): void {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, formatBaseline(entries));
  } catch (error) {
    throw new UsageError(`cannot write baseline file ${shownPath}: ${(error as Error).message.split('\n')[0]}`);
  }
}

/** How a run relates to a baseline's entries. */
export interface BaselineScope {
  /** A result's path as the baseline writes it (relative to the baseline file's folder). */
  keyOf(result: FileResult): string;
  /**
   * Whether this run looked for `code` in `file` (a baseline key): the file was linted and the rule enabled for it.
   * Entries outside the run (another folder, `--select`, another shard) are neither stale nor rewritten.
   */
  covers(file: string, code: string): boolean;
}

const matchKey = (file: string, code: string, fingerprint: string): string => `${file}\0${code}\0${fingerprint}`;

function entryFor(result: FileResult, d: Diagnostic, ids: ReadonlyMap<Diagnostic, LineIdentity>, scope: BaselineScope): BaselineEntry {
  const id = ids.get(d) ?? { fingerprint: '', line: '' };
  const line = id.line.length > LINE_SHOWN ? `${id.line.slice(0, LINE_SHOWN - 1)}…` : id.line;
  return { file: scope.keyOf(result), code: d.code, fingerprint: id.fingerprint, line };
}

/**
 * Drops the findings a baseline records. Entries are counted, so a line that has the same finding twice needs two
 * entries; a finding beyond the recorded count shows. Entries within the run's scope that match nothing are stale.
 */
export function applyBaseline(
  results: readonly FileResult[],
  ids: ReadonlyMap<Diagnostic, LineIdentity>,
  entries: readonly BaselineEntry[],
  scope: BaselineScope,
): { results: FileResult[]; suppressed: number; stale: BaselineEntry[] } {
  const remaining = new Map<string, BaselineEntry[]>();
  for (const e of entries) {
    const key = matchKey(e.file, e.code, e.fingerprint);
    remaining.set(key, [...(remaining.get(key) ?? []), e]);
  }
  let suppressed = 0;
  const kept = results.map((r) => {
    const diagnostics = r.diagnostics.filter((d) => {
      const e = entryFor(r, d, ids, scope);
      const left = remaining.get(matchKey(e.file, e.code, e.fingerprint));
      if (!left || left.length === 0) return true;
      left.pop();
      suppressed++;
      return false;
    });
    return diagnostics.length === r.diagnostics.length ? r : { ...r, diagnostics };
  });
  const stale = [...remaining.values()].flat().filter((e) => scope.covers(e.file, e.code)).sort(compareEntries);
  return { results: kept, suppressed, stale };
}

/**
 * The baseline after this run: every current finding, plus the old entries this run did not cover (so recording a
 * sub-folder or a `--select` subset leaves the rest of the baseline alone).
 */
export function updateBaseline(
  results: readonly FileResult[],
  ids: ReadonlyMap<Diagnostic, LineIdentity>,
  previous: readonly BaselineEntry[],
  scope: BaselineScope,
): BaselineEntry[] {
  const kept = previous.filter((e) => !scope.covers(e.file, e.code));
  const current = results.flatMap((r) => r.diagnostics.map((d) => entryFor(r, d, ids, scope)));
  return [...kept, ...current].sort(compareEntries);
}

/** Stale entries printed one per line before the rest are summed up. */
const STALE_SHOWN = 20;
/** Problems after which a file counts as not linted: its old findings are neither matched nor stale. */
const NOT_LINTED = new Set(['read', 'decode', 'notebook', 'limit', 'rule-crash']);

function relativeKey(fromDir: string, abs: string): string {
  const rel = relative(fromDir, abs);
  const shown = rel === '' || isAbsolute(rel) ? abs : rel;
  return sep === '/' ? shown : shown.split(sep).join('/');
}

/**
 * `check --baseline FILE [--update-baseline]`: records the findings (with `update`) and hides the recorded ones,
 * printing one line on stderr per stale entry. Returns the results to report.
 * @param enabledCodes the rule codes that ran on a file (after per-file ignores).
 */
export function runBaseline(
  file: string,
  update: boolean,
  results: readonly FileResult[],
  ids: ReadonlyMap<Diagnostic, LineIdentity>,
  enabledCodes: (absPath: string) => readonly string[],
  io: Pick<CliIO, 'cwd' | 'stderr'>,
): FileResult[] {
  const path = resolve(io.cwd, file);
  const dir = dirname(path);
  const linted = new Map<string, FileResult>();
  for (const r of results) {
    if (!r.problems.some((p) => NOT_LINTED.has(p.kind))) linted.set(relativeKey(dir, r.absPath), r);
  }
  const scope: BaselineScope = {
    keyOf: (r) => relativeKey(dir, r.absPath),
    covers: (key, code) => {
      const r = linted.get(key);
      return r !== undefined && enabledCodes(r.absPath).includes(code);
    },
  };
  let entries = update && !existsSync(path) ? [] : readBaseline(path, file);
  if (update) {
    entries = updateBaseline(results, ids, entries, scope);
    writeBaseline(path, file, entries);
    io.stderr(`mlops-lint: baseline: recorded ${entries.length} finding${entries.length === 1 ? '' : 's'} in ${file}\n`);
  }
  const applied = applyBaseline(results, ids, entries, scope);
  for (const e of applied.stale.slice(0, STALE_SHOWN)) {
    io.stderr(`mlops-lint: baseline: stale entry ${e.code} in ${e.file} matches no finding (${e.line}); --update-baseline drops it\n`);
  }
  if (applied.stale.length > STALE_SHOWN) {
    io.stderr(`mlops-lint: baseline: ${applied.stale.length - STALE_SHOWN} more stale entries; --update-baseline drops them\n`);
  }
  return applied.results;
}
