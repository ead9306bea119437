/**
 * A project run (`check <dir>`, `audit`): lints the Python files and notebooks with every rule, project-scope rules'
 * per-file visitors included, then runs the project hooks, locates their findings in any project file (manifests,
 * `.gitignore`, binary artifacts), applies `# noqa` and per-file ignores to them, applies their fixes through the
 * same atomic, idempotent machinery, and merges everything into one sorted list of file results.
 */
import { rename, unlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { LineIndex, parseDirectives, suppresses, type Directives, type ParserBackend } from '@mlops-lint/parser';
import type { Diagnostic, FileProblem } from '../diagnostic.js';
import { compareDiagnostics } from '../diagnostic.js';
import { describeFsError, lintFiles, writeAtomic, type EngineOptions, type FileResult, type FixMode } from '../engine.js';
import type { ConfiguredRule } from '../linter.js';
import {
  interpolate,
  type Applicability,
  type Fix,
  type LocatedEdit,
  type ProjectEdit,
  type ProjectFacts,
  type ProjectReportDescriptor,
  type ProjectVisitors,
  type RuleContext,
  type Visitors,
} from '../rule.js';
import type { Project } from './project.js';

export interface ProjectRunOptions {
  project: Project;
  /** The Python files and notebooks to lint. */
  files: ReadonlyArray<{ absPath: string; displayPath: string }>;
  backend: ParserBackend;
  /** The rules that apply to a file (per-file ignores applied); asked for project findings' files too. */
  rulesFor(file: { absPath: string; displayPath: string }): readonly ConfiguredRule[];
  /** Every rule enabled for the run (before per-file ignores): the project hooks run for its project rules. */
  enabled: readonly ConfiguredRule[];
  /** The path shown for an absolute path (relative to the working directory, forward slashes). */
  displayPath(abs: string): string;
  fix?: FixMode;
  /** With a fix mode, write fixed files (false for `--diff`). */
  write?: boolean;
  prefilter?: boolean;
  /** Facts for file-scope rules; default `project.facts()`. */
  facts?: ProjectFacts;
  /** More rules run on every file and never pre-filtered away (the audit's collectors). They must not report. */
  extraRules?: readonly ConfiguredRule[];
  settings?: Record<string, unknown>;
  /** Lints the files (default `lintFiles`; the CLI passes the worker pool and cache, `lintFilesWith`). */
  runner?: (files: ReadonlyArray<{ absPath: string; displayPath: string }>, options: EngineOptions) => Promise<FileResult[]>;
}

export interface ProjectRunResult {
  /** Sorted by path; project findings merged in; files that only project rules reported on or fixed included. */
  results: FileResult[];
  /** Problems of the run itself: manifests that do not parse, project hooks that crashed, writes that failed. */
  problems: FileProblem[];
}

const MAX_PROJECT_FIX_PASSES = 10;

interface Pending {
  configured: ConfiguredRule;
  descriptor: ProjectReportDescriptor;
}

/** Runs every rule over a project. See the module comment. */
export async function lintProject(opts: ProjectRunOptions): Promise<ProjectRunResult> {
  const { project } = opts;
  const problems: FileProblem[] = [];
  const pending: Pending[] = [];
  const hooks = new Map<string, { configured: ConfiguredRule; visitors: ProjectVisitors }>();
  const display = (file: string): string => opts.displayPath(project.absolute(file));
  const absOfShown = new Map(opts.files.map((f) => [f.displayPath, f.absPath]));

  for (const configured of opts.enabled) {
    const { rule } = configured;
    if (rule.meta.scope !== 'project' || !rule.createProject) continue;
    try {
      const visitors = rule.createProject(
        {
          project,
          settings: opts.settings ?? {},
          report: (descriptor) => {
            pending.push({ configured, descriptor });
          },
        },
        configured.options,
      );
      hooks.set(rule.meta.code, { configured, visitors });
    } catch (error) {
      problems.push(crash(rule.meta.code, display(''), error));
    }
  }

  // Project rules with a project hook run their per-file visitors through it; the others through `create`.
  const bound = new WeakMap<readonly ConfiguredRule[], ConfiguredRule[]>();
  const extra = opts.extraRules ?? [];
  const rulesFor = (file: { absPath: string; displayPath: string }): ConfiguredRule[] => {
    const base = opts.rulesFor(file);
    let list = bound.get(base);
    if (!list) {
      list = [];
      for (const configured of base) {
        const h = hooks.get(configured.rule.meta.code);
        if (configured.rule.meta.scope === 'project' && configured.rule.createProject) {
          const fileHook = h?.visitors.file;
          if (fileHook) list.push({ ...configured, visitors: (context: RuleContext): Visitors => fileHook(context) });
        } else list.push(configured);
      }
      list.push(...extra);
      bound.set(base, list);
    }
    return list;
  };

  const results = await (opts.runner ?? lintFiles)(opts.files, {
    backend: opts.backend,
    rulesFor,
    fix: opts.fix ?? 'none',
    write: opts.write ?? false,
    project: opts.facts ?? project.facts(),
    prefilter: opts.prefilter ?? true,
    projectRules: true,
  });
  const byDisplay = new Map(results.map((r) => [r.displayPath, r]));

  const runExits = (): void => {
    pending.length = 0;
    for (const [code, { visitors }] of hooks) {
      const exit = visitors['project:exit'];
      if (!exit) continue;
      try {
        exit();
      } catch (error) {
        if (error instanceof TypeError && /^rule /.test(error.message)) throw error;
        problems.push(crash(code, display(''), error));
      }
    }
  };
  runExits();

  const collect = (): Located[] => {
    const out: Located[] = [];
    const fileTexts = new Map<string, Directives | null>();
    for (const p of pending) {
      const d = toDiagnostic(p, opts, display, absOfShown);
      if (!opts.rulesFor({ absPath: d.absPath, displayPath: d.diagnostic.file }).some((c) => c.rule.meta.code === p.configured.rule.meta.code)) continue;
      if (isSuppressed(d, byDisplay, fileTexts, project)) continue;
      out.push(d);
    }
    return out;
  };
  let located = collect();

  // Project fixes: apply, let the hooks look again (they see the overlay), until nothing is left to fix.
  const mode = opts.fix ?? 'none';
  const allowed = (a: Applicability): boolean => a === 'safe' || (a === 'unsafe' && mode === 'unsafe');
  const originals = new Map<string, string | null>();
  const fixedCount = new Map<string, number>();
  if (mode !== 'none') {
    for (let pass = 0; ; pass++) {
      const fixes = located.filter((d) => d.diagnostic.fix && allowed(d.diagnostic.fix.applicability));
      if (fixes.length === 0) break;
      if (pass >= MAX_PROJECT_FIX_PASSES) {
        problems.push({ file: display(''), line: null, column: null, cell: null, kind: 'fix', message: `project fixes did not settle after ${MAX_PROJECT_FIX_PASSES} passes; stopped` });
        break;
      }
      const applied = applyProjectFixes(fixes, project, byDisplay, originals, fixedCount, display);
      if (applied === 0) break;
      runExits();
      located = collect();
    }
  }

  // Write what the fixes changed (or keep it for `--diff`), and record it on the file's result.
  for (const [file, original] of originals) {
    const output = project.readText(file) ?? '';
    if (output === (original ?? '')) continue;
    const abs = project.absolute(file);
    const shown = display(file);
    let result = byDisplay.get(shown);
    if (!result) {
      result = { displayPath: shown, absPath: abs, diagnostics: [], problems: [], fixed: 0, parsed: false, lines: countLines(output) };
      byDisplay.set(shown, result);
      results.push(result);
    }
    result.original = original ?? '';
    result.output = output;
    result.fixed += fixedCount.get(file) ?? 0;
    if (opts.write) {
      try {
        if (original === null && !existsSync(abs)) await createAtomic(abs, output);
        else await writeAtomic(abs, output);
      } catch (error) {
        result.problems.push({ file: shown, line: null, column: null, cell: null, kind: 'write', message: `could not write fixes: ${describeFsError(error)}` });
        result.fixed = 0;
      }
    }
  }

  for (const { diagnostic: d, absPath, projectFile } of located) {
    let result = byDisplay.get(d.file);
    if (!result) {
      const text = projectFile === null ? null : project.readText(projectFile);
      result = { displayPath: d.file, absPath, diagnostics: [], problems: [], fixed: 0, parsed: false, lines: text === null ? 0 : countLines(text) };
      byDisplay.set(d.file, result);
      results.push(result);
    }
    result.diagnostics.push(d);
  }
  for (const r of results) r.diagnostics.sort(compareDiagnostics);
  results.sort((a, b) => (a.displayPath < b.displayPath ? -1 : a.displayPath > b.displayPath ? 1 : 0));

  for (const p of project.problems) {
    problems.push({ file: display(p.file), line: p.line, column: p.column, cell: null, kind: 'syntax', message: p.message });
  }
  return { results, problems };
}

function crash(code: string, where: string, error: unknown): FileProblem {
  const message = error instanceof Error ? error.message : String(error);
  return { file: where, line: null, column: null, cell: null, kind: 'rule-crash', message: `rule ${code} crashed on the project: ${message.split('\n')[0]}` };
}

interface Located {
  diagnostic: Diagnostic;
  absPath: string;
  /** Project-relative path, or null for a finding located by a node (a Python file). */
  projectFile: string | null;
  /** The fix's edits as the rule made them (project-relative), for the fix pass. */
  fixEdits: ProjectEdit[] | null;
}

function toDiagnostic(p: Pending, opts: ProjectRunOptions, display: (file: string) => string, absOfShown: ReadonlyMap<string, string>): Located {
  const { configured, descriptor } = p;
  const { rule, severity } = configured;
  const meta = rule.meta;
  const project = opts.project;
  const messageOf = (messageId: string, data: Record<string, string | number> | undefined): string => {
    const template = (meta.messages as Record<string, string>)[messageId];
    if (template === undefined) throw new TypeError(`rule ${meta.code} (${meta.name}): unknown messageId "${messageId}"`);
    return interpolate(template, data);
  };

  let file: string;
  let absPath: string;
  let projectFile: string | null = null;
  let cell: number | null = null;
  let line: number;
  let column: number;
  let endLine: number;
  let endColumn: number;
  let start: number;
  let end: number;
  if (descriptor.at) {
    const at = descriptor.at;
    file = at.file;
    absPath = absOfShown.get(at.file) ?? path.resolve(at.file);
    ({ cell, line, column, endLine, endColumn, start, end } = at);
  } else if (descriptor.file !== undefined) {
    projectFile = descriptor.file;
    file = display(projectFile);
    absPath = project.absolute(projectFile);
    const text = project.readText(projectFile);
    const index = text === null ? null : new LineIndex(text);
    if (descriptor.range && index) {
      [start, end] = descriptor.range;
      const a = index.positionAt(start);
      const b = index.positionAt(end);
      line = a.line + 1;
      column = a.column + 1;
      endLine = b.line + 1;
      endColumn = b.column + 1;
    } else {
      line = descriptor.line ?? 1;
      column = descriptor.column ?? 1;
      endLine = descriptor.endLine ?? line;
      endColumn = descriptor.endColumn ?? column;
      start = index ? index.offsetAt(line - 1, column - 1) : 0;
      end = index ? index.offsetAt(endLine - 1, endColumn - 1) : 0;
    }
  } else {
    throw new TypeError(`rule ${meta.code} (${meta.name}): a project report needs \`at\` or \`file\``);
  }

  const locate = (edits: ProjectEdit[]): LocatedEdit[] =>
    [...edits]
      .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.start - b.start))
      .map((e) => {
        const text = project.readText(e.file) ?? '';
        const index = new LineIndex(text);
        const a = index.positionAt(e.start);
        const b = index.positionAt(e.end);
        const shown = display(e.file);
        const located: LocatedEdit = { start: e.start, end: e.end, text: e.text, line: a.line + 1, column: a.column + 1, endLine: b.line + 1, endColumn: b.column + 1 };
        if (shown !== file) located.file = shown;
        return located;
      });
  const editsOf = (make: () => ProjectEdit | ProjectEdit[] | null): ProjectEdit[] | null => {
    const made = make();
    if (!made) return null;
    const list = Array.isArray(made) ? made : [made];
    return list.length === 0 ? null : list;
  };

  let fix: Fix | null = null;
  let fixEdits: ProjectEdit[] | null = null;
  if (descriptor.fix) {
    if (meta.fix !== 'safe' && meta.fix !== 'unsafe') throw new TypeError(`rule ${meta.code} (${meta.name}): reported a fix but meta.fix is "${meta.fix}"`);
    const applicability = descriptor.fix.applicability ?? meta.fix;
    if (applicability === 'safe' && meta.fix !== 'safe') throw new TypeError(`rule ${meta.code} (${meta.name}): a safe fix from a rule declared "${meta.fix}"`);
    const fixDescriptor = descriptor.fix;
    fixEdits = editsOf(() => fixDescriptor.edits());
    if (fixEdits) fix = { applicability, message: messageOf(fixDescriptor.messageId, fixDescriptor.data), edits: locate(fixEdits) };
  }
  const suggestions: Fix[] = [];
  for (const s of descriptor.suggest ?? []) {
    if (meta.fix === 'none') throw new TypeError(`rule ${meta.code} (${meta.name}): a suggestion from a rule declared fix "none"`);
    const edits = editsOf(() => s.edits());
    if (edits) suggestions.push({ applicability: 'suggestion', message: messageOf(s.messageId, s.data), edits: locate(edits) });
  }
  const diagnostic: Diagnostic = {
    code: meta.code,
    name: meta.name,
    severity,
    message: messageOf(descriptor.messageId, descriptor.data),
    messageId: descriptor.messageId,
    file,
    cell,
    line,
    column,
    endLine,
    endColumn,
    start,
    end,
    fix,
    suggestions,
    related: [],
  };
  return { diagnostic, absPath, projectFile, fixEdits: fix ? fixEdits : null };
}

/** `# noqa` on the finding's line: the parsed file's directives for Python, `#` comments for text manifests. */
function isSuppressed(located: Located, byDisplay: Map<string, FileResult>, cache: Map<string, Directives | null>, project: Project): boolean {
  const { diagnostic: d, projectFile } = located;
  let directives: Directives | null | undefined = byDisplay.get(d.file)?.directives;
  if (!directives && projectFile !== null) {
    directives = cache.get(projectFile);
    if (directives === undefined) {
      const text = project.readText(projectFile);
      directives = text === null ? null : hashCommentDirectives(text);
      cache.set(projectFile, directives);
    }
  }
  if (!directives) return false;
  if (directives.file.some((s) => suppresses(s, d.code, d.name))) return true;
  const s = directives.lines.get(d.line - 1);
  return Boolean(s && suppresses(s, d.code, d.name));
}

/** Directives from `#` comments in a requirements/TOML/YAML/`.gitignore` text (a `#` at a line start or after a blank). */
function hashCommentDirectives(text: string): Directives {
  const index = new LineIndex(text);
  const comments: Array<[number, number]> = [];
  for (const m of text.matchAll(/(^|[ \t])(#[^\r\n]*)/gm)) {
    const start = (m.index ?? 0) + (m[1] as string).length;
    comments.push([start, start + (m[2] as string).length]);
  }
  return parseDirectives(text, comments, (o) => index.lineOf(o));
}

/**
 * Applies one pass of project fixes to the overlay. Edits are grouped by file; insertions at the same point are
 * applied in report order (appending lines to `.gitignore`); an edit overlapping an earlier one waits for the next
 * pass. Files a file-scope fix already changed are left alone.
 */
function applyProjectFixes(
  fixes: Located[],
  project: Project,
  byDisplay: Map<string, FileResult>,
  originals: Map<string, string | null>,
  fixedCount: Map<string, number>,
  display: (file: string) => string,
): number {
  const perFile = new Map<string, ProjectEdit[]>();
  let applied = 0;
  for (const d of fixes) {
    const edits = d.fixEdits;
    if (!edits || edits.length === 0) continue;
    if (edits.some((e) => byDisplay.get(display(e.file))?.output !== undefined && !originals.has(e.file))) continue;
    const clash = edits.some((e) => (perFile.get(e.file) ?? []).some((t) => overlaps(e, t)));
    if (clash) continue;
    for (const e of edits) {
      let list = perFile.get(e.file);
      if (!list) perFile.set(e.file, (list = []));
      list.push(e);
    }
    applied++;
    const target = edits[0]?.file;
    if (target !== undefined) fixedCount.set(target, (fixedCount.get(target) ?? 0) + 1);
  }
  for (const [file, edits] of perFile) {
    const current = project.readText(file);
    if (!originals.has(file)) originals.set(file, current);
    const text = current ?? '';
    // Stable: same-point insertions keep report order.
    const sorted = edits.map((e, i) => ({ e, i })).sort((a, b) => a.e.start - b.e.start || a.e.end - b.e.end || a.i - b.i);
    let out = '';
    let last = 0;
    for (const { e } of sorted) {
      out += text.slice(last, e.start) + e.text;
      last = Math.max(last, e.end);
    }
    project.setText(file, out + text.slice(last));
  }
  return applied;
}

/** Whether two edits collide. Two insertions at one point do not: they apply in report order. */
function overlaps(a: ProjectEdit, b: ProjectEdit): boolean {
  return a.file === b.file && a.start < b.end && b.start < a.end;
}

/** Creates a file that does not exist yet, by temp file + rename. */
async function createAtomic(abs: string, content: string): Promise<void> {
  const temp = path.join(path.dirname(abs), `.${path.basename(abs)}.mlops-lint-${process.pid}-${Date.now()}.tmp`);
  try {
    await writeFile(temp, content, { flag: 'wx', mode: 0o644 });
    await rename(temp, abs);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
}

function countLines(text: string): number {
  if (text.length === 0) return 0;
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
