/**
 * The Jupyter notebook model: nbformat JSON ⇄ one virtual Python text.
 *
 * Rules see a notebook as a single Python module made of its code cells, so that imports in cell 1 resolve calls in
 * cell 7. IPython syntax (magics, shell escapes, help) is blanked out with spaces rather than removed, so every offset
 * in the virtual text is also an offset in the cell's original source; that is what lets a fix computed on the virtual
 * text be written back into the notebook without any re-mapping beyond "which cell".
 */
import { parse as parseJsonc, parseTree, printParseErrorCode } from 'jsonc-parser';
import type { Node as JsonNode, ParseError } from 'jsonc-parser';
import { LineIndex } from './line-index.js';

/** A notebook that cannot be read or edited. The message is one user-facing line (the CLI prints it after the path). */
export class NotebookError extends Error {
  override name = 'NotebookError';
}

/** One cell of a notebook, in file order. */
export interface NotebookCell {
  /** 1-based among all cells, markdown and raw included, because that is the number users see in Jupyter. */
  index: number;
  /** `code`, `markdown`, `raw`, or whatever the file says (unknown types are kept, never linted). */
  cellType: string;
  /** The cell's text exactly as stored (a list of strings is joined with `''`). */
  source: string;
  executionCount: number | null;
  /** Whether the cell is part of `virtualText`: Python code cells that are not cell magics such as `%%bash`. */
  linted: boolean;
  /** Offset in `virtualText` where the cell starts. For unlinted cells, the (empty) position where it would be. */
  virtualStart: number;
  /** Exclusive end offset; `virtualEnd - virtualStart === source.length` for linted cells. */
  virtualEnd: number;
}

/** A parsed notebook. Offsets are UTF-16 indices, like tree-sitter's with a JS string. */
export interface Notebook {
  cells: NotebookCell[];
  /** The linted cells' masked sources joined with one `"\n"` each (also after a cell that already ends in one). */
  virtualText: string;
  nbformat: number;
  /** `metadata.kernelspec.language`, else `metadata.language_info.name`, else null. */
  language: string | null;
  /** The original JSON text, needed to write edits back without reformatting the file. */
  raw: string;
}

/** A replacement of `[start, end)` in a notebook's virtual text. */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

/** Cell magics whose body is still Python run by the kernel, so the body is worth linting. */
const PYTHON_BODY_CELL_MAGICS = new Set(['time', 'timeit', 'capture', 'prun']);

const BOM = '\uFEFF';

// ---------------------------------------------------------------------------------------------------------------
// Parsing

/**
 * Reads an nbformat 4 notebook (nbformat 3 read-only) from its JSON text.
 *
 * @throws NotebookError when the text is not JSON or not shaped like a notebook; the message names the cell.
 */
export function parseNotebook(jsonText: string): Notebook {
  const body = jsonText.startsWith(BOM) ? jsonText.slice(1) : jsonText;
  let root: unknown;
  try {
    root = JSON.parse(body);
  } catch (error) {
    throw new NotebookError(`not valid JSON (${describeJsonError(body, error)})`);
  }
  if (!isObject(root)) throw new NotebookError('top-level value is not a JSON object');

  const metadata = isObject(root.metadata) ? root.metadata : {};
  const declared = typeof root.nbformat === 'number' ? root.nbformat : null;
  const v3 = declared !== null ? declared < 4 : !Array.isArray(root.cells) && Array.isArray(root.worksheets);
  const nbformat = declared ?? (v3 ? 3 : 4);
  const language = notebookLanguage(metadata);
  const pythonNotebook = language === null || isPython(language);

  const rawCells = v3 ? v3Cells(root) : v4Cells(root);
  const cells: NotebookCell[] = [];
  const parts: string[] = [];
  let length = 0;
  rawCells.forEach((rawCell, i) => {
    const index = i + 1;
    if (!isObject(rawCell)) throw new NotebookError(`cell ${index}: not a JSON object`);
    const cellType = rawCell.cell_type;
    if (typeof cellType !== 'string') throw new NotebookError(`cell ${index}: "cell_type" must be a string`);
    // nbformat 3 code cells keep their text in `input`; every other cell, in any version, in `source`.
    const sourceKey = v3 && cellType === 'code' ? 'input' : 'source';
    const source = joinSource(rawCell[sourceKey], index, sourceKey);
    const count = v3 ? rawCell.prompt_number : rawCell.execution_count;
    // nbformat 3 code cells name their language; a notebook mixing languages must not have R parsed as Python.
    const cellLanguage = v3 && typeof rawCell.language === 'string' ? rawCell.language : null;
    const linted =
      cellType === 'code' &&
      pythonNotebook &&
      (cellLanguage === null || isPython(cellLanguage)) &&
      !isForeignCellMagic(source);

    let virtualStart = length;
    if (linted) {
      if (parts.length > 0) virtualStart = ++length;
      parts.push(maskIPython(source));
      length += source.length;
    }
    cells.push({
      index,
      cellType,
      source,
      executionCount: typeof count === 'number' ? count : null,
      linted,
      virtualStart,
      virtualEnd: linted ? length : virtualStart,
    });
  });

  return { cells, virtualText: parts.join('\n'), nbformat, language, raw: jsonText };
}

function v4Cells(root: Record<string, unknown>): unknown[] {
  if (!Array.isArray(root.cells)) throw new NotebookError('no "cells" list');
  return root.cells;
}

/** nbformat 3 splits cells into worksheets; nbformat's own v3 → v4 upgrade concatenates them, and so do we. */
function v3Cells(root: Record<string, unknown>): unknown[] {
  if (!Array.isArray(root.worksheets)) throw new NotebookError('no "worksheets" list');
  return root.worksheets.flatMap((sheet: unknown, i) => {
    if (!isObject(sheet) || !Array.isArray(sheet.cells)) throw new NotebookError(`worksheet ${i + 1}: no "cells" list`);
    return sheet.cells as unknown[];
  });
}

function joinSource(value: unknown, index: number, key: string): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((line): line is string => typeof line === 'string')) return value.join('');
  throw new NotebookError(`cell ${index}: "${key}" must be a string or a list of strings`);
}

function notebookLanguage(metadata: Record<string, unknown>): string | null {
  const { kernelspec, language_info: info } = metadata;
  if (isObject(kernelspec) && typeof kernelspec.language === 'string') return kernelspec.language;
  if (isObject(info) && typeof info.name === 'string') return info.name;
  return null;
}

function isPython(language: string): boolean {
  return /^i?python\d*$/i.test(language.trim());
}

/** A cell whose body is another language (`%%bash`, `%%sql`, `%%html`…) is not Python and is left out of the text. */
function isForeignCellMagic(source: string): boolean {
  // IPython drops leading blank lines before looking for `%%`, and only then; indentation disqualifies it.
  const match = /^(?:[ \t\f]*(?:\r\n|\n|\r))*%%([^\s]*)/.exec(source);
  return match !== null && !PYTHON_BODY_CELL_MAGICS.has(match[1] ?? '');
}

/** Turns a JSON.parse failure into "what at line:column", using jsonc-parser because it reports an offset. */
function describeJsonError(text: string, error: unknown): string {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first === undefined) return String(error instanceof Error ? error.message : error).split('\n')[0] ?? '';
  const words = printParseErrorCode(first.error).replace(/(?<=[a-z])(?=[A-Z])/g, ' ').toLowerCase();
  const { line, column } = lineColumn(text, first.offset);
  return `${words[0]?.toUpperCase() ?? ''}${words.slice(1)} at ${line}:${column}`;
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    const ch = text[i];
    if (ch === '\n' || (ch === '\r' && text[i + 1] !== '\n')) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---------------------------------------------------------------------------------------------------------------
// Masking IPython syntax

/** A line of text: `[start, end)` is its content, `next` the start of the following line (after the terminator). */
interface Line {
  start: number;
  end: number;
  next: number;
}

function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  let start = 0;
  while (start <= text.length) {
    let end = start;
    while (end < text.length && text[end] !== '\n' && text[end] !== '\r') end++;
    if (end === text.length) {
      lines.push({ start, end, next: end + 1 });
      break;
    }
    const next = text[end] === '\r' && text[end + 1] === '\n' ? end + 2 : end + 1;
    lines.push({ start, end, next });
    start = next;
  }
  return lines;
}

const IDENT = String.raw`[\p{L}_][\p{L}\p{N}_]*`;
/** `np.mean?`, `x??`: IPython's help suffix, only on a bare (dotted) name, as IPython itself requires. */
const HELP_SUFFIX = new RegExp(String.raw`^[ \t\f]*${IDENT}(?:\.${IDENT})*\?\??[ \t\f]*$`, 'u');
/** `files = !ls`, `a, b = %sx cmd`: IPython's system/magic assignment, a target list of plain names. */
const MAGIC_ASSIGN = new RegExp(
  String.raw`^[ \t\f]*${IDENT}(?:\.${IDENT})*(?:[ \t\f]*,[ \t\f]*${IDENT}(?:\.${IDENT})*)*[ \t\f]*=[ \t\f]*(?:%|!(?!=))`,
  'u',
);

function isMagicLine(line: string): boolean {
  const code = line.replace(/^[ \t\f]+/, '');
  // `!=` can open a line only as the continuation of a comparison, which never reaches here at depth 0, but a
  // stray one is still Python's syntax error to report, not a shell command to hide.
  return (
    code.startsWith('%') ||
    (code.startsWith('!') && !code.startsWith('!=')) ||
    code.startsWith('?') ||
    HELP_SUFFIX.test(line) ||
    MAGIC_ASSIGN.test(line)
  );
}

/** Where a line leaves Python's tokenizer: inside which string, how deep in brackets, continued by a backslash. */
interface LexState {
  quote: string | null;
  depth: number;
  continued: boolean;
}

/** Advances `state` over one line of Python (without its terminator); just enough lexing to find logical lines. */
function scanPythonLine(line: string, state: LexState): void {
  let i = 0;
  let comment = false;
  let escapedEnd = false;
  while (i < line.length) {
    const ch = line[i];
    if (state.quote !== null) {
      if (ch === '\\') {
        escapedEnd = i + 1 === line.length;
        i += 2;
      } else if (line.startsWith(state.quote, i)) {
        i += state.quote.length;
        state.quote = null;
      } else {
        i++;
      }
      continue;
    }
    if (ch === '#') {
      comment = true;
      break;
    }
    if (ch === '"' || ch === "'") {
      state.quote = line.startsWith(ch.repeat(3), i) ? ch.repeat(3) : ch;
      i += state.quote.length;
      continue;
    }
    if (ch === '(' || ch === '[' || ch === '{') state.depth++;
    else if (ch === ')' || ch === ']' || ch === '}') state.depth = Math.max(0, state.depth - 1);
    i++;
  }
  // A one-quote string ends with its line unless the newline is escaped; an unterminated one is a syntax error,
  // and forgetting it keeps one typo from hiding every magic below it.
  if (state.quote !== null && state.quote.length === 1 && !escapedEnd) state.quote = null;
  state.continued = state.quote === null && !comment && line.endsWith('\\');
}

/** The `[start, end)` ranges of `source` that `maskIPython` blanks; adjacent masked lines merge into one range. */
function maskedRanges(source: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const state: LexState = { quote: null, depth: 0, continued: false };
  let magicContinues = false;
  let previousMasked = false;
  for (const { start, end } of splitLines(source)) {
    const line = source.slice(start, end);
    const logicalStart = state.quote === null && state.depth === 0 && !state.continued;
    const masked = magicContinues || (logicalStart && isMagicLine(line));
    if (masked) {
      // A magic's own backslash continues the magic, whatever quotes or brackets it contains.
      magicContinues = line.endsWith('\\');
      const last = ranges[ranges.length - 1];
      if (previousMasked && last !== undefined) last[1] = end;
      else ranges.push([start, end]);
    } else {
      scanPythonLine(line, state);
    }
    previousMasked = masked;
  }
  return ranges.filter(([start, end]) => end > start);
}

/**
 * Blanks IPython-only syntax with spaces so tree-sitter sees plain Python: line magics (`%matplotlib inline`), cell
 * magic lines (`%%time`), shell escapes (`!pip install x`), help (`?x`, `np.mean??`) and assignments from them
 * (`files = !ls`), with their backslash continuations. Only lines that start a logical Python line count, so `!=`,
 * modulo and text inside triple-quoted strings are untouched.
 *
 * The result has the same length and the same line breaks as `source`, so offsets and line/column pairs carry over.
 */
export function maskIPython(source: string): string {
  const ranges = maskedRanges(source);
  if (ranges.length === 0) return source;
  let out = '';
  let cursor = 0;
  for (const [start, end] of ranges) {
    out += source.slice(cursor, start) + source.slice(start, end).replace(/[^\r\n]/g, ' ');
    cursor = end;
  }
  return out + source.slice(cursor);
}

// ---------------------------------------------------------------------------------------------------------------
// Offset mapping

// Derived per notebook or cell on first use; a WeakMap keeps the public interfaces plain data.
const lintedCellsCache = new WeakMap<Notebook, NotebookCell[]>();
const maskCache = new WeakMap<NotebookCell, Array<[number, number]>>();

function lintedCells(nb: Notebook): NotebookCell[] {
  let cells = lintedCellsCache.get(nb);
  if (cells === undefined) {
    cells = nb.cells.filter((cell) => cell.linted);
    lintedCellsCache.set(nb, cells);
  }
  return cells;
}

function cellMasks(cell: NotebookCell): Array<[number, number]> {
  let ranges = maskCache.get(cell);
  if (ranges === undefined) {
    ranges = maskedRanges(cell.source);
    maskCache.set(cell, ranges);
  }
  return ranges;
}

/**
 * Maps a virtual-text offset to its cell and the offset inside that cell's source. An offset on the newline that
 * separates two cells maps to the end of the earlier cell. Returns null outside the virtual text.
 */
export function virtualToCell(nb: Notebook, offset: number): { cell: NotebookCell; offset: number } | null {
  const cells = lintedCells(nb);
  if (!Number.isInteger(offset) || offset < 0 || offset > nb.virtualText.length) return null;
  // The last cell starting at or before `offset`.
  let low = 0;
  let high = cells.length - 1;
  let found: NotebookCell | undefined;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const cell = cells[mid];
    if (cell === undefined) break;
    if (cell.virtualStart <= offset) {
      found = cell;
      low = mid + 1;
    } else {
      high = mid - 1;
    }
  }
  if (found === undefined) return null;
  // Cells are one separator apart, so `offset` is at most `found.virtualEnd`: the separator maps to the cell's end.
  return { cell: found, offset: offset - found.virtualStart };
}

/**
 * Maps an offset in the source of the cell numbered `cellIndex` (1-based, as `NotebookCell.index`) to the virtual text.
 *
 * @throws RangeError when the cell does not exist, is not linted, or the offset is outside its source.
 */
export function cellToVirtual(nb: Notebook, cellIndex: number, offsetInCell: number): number {
  const cell = nb.cells[cellIndex - 1];
  if (cell === undefined || !cell.linted) throw new RangeError(`cell ${cellIndex} is not part of the virtual text`);
  if (!Number.isInteger(offsetInCell) || offsetInCell < 0 || offsetInCell > cell.source.length) {
    throw new RangeError(`offset ${offsetInCell} is outside cell ${cellIndex} (length ${cell.source.length})`);
  }
  return cell.virtualStart + offsetInCell;
}

/**
 * Whether `[start, end)` of the virtual text cannot be edited: it overlaps a masked (IPython) region or a cell
 * separator, or lies outside the text. An empty range touches a region only strictly inside it, so inserting at the
 * start of a cell that opens with `%matplotlib inline` stays possible.
 */
export function isMaskedRange(nb: Notebook, start: number, end: number): boolean {
  if (!(start >= 0 && start <= end && end <= nb.virtualText.length)) return true;
  const hit = virtualToCell(nb, start);
  if (hit === null) return true;
  const { cell } = hit;
  if (end > cell.virtualEnd) return true; // crosses the separator after the cell
  const from = start - cell.virtualStart;
  const to = end - cell.virtualStart;
  return cellMasks(cell).some(([maskStart, maskEnd]) =>
    from === to ? maskStart < from && from < maskEnd : from < maskEnd && maskStart < to,
  );
}

// ---------------------------------------------------------------------------------------------------------------
// Write-back

/**
 * Applies edits made on the virtual text and returns the new notebook JSON. Only the JSON `source` values of the edited
 * cells change; outputs, metadata, key order, indentation and the final newline stay byte for byte as they were. Each
 * new source is written in the shape of the old one (a string, or an nbformat list of lines in the same layout).
 *
 * @throws NotebookError when edits overlap, span two cells, touch an IPython magic or a cell separator, fall outside
 *   the virtual text, or the notebook is nbformat 3.
 */
export function applyNotebookEdits(nb: Notebook, edits: TextEdit[]): string {
  if (edits.length === 0) return nb.raw;
  if (nb.nbformat < 4) throw new NotebookError('editing nbformat 3 notebooks is not supported');

  const perCell = new Map<NotebookCell, TextEdit[]>();
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  let previousEnd = 0;
  for (const edit of sorted) {
    const { start, end } = edit;
    const span = `edit ${start}-${end}`;
    if (!Number.isInteger(start) || !Number.isInteger(end) || start < 0 || start > end || end > nb.virtualText.length) {
      throw new NotebookError(`${span} is outside the notebook's code`);
    }
    if (start < previousEnd) throw new NotebookError(`${span} overlaps another edit`);
    previousEnd = end;
    const hit = virtualToCell(nb, start);
    if (hit === null || end > hit.cell.virtualEnd) throw new NotebookError(`${span} spans two cells`);
    if (isMaskedRange(nb, start, end)) throw new NotebookError(`${span} touches an IPython magic in cell ${hit.cell.index}`);
    const local = { start: hit.offset, end: hit.offset + (end - start), text: edit.text };
    const list = perCell.get(hit.cell);
    if (list === undefined) perCell.set(hit.cell, [local]);
    else list.push(local);
  }

  const bomLength = nb.raw.startsWith(BOM) ? 1 : 0;
  const body = nb.raw.slice(bomLength);
  const cellNodes = findProperty(parseTree(body), 'cells')?.children;
  const replacements: Array<{ offset: number; length: number; text: string }> = [];
  for (const [cell, cellEdits] of perCell) {
    const source = applyToString(cell.source, cellEdits);
    if (source === cell.source) continue;
    const cellNode = cellNodes?.[cell.index - 1];
    const property = cellNode && findPropertyNode(cellNode, 'source');
    const value = property?.children?.[1];
    if (cellNode === undefined || property === undefined || value === undefined) {
      throw new NotebookError(`cell ${cell.index}: cannot locate "source" in the JSON text`);
    }
    replacements.push({
      offset: value.offset + bomLength,
      length: value.length,
      text: serializeSource(body, cellNode, property, value, source),
    });
  }

  let out = nb.raw;
  for (const { offset, length, text } of replacements.sort((a, b) => b.offset - a.offset)) {
    out = out.slice(0, offset) + text + out.slice(offset + length);
  }
  return out;
}

/** Applies sorted, non-overlapping edits to a string. */
function applyToString(text: string, edits: TextEdit[]): string {
  let out = '';
  let cursor = 0;
  for (const { start, end, text: replacement } of edits) {
    out += text.slice(cursor, start) + replacement;
    cursor = end;
  }
  return out + text.slice(cursor);
}

/** The value of the last property named `key` (JSON.parse keeps the last of duplicate keys, so we do too). */
function findProperty(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return node && findPropertyNode(node, key)?.children?.[1];
}

function findPropertyNode(node: JsonNode, key: string): JsonNode | undefined {
  if (node.type !== 'object') return undefined;
  return node.children?.findLast((property) => property.children?.[0]?.value === key);
}

/**
 * Writes `source` as JSON in the shape of the old `value`: one string, or a list of lines (every line but the last
 * keeps its `"\n"`, as nbformat writes them) laid out like the old list so an unchanged line diffs as unchanged.
 */
function serializeSource(text: string, cell: JsonNode, property: JsonNode, value: JsonNode, source: string): string {
  if (value.type !== 'array') return JSON.stringify(source);
  const lines = source.match(/[^\n]*\n|[^\n]+$/g) ?? [];
  if (lines.length === 0) return '[]';
  const { open, separator, close } = listLayout(text, cell, property, value);
  return `[${open}${lines.map((line) => JSON.stringify(line)).join(separator)}${close}]`;
}

interface ListLayout {
  /** Between `[` and the first element. */
  open: string;
  /** Between two elements, comma included. */
  separator: string;
  /** Between the last element and `]`. */
  close: string;
}

/** Reads the layout of an existing list, or infers one for an empty list from how the cell object is indented. */
function listLayout(text: string, cell: JsonNode, property: JsonNode, list: JsonNode): ListLayout {
  const items = list.children ?? [];
  const first = items[0];
  const last = items[items.length - 1];
  if (first !== undefined && last !== undefined) {
    const open = text.slice(list.offset + 1, first.offset);
    const close = text.slice(last.offset + last.length, list.offset + list.length - 1);
    const second = items[1];
    let separator: string;
    if (second !== undefined) separator = text.slice(first.offset + first.length, second.offset);
    else if (/[\r\n]/.test(open)) separator = `,${open}`;
    else separator = inlineSeparator(text, cell);
    return { open, separator, close };
  }

  // `[]` carries no layout: nbformat writes a list's items one indent unit deeper than its key, its `]` level with it.
  const properties = cell.children ?? [];
  const position = properties.indexOf(property);
  const before = properties[position - 1];
  const lead = text.slice(before ? before.offset + before.length : cell.offset + 1, property.offset);
  const newline = /\r\n|\n|\r/.exec(lead)?.[0];
  if (newline === undefined) return { open: '', separator: inlineSeparator(text, cell), close: '' };
  const keyIndent = lead.slice(lead.lastIndexOf(newline) + newline.length);
  const cellIndent = indentBefore(text, cell.offset);
  const unit =
    cellIndent !== null && keyIndent.startsWith(cellIndent) && keyIndent.length > cellIndent.length
      ? keyIndent.slice(cellIndent.length)
      : ' ';
  const open = `${newline}${keyIndent}${unit}`;
  return { open, separator: `,${open}`, close: `${newline}${keyIndent}` };
}

/** The whitespace from the start of the line to `offset`, or null if something else precedes it on that line. */
function indentBefore(text: string, offset: number): string | null {
  let start = offset;
  while (start > 0 && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
  return start === 0 || text[start - 1] === '\n' || text[start - 1] === '\r' ? text.slice(start, offset) : null;
}

/** For a one-line list, the separator the cell object itself uses (`", "` from json.dumps, `","` when compact). */
function inlineSeparator(text: string, cell: JsonNode): string {
  const [a, b] = cell.children ?? [];
  const between = a && b ? text.slice(a.offset + a.length, b.offset) : '';
  return between.startsWith(',') && !/[\r\n]/.test(between) ? between : ', ';
}

// ---------------------------------------------------------------------------------------------------------------
// Lines of the JSON file

/**
 * Where each line of each cell is stored in the notebook's JSON file, for tools that place findings on the file as
 * text (GitHub annotations, GitLab code quality): `jsonLine(cell, line)` is the 1-based line of `raw` that holds the
 * 1-based `line` of cell number `cell`, or null when the notebook or the cell's `source` cannot be found. Jupyter
 * stores a source as a list of strings, one per line, so every cell line has its own JSON line; a source stored as
 * one string has all its lines on the JSON line where the string starts.
 */
export function notebookJsonLines(raw: string): (cell: number, line: number) => number | null {
  const bomLength = raw.startsWith(BOM) ? 1 : 0;
  const body = raw.slice(bomLength);
  let cellNodes: JsonNode[] | undefined;
  try {
    cellNodes = findProperty(parseTree(body), 'cells')?.children;
  } catch {
    cellNodes = undefined;
  }
  const index = new LineIndex(body);
  const lineOf = (offset: number): number => index.lineOf(offset) + 1;
  const perCell = new Map<number, number[]>();
  const linesOf = (cell: number): number[] => {
    let lines = perCell.get(cell);
    if (lines) return lines;
    lines = [];
    const cellNode = cellNodes?.[cell - 1];
    const value = cellNode && findProperty(cellNode, 'source');
    if (value?.type === 'string') lines.push(lineOf(value.offset));
    else if (value?.type === 'array') {
      // Cell line `lines.length + 1` starts in the next piece of text that follows a line break.
      let atLineStart = true;
      for (const element of value.children ?? []) {
        if (element.type !== 'string' || typeof element.value !== 'string') continue;
        const at = lineOf(element.offset);
        const text = element.value;
        if (atLineStart && text.length > 0) lines.push(at);
        for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) if (i + 1 < text.length) lines.push(at);
        if (text.length > 0) atLineStart = text.endsWith('\n');
      }
    }
    perCell.set(cell, lines);
    return lines;
  };
  return (cell, line) => {
    if (!Number.isInteger(cell) || !Number.isInteger(line) || line < 1) return null;
    const lines = linesOf(cell);
    if (lines.length === 0) return null;
    return lines[Math.min(line, lines.length) - 1] as number;
  };
}
