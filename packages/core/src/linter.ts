import { isMaskedRange, NodeType, parseDirectives, suppresses, virtualToCell, type Directives, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import type { Severity } from './config.js';
import type { Diagnostic, FileProblem } from './diagnostic.js';
import { compareDiagnostics } from './diagnostic.js';
import { fixer, normalizeEdits } from './fixer.js';
import { ruleAppliesToPath } from './prefilter.js';
import {
  interpolate,
  type AnyRule,
  type Edit,
  type Fix,
  type LocatedEdit,
  type ProjectFacts,
  type ReportDescriptor,
  type RuleContext,
  type Visitor,
  type Visitors,
} from './rule.js';

/** A rule as configured for one run. */
export interface ConfiguredRule {
  rule: AnyRule;
  severity: Severity;
  options: readonly unknown[];
  /**
   * Builds the rule's visitors for one file instead of `rule.create` (a project run binds a project rule's
   * `file` hook here, so that its per-file visitors share the run's state).
   */
  visitors?: (context: RuleContext) => Visitors;
}

export interface LintOptions {
  /** Path written into diagnostics. */
  filename: string;
  /** Absolute path on disk, when known (`RuleContext.physicalFilename`). */
  absPath?: string;
  project?: ProjectFacts | null;
  settings?: Record<string, unknown>;
  /**
   * Whether project-scope rules take part (their per-file visitors run): true in project runs and for hosts that
   * opt in. Default false: a single-file run assumes no project, and project rules are skipped.
   */
  projectRules?: boolean;
}

export interface LintOutput {
  diagnostics: Diagnostic[];
  problems: FileProblem[];
  /** Offset ranges of ERROR/MISSING regions. */
  errorRanges: Array<[number, number]>;
  /** The file's `# noqa` directives (a project run applies them to findings reported after the walk). */
  directives: Directives;
}

/** Thrown when a rule's visitor throws: names the rule, file and line (STYLE.md §6). */
export class RuleCrashError extends Error {
  override name = 'RuleCrashError';
  constructor(
    readonly ruleCode: string,
    readonly file: string,
    readonly line: number,
    readonly original: unknown,
  ) {
    super(`rule ${ruleCode} crashed on ${file}:${line}: ${original instanceof Error ? original.message : String(original)}`);
  }
}

/** The cheap textual pre-filter lives in `prefilter.ts`; re-exported here where callers have always found it. */
export { ruleMayMatch } from './prefilter.js';

/** Lines around a syntax error where no fix may edit. */
const FIX_ERROR_MARGIN_LINES = 2;

/**
 * Lints one parsed file: one cursor walk of the tree dispatching enter and `:exit` visitors by node type to every
 * rule, then suppression directives, then sorting. Nodes inside ERROR regions are not visited.
 */
export function lintSource(file: SourceFile, rules: readonly ConfiguredRule[], options: LintOptions): LintOutput {
  const diagnostics: Diagnostic[] = [];
  const problems: FileProblem[] = [];
  const errorRanges: Array<[number, number]> = [];
  const comments: Array<[number, number]> = [];
  const root = file.root;
  const hasErrors = root.hasError;

  const enter = new Map<string, Array<[number, Visitor]>>();
  const exit = new Map<string, Array<[number, Visitor]>>();
  const active: ConfiguredRule[] = [];
  for (const configured of rules) {
    if (configured.rule.meta.scope !== 'file' && !options.projectRules) continue;
    if (!ruleAppliesToPath(configured.rule, options.filename)) continue;
    const index = active.length;
    active.push(configured);
    const context = makeContext(file, configured, options, diagnostics, errorRanges);
    let visitors;
    try {
      visitors = configured.visitors ? configured.visitors(context) : configured.rule.create(context, configured.options);
    } catch (error) {
      throw new RuleCrashError(configured.rule.meta.code, options.filename, 1, error);
    }
    for (const [key, fn] of Object.entries(visitors)) {
      const isExit = key.endsWith(':exit');
      const type = isExit ? key.slice(0, -5) : key;
      const map = isExit ? exit : enter;
      let list = map.get(type);
      if (!list) map.set(type, (list = []));
      list.push([index, fn]);
    }
  }

  const run = (handlers: Array<[number, Visitor]>, node: SyntaxNode): void => {
    for (const [index, fn] of handlers) {
      try {
        fn(node);
      } catch (error) {
        if (error instanceof TypeError && /^rule /.test(error.message)) throw error;
        const code = active[index]?.rule.meta.code ?? '?';
        throw new RuleCrashError(code, options.filename, file.lineIndex.lineOf(node.startIndex) + 1, error);
      }
    }
  };

  // One walk with a cursor: reading `nodeType` allocates nothing; a node object is made only when a rule listens.
  const cursor = file.walk();
  try {
    for (;;) {
      const type = cursor.nodeType;
      if (type === NodeType.Comment) comments.push([cursor.startIndex, cursor.endIndex]);
      const isError = type === NodeType.Error;
      if (isError) errorRanges.push([cursor.startIndex, cursor.endIndex]);
      const onEnter = isError ? undefined : enter.get(type);
      if (onEnter) run(onEnter, cursor.currentNode);
      if (!isError && cursor.gotoFirstChild()) continue;
      if (!isError) {
        const onExit = exit.get(type);
        if (onExit) run(onExit, cursor.currentNode);
      }
      let done = false;
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) {
          done = true;
          break;
        }
        const onExit = exit.get(cursor.nodeType);
        if (onExit) run(onExit, cursor.currentNode);
      }
      if (done) break;
    }
  } finally {
    cursor.delete?.();
  }

  if (hasErrors && errorRanges.length === 0) collectMissing(root, errorRanges);
  if (hasErrors) {
    const first = errorRanges.reduce((a, b) => (b[0] < a[0] ? b : a), errorRanges[0] ?? [0, 0]);
    const loc = file.locate(first[0]);
    problems.push({
      file: options.filename,
      line: loc.line + 1,
      column: loc.column + 1,
      cell: loc.cell,
      kind: 'syntax',
      message: 'syntax error; rules stay quiet inside the unparsable region',
    });
  }

  const directives = parseDirectives(file.text, comments, (o) => file.lineIndex.lineOf(o));
  const kept = diagnostics.filter((d) => {
    if (directives.file.some((s) => suppresses(s, d.code, d.name))) return false;
    const line = file.lineIndex.lineOf(d.start);
    const s = directives.lines.get(line);
    return !(s && suppresses(s, d.code, d.name));
  });

  if (errorRanges.length > 0) {
    for (const d of kept) {
      if (d.fix && touchesError(file, d.fix.edits, errorRanges)) d.fix = null;
      d.suggestions = d.suggestions.filter((s) => !touchesError(file, s.edits, errorRanges));
    }
  }
  kept.sort(compareDiagnostics);
  return { diagnostics: kept, problems, errorRanges, directives };
}

function collectMissing(root: SyntaxNode, out: Array<[number, number]>): void {
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    if (!node.hasError) continue;
    if (node.isMissing) out.push([node.startIndex, node.endIndex]);
    for (const child of node.children) stack.push(child);
  }
  if (out.length === 0) out.push([root.startIndex, root.endIndex]);
}

function touchesError(file: SourceFile, edits: readonly Edit[], errors: ReadonlyArray<[number, number]>): boolean {
  for (const edit of edits) {
    const editLine = file.lineIndex.lineOf(edit.start);
    for (const [s, e] of errors) {
      const from = file.lineIndex.lineOf(s) - FIX_ERROR_MARGIN_LINES;
      const to = file.lineIndex.lineOf(e) + FIX_ERROR_MARGIN_LINES;
      if (editLine >= from && editLine <= to) return true;
    }
  }
  return false;
}

function overlapsAny(start: number, end: number, ranges: ReadonlyArray<[number, number]>): boolean {
  for (const [s, e] of ranges) if (start < e && s < end) return true;
  return false;
}

function makeContext(
  file: SourceFile,
  configured: ConfiguredRule,
  options: LintOptions,
  sink: Diagnostic[],
  errorRanges: ReadonlyArray<[number, number]>,
): RuleContext {
  const { rule, severity } = configured;
  const meta = rule.meta;
  const messageOf = (messageId: string, data: Record<string, string | number> | undefined): string => {
    const template = (meta.messages as Record<string, string>)[messageId];
    if (template === undefined) throw new TypeError(`rule ${meta.code} (${meta.name}): unknown messageId "${messageId}"`);
    return interpolate(template, data);
  };
  const locateEdit = (e: Edit): LocatedEdit => {
    const a = file.locate(e.start);
    const b = file.locate(e.end);
    return { ...e, line: a.line + 1, column: a.column + 1, endLine: b.line + 1, endColumn: b.column + 1 };
  };
  const buildEdits = (make: (f: typeof fixer) => Edit | Edit[] | null): LocatedEdit[] | null => {
    const result = make(fixer);
    if (!result) return null;
    const edits = normalizeEdits(Array.isArray(result) ? result : [result], `${meta.code} (${meta.name})`);
    if (edits.length === 0) return null;
    if (file.notebook) {
      for (const e of edits) {
        if (isMaskedRange(file.notebook, e.start, e.end)) return null;
        const a = virtualToCell(file.notebook, e.start);
        const b = virtualToCell(file.notebook, e.end);
        if (!a || !b || a.cell.index !== b.cell.index) return null;
      }
    }
    return edits.map(locateEdit);
  };

  return {
    file,
    filename: options.filename,
    physicalFilename: options.absPath ?? options.filename,
    isNotebook: file.kind === 'notebook',
    project: options.project ?? null,
    settings: options.settings ?? {},
    resolve: (node) => file.resolve(node),
    getText: (node) => file.getText(node),
    locate(node) {
      const a = file.locate(node.startIndex);
      const b = file.locate(node.endIndex);
      const sameCell = a.cell === b.cell;
      return {
        file: options.filename,
        cell: a.cell,
        line: a.line + 1,
        column: a.column + 1,
        endLine: sameCell ? b.line + 1 : a.line + 1,
        endColumn: sameCell ? b.column + 1 : a.column + 1,
        start: node.startIndex,
        end: node.endIndex,
      };
    },
    inErrorRegion: (node) => node.hasError || overlapsAny(node.startIndex, node.endIndex, errorRanges),
    report(descriptor: ReportDescriptor) {
      const range = descriptor.node ? ([descriptor.node.startIndex, descriptor.node.endIndex] as const) : descriptor.range;
      if (!range) throw new TypeError(`rule ${meta.code} (${meta.name}): report() needs a node or a range`);
      // Stay quiet where the parse is broken rather than guess.
      if (descriptor.node?.hasError || overlapsAny(range[0], range[1], errorRanges)) return;
      const message = messageOf(descriptor.messageId, descriptor.data);
      let fix: Fix | null = null;
      if (descriptor.fix) {
        if (meta.fix !== 'safe' && meta.fix !== 'unsafe') {
          throw new TypeError(`rule ${meta.code} (${meta.name}): reported a fix but meta.fix is "${meta.fix}"`);
        }
        const applicability = descriptor.fix.applicability ?? meta.fix;
        if (applicability === 'safe' && meta.fix !== 'safe') {
          throw new TypeError(`rule ${meta.code} (${meta.name}): a safe fix from a rule declared "${meta.fix}"`);
        }
        const edits = buildEdits(descriptor.fix.edits);
        if (edits) fix = { applicability, message: messageOf(descriptor.fix.messageId, descriptor.fix.data), edits };
      }
      const suggestions: Fix[] = [];
      for (const s of descriptor.suggest ?? []) {
        if (meta.fix === 'none') throw new TypeError(`rule ${meta.code} (${meta.name}): a suggestion from a rule declared fix "none"`);
        const edits = buildEdits(s.edits);
        if (edits) suggestions.push({ applicability: 'suggestion', message: messageOf(s.messageId, s.data), edits });
      }
      const start = file.locate(range[0]);
      const end = file.locate(range[1]);
      // A range ending in another cell (rare: a node spanning the cell separator) is clipped to its start line.
      const sameCell = start.cell === end.cell;
      sink.push({
        code: meta.code,
        name: meta.name,
        severity,
        message,
        messageId: descriptor.messageId,
        file: options.filename,
        cell: start.cell,
        line: start.line + 1,
        column: start.column + 1,
        endLine: sameCell ? end.line + 1 : start.line + 1,
        endColumn: sameCell ? end.column + 1 : start.column + 1,
        start: range[0],
        end: range[1],
        fix,
        suggestions,
        related: (descriptor.related ?? []).map((r) => {
          const loc = file.locate(r.node.startIndex);
          return { line: loc.line + 1, column: loc.column + 1, cell: loc.cell, message: r.message };
        }),
      });
    },
  };
}
