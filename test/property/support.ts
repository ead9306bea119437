import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { findNodeAtLocation, parseTree } from 'jsonc-parser';
import { lintText, type ConfiguredRule, type FileResult, type FixMode } from '@mlops-lint/core';
import { loadBackend, SourceError, SourceFile, type BackendName, type ParserBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
import { REPO } from '../helpers.js';

/**
 * Shared pieces of the property suites: the fixed seed and bounded run counts CI uses, the long run's larger
 * counts (`MLOPS_LINT_FUZZ_RUNS`, see `long-run.mjs`), the inputs (every rule's fixture files), and the engine
 * calls the properties compare.
 */

/** Runs per property: the CI count, or `MLOPS_LINT_FUZZ_RUNS` for the long run. */
export function runs(ciRuns: number): number {
  const override = Number(process.env['MLOPS_LINT_FUZZ_RUNS'] ?? '');
  return Number.isInteger(override) && override > 0 ? override : ciRuns;
}

/** One seed for every suite, so a CI failure replays exactly; the long run passes its own. */
export const SEED = Number(process.env['MLOPS_LINT_FUZZ_SEED'] ?? '') || 20_250_901;

/** A test's time limit for `n` runs at about `msPerRun` each (the long run is given what it needs). */
export function timeoutFor(n: number, msPerRun: number): number {
  return Math.max(60_000, n * msPerRun * 3);
}

/** fast-check parameters: fixed seed, bounded runs, and no shrinking budget blow-up on slow properties. */
export function params(ciRuns: number, name: string): fc.Parameters<unknown> {
  const numRuns = runs(ciRuns);
  return {
    seed: SEED,
    numRuns,
    reporter: (details) => {
      record(name, details.numRuns, details.failed, details.failed ? fc.defaultReportMessage(details) : null);
      if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? `property ${name} failed`);
    },
  };
}

/** Appends one line per property to the long run's report (`MLOPS_LINT_FUZZ_REPORT`); nothing in CI. */
function record(name: string, numRuns: number, failed: boolean, message: string | null | undefined): void {
  const file = process.env['MLOPS_LINT_FUZZ_REPORT'];
  if (!file) return;
  appendFileSync(file, `${JSON.stringify({ property: name, runs: numRuns, seed: SEED, failed, message: message ?? null })}\n`);
}

export interface Fixture {
  /** Relative to the repository, forward slashes. */
  path: string;
  text: string;
  notebook: boolean;
}

let fixtureCache: Fixture[] | null = null;

/** Every rule's fixture files (inputs and expected outputs alike: all are Python someone could write), sorted. */
export function fixtures(): Fixture[] {
  if (fixtureCache) return fixtureCache;
  const root = join(REPO, 'packages/rules/tests/fixtures');
  const out: Fixture[] = [];
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(py|ipynb)$/.test(entry.name)) continue;
    const abs = join(entry.parentPath, entry.name);
    out.push({ path: relative(REPO, abs).split('\\').join('/'), text: readFileSync(abs, 'utf8'), notebook: entry.name.endsWith('.ipynb') });
  }
  fixtureCache = out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return fixtureCache;
}

/** Every file-scope rule, as a default configuration enables it. */
export const ALL_RULES: readonly ConfiguredRule[] = rules
  .filter((rule) => rule.meta.scope === 'file')
  .map((rule) => ({ rule, severity: rule.meta.severity, options: [] }));

export async function backend(name: BackendName): Promise<ParserBackend> {
  return loadBackend(name);
}

/** Lints a text in memory with every rule, the pre-filter on, as the CLI does. */
export function lint(text: string, path: string, parser: ParserBackend, fix: FixMode = 'none'): FileResult {
  return lintText(text, { absPath: `/fuzz/${path}`, displayPath: path }, { backend: parser, rulesFor: () => ALL_RULES, fix, prefilter: true });
}

/** What a run reports, as plain data for equality checks (offsets and locations, messages, fixes, problems). */
export function comparable(result: FileResult): unknown {
  return {
    diagnostics: result.diagnostics.map(({ code, messageId, message, cell, line, column, endLine, endColumn, start, end, fix, suggestions }) => ({
      code,
      messageId,
      message,
      cell,
      line,
      column,
      endLine,
      endColumn,
      start,
      end,
      fix,
      suggestions,
    })),
    problems: result.problems.map(({ kind, message, line, column, cell }) => ({ kind, message, line, column, cell })),
    output: result.output ?? null,
    fixed: result.fixed,
  };
}

/** Problems that mean the engine failed rather than the input: a rule crash, or a message that is not one line. */
export function engineFailures(result: FileResult): string[] {
  const out: string[] = [];
  for (const p of result.problems) {
    if (p.kind === 'rule-crash') out.push(p.message);
    else if (/[\r\n]/.test(p.message)) out.push(`multi-line problem: ${JSON.stringify(p.message)}`);
  }
  return out;
}

/**
 * How badly a text parses: the number of ERROR nodes (at least 1 when the tree has any error), or Infinity when it
 * cannot be read as source at all (a notebook that is no longer a notebook).
 */
export function syntaxErrors(text: string, path: string, parser: ParserBackend): number {
  let file: SourceFile;
  try {
    file = SourceFile.parse(parser, path, text);
  } catch (error) {
    if (error instanceof SourceError) return Infinity;
    throw error;
  }
  try {
    const root = file.tree.rootNode;
    return root.hasError ? Math.max(1, root.descendantsOfType('ERROR').length) : 0;
  } finally {
    file.release();
  }
}

/**
 * A notebook's text with every cell's `source` value cut out: two notebooks that differ only inside sources give the
 * same skeleton, byte for byte (outputs, metadata, key order, indentation, final newline, BOM). Null when the text
 * is not a JSON object with a `cells` list.
 */
export function notebookSkeleton(text: string): string | null {
  const json = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const tree = parseTree(json);
  const cells = tree?.type === 'object' ? findNodeAtLocation(tree, ['cells']) : undefined;
  if (!cells || cells.type !== 'array') return null;
  const cuts: Array<[number, number]> = [];
  for (const cell of cells.children ?? []) {
    if (cell.type !== 'object') continue;
    const source = findNodeAtLocation(cell, ['source']);
    if (source) cuts.push([source.offset, source.offset + source.length]);
  }
  let out = '';
  let last = 0;
  for (const [start, end] of cuts) {
    out += `${json.slice(last, start)}<source>`;
    last = end;
  }
  return text.slice(0, text.length - json.length) + out + json.slice(last);
}
