import { LineIndex } from './line-index.js';
import { parseLimitProblem } from './limits.js';
import { ImportResolver } from './resolver.js';
import { TreeSnapshot } from './snapshot.js';
import { NotebookError, parseNotebook, virtualToCell, type Notebook, type NotebookCell } from './notebook.js';
import type { InputEdit, ParserBackend, Point, SyntaxNode, Tree, TreeCursor } from './types.js';

export type SourceKind = 'python' | 'notebook';

/** A 0-based position; in a notebook, inside the cell's own source (`cell` is 1-based among all cells). */
export interface SourceLocation {
  line: number;
  column: number;
  cell: number | null;
}

/** Why a file could not be read as source; the message is one line for the user. */
export class SourceError extends Error {
  override name = 'SourceError';

  /** @param limit the file is readable but beyond a limit the parser keeps to (see `limits.ts`). */
  constructor(
    message: string,
    readonly limit = false,
  ) {
    super(message);
  }
}

/** The decoded text of a file on disk, with what a writer needs to put it back the same way. */
export interface DecodedSource {
  text: string;
  bom: boolean;
}

/** A file's text ready to parse: for a notebook, `code` is the virtual Python text of its cells. */
export interface PreparedSource {
  path: string;
  kind: SourceKind;
  code: string;
  notebook: Notebook | null;
  bom: boolean;
}

const BINARY_SNIFF = 8000;

/** The "backend" of a file rebuilt from a snapshot: nothing to parse with, nothing to free. */
const SNAPSHOT_BACKEND: ParserBackend = {
  name: 'native',
  parse() {
    throw new Error('a file rebuilt from a tree snapshot cannot parse');
  },
  release() {
    // plain JavaScript arrays: the garbage collector frees them
  },
};

/**
 * Decodes file bytes as UTF-8 source. A NUL byte near the start means a binary file; invalid UTF-8 is an error
 * naming the first bad byte. A BOM is stripped and remembered.
 */
export function decodeSource(bytes: Uint8Array): DecodedSource {
  const sniff = bytes.subarray(0, BINARY_SNIFF);
  if (sniff.includes(0)) throw new SourceError('binary file (contains NUL bytes); skipped');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  const body = bom ? bytes.subarray(3) : bytes;
  try {
    return { text: new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(body), bom };
  } catch {
    const lossy = new TextDecoder('utf-8', { ignoreBOM: true }).decode(body);
    const bad = lossy.indexOf('\uFFFD');
    const byte = Buffer.byteLength(lossy.slice(0, Math.max(0, bad))) + (bom ? 3 : 0);
    throw new SourceError(`not valid UTF-8 (first invalid byte at offset ${byte}); skipped`);
  }
}

/**
 * Python reads a lone `\r` as a line break (old Mac files); tree-sitter-python does not, and would see the whole
 * file as one broken line. Replacing each by `\n` keeps every offset, and `LineIndex` already counts both as one
 * line break, so locations do not move; fixes are still applied to the file's own text.
 */
function lfForLoneCr(text: string): string {
  return text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
}

/** Whether a path names a notebook. */
export function isNotebookPath(path: string): boolean {
  return path.toLowerCase().endsWith('.ipynb');
}

/**
 * One parsed Python file or notebook: its text (for a notebook, the virtual Python text of its code cells),
 * tree, line index and name resolver. Offsets everywhere are UTF-16 indices into `text`.
 */
export class SourceFile {
  readonly lineIndex: LineIndex;
  private resolverCache: ImportResolver | null = null;
  private rootCache: SyntaxNode | null = null;
  private snapshotCache: TreeSnapshot | null = null;
  private readonly memos = new Map<unknown, unknown>();
  private readonly cellIndexes = new Map<number, LineIndex>();
  private released = false;
  /** Whether the binding's tree is let go once the snapshot is made (see `fromPrepared`). */
  private keepTree = true;

  private constructor(
    readonly path: string,
    readonly kind: SourceKind,
    readonly text: string,
    private treeRef: Tree,
    readonly notebook: Notebook | null,
    readonly bom: boolean,
    private readonly backend: ParserBackend,
  ) {
    this.lineIndex = new LineIndex(text);
  }

  /**
   * The parsed tree: the binding's, or, for a file made with `keepTree: false` once its snapshot exists, a tree
   * over the snapshot (same nodes, no binding memory).
   */
  get tree(): Tree {
    return this.treeRef;
  }

  /**
   * Parses source text. For a notebook, `text` is the notebook's JSON; it throws `SourceError` when the JSON is
   * not a notebook.
   */
  static parse(backend: ParserBackend, path: string, text: string, options: { kind?: SourceKind; bom?: boolean } = {}): SourceFile {
    return SourceFile.fromPrepared(backend, SourceFile.prepare(path, text, options));
  }

  /**
   * The first, cheap half of parsing: decides the kind and, for a notebook, builds its virtual Python text, so
   * a caller can look at the code (for textual pre-filters) before paying for tree-sitter.
   */
  static prepare(path: string, text: string, options: { kind?: SourceKind; bom?: boolean } = {}): PreparedSource {
    const kind = options.kind ?? (isNotebookPath(path) ? 'notebook' : 'python');
    if (kind === 'python') {
      const limit = parseLimitProblem(text);
      if (limit !== null) throw new SourceError(limit, true);
      return { path, kind, code: lfForLoneCr(text), notebook: null, bom: options.bom ?? false };
    }
    if (text.trim() === '') throw new SourceError('empty file, not a notebook; skipped');
    let notebook: Notebook;
    try {
      notebook = parseNotebook(text);
    } catch (error) {
      if (error instanceof NotebookError) throw new SourceError(`malformed notebook: ${error.message}; skipped`);
      throw error;
    }
    const limit = parseLimitProblem(notebook.virtualText);
    if (limit !== null) throw new SourceError(limit, true);
    return { path, kind, code: lfForLoneCr(notebook.virtualText), notebook, bom: options.bom ?? false };
  }

  /**
   * The second half of parsing. With `previous`, the tree of an earlier version of the same file is reused
   * (incremental re-parse, as editors do on each keystroke): `previous.edits` say, in order, how that version's
   * code became `prepared.code`. The old tree is edited in place; the caller still releases the old `SourceFile`.
   * A backend without incremental parsing parses from scratch; either way the tree is the one `parse` gives.
   *
   * With `keepTree: false` (a linter that will not re-parse from this version) the binding's tree is released as
   * soon as the snapshot is made: the native binding's trees live outside the JavaScript heap, so the garbage
   * collector does not hurry to free them, and many files linted in a row would otherwise hold many trees.
   */
  static fromPrepared(
    backend: ParserBackend,
    prepared: PreparedSource,
    previous?: { tree: Tree; edits: readonly InputEdit[] },
    options: { keepTree?: boolean } = {},
  ): SourceFile {
    const { path, kind, code, notebook, bom } = prepared;
    const tree = previous && backend.parseIncremental ? backend.parseIncremental(code, previous.tree, previous.edits) : backend.parse(code);
    const file = new SourceFile(path, kind, code, tree, notebook, bom, backend);
    file.keepTree = options.keepTree ?? true;
    return file;
  }

  /**
   * A parsed file rebuilt from a tree snapshot another thread made (`TreeSnapshot.toData`), without parsing:
   * `prepared.code` must be the text the snapshot was made from.
   */
  static fromSnapshot(prepared: PreparedSource, snapshot: TreeSnapshot): SourceFile {
    const tree: Tree = { rootNode: snapshot.root, walk: () => snapshot.walk() };
    const file = new SourceFile(prepared.path, prepared.kind, prepared.code, tree, prepared.notebook, prepared.bom, SNAPSHOT_BACKEND);
    file.rootCache = snapshot.root;
    file.snapshotCache = snapshot;
    return file;
  }

  /**
   * The root node rules and the linter read: a JavaScript copy of the tree (`TreeSnapshot`, made on first use), or
   * the binding's own root when the tree has syntax errors.
   */
  get root(): SyntaxNode {
    if (!this.rootCache) {
      const native = this.treeRef.rootNode;
      if (native.hasError) this.rootCache = native;
      else {
        const snapshot = TreeSnapshot.of(this.treeRef, this.text, this.backend);
        this.snapshotCache = snapshot;
        this.rootCache = snapshot.root;
        if (!this.keepTree && !this.released) {
          this.backend.release(this.treeRef);
          this.treeRef = { rootNode: snapshot.root, walk: () => snapshot.walk() };
        }
      }
    }
    return this.rootCache;
  }

  /** The JavaScript copy of the tree, or null when the tree has syntax errors (then `root` is the binding's). */
  get snapshot(): TreeSnapshot | null {
    void this.root;
    return this.snapshotCache;
  }

  /** A cursor over `root`'s tree (the copy's when there is one). */
  walk(): TreeCursor {
    const snapshot = this.snapshot;
    return snapshot ? snapshot.walk() : this.tree.walk();
  }

  /**
   * A per-file memo for analyses several rules share (the functions and calls of the file, request-handler reach,
   * …): `compute` runs once per file and key. Keys are module-level constants of the analysis that owns them.
   */
  memo<T>(key: symbol | object, compute: () => T): T {
    if (this.memos.has(key)) return this.memos.get(key) as T;
    const value = compute();
    this.memos.set(key, value);
    return value;
  }

  get resolver(): ImportResolver {
    this.resolverCache ??= new ImportResolver(this.root);
    return this.resolverCache;
  }

  get backendName(): string {
    return this.backend.name;
  }

  /** The qualified name of a call's callee or of a name/attribute expression (see `ImportResolver`). */
  resolve(node: SyntaxNode): string | null {
    return this.resolver.resolve(node);
  }

  getText(node: SyntaxNode | { startIndex: number; endIndex: number }): string {
    return this.text.slice(node.startIndex, node.endIndex);
  }

  /** The 0-based location of an offset, in the cell's own coordinates for notebooks. */
  locate(offset: number): SourceLocation {
    if (!this.notebook) {
      const { line, column } = this.lineIndex.positionAt(offset);
      return { line, column, cell: null };
    }
    const hit = virtualToCell(this.notebook, offset);
    if (!hit) {
      const { line, column } = this.lineIndex.positionAt(offset);
      return { line, column, cell: null };
    }
    const { line, column } = this.cellIndex(hit.cell).positionAt(hit.offset);
    return { line, column, cell: hit.cell.index };
  }

  /** The cell holding an offset, for notebooks. */
  cellAt(offset: number): NotebookCell | null {
    return this.notebook ? (virtualToCell(this.notebook, offset)?.cell ?? null) : null;
  }

  private cellIndex(cell: NotebookCell): LineIndex {
    let index = this.cellIndexes.get(cell.index);
    if (!index) {
      index = new LineIndex(cell.source);
      this.cellIndexes.set(cell.index, index);
    }
    return index;
  }

  /** Frees the tree (WASM keeps it in its own heap until deleted). Safe to call twice. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.backend.release(this.treeRef);
  }
}

/**
 * The tree-sitter point of a UTF-16 offset: rows count `\n` only (a lone `\r` does not start a row for tree-sitter,
 * unlike `LineIndex`), columns are UTF-16 code units.
 */
export function pointAt(text: string, offset: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: offset - lineStart };
}

/** The point reached from `start` by reading `inserted`. */
function advance(start: Point, inserted: string): Point {
  const last = inserted.lastIndexOf('\n');
  if (last === -1) return { row: start.row, column: start.column + inserted.length };
  let rows = 0;
  for (let i = inserted.indexOf('\n'); i !== -1; i = inserted.indexOf('\n', i + 1)) rows++;
  return { row: start.row + rows, column: inserted.length - last - 1 };
}

/** The edit that replaces `[start, oldEnd)` of `oldText` with `newText` (UTF-16 offsets into `oldText`). */
export function inputEdit(oldText: string, start: number, oldEnd: number, newText: string): InputEdit {
  const startPosition = pointAt(oldText, start);
  return {
    startIndex: start,
    oldEndIndex: oldEnd,
    newEndIndex: start + newText.length,
    startPosition,
    oldEndPosition: advance(startPosition, oldText.slice(start, oldEnd)),
    newEndPosition: advance(startPosition, newText),
  };
}

/**
 * The single edit that turns `oldText` into `newText` (their common prefix and suffix kept), or null when they are
 * equal. For hosts that only see whole texts: a notebook's virtual text, a full-document sync.
 */
export function diffEdit(oldText: string, newText: string): InputEdit | null {
  if (oldText === newText) return null;
  const max = Math.min(oldText.length, newText.length);
  let prefix = 0;
  while (prefix < max && oldText.charCodeAt(prefix) === newText.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (suffix < max - prefix && oldText.charCodeAt(oldText.length - 1 - suffix) === newText.charCodeAt(newText.length - 1 - suffix)) suffix++;
  // Never cut a surrogate pair: keep the edit on code point boundaries.
  if (prefix > 0 && isHighSurrogate(oldText.charCodeAt(prefix - 1))) prefix--;
  if (suffix > 0 && isLowSurrogate(oldText.charCodeAt(oldText.length - suffix))) suffix--;
  return inputEdit(oldText, prefix, oldText.length - suffix, newText.slice(prefix, newText.length - suffix));
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
