import type { FileProblem, RulesConfig, SourceLocation, SourceRange, TraversalStep } from '@eslint/core';
import { ConfigCommentParser, Directive, TextSourceCodeBase, VisitNodeStep } from '@eslint/plugin-kit';
import { LineIndex, NodeType, type NotebookCell, type SourceFile, type SyntaxNode, type Tree } from '@mlops-lint/parser';
import type { NotebookSession } from '../processors/notebook-session.js';

/** Options of the `mlops/python` language (`languageOptions` in a flat config). */
export interface PythonLanguageOptions {
  /**
   * `false` (default): a file with a syntax error gets one fatal "Parsing error" and no rule runs, as in every
   * ESLint language. `true`: rules run on tree-sitter's recovered tree and stay quiet inside the broken region,
   * as `mlops-lint check` does.
   */
  tolerant?: boolean;
  [key: string]: unknown;
}

/**
 * What the engine lints for this source: the file itself, or, for a notebook cell block, the whole notebook (shared
 * by the notebook's cell blocks through the processor's session) of which this block is one cell.
 */
export type EngineTarget =
  | { kind: 'file'; file: SourceFile }
  | { kind: 'cell'; file: SourceFile; session: NotebookSession; cell: NotebookCell };

type PythonSourceCodeOptions = {
  LangOptions: PythonLanguageOptions;
  RootNode: SyntaxNode;
  SyntaxElementWithLoc: SyntaxNode;
  ConfigNode: SyntaxNode;
};

const commentParser = new ConfigCommentParser();

/** `eslint`, `eslint-enable`, `eslint-disable`, `eslint-disable-line`, `eslint-disable-next-line` after the `#`. */
const INLINE_CONFIG = /^\s*eslint(?:-enable|-disable(?:(?:-next)?-line)?)?(?:\s|$)/u;

/** Python ends lines at `\n`, `\r\n` and a lone `\r`, as the engine's `LineIndex` does. */
const LINE_ENDING = /\r\n|[\r\n]/u;

type DirectiveType = 'disable' | 'enable' | 'disable-line' | 'disable-next-line';
const DIRECTIVE_TYPES: ReadonlyMap<string, DirectiveType> = new Map<string, DirectiveType>([
  ['eslint-disable', 'disable'],
  ['eslint-enable', 'enable'],
  ['eslint-disable-line', 'disable-line'],
  ['eslint-disable-next-line', 'disable-next-line'],
]);

/**
 * A Python file (or one notebook cell) as ESLint sees it: tree-sitter nodes are the AST (`type` is the grammar's node
 * type, so visitors are keyed `call`, `function_definition`, `module:exit`…), locations are 1-based, and `# eslint-…`
 * comments are inline configuration. The engine's own view of the file (`target`) rides along for the rule adapter.
 */
export class PythonSourceCode extends TextSourceCodeBase<PythonSourceCodeOptions> {
  readonly target: EngineTarget;
  readonly lineIndex: LineIndex;
  /** The tree-sitter tree whose root is `ast` (for a notebook cell, the cell's own parse). */
  readonly tree: Tree;
  private steps: VisitNodeStep[] | undefined;
  private readonly parents = new WeakMap<SyntaxNode, SyntaxNode>();
  private commentNodes: SyntaxNode[] | undefined;
  private inlineConfigNodes: SyntaxNode[] | undefined;

  constructor({ text, tree, target }: { text: string; tree: Tree; target: EngineTarget }) {
    super({ text, ast: tree.rootNode, lineEndingPattern: LINE_ENDING });
    this.tree = tree;
    this.target = target;
    this.lineIndex = new LineIndex(text);
  }

  /** Every comment node, in source order. */
  get comments(): SyntaxNode[] {
    this.commentNodes ??= this.ast.descendantsOfType(NodeType.Comment);
    return this.commentNodes;
  }

  /** The root spans the whole text (tree-sitter's `module` starts at its first token). */
  override getRange(node: SyntaxNode): SourceRange {
    if (this.isRoot(node)) return [0, this.text.length];
    return [node.startIndex, node.endIndex];
  }

  override getLoc(node: SyntaxNode): SourceLocation {
    const [start, end] = this.getRange(node);
    const a = this.lineIndex.positionAt(start);
    const b = this.lineIndex.positionAt(end);
    return { start: { line: a.line + 1, column: a.column + 1 }, end: { line: b.line + 1, column: b.column + 1 } };
  }

  override getParent(node: SyntaxNode): SyntaxNode | undefined {
    return this.parents.get(node) ?? node.parent ?? undefined;
  }

  getInlineConfigNodes(): SyntaxNode[] {
    this.inlineConfigNodes ??= this.comments.filter((comment) => INLINE_CONFIG.test(commentValue(comment)));
    return this.inlineConfigNodes;
  }

  getDisableDirectives(): { problems: FileProblem[]; directives: Directive[] } {
    const problems: FileProblem[] = [];
    const directives: Directive[] = [];
    for (const comment of this.getInlineConfigNodes()) {
      const parsed = commentParser.parseDirective(commentValue(comment));
      const type = parsed && DIRECTIVE_TYPES.get(parsed.label);
      if (!parsed || !type) continue;
      directives.push(new Directive({ type, node: comment, value: parsed.value, justification: parsed.justification }));
    }
    return { problems, directives };
  }

  applyInlineConfig(): { configs: Array<{ config: { rules: RulesConfig }; loc: SourceLocation }>; problems: FileProblem[] } {
    const configs: Array<{ config: { rules: RulesConfig }; loc: SourceLocation }> = [];
    const problems: FileProblem[] = [];
    for (const comment of this.getInlineConfigNodes()) {
      const parsed = commentParser.parseDirective(commentValue(comment));
      if (parsed?.label !== 'eslint') continue;
      const result = commentParser.parseJSONLikeConfig(parsed.value);
      const loc = this.getLoc(comment);
      if (result.ok) configs.push({ config: { rules: result.config }, loc });
      else problems.push({ ruleId: null, message: result.error.message, loc });
    }
    return { configs, problems };
  }

  /**
   * Enter and exit steps for every node, named and anonymous, in document order: one walk of a tree-sitter cursor,
   * the walk the engine itself makes. The steps are computed once; a node's parent is remembered so that
   * `getParent` returns the very objects the visitors received.
   */
  override traverse(): Iterable<TraversalStep> {
    if (this.steps) return this.steps.values();
    const steps: VisitNodeStep[] = [];
    const stack: SyntaxNode[] = [];
    const cursor = this.tree.walk();
    try {
      for (;;) {
        const node = cursor.currentNode;
        const parent = stack[stack.length - 1];
        if (parent) this.parents.set(node, parent);
        steps.push(new VisitNodeStep({ target: node, phase: 1, args: [node, parent] }));
        if (cursor.gotoFirstChild()) {
          stack.push(node);
          continue;
        }
        steps.push(new VisitNodeStep({ target: node, phase: 2, args: [node, parent] }));
        let done = false;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) {
            done = true;
            break;
          }
          const up = stack.pop();
          if (up) steps.push(new VisitNodeStep({ target: up, phase: 2, args: [up, stack[stack.length - 1]] }));
        }
        if (done) break;
      }
    } finally {
      cursor.delete?.();
    }
    this.steps = steps;
    return steps.values();
  }

  private isRoot(node: SyntaxNode): boolean {
    return node === this.ast || node.parent === null;
  }
}

/** The text of a comment after its `#`. */
function commentValue(comment: SyntaxNode): string {
  return comment.text.slice(1);
}
