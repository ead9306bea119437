import { defineRule, type Visitors } from '@mlops-lint/core';
import type { NotebookCell } from '@mlops-lint/parser';

type MessageIds = 'ranEarlier' | 'ranAfterSkipped';

/**
 * Lines of a never-run cell that change nothing a later cell depends on: comments, package installs, display and
 * extension magics, shell look-arounds. A skipped cell made only of these does not break the top-to-bottom story.
 */
const INERT_LINE =
  /^\s*(?:#.*|[!%]+\s*(?:pip|pip3|conda|mamba|micromamba|uv|apt|apt-get|brew)\b.*|(?:pip|pip3)\s+install\b.*|!\s*(?:\{sys\.executable\}|python3?)\s+-m\s+pip\b.*|!\s*(?:curl|wget)\b[^|]*\|\s*(?:sudo\s+)?(?:sh|bash)\b.*|%(?:matplotlib|load_ext|reload_ext|autoreload|config|pylab|notebook|watermark)\b.*|%%capture\b.*|!\s*(?:nvidia-smi|ls|pwd|nproc|free|df|du|cat|head|tail|which|echo)\b.*|)$/;

/**
 * Python lines of a never-run cell that leave the kernel as it was: a hub or tracker login (the token goes to disk,
 * and a saved run usually skips the widget), an upload of the trained model, or a bare expression that only displays
 * a value (`df`, `train_dataset[20]`).
 */
const INERT_PYTHON_LINE =
  /^\s*(?:from\s+huggingface_hub\s+import\s+(?:notebook_login|interpreter_login|login)(?:\s*,\s*(?:notebook_login|interpreter_login|login))*|(?:huggingface_hub\.|wandb\.)?(?:notebook_login|interpreter_login|login)\(.*\)|[A-Za-z_][\w.]*\.push_to_hub\(.*\)|[A-Za-z_][\w.]*(?:\[[^\]]*\])*)\s*;?\s*$/;

/** One place in the notebook, with what a message needs. */
interface Executed {
  cell: NotebookCell;
  count: number;
}

/**
 * ML203: a notebook whose saved execution counts show that its code cells did not run top to bottom: a cell whose
 * `execution_count` is not greater than the one of the previous executed cell, or an executed cell below a non-blank
 * cell that never ran (when the numbering leaves no room for that cell to have run and had its output cleared). Only the first such cell is reported, on its first line that is neither blank nor a comment
 * (fixture annotations sit above it). Cells with another language (`%%bash`) take part in the ordering but are never
 * reported on; a notebook saved with no execution counts at all (cleared outputs) is fine, and so are gaps in the
 * numbering (1, 2, 5, 7) that re-running a cell leaves behind.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML203',
    name: 'notebook-out-of-order',
    severity: 'warning',
    scope: 'file',
    fix: 'none',
    docs: { description: 'Notebook cells were not executed top to bottom' },
    messages: {
      ranEarlier:
        'Cell {{cell}} ran before cell {{previous}} (execution count {{count}} after {{previousCount}}); restart the kernel and run all cells so the saved outputs match the code order',
      ranAfterSkipped:
        'Cell {{cell}} ran although cell {{skipped}} above it never did; restart the kernel and run all cells so the saved outputs match the code order',
    },
  },
  create(context): Visitors {
    const notebook = context.file.notebook;
    if (!context.isNotebook || !notebook) return {};
    return {
      module() {
        // A cell of only comments does nothing when it runs, so it is as blank as an empty one.
        const codeCells = notebook.cells.filter((c) => c.cellType === 'code' && !isCommentsOnly(c));
        if (!codeCells.some((c) => c.executionCount !== null)) return;
        let previous: Executed | null = null;
        // Never-run cells since the previous executed one that would have changed the kernel's state.
        let skipped: NotebookCell[] = [];
        for (const cell of codeCells) {
          const count = cell.executionCount;
          if (count === null) {
            if (!isInert(cell)) skipped.push(cell);
            continue;
          }
          let messageId: MessageIds | null = null;
          let data: Record<string, string | number> = {};
          if (previous !== null && count <= previous.count) {
            messageId = 'ranEarlier';
            data = { cell: cell.index, previous: previous.cell.index, count, previousCount: previous.count };
          } else if (skipped.length > 0 && count - (previous?.count ?? 0) - 1 < skipped.length) {
            // Unused numbers between the two counts could belong to the blank-count cells: run in order, then
            // their output cleared (`1, None, 3`). Only when there is no room for them did they surely not run.
            messageId = 'ranAfterSkipped';
            data = { cell: cell.index, skipped: (skipped[0] as NotebookCell).index };
          }
          if (messageId !== null) {
            // Only the first break in the order is worth a finding; a cell outside the Python text cannot hold one.
            const range = cell.linted ? firstCodeLine(cell) : null;
            if (range) context.report({ range, messageId, data });
            return;
          }
          previous = { cell, count };
          skipped = [];
        }
      },
    };
  },
});

function isInert(cell: NotebookCell): boolean {
  // A `\`-continued line (`%pip install -q \` then one package a line) is one command.
  const lines = cell.source.replace(/\\\r?\n/g, ' ').split(/\r\n|\r|\n/);
  return lines.every((line) => INERT_LINE.test(line) || INERT_PYTHON_LINE.test(line));
}

function isCommentsOnly(cell: NotebookCell): boolean {
  return cell.source.split(/\r\n|\r|\n/).every((line) => /^\s*(?:#.*)?$/.test(line));
}

/**
 * The virtual-text range of a cell's first line that is neither blank nor a comment (its first non-blank line when
 * the cell is all comments), from its first non-space character to the end of the line.
 */
function firstCodeLine(cell: NotebookCell): [number, number] | null {
  const { source } = cell;
  let fallback: [number, number] | null = null;
  let start = 0;
  while (start <= source.length) {
    let end = start;
    while (end < source.length && source[end] !== '\n' && source[end] !== '\r') end++;
    const line = source.slice(start, end);
    const indent = /^\s*/.exec(line)?.[0].length ?? 0;
    if (indent < line.length) {
      const range: [number, number] = [cell.virtualStart + start + indent, cell.virtualStart + end];
      if (!line.trimStart().startsWith('#')) return range;
      fallback ??= range;
    }
    if (end >= source.length) break;
    start = source[end] === '\r' && source[end + 1] === '\n' ? end + 2 : end + 1;
  }
  return fallback;
}
