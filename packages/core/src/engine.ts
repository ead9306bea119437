import { readFileSync, statSync } from 'node:fs';
import { chmod, chown, realpath, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { applyNotebookEdits, decodeSource, isNotebookPath, NotebookError, SourceError, SourceFile, type Directives, type ParserBackend, type PreparedSource } from '@mlops-lint/parser';
import type { Diagnostic, FileProblem } from './diagnostic.js';
import { applyEdits } from './fixer.js';
import { lintSource, RuleCrashError, type ConfiguredRule, type LintOutput } from './linter.js';
import { PeriodicGc } from './periodic-gc.js';
import { rulesForText } from './prefilter.js';
import type { Applicability, Edit, ProjectFacts } from './rule.js';

export type FixMode = 'none' | 'safe' | 'unsafe';

export interface EngineOptions {
  backend: ParserBackend;
  /** The rules that apply to a file (per-file ignores already taken into account). */
  rulesFor(file: { absPath: string; displayPath: string }): readonly ConfiguredRule[];
  fix?: FixMode;
  /** With a fix mode, write fixed files to disk (false for `--diff`). */
  write?: boolean;
  project?: ProjectFacts | null;
  /** Skip rules whose textual triggers are absent (default true). */
  prefilter?: boolean;
  /** Run project-scope rules' per-file visitors too (project runs; see `LintOptions.projectRules`). */
  projectRules?: boolean;
  /**
   * Files larger than this many bytes are skipped with a one-line problem (default {@link DEFAULT_MAX_FILE_SIZE}):
   * a `.py` file by its size on disk, before it is read; a notebook by the size of its code cells (its outputs do
   * not count), and unread past {@link MAX_NOTEBOOK_FILE_SIZE}.
   */
  maxFileSize?: number;
  /**
   * Called with each parsed version of a file right after it was linted (the last call is the version whose
   * findings are returned), before its tree is released; the worker pool takes the tree's snapshot from here.
   */
  onSource?: (source: SourceFile) => void;
}

export interface FileResult {
  displayPath: string;
  absPath: string;
  diagnostics: Diagnostic[];
  problems: FileProblem[];
  /** Number of fixes applied (or that would be, without `write`). */
  fixed: number;
  /** Original and fixed text, when fixes changed the file. */
  original?: string;
  output?: string;
  /** Whether the file was parsed at all (false when the pre-filter skipped it). */
  parsed: boolean;
  lines: number;
  /** The `# noqa` directives of the parsed file (project runs apply them to findings reported after the walk). */
  directives?: Directives;
}

const MAX_FIX_PASSES = 10;
/** How often the walk over many files yields, so the native binding's trees are freed (see ARCHITECTURE.md). */
const YIELD_EVERY = 32;

/** Lints (and optionally fixes) files from disk, one after another. */
export async function lintFiles(files: ReadonlyArray<{ absPath: string; displayPath: string }>, options: EngineOptions): Promise<FileResult[]> {
  const results: FileResult[] = [];
  const memory = new PeriodicGc();
  let n = 0;
  for (const file of files) {
    results.push(await lintFile(file, options));
    memory.fileDone();
    if (++n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return results;
}

/** Reads, lints and optionally fixes and writes one file. Never throws for bad input; problems are returned. */
export async function lintFile(file: { absPath: string; displayPath: string }, options: EngineOptions): Promise<FileResult> {
  const base: FileResult = { displayPath: file.displayPath, absPath: file.absPath, diagnostics: [], problems: [], fixed: 0, parsed: false, lines: 0 };
  let bytes: Buffer;
  try {
    // Sized before it is read: a 2 GB file must cost a stat, not the memory to hold it. Synchronous on purpose:
    // the file is needed before anything else can happen, and a thread-pool round trip per file left the linting
    // thread idle for 10-15% of a run.
    const info = statSync(file.absPath);
    if (!info.isFile()) {
      base.problems.push(problem(file.displayPath, 'read', 'not a regular file; skipped'));
      return base;
    }
    const notebook = isNotebookPath(file.absPath);
    const limit = notebook ? MAX_NOTEBOOK_FILE_SIZE : (options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE);
    if (info.size > limit) {
      base.problems.push(problem(file.displayPath, 'limit', tooLarge(notebook ? 'notebook' : 'file', info.size, limit)));
      return base;
    }
    bytes = readFileSync(file.absPath);
  } catch (error) {
    base.problems.push(problem(file.displayPath, 'read', describeFsError(error)));
    return base;
  }
  let decoded;
  try {
    decoded = decodeSource(bytes);
  } catch (error) {
    if (error instanceof SourceError) {
      base.problems.push(problem(file.displayPath, 'decode', error.message));
      return base;
    }
    throw error;
  }
  const result = lintText(decoded.text, { ...file, bom: decoded.bom }, options);
  if (result.output !== undefined && options.write && result.output !== result.original) {
    try {
      await writeAtomic(file.absPath, (decoded.bom ? '\uFEFF' : '') + result.output);
    } catch (error) {
      // The file is as it was, so its findings are the unfixed text's: report those, not the fixed text's.
      const unfixed = lintText(decoded.text, { ...file, bom: decoded.bom }, { ...options, fix: 'none' });
      unfixed.problems.push(problem(file.displayPath, 'write', `could not write fixes: ${describeFsError(error)}`));
      return unfixed;
    }
  }
  return result;
}

/** Lints (and fixes, in memory) one text. `text` is the notebook JSON for `.ipynb` paths. */
export function lintText(text: string, file: { absPath: string; displayPath: string; bom?: boolean }, options: EngineOptions): FileResult {
  const result: FileResult = { displayPath: file.displayPath, absPath: file.absPath, diagnostics: [], problems: [], fixed: 0, parsed: false, lines: 0 };
  let prepared: PreparedSource;
  try {
    prepared = SourceFile.prepare(file.displayPath, text, { bom: file.bom ?? false });
  } catch (error) {
    if (error instanceof SourceError) {
      result.problems.push(problem(file.displayPath, error.limit ? 'limit' : 'notebook', error.message));
      return result;
    }
    throw error;
  }
  const maxSize = options.maxFileSize ?? DEFAULT_MAX_FILE_SIZE;
  // UTF-16 length never exceeds the UTF-8 size, so only texts near the limit pay for counting bytes.
  if (prepared.code.length > maxSize / 3) {
    const size = Buffer.byteLength(prepared.code);
    if (size > maxSize) {
      result.problems.push(problem(file.displayPath, 'limit', tooLarge(prepared.kind === 'notebook' ? 'notebook code' : 'file', size, maxSize)));
      return result;
    }
  }
  const all = options.rulesFor(file);
  const rules = options.prefilter === false ? [...all] : rulesForText(all, prepared.code, file.displayPath);
  result.lines = countLines(prepared.code);
  if (rules.length === 0) return result;
  result.parsed = true;

  const mode = options.fix ?? 'none';
  const allowed = (a: Applicability): boolean => a === 'safe' || (a === 'unsafe' && mode === 'unsafe');
  const eol = prepared.kind !== 'python' ? '\n' : !text.includes('\n') && text.includes('\r') ? '\r' : /\r\n/.test(text) && !/(^|[^\r])\n/.test(text) ? '\r\n' : '\n';

  let current = text;
  let currentPrepared = prepared;
  let out: LintOutput | null = null;
  for (let pass = 0; ; pass++) {
    // One version, linted once: the binding's tree can go as soon as the rules' snapshot of it exists.
    const source = SourceFile.fromPrepared(options.backend, currentPrepared, undefined, { keepTree: false });
    try {
      out = lintOnce(source, rules, file, options, result);
      options.onSource?.(source);
      if (!out) return result;
      if (mode === 'none') break;
      const fixes = out.diagnostics.filter((d) => d.fix && allowed(d.fix.applicability));
      if (fixes.length === 0) break;
      if (pass >= MAX_FIX_PASSES) {
        result.problems.push(problem(file.displayPath, 'fix', `fixes did not settle after ${MAX_FIX_PASSES} passes; stopped`));
        break;
      }
      const next = applyFixes(source, current, fixes, eol, options.backend);
      if (!next) break;
      result.fixed += next.count;
      current = next.text;
      currentPrepared = SourceFile.prepare(file.displayPath, current, { bom: prepared.bom });
    } finally {
      source.release();
    }
  }
  result.diagnostics = out.diagnostics;
  result.directives = out.directives;
  result.problems.push(...out.problems);
  if (current !== text) {
    result.original = text;
    result.output = current;
  }
  return result;
}

function lintOnce(
  source: SourceFile,
  rules: readonly ConfiguredRule[],
  file: { absPath: string; displayPath: string },
  options: EngineOptions,
  result: FileResult,
): LintOutput | null {
  const displayPath = file.displayPath;
  try {
    return lintSource(source, rules, { filename: displayPath, absPath: file.absPath, project: options.project ?? null, projectRules: options.projectRules ?? false });
  } catch (error) {
    if (error instanceof RuleCrashError) {
      result.problems.push({ file: displayPath, line: error.line, column: null, cell: null, kind: 'rule-crash', message: error.message });
      return null;
    }
    throw error;
  }
}

/**
 * Applies one pass of non-overlapping fixes. Returns null when nothing could be applied. A set of fixes whose
 * result parses worse than the input is retried one fix at a time, keeping only fixes that add no syntax error.
 */
function applyFixes(
  source: SourceFile,
  text: string,
  fixes: Diagnostic[],
  eol: string,
  backend: ParserBackend,
): { text: string; count: number } | null {
  const chosen: Edit[][] = [];
  const taken = new TakenEdits();
  const sorted = [...fixes].sort((a, b) => (a.fix?.edits[0]?.start ?? 0) - (b.fix?.edits[0]?.start ?? 0));
  for (const d of sorted) {
    const edits = (d.fix?.edits ?? []).map((e) => (eol === '\n' ? e : { ...e, text: e.text.replace(/\r?\n/g, eol) }));
    if (edits.some((e) => taken.overlapsAny(e))) continue;
    chosen.push(edits);
    for (const e of edits) taken.add(e);
  }
  const baseline = errorCount(source.root);
  const build = (groups: Edit[][]): string | null => {
    const edits = groups.flat().sort((a, b) => a.start - b.start || a.end - b.end);
    try {
      return source.notebook ? applyNotebookEdits(source.notebook, edits) : applyEdits(text, edits);
    } catch (error) {
      if (error instanceof NotebookError) return null;
      throw error;
    }
  };
  const parsesNoWorse = (candidate: string): boolean => {
    let prepared;
    try {
      prepared = SourceFile.prepare(source.path, candidate, { kind: source.kind });
    } catch {
      return false;
    }
    const tree = backend.parse(prepared.code);
    try {
      return errorCount(tree.rootNode) <= baseline;
    } finally {
      backend.release(tree);
    }
  };
  const all = build(chosen);
  if (all !== null && parsesNoWorse(all)) return all === text ? null : { text: all, count: chosen.length };
  // Some fix breaks the syntax: keep the ones that do not. Halving the rejected set finds the bad fixes in
  // O(k log n) re-parses for k bad fixes among n, where trying them one at a time re-parsed the file n times.
  const good: Edit[][] = [];
  const keep = (groups: Edit[][]): void => {
    if (groups.length === 0) return;
    const candidate = build([...good, ...groups]);
    if (candidate !== null && parsesNoWorse(candidate)) {
      good.push(...groups);
      return;
    }
    if (groups.length === 1) return;
    keep(groups.slice(0, groups.length >> 1));
    keep(groups.slice(groups.length >> 1));
  };
  if (chosen.length > 1) {
    keep(chosen.slice(0, chosen.length >> 1));
    keep(chosen.slice(chosen.length >> 1));
  }
  if (good.length === 0) return null;
  const result = build(good);
  return result === null || result === text ? null : { text: result, count: good.length };
}

/**
 * The edits chosen so far in one fix pass, sorted by start (then end). They never overlap one another, so their
 * ends are sorted too, and a new edit is checked against its neighbours only: thousands of fixes in one file
 * (a long generated script) cost n log n, not n².
 */
class TakenEdits {
  private readonly edits: Edit[] = [];

  overlapsAny(edit: Edit): boolean {
    // The first taken edit that ends at or after `edit` starts; every earlier one ends before it.
    let low = 0;
    let high = this.edits.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.edits[mid] as Edit).end < edit.start) low = mid + 1;
      else high = mid;
    }
    for (let i = low; i < this.edits.length; i++) {
      const taken = this.edits[i] as Edit;
      if (taken.start > edit.end) break;
      if (overlaps(edit, taken)) return true;
    }
    return false;
  }

  add(edit: Edit): void {
    let low = 0;
    let high = this.edits.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      const other = this.edits[mid] as Edit;
      if (other.start < edit.start || (other.start === edit.start && other.end <= edit.end)) low = mid + 1;
      else high = mid;
    }
    this.edits.splice(low, 0, edit);
  }
}

/** The default of `max-file-size`: larger files are skipped, not linted. */
export const DEFAULT_MAX_FILE_SIZE = 10 * 1024 * 1024;
/** Notebooks larger than this are not read at all (their outputs can be large; their code cells rarely are). */
export const MAX_NOTEBOOK_FILE_SIZE = 256 * 1024 * 1024;

function tooLarge(what: string, size: number, limit: number): string {
  return `${what} too large (${formatSize(size)} > ${formatSize(limit)} limit); skipped`;
}

/** `50 MB`, `10.5 MB`, `2.3 KB`, `900 B` (binary units, as `max-file-size` reads them). */
export function formatSize(bytes: number): string {
  const [value, unit] = bytes >= 1024 * 1024 ? [bytes / (1024 * 1024), 'MB'] : bytes >= 1024 ? [bytes / 1024, 'KB'] : [bytes, 'B'];
  return `${Math.round(value * 10) / 10} ${unit}`;
}

function overlaps(a: Edit, b: Edit): boolean {
  // Two insertions at the same point would depend on order: treat them as overlapping too.
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end;
}

function errorCount(root: { hasError: boolean; descendantsOfType(t: string): unknown[] }): number {
  if (!root.hasError) return 0;
  return Math.max(1, root.descendantsOfType('ERROR').length);
}

function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function problem(file: string, kind: FileProblem['kind'], message: string): FileProblem {
  return { file, line: null, column: null, cell: null, kind, message };
}

/** A one-line reason for a failed file operation. */
export function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file (deleted while linting?)';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'is a directory';
    case 'EROFS':
      return 'read-only file system';
    default:
      return (error as Error | undefined)?.message?.split('\n')[0] ?? String(error);
  }
}

/**
 * Writes a file by temp file + rename so a crash never leaves it half-written; keeps the file's mode. A path that
 * is a symbolic link is written through: the link's target gets the new content and the link stays a link.
 */
export async function writeAtomic(linkOrPath: string, content: string): Promise<void> {
  const path = await realpath(linkOrPath);
  const info = await stat(path);
  // Rename would replace a read-only file as long as its folder is writable; respect the file's own mode.
  if ((info.mode & 0o222) === 0) throw Object.assign(new Error('file is read-only'), { code: 'EACCES' });
  const temp = join(dirname(path), `.${basename(path)}.mlops-lint-${process.pid}-${Date.now()}.tmp`);
  try {
    await writeFile(temp, content, { mode: info.mode & 0o7777, flag: 'wx' });
    await chmod(temp, info.mode & 0o7777);
    // Keep the owner too where we may (root fixing someone's checkout); anyone else keeps their own files anyway.
    if (info.uid !== process.getuid?.() || info.gid !== process.getgid?.()) await chown(temp, info.uid, info.gid).catch(() => undefined);
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}
