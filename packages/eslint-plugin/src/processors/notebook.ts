import type { LintMessage, LintSuggestion, Processor, RuleTextEdit } from '@eslint/core';
import type { Fix } from '@mlops-lint/core';
import { SourceError, SourceFile, type Notebook, type NotebookCell } from '@mlops-lint/parser';
import { VERSION } from '../version.js';
import { cellBlockName, closeSession, NotebookSession, openSession } from './notebook-session.js';

const BOM = '\uFEFF';

/**
 * Cuts a notebook into one virtual Python file per linted code cell (`<notebook>/<i>_cell-<n>.py`, the cell's
 * source as it is stored, IPython magics included) and opens the session its cell blocks share.
 *
 * @throws Error with a one-line message when the file is not a notebook; ESLint reports it as a fatal
 *   "Preprocessing error" on the file, as the CLI reports a malformed notebook and goes on.
 */
function preprocess(text: string, filename: string): Array<{ text: string; filename: string }> {
  const body = text.startsWith(BOM) ? text.slice(1) : text;
  let prepared;
  try {
    prepared = SourceFile.prepare(filename, body, { kind: 'notebook' });
  } catch (error) {
    if (error instanceof SourceError) {
      throw Object.assign(new Error(error.message.replace(/; skipped$/, '')), { lineNumber: 1, column: 1 });
    }
    throw error;
  }
  const notebook = prepared.notebook as Notebook;
  const blocks = notebook.cells.filter((cell) => cell.linted);
  openSession(new NotebookSession(filename, { ...prepared, notebook }, blocks, body));
  return blocks.map((cell) => ({ text: cell.source, filename: cellBlockName(cell) }));
}

/**
 * Maps each cell block's messages back onto the notebook's JSON text: positions into the JSON string holding the
 * cell's line, fixes and suggestions into replacements of the JSON text made by the engine's notebook write-back
 * (outputs, metadata and formatting untouched). A finding of an mlops rule takes the engine's own fix, which may
 * edit another cell than the one reported (a seed call inserted next to the imports in cell 1); any other rule's
 * fix is mapped from its cell. A fix that cannot be written back (it touches an IPython magic) is dropped.
 */
function postprocess(messageLists: LintMessage[][], filename: string): LintMessage[] {
  const session = closeSession(filename);
  if (!session) return messageLists.flat();
  return messageLists.flatMap((messages, i) => {
    const cell = session.blocks[i];
    return cell ? messages.map((message) => adjust(session, cell, message)) : messages;
  });
}

function adjust(session: NotebookSession, cell: NotebookCell, message: LintMessage): LintMessage {
  const { fix, suggestions, ...rest } = message;
  const out: LintMessage = { ...rest };
  const start = session.map.position(cell, message.line, message.column);
  out.line = start.line;
  out.column = start.column;
  if (message.endLine !== undefined && message.endColumn !== undefined) {
    const end = session.map.position(cell, message.endLine, message.endColumn);
    out.endLine = end.line;
    out.endColumn = end.column;
  }

  const ruleName = message.ruleId?.slice(message.ruleId.lastIndexOf('/') + 1);
  const diagnostic =
    ruleName === undefined
      ? null
      : session.take(cell, {
          ruleName,
          line: message.line,
          column: message.column,
          endLine: message.endLine ?? message.line,
          endColumn: message.endColumn ?? message.column,
          message: message.message,
        });

  if (diagnostic) {
    const safe = diagnostic.fix?.applicability === 'safe' ? session.map.jsonEdit(diagnostic.fix.edits) : null;
    if (safe) out.fix = safe;
    const offered: Fix[] = [...(diagnostic.fix && diagnostic.fix.applicability !== 'safe' ? [diagnostic.fix] : []), ...diagnostic.suggestions];
    const mapped = offered.flatMap((s): LintSuggestion[] => {
      const edit = session.map.jsonEdit(s.edits);
      return edit ? [{ desc: s.message, fix: edit }] : [];
    });
    if (mapped.length > 0) out.suggestions = mapped;
    return out;
  }

  const mappedFix = fix ? mapCellEdit(session, cell, fix) : null;
  if (mappedFix) out.fix = mappedFix;
  const mappedSuggestions = (suggestions ?? []).flatMap((s): LintSuggestion[] => {
    const edit = mapCellEdit(session, cell, s.fix);
    return edit ? [{ ...s, fix: edit }] : [];
  });
  if (mappedSuggestions.length > 0) out.suggestions = mappedSuggestions;
  return out;
}

function mapCellEdit(session: NotebookSession, cell: NotebookCell, edit: RuleTextEdit): RuleTextEdit | null {
  return session.map.cellEdit(cell, edit.range[0], edit.range[1], edit.text);
}

/**
 * The `.ipynb` processor, in the manner of @eslint/markdown's code-block processor. Fixes are mapped exactly
 * (see `NotebookMap`), so it supports autofix.
 */
export const notebookProcessor = {
  meta: { name: 'eslint-plugin-mlops/notebook', version: VERSION },
  supportsAutofix: true,
  preprocess,
  postprocess,
} satisfies Processor<{ text: string; filename: string }>;
