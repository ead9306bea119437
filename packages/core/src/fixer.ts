import type { SyntaxNode } from '@mlops-lint/parser';
import type { Edit, Fixer } from './rule.js';

function rangeOf(target: SyntaxNode | readonly [number, number]): [number, number] {
  return 'startIndex' in target ? [target.startIndex, target.endIndex] : [target[0], target[1]];
}

/** The ESLint-style fixer handed to fix and suggestion callbacks. */
export const fixer: Fixer = {
  replaceText(target, text) {
    const [start, end] = rangeOf(target);
    return { start, end, text };
  },
  insertTextBefore(target, text) {
    const [start] = rangeOf(target);
    return { start, end: start, text };
  },
  insertTextAfter(target, text) {
    const [, end] = rangeOf(target);
    return { start: end, end, text };
  },
  remove(target) {
    const [start, end] = rangeOf(target);
    return { start, end, text: '' };
  },
  insertAt(offset, text) {
    return { start: offset, end: offset, text };
  },
};

/** Sorts edits and merges them into one list; throws a TypeError naming the rule when two overlap. */
export function normalizeEdits(edits: Edit[], ruleName: string): Edit[] {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1] as Edit;
    const cur = sorted[i] as Edit;
    if (cur.start < prev.end) throw new TypeError(`rule ${ruleName}: a fix has overlapping edits at offsets ${prev.start}-${prev.end} and ${cur.start}-${cur.end}`);
  }
  return sorted;
}

/** Applies sorted, non-overlapping edits to a text. */
export function applyEdits(text: string, edits: readonly Edit[]): string {
  let out = '';
  let last = 0;
  for (const edit of edits) {
    out += text.slice(last, edit.start) + edit.text;
    last = edit.end;
  }
  return out + text.slice(last);
}
