import type { Diagnostic, LintOutput } from '@mlops-lint/core';
import { diffEdit, inputEdit, SourceFile, type InputEdit, type ParserBackend, type PreparedSource } from '@mlops-lint/parser';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { NotebookCellKind, TextDocumentContentChangeEvent, type LSPObject, type NotebookCell, type TextDocumentItem } from 'vscode-languageserver/node';

/**
 * An open document the server lints: a Python file, or a notebook (whose cells are separate documents but are
 * linted as one module, as the CLI does). Holds the last parsed version so the next parse can reuse its tree.
 */
export abstract class LintedDocument {
  /** Rules that crashed on this document; they stay off until it is closed. */
  readonly disabled = new Set<string>();
  /** The last parsed version; its tree is the base of the next incremental parse. */
  file: SourceFile | null = null;
  /** The last lint's output, for code actions; null before the first lint or when it failed. */
  output: LintOutput | null = null;
  /** Whether the text changed since the last lint, so `output` belongs to an older version. */
  dirty = true;
  timer: NodeJS.Timeout | null = null;

  constructor(
    /** The document's URI (the notebook's, for a notebook). */
    readonly uri: string,
    /** Its path on disk, or null for an unsaved (`untitled:`) document. */
    readonly absPath: string | null,
  ) {}

  /** The file-scope findings of the last lint. */
  get diagnostics(): Diagnostic[] {
    return this.output?.diagnostics ?? [];
  }

  /** The text to lint, ready to parse (throws `SourceError` when it cannot be read as source). */
  abstract prepare(displayPath: string): PreparedSource;

  /** The tree-sitter edits that turn the last parsed code into `code`; consumed by the parse. */
  protected takeEdits(previous: string, code: string): InputEdit[] {
    const edit = diffEdit(previous, code);
    return edit ? [edit] : [];
  }

  /**
   * Parses the prepared text, reusing the previous tree (incremental re-parse): `tree.edit` with this version's edits,
   * then a parse with the edited tree. Releases the previous version.
   */
  parse(backend: ParserBackend, prepared: PreparedSource): SourceFile {
    const previous = this.file;
    // Taken in every case: edits describe the way from the last parsed text, and a parse from scratch starts anew.
    const edits = this.takeEdits(previous?.text ?? '', prepared.code);
    if (previous && previous.text === prepared.code && prepared.kind === 'python') return previous;
    const file = previous ? SourceFile.fromPrepared(backend, prepared, { tree: previous.tree, edits }) : SourceFile.fromPrepared(backend, prepared);
    previous?.release();
    this.file = file;
    return file;
  }

  /** Frees the parsed tree. */
  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.file?.release();
    this.file = null;
  }
}

/** An open Python file. Content changes are turned into tree-sitter edits as they arrive. */
export class PythonDocument extends LintedDocument {
  private document: TextDocument;
  /** Edits since the last parse, in order. */
  private pending: InputEdit[] = [];

  constructor(item: TextDocumentItem, absPath: string | null) {
    super(item.uri, absPath);
    this.document = TextDocument.create(item.uri, item.languageId, item.version, item.text);
  }

  get version(): number {
    return this.document.version;
  }

  get text(): string {
    return this.document.getText();
  }

  get textDocument(): TextDocument {
    return this.document;
  }

  /** Applies `textDocument/didChange` changes, recording each as a tree-sitter edit on the text it applied to. */
  applyChanges(changes: readonly TextDocumentContentChangeEvent[], version: number): void {
    for (const change of changes) {
      const old = this.document.getText();
      if (TextDocumentContentChangeEvent.isIncremental(change)) {
        const start = this.document.offsetAt(change.range.start);
        const end = this.document.offsetAt(change.range.end);
        this.pending.push(inputEdit(old, start, end, change.text));
      } else {
        const edit = diffEdit(old, change.text);
        if (edit) this.pending.push(edit);
      }
      this.document = TextDocument.update(this.document, [change], version);
    }
    this.dirty = true;
  }

  prepare(displayPath: string): PreparedSource {
    return SourceFile.prepare(displayPath, this.text, { kind: 'python' });
  }

  protected override takeEdits(previous: string, code: string): InputEdit[] {
    const edits = this.pending;
    this.pending = [];
    // Edits always describe the way from the parsed text to this one; the diff is only a safety net.
    return edits.length > 0 ? edits : super.takeEdits(previous, code);
  }
}

/** One cell of an open notebook. */
export interface CellState {
  uri: string;
  kind: NotebookCellKind;
  document: TextDocument;
  executionOrder: number | null;
}

/**
 * An open notebook (LSP 3.17 notebook sync). Its cells are linted together through the same nbformat model as the
 * CLI uses: the cells become a notebook JSON text, so the virtual Python text, the IPython masking and the cell
 * numbering (1-based among all cells, markdown included) are exactly the CLI's.
 */
export class NotebookState extends LintedDocument {
  cells: CellState[] = [];
  metadata: LSPObject | undefined;
  /** What was last sent for each cell, so unchanged cells are not sent again. */
  readonly published = new Map<string, string>();

  constructor(uri: string, absPath: string | null, cells: readonly NotebookCell[], texts: readonly TextDocumentItem[], metadata: LSPObject | undefined) {
    super(uri, absPath);
    this.metadata = metadata;
    this.cells = cells.map((cell) => cellState(cell, texts.find((t) => t.uri === cell.document)));
  }

  /** The 0-based position of a cell document in the notebook, or -1. */
  indexOfCell(uri: string): number {
    return this.cells.findIndex((c) => c.uri === uri);
  }

  /** The cell document of a 1-based cell number. */
  cellAt(cell: number): CellState | undefined {
    return this.cells[cell - 1];
  }

  /** `notebookDocument/didChange`: structure, cell data and cell text. Returns the URIs of cells that went away. */
  applyChange(change: {
    metadata?: LSPObject;
    cells?: {
      structure?: { array: { start: number; deleteCount: number; cells?: NotebookCell[] }; didOpen?: TextDocumentItem[]; didClose?: { uri: string }[] };
      data?: NotebookCell[];
      textContent?: { document: { uri: string; version: number }; changes: TextDocumentContentChangeEvent[] }[];
    };
  }): string[] {
    const closed: string[] = [];
    if (change.metadata) this.metadata = change.metadata;
    const structure = change.cells?.structure;
    if (structure) {
      const { start, deleteCount, cells = [] } = structure.array;
      const added = cells.map((cell) => cellState(cell, structure.didOpen?.find((t) => t.uri === cell.document)));
      const removed = this.cells.splice(start, deleteCount, ...added);
      const kept = new Set(this.cells.map((c) => c.uri));
      for (const cell of removed) if (!kept.has(cell.uri)) closed.push(cell.uri);
    }
    for (const data of change.cells?.data ?? []) {
      const cell = this.cells.find((c) => c.uri === data.document);
      if (!cell) continue;
      cell.kind = data.kind;
      cell.executionOrder = data.executionSummary?.executionOrder ?? null;
    }
    for (const { document, changes } of change.cells?.textContent ?? []) {
      const cell = this.cells.find((c) => c.uri === document.uri);
      if (cell) cell.document = TextDocument.update(cell.document, changes, document.version);
    }
    this.dirty = true;
    return closed;
  }

  prepare(displayPath: string): PreparedSource {
    return SourceFile.prepare(displayPath, this.toJson(), { kind: 'notebook' });
  }

  /** The cells as nbformat 4 JSON, the way the CLI would read the saved notebook. */
  toJson(): string {
    return JSON.stringify({
      cells: this.cells.map((cell) => {
        const source = cell.document.getText();
        if (cell.kind === NotebookCellKind.Markup) return { cell_type: 'markdown', metadata: {}, source };
        // Jupyter's raw cells reach editors as code cells in the `raw` language.
        if (cell.document.languageId === 'raw') return { cell_type: 'raw', metadata: {}, source };
        return { cell_type: 'code', execution_count: cell.executionOrder, metadata: {}, outputs: [], source };
      }),
      metadata: jupyterMetadata(this.metadata),
      nbformat: 4,
      nbformat_minor: 5,
    });
  }
}

function cellState(cell: NotebookCell, item: TextDocumentItem | undefined): CellState {
  return {
    uri: cell.document,
    kind: cell.kind,
    document: TextDocument.create(cell.document, item?.languageId ?? 'python', item?.version ?? 0, item?.text ?? ''),
    executionOrder: cell.executionSummary?.executionOrder ?? null,
  };
}

/**
 * The notebook-level nbformat metadata (kernelspec, language_info) from what the client sends: VS Code's Jupyter
 * support nests it under `metadata` (or `custom.metadata` in older versions); other clients may send it flat.
 */
function jupyterMetadata(metadata: LSPObject | undefined): Record<string, unknown> {
  const top = metadata as Record<string, unknown> | undefined;
  const custom = top?.['custom'] as Record<string, unknown> | undefined;
  const candidates = [top?.['metadata'], custom?.['metadata'], top];
  for (const candidate of candidates) {
    if (typeof candidate !== 'object' || candidate === null || Array.isArray(candidate)) continue;
    const { kernelspec, language_info: info } = candidate as Record<string, unknown>;
    if (kernelspec !== undefined || info !== undefined) return { kernelspec, language_info: info };
  }
  return {};
}
