/**
 * Input the parser refuses before tree-sitter sees it, because tree-sitter itself would take the process down.
 *
 * tree-sitter-python's external scanner saves its stack of indentation widths into tree-sitter's 1024-byte state
 * buffer, two bytes per level, with a bounds check that one odd-sized write can step over: past about 380 open
 * levels (fewer with strings open) the native addon aborts the process on an assertion and the WASM build throws
 * "memory access out of bounds" and is left in an unknown state. CPython stops at 100 levels ("too many levels of
 * indentation"), so no runnable file comes near the limit below.
 */

/** The most indentation levels a file may open; twice CPython's own limit, well under the scanner's. */
export const MAX_INDENT_LEVELS = 200;

/**
 * An upper bound on the number of indentation levels tree-sitter-python's scanner opens for `text`: the depth of
 * the stack of strictly increasing line indentations, counted as the scanner counts them (a tab to the next
 * multiple of 8, a form feed back to 0), skipping blank and comment-only lines. Lines inside brackets or strings are
 * counted too, so this can only overestimate. Stops counting once past `stopAt`.
 */
export function indentLevels(text: string, stopAt = Infinity): number {
  const stack: number[] = [0];
  let deepest = 0;
  let i = 0;
  const n = text.length;
  const hasCR = text.includes('\r');
  while (i < n) {
    let width = 0;
    let ch = text.charCodeAt(i);
    // 0x20 space, 0x09 tab, 0x0c form feed
    while (ch === 0x20 || ch === 0x09 || ch === 0x0c) {
      width = ch === 0x20 ? width + 1 : ch === 0x09 ? (width & ~7) + 8 : 0;
      ch = text.charCodeAt(++i);
    }
    // 0x0a \n, 0x0d \r, 0x23 #; NaN at the end of the text
    const blank = Number.isNaN(ch) || ch === 0x0a || ch === 0x0d || ch === 0x23;
    if (!blank) {
      while (width < (stack[stack.length - 1] as number)) stack.pop();
      if (width > (stack[stack.length - 1] as number)) {
        stack.push(width);
        if (stack.length - 1 > deepest) {
          deepest = stack.length - 1;
          if (deepest > stopAt) return deepest;
        }
      }
    }
    // To the start of the next line (`indexOf` when no line ends in a bare \r: a native scan, not a JS loop).
    if (!hasCR) {
      const nl = text.indexOf('\n', i);
      i = nl === -1 ? n : nl + 1;
      continue;
    }
    while (i < n && text.charCodeAt(i) !== 0x0a && text.charCodeAt(i) !== 0x0d) i++;
    if (text.charCodeAt(i) === 0x0d && text.charCodeAt(i + 1) === 0x0a) i++;
    i++;
  }
  return deepest;
}

/** The one-line reason `text` must not be parsed, or null when it is safe to parse. */
export function parseLimitProblem(text: string): string | null {
  return indentLevels(text, MAX_INDENT_LEVELS) > MAX_INDENT_LEVELS
    ? `indentation nested too deep (more than ${MAX_INDENT_LEVELS} levels); skipped`
    : null;
}
