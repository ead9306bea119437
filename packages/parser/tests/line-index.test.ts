import { describe, expect, it } from 'vitest';
import { LineIndex, parseDirectives, suppresses } from '../src/index.js';

describe('LineIndex', () => {
  it('treats \\n, \\r\\n and a lone \\r as line ends', () => {
    const idx = new LineIndex('a\nb\r\nc\rd');
    expect(idx.lineStarts).toEqual([0, 2, 5, 7]);
    expect(idx.positionAt(5)).toEqual({ line: 2, column: 0 });
    expect(idx.lineText(1)).toBe('b');
    expect(idx.offsetAt(3, 0)).toBe(7);
  });
});

describe('parseDirectives', () => {
  const text = 'x = 1  # noqa: ML101, ML201\ny = 2  # NOQA\n# mlops-lint: noqa: ML5\nz = 3  # noqa:ML301\n';
  const comments: Array<[number, number]> = [];
  for (const m of text.matchAll(/#[^\n]*/g)) comments.push([m.index ?? 0, (m.index ?? 0) + m[0].length]);
  const idx = new LineIndex(text);
  const d = parseDirectives(text, comments, (o) => idx.lineOf(o));

  it('reads line directives with and without codes', () => {
    expect(d.lines.get(0)?.codes).toEqual(['ML101', 'ML201']);
    expect(d.lines.get(1)?.codes).toBeNull();
    expect(d.lines.get(3)?.codes).toEqual(['ML301']);
  });

  it('reads file directives and matches prefixes and names', () => {
    expect(d.file).toHaveLength(1);
    const fileLevel = d.file[0];
    expect(fileLevel && suppresses(fileLevel, 'ML502', 'unsafe-deserialization')).toBe(true);
    expect(fileLevel && suppresses(fileLevel, 'ML101', 'model-load-in-handler')).toBe(false);
    expect(suppresses({ line: 0, codes: ['model-load-in-handler'], start: 0, end: 0 }, 'ML101', 'model-load-in-handler')).toBe(true);
  });
});
