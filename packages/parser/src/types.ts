/** A 0-based row/column pair as tree-sitter gives it. Columns here are UTF-16 code units. */
export interface Point {
  row: number;
  column: number;
}

/**
 * The subset of a tree-sitter node that both backends (native `tree-sitter` and `web-tree-sitter`) share.
 * Offsets (`startIndex`, `endIndex`) are UTF-16 indices into the parsed JS string.
 */
export interface SyntaxNode {
  readonly id: number;
  readonly type: string;
  readonly text: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly startPosition: Point;
  readonly endPosition: Point;
  readonly parent: SyntaxNode | null;
  readonly children: SyntaxNode[];
  readonly namedChildren: SyntaxNode[];
  readonly childCount: number;
  readonly namedChildCount: number;
  readonly firstChild: SyntaxNode | null;
  readonly lastChild: SyntaxNode | null;
  readonly firstNamedChild: SyntaxNode | null;
  readonly nextSibling: SyntaxNode | null;
  readonly previousSibling: SyntaxNode | null;
  readonly nextNamedSibling: SyntaxNode | null;
  readonly previousNamedSibling: SyntaxNode | null;
  readonly isNamed: boolean;
  readonly isMissing: boolean;
  readonly hasError: boolean;
  child(index: number): SyntaxNode | null;
  namedChild(index: number): SyntaxNode | null;
  childForFieldName(field: string): SyntaxNode | null;
  childrenForFieldName(field: string): SyntaxNode[];
  descendantsOfType(type: string | string[]): SyntaxNode[];
}

/** A cursor over a tree; reading `nodeType` does not allocate a node object. */
export interface TreeCursor {
  readonly nodeType: string;
  readonly startIndex: number;
  readonly endIndex: number;
  readonly currentNode: SyntaxNode;
  gotoFirstChild(): boolean;
  gotoNextSibling(): boolean;
  gotoParent(): boolean;
  delete?(): void;
}

/**
 * A change of a parsed text, for incremental re-parsing. Indices and point columns are UTF-16 code units, which is
 * what both bindings take when they parse a JS string; rows count `\n` only, as tree-sitter's lexer does.
 */
export interface InputEdit {
  startIndex: number;
  oldEndIndex: number;
  newEndIndex: number;
  startPosition: Point;
  oldEndPosition: Point;
  newEndPosition: Point;
}

export interface Tree {
  readonly rootNode: SyntaxNode;
  walk(): TreeCursor;
  /** Frees the tree's memory now (WASM needs it; native frees on GC). */
  delete?(): void;
}

export type BackendName = 'native' | 'wasm';

/** One tree-sitter Python parser. Both implementations give identical trees for the same text. */
export interface ParserBackend {
  readonly name: BackendName;
  parse(text: string): Tree;
  /**
   * Parses `text` reusing `oldTree`, an earlier version's tree: `edits` say, in order, how that version's text
   * became `text`. `oldTree` is edited in place, so it no longer matches its own text afterwards; release it
   * when done. The result is the tree `parse(text)` gives.
   */
  parseIncremental?(text: string, oldTree: Tree, edits: readonly InputEdit[]): Tree;
  /** Releases a tree when the caller is done with it. */
  release(tree: Tree): void;
}
