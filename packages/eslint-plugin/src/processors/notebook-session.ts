import { dirname, normalize } from 'node:path';
import type { Diagnostic } from '@mlops-lint/core';
import { SourceFile, type Notebook, type NotebookCell, type ParserBackend, type PreparedSource } from '@mlops-lint/parser';
import { NotebookMap } from './notebook-map.js';

/** A finding the adapter reported in a cell block, kept so that `postprocess` can attach the notebook-level fix. */
export interface CellReport {
  ruleName: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  message: string;
  diagnostic: Diagnostic;
}

/**
 * What the notebook processor knows about one `.ipynb` file between `preprocess` and `postprocess`. ESLint lints
 * each cell as its own virtual file, but the engine lints a notebook as one module (imports in cell 1 resolve calls in
 * cell 7, ML203 compares execution counts across cells), so every cell block of a notebook shares this session: one
 * parse of the whole notebook and one engine run, whose findings each cell block then reports for its own cell.
 */
export class NotebookSession {
  /** The engine's results per rule configuration (see `engine-run.ts`), shared by the notebook's cell blocks. */
  readonly runs = new Map<string, unknown>();
  /** Findings reported per cell index, in report order. */
  readonly reports = new Map<number, CellReport[]>();
  readonly map: NotebookMap;
  private file: SourceFile | null = null;

  constructor(
    /** The name ESLint gave `preprocess` (its cell blocks are named `<filename>/<i>_cell-<n>.py`). */
    readonly filename: string,
    readonly prepared: PreparedSource & { notebook: Notebook },
    /** The linted cells, in block order. */
    readonly blocks: readonly NotebookCell[],
    text: string,
  ) {
    this.map = new NotebookMap(text, prepared.notebook);
  }

  get notebook(): Notebook {
    return this.prepared.notebook;
  }

  /** The whole notebook parsed as the engine parses it, once per session. */
  sourceFile(backend: ParserBackend): SourceFile {
    this.file ??= SourceFile.fromPrepared(backend, this.prepared);
    return this.file;
  }

  /** The linted cell numbered `index` (1-based among all cells), if it is one of this session's blocks. */
  cell(index: number): NotebookCell | undefined {
    return this.blocks.find((cell) => cell.index === index);
  }

  record(cell: NotebookCell, report: CellReport): void {
    const list = this.reports.get(cell.index);
    if (list) list.push(report);
    else this.reports.set(cell.index, [report]);
  }

  /** Takes the recorded finding that produced an ESLint message, so that each is used once. */
  take(cell: NotebookCell, match: Omit<CellReport, 'diagnostic'>): Diagnostic | null {
    const list = this.reports.get(cell.index);
    if (!list) return null;
    const i = list.findIndex(
      (r) =>
        r.ruleName === match.ruleName &&
        r.line === match.line &&
        r.column === match.column &&
        r.endLine === match.endLine &&
        r.endColumn === match.endColumn &&
        r.message === match.message,
    );
    if (i === -1) return null;
    const [found] = list.splice(i, 1);
    return found?.diagnostic ?? null;
  }
}

/**
 * Sessions by notebook filename. ESLint runs `preprocess`, the cell blocks and `postprocess` of one file
 * synchronously, one file at a time per thread, so an entry lives exactly as long as that sequence; `postprocess`
 * removes it. (@eslint/markdown keeps its code blocks between the two calls the same way.)
 */
const sessions = new Map<string, NotebookSession>();

export function openSession(session: NotebookSession): void {
  sessions.set(normalize(session.filename), session);
}

export function closeSession(filename: string): NotebookSession | undefined {
  const key = normalize(filename);
  const session = sessions.get(key);
  sessions.delete(key);
  return session;
}

const CELL_BLOCK = /(?:^|[\\/])\d+_cell-(\d+)\.py$/;

/** The notebook cell a virtual file stands for, when it is a cell block of a notebook being processed. */
export function cellBlockOf(path: string, text: string): { session: NotebookSession; cell: NotebookCell } | null {
  const match = CELL_BLOCK.exec(path);
  if (!match) return null;
  const session = sessions.get(normalize(dirname(path)));
  const cell = session?.cell(Number(match[1]));
  // The text check guards against a stale session: the block must be the cell as preprocess cut it.
  if (!session || !cell || cell.source !== text) return null;
  return { session, cell };
}

/** The virtual file name of a cell block. */
export function cellBlockName(cell: NotebookCell): string {
  return `cell-${cell.index}.py`;
}
