import { LineIndex } from './line-index.js';
import { ImportResolver } from './resolver.js';
import { NotebookError, parseNotebook, virtualToCell, type Notebook, type NotebookCell } from './notebook.js';
import type { ParserBackend, SyntaxNode, Tree } from './types.js';

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
  private readonly cellIndexes = new Map<number, LineIndex>();
  private released = false;

  private constructor(
    readonly path: string,
    readonly kind: SourceKind,
    readonly text: string,
    readonly tree: Tree,
    readonly notebook: Notebook | null,
    readonly bom: boolean,
    private readonly backend: ParserBackend,
  ) {
    this.lineIndex = new LineIndex(text);
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
    if (kind === 'python') return { path, kind, code: text, notebook: null, bom: options.bom ?? false };
    if (text.trim() === '') throw new SourceError('empty file, not a notebook; skipped');
    try {
      const notebook = parseNotebook(text);
      return { path, kind, code: notebook.virtualText, notebook, bom: options.bom ?? false };
    } catch (error) {
      if (error instanceof NotebookError) throw new SourceError(`malformed notebook: ${error.message}; skipped`);
      throw error;
    }
  }

  static fromPrepared(backend: ParserBackend, prepared: PreparedSource): SourceFile {
    const { path, kind, code, notebook, bom } = prepared;
    return new SourceFile(path, kind, code, backend.parse(code), notebook, bom, backend);
  }

  get root(): SyntaxNode {
    return this.tree.rootNode;
  }

  get resolver(): ImportResolver {
    this.resolverCache ??= new ImportResolver(this.tree.rootNode);
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
    this.backend.release(this.tree);
  }
}
