import { parseTree, type Node as JsonNode } from 'jsonc-parser';
import { applyNotebookEdits, LineIndex, NotebookError, type Notebook, type NotebookCell, type TextEdit } from '@mlops-lint/parser';

/** A replacement in the notebook's JSON text (ESLint's `RuleTextEdit` shape). */
export interface JsonEdit {
  range: [number, number];
  text: string;
}

/** One JSON string of a cell's `source` (the whole source, or one line of an nbformat list of lines). */
interface SourcePiece {
  /** Offset of the first character after the opening quote. */
  rawStart: number;
  /** Offset of the closing quote. */
  rawEnd: number;
  /** Offset of the piece's first character in the decoded cell source. */
  start: number;
  /** Exclusive end, in the decoded cell source. */
  end: number;
}

/**
 * Maps positions and edits between a notebook's cells and its JSON text, which is what ESLint holds for an `.ipynb`
 * file. A cell position becomes the position of that character inside the JSON string that stores it (escapes
 * accounted for), so a report on cell 3, line 2 points at the second line of cell 3's `source` list. An edit on the
 * cell sources becomes the minimal replacement of the JSON text that `applyNotebookEdits` (the CLI's write-back)
 * produces, so `eslint --fix` writes byte for byte what `mlops-lint check --fix` writes.
 */
export class NotebookMap {
  private readonly jsonLines: LineIndex;
  private readonly pieces = new Map<number, SourcePiece[]>();
  private readonly cellLines = new Map<number, LineIndex>();
  private cellNodes: JsonNode[] | null = null;

  constructor(
    /** The notebook's JSON text without a BOM (offsets of ESLint fixes are into this text). */
    readonly text: string,
    readonly notebook: Notebook,
  ) {
    this.jsonLines = new LineIndex(text);
  }

  /** The 1-based line and column in the JSON text of a 1-based line and column inside a cell's source. */
  position(cell: NotebookCell, line: number, column: number): { line: number; column: number } {
    const offset = this.cellLineIndex(cell).offsetAt(line - 1, column - 1);
    const raw = this.rawOffset(cell, offset);
    const at = this.jsonLines.positionAt(raw);
    return { line: at.line + 1, column: at.column + 1 };
  }

  /**
   * The JSON edit that applies `edits` (offsets into the notebook's virtual text) the way the engine writes
   * notebooks back, or null when the edits cannot be written (they touch an IPython magic, span cells, …).
   */
  jsonEdit(edits: readonly TextEdit[]): JsonEdit | null {
    let next: string;
    try {
      next = applyNotebookEdits(this.notebook, [...edits]);
    } catch (error) {
      if (error instanceof NotebookError) return null;
      throw error;
    }
    return minimalReplacement(this.text, next);
  }

  /** `jsonEdit` for an edit given in one cell's own coordinates. */
  cellEdit(cell: NotebookCell, start: number, end: number, text: string): JsonEdit | null {
    if (!cell.linted || start < 0 || end < start || end > cell.source.length) return null;
    return this.jsonEdit([{ start: cell.virtualStart + start, end: cell.virtualStart + end, text }]);
  }

  private cellLineIndex(cell: NotebookCell): LineIndex {
    let index = this.cellLines.get(cell.index);
    if (!index) {
      index = new LineIndex(cell.source);
      this.cellLines.set(cell.index, index);
    }
    return index;
  }

  /**
   * The JSON offset of an offset in a cell's source. An offset at the boundary between two list items maps to the
   * start of the later one (the first character of the next line), the end of the source to the closing quote.
   */
  private rawOffset(cell: NotebookCell, offset: number): number {
    const pieces = this.sourcePieces(cell);
    if (pieces.length === 0) return this.cellNode(cell)?.offset ?? 0;
    for (const piece of pieces) {
      if (offset < piece.end || piece === pieces[pieces.length - 1]) {
        return rawIndexOf(this.text, piece.rawStart, piece.rawEnd, Math.max(0, offset - piece.start));
      }
    }
    return 0;
  }

  private sourcePieces(cell: NotebookCell): SourcePiece[] {
    let pieces = this.pieces.get(cell.index);
    if (pieces) return pieces;
    pieces = [];
    const value = this.sourceNode(cell);
    const strings = value?.type === 'array' ? (value.children ?? []) : value ? [value] : [];
    let start = 0;
    for (const node of strings) {
      if (node.type !== 'string' || typeof node.value !== 'string') continue;
      const length = node.value.length;
      pieces.push({ rawStart: node.offset + 1, rawEnd: node.offset + node.length - 1, start, end: start + length });
      start += length;
    }
    this.pieces.set(cell.index, pieces);
    return pieces;
  }

  private cellNode(cell: NotebookCell): JsonNode | undefined {
    if (this.cellNodes === null) {
      const root = parseTree(this.text);
      const cells = property(root, 'cells');
      if (cells?.type === 'array') this.cellNodes = cells.children ?? [];
      else {
        // nbformat 3: cells live in worksheets, which the notebook model concatenates.
        const sheets = property(root, 'worksheets')?.children ?? [];
        this.cellNodes = sheets.flatMap((sheet) => property(sheet, 'cells')?.children ?? []);
      }
    }
    return this.cellNodes[cell.index - 1];
  }

  private sourceNode(cell: NotebookCell): JsonNode | undefined {
    const node = this.cellNode(cell);
    if (!node) return undefined;
    const key = this.notebook.nbformat < 4 && cell.cellType === 'code' ? 'input' : 'source';
    return property(node, key);
  }
}

/** The value of the last property named `key` of an object node (JSON.parse keeps the last duplicate too). */
function property(node: JsonNode | undefined, key: string): JsonNode | undefined {
  if (node?.type !== 'object') return undefined;
  return node.children?.findLast((p) => p.children?.[0]?.value === key)?.children?.[1];
}

/**
 * The offset in `text` of the `index`-th decoded UTF-16 unit of the JSON string whose content spans
 * `[rawStart, rawEnd)`: a `\uXXXX` escape is six characters for one unit, any other escape two.
 */
function rawIndexOf(text: string, rawStart: number, rawEnd: number, index: number): number {
  let raw = rawStart;
  for (let decoded = 0; decoded < index && raw < rawEnd; decoded++) {
    if (text.charCodeAt(raw) === 0x5c) raw += text[raw + 1] === 'u' ? 6 : 2;
    else raw += 1;
  }
  return Math.min(raw, rawEnd);
}

/** The smallest single replacement that turns `before` into `after`, or null when they are equal. */
export function minimalReplacement(before: string, after: string): JsonEdit | null {
  if (before === after) return null;
  let prefix = 0;
  const limit = Math.min(before.length, after.length);
  while (prefix < limit && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++;
  let suffix = 0;
  while (
    suffix < limit - prefix &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) {
    suffix++;
  }
  return { range: [prefix, before.length - suffix], text: after.slice(prefix, after.length - suffix) };
}
