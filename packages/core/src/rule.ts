import type { SourceFile, SyntaxNode } from '@mlops-lint/parser';
import type { Severity } from './config.js';
import type { Project } from './project/project.js';
import type { Triggers } from './prefilter.js';

export type FixClass = 'safe' | 'unsafe' | 'suggestion' | 'none';
export type Applicability = 'safe' | 'unsafe' | 'suggestion';
export type RuleScope = 'file' | 'project';

/** One text replacement in the source's (virtual) text, by UTF-16 offsets. */
export interface Edit {
  start: number;
  end: number;
  text: string;
}

/** An edit as it leaves the engine: offsets plus 1-based user coordinates (inside the cell for notebooks). */
export interface LocatedEdit extends Edit {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /**
   * The file the edit applies to, when it is not the diagnostic's own file (a project rule's fix: ML501 reports on
   * a model file and edits `.gitignore`). Same path convention as `Diagnostic.file`.
   */
  file?: string;
}

/** A fix or suggestion as it leaves the engine. */
export interface Fix {
  applicability: Applicability;
  message: string;
  edits: LocatedEdit[];
}

export interface RuleDocs {
  description: string;
  /** Filled in by `defineRule` from the rule name when absent. */
  url?: string;
}

export interface RuleMetaInput<MessageIds extends string = string> {
  code: string;
  name: string;
  severity: Severity;
  scope: RuleScope;
  /** The strongest applicability this rule ever offers. */
  fix: FixClass;
  docs: RuleDocs;
  messages: Record<MessageIds, string>;
  /**
   * Cheap textual pre-filter: the rule can only report in a file whose text contains one of these strings (or
   * matches the RegExp), or, with `{ all: [...] }`, satisfies every one of several such sets. Omit for rules that
   * can fire on any file. See `prefilter.ts`.
   */
  triggers?: Triggers;
  /**
   * The rule never reports in test modules (`test_*.py`, `*_test.py`, `conftest.py`, files under `tests/`): the
   * engine does not run it there, and does not parse such a file for it.
   */
  skipTestFiles?: boolean;
  /** JSON-schema-like description of options (documentation and validation of types). */
  schema?: readonly unknown[];
  defaultOptions?: readonly unknown[];
}

export interface RuleMeta<MessageIds extends string = string> extends RuleMetaInput<MessageIds> {
  docs: Required<RuleDocs>;
}

/** Text edits a fixer can build. Ranges are `[start, end)` offsets or nodes. */
export interface Fixer {
  replaceText(target: SyntaxNode | readonly [number, number], text: string): Edit;
  insertTextBefore(target: SyntaxNode | readonly [number, number], text: string): Edit;
  insertTextAfter(target: SyntaxNode | readonly [number, number], text: string): Edit;
  remove(target: SyntaxNode | readonly [number, number]): Edit;
  insertAt(offset: number, text: string): Edit;
}

export interface FixDescriptor<MessageIds extends string = string> {
  messageId: MessageIds;
  data?: Record<string, string | number>;
  /** Defaults to the rule's `meta.fix` when that is `safe` or `unsafe`. */
  applicability?: 'safe' | 'unsafe';
  edits(fixer: Fixer): Edit | Edit[] | null;
}

export interface SuggestionDescriptor<MessageIds extends string = string> {
  messageId: MessageIds;
  data?: Record<string, string | number>;
  edits(fixer: Fixer): Edit | Edit[] | null;
}

export interface ReportDescriptor<MessageIds extends string = string> {
  node?: SyntaxNode;
  /** An explicit offset range, when no single node fits. */
  range?: readonly [number, number];
  messageId: MessageIds;
  data?: Record<string, string | number>;
  fix?: FixDescriptor<MessageIds> | null;
  suggest?: SuggestionDescriptor<MessageIds>[];
  /** Other places that explain the finding (the handler a helper is called from, …). */
  related?: { node: SyntaxNode; message: string }[];
}

/** Facts about the repository a file belongs to, when the host knows them (see `Project`). */
export interface ProjectFacts {
  readonly root: string;
  /** Lowest torch version the project's manifests require, e.g. "2.6" from `torch>=2.6`; null when unknown. */
  readonly torchMinVersion: string | null;
  /** Experiment trackers imported anywhere in the project ("mlflow", "wandb", …). */
  readonly trackers: readonly string[];
  /** Whether the project has a prompts folder or prompt files. */
  readonly hasPromptFiles: boolean;
}

/** Where a node is, captured during a file walk so that a project rule can report it after all files are seen. */
export interface NodeLocation {
  /** The file as given to the linter (`RuleContext.filename`). */
  file: string;
  cell: number | null;
  /** 1-based, inside the cell for notebooks. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Offsets in the linted (virtual) text. */
  start: number;
  end: number;
}

export interface RuleContext<MessageIds extends string = string> {
  readonly file: SourceFile;
  /** Path as given to the linter (relative to the working directory when possible). */
  readonly filename: string;
  /** The file's absolute path on disk when the host knows it, else `filename` (ESLint's `physicalFilename`). */
  readonly physicalFilename: string;
  readonly isNotebook: boolean;
  readonly project: ProjectFacts | null;
  readonly settings: Readonly<Record<string, unknown>>;
  resolve(node: SyntaxNode): string | null;
  getText(node: SyntaxNode): string;
  /** Whether the node lies inside (or contains) a region tree-sitter could not parse. */
  inErrorRegion(node: SyntaxNode): boolean;
  report(descriptor: ReportDescriptor<MessageIds>): void;
  /** The location of a node, for a report a project rule makes later (`ProjectReportDescriptor.at`). */
  locate(node: SyntaxNode): NodeLocation;
}

export type Visitor = (node: SyntaxNode) => void;
/** Keys are tree-sitter node types; `type:exit` runs when the walk leaves the node. */
export type Visitors = Record<string, Visitor>;

/** A text edit of a project rule's fix: any project file, by UTF-16 offsets into its current text. */
export interface ProjectEdit {
  /** Project-relative path, forward slashes. A file that does not exist yet is created (offsets 0, 0). */
  file: string;
  start: number;
  end: number;
  text: string;
}

export interface ProjectFixDescriptor<MessageIds extends string = string> {
  messageId: MessageIds;
  data?: Record<string, string | number>;
  /** Defaults to the rule's `meta.fix` when that is `safe` or `unsafe`. */
  applicability?: 'safe' | 'unsafe';
  edits(): ProjectEdit | ProjectEdit[] | null;
}

export interface ProjectSuggestionDescriptor<MessageIds extends string = string> {
  messageId: MessageIds;
  data?: Record<string, string | number>;
  edits(): ProjectEdit | ProjectEdit[] | null;
}

/**
 * A finding of a project-scope rule. It is located either by `at` (a node location captured during the file walk)
 * or by `file` (project-relative) plus `range` (offsets into the file's text) or 1-based `line`/`column` (default
 * 1:1, which is what a binary artifact gets).
 */
export interface ProjectReportDescriptor<MessageIds extends string = string> {
  at?: NodeLocation;
  file?: string;
  range?: readonly [number, number];
  line?: number;
  column?: number;
  endLine?: number;
  endColumn?: number;
  messageId: MessageIds;
  data?: Record<string, string | number>;
  fix?: ProjectFixDescriptor<MessageIds> | null;
  suggest?: ProjectSuggestionDescriptor<MessageIds>[];
}

/** What a project-scope rule's project hook sees. */
export interface ProjectRuleContext<MessageIds extends string = string> {
  /** The repository: files (git index or walk), manifests, lock files, storage. */
  readonly project: Project;
  readonly settings: Readonly<Record<string, unknown>>;
  report(descriptor: ProjectReportDescriptor<MessageIds>): void;
}

/** The hooks of a project-scope rule for one project run; state shared between them lives in the closure. */
export interface ProjectVisitors<MessageIds extends string = string> {
  /**
   * Visitors for each Python file or notebook linted in the run (the same walk as every other rule); reports made
   * through this context are ordinary file findings. Called again for a file when fix passes re-lint it.
   */
  file?(context: RuleContext<MessageIds>): Visitors;
  /** Runs after every file was linted. May run again after project fixes: it must only read state, not consume it. */
  'project:exit'?(): void;
}

export interface Rule<Options extends readonly unknown[] = readonly unknown[], MessageIds extends string = string> {
  meta: RuleMeta<MessageIds>;
  /**
   * Per-file visitors. For a project-scope rule these run only where the host lints with project rules (a project
   * run without `createProject`, or an editor that opts in), with `context.project` possibly null.
   */
  create(context: RuleContext<MessageIds>, options: Options): Visitors;
  /** Project-scope rules: the hooks of one project run (`check <dir>`, `audit`). */
  createProject?(context: ProjectRuleContext<MessageIds>, options: Options): ProjectVisitors<MessageIds>;
}

export type AnyRule = Rule<any, string>;

/** The documentation page of a rule. */
export function ruleDocsUrl(name: string): string {
  return `https://github.com/mlops-lint/mlops-lint/blob/main/docs/rules/${name}.md`;
}

/**
 * Declares a rule: checks its metadata once, adds `docs.url`, and merges user options over `defaultOptions`
 * so that `create` always receives complete options.
 */
export function defineRule<Options extends readonly unknown[] = readonly unknown[], MessageIds extends string = string>(rule: {
  meta: RuleMetaInput<MessageIds>;
  create(context: RuleContext<MessageIds>, options: Options): Visitors;
  createProject?(context: ProjectRuleContext<MessageIds>, options: Options): ProjectVisitors<MessageIds>;
}): Rule<Options, MessageIds> {
  const { meta } = rule;
  if (!/^ML\d{3}$/.test(meta.code)) throw new TypeError(`rule ${meta.name}: code "${meta.code}" is not ML + 3 digits`);
  if (!/^[a-z][a-z0-9-]*$/.test(meta.name)) throw new TypeError(`rule ${meta.code}: name "${meta.name}" is not kebab-case`);
  if (rule.createProject && meta.scope !== 'project') throw new TypeError(`rule ${meta.code} (${meta.name}): createProject needs meta.scope "project"`);
  const defaults = (meta.defaultOptions ?? []) as unknown[];
  const withDefaults = (options: Options): Options => {
    const given = (options as unknown as readonly unknown[] | undefined) ?? [];
    const merged = defaults.map((d, i) => mergeOption(d, given[i]));
    const extra = given.slice(defaults.length);
    return [...merged, ...extra] as unknown as Options;
  };
  const defined: Rule<Options, MessageIds> = {
    meta: { ...meta, docs: { description: meta.docs.description, url: meta.docs.url ?? ruleDocsUrl(meta.name) } },
    create(context, options) {
      return rule.create(context, withDefaults(options));
    },
  };
  const createProject = rule.createProject;
  if (createProject) defined.createProject = (context, options) => createProject(context, withDefaults(options));
  return defined;
}

function mergeOption(base: unknown, override: unknown): unknown {
  if (override === undefined) return base;
  if (isPlainObject(base) && isPlainObject(override)) return { ...base, ...override };
  return override;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fills `{{name}}` placeholders. Unknown names stay as they are, which a test will notice. */
export function interpolate(template: string, data: Record<string, string | number> | undefined): string {
  if (!data) return template;
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, key: string) => (key in data ? String(data[key]) : whole));
}
