import { describe, expect, it } from 'vitest';
import { indentLevels, MAX_INDENT_LEVELS, parseLimitProblem } from '../src/limits.js';

/** `depth` nested `if`s, each one level deeper, with blank and comment lines between. */
function nested(depth: number, eol: string): string {
  const lines: string[] = [];
  for (let d = 0; d < depth; d++) lines.push(`${'    '.repeat(d)}if x:`, '', `${'  '.repeat(d)}# comment`);
  lines.push(`${'    '.repeat(depth)}pass`);
  return lines.join(eol) + eol;
}

describe('indentLevels', () => {
  it('counts the same levels whatever the line ends', () => {
    for (const depth of [0, 1, 5, 40]) {
      const expected = depth;
      for (const eol of ['\n', '\r\n', '\r']) expect(indentLevels(nested(depth, eol)), `${depth} ${JSON.stringify(eol)}`).toBe(expected);
    }
  });

  it('counts tabs to the next multiple of 8 and drops back on dedent', () => {
    expect(indentLevels('if a:\n\tif b:\n\t\tpass\n  x = 1\n')).toBe(2);
    expect(indentLevels('if a:\n    pass\nif b:\n    pass\n')).toBe(1);
  });

  it('refuses a file nested deeper than the limit, with one line', () => {
    expect(parseLimitProblem(nested(MAX_INDENT_LEVELS, '\n'))).toBeNull();
    expect(parseLimitProblem(nested(MAX_INDENT_LEVELS + 1, '\n'))).toMatch(/^indentation nested too deep/);
    expect(parseLimitProblem(nested(MAX_INDENT_LEVELS + 1, '\r'))).toMatch(/^indentation nested too deep/);
  });
});
