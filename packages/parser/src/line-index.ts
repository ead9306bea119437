/**
 * Maps UTF-16 offsets to 0-based line/column pairs and back. Python accepts `\n`, `\r\n` and a lone `\r` as line
 * ends, so all three start a new line here.
 */
export class LineIndex {
  /** Offset of the first character of each line. */
  readonly lineStarts: number[];

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = 0; i < text.length; i++) {
      const ch = text.charCodeAt(i);
      if (ch === 10) starts.push(i + 1);
      else if (ch === 13) {
        if (text.charCodeAt(i + 1) === 10) i++;
        starts.push(i + 1);
      }
    }
    this.lineStarts = starts;
  }

  get lineCount(): number {
    return this.lineStarts.length;
  }

  /** 0-based line of an offset (binary search). */
  lineOf(offset: number): number {
    const starts = this.lineStarts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** 0-based line and column (UTF-16 units) of an offset. */
  positionAt(offset: number): { line: number; column: number } {
    const clamped = Math.max(0, Math.min(offset, this.text.length));
    const line = this.lineOf(clamped);
    return { line, column: clamped - (this.lineStarts[line] as number) };
  }

  /** Offset of a 0-based line and column; clamps to the text. */
  offsetAt(line: number, column: number): number {
    if (line >= this.lineStarts.length) return this.text.length;
    const start = this.lineStarts[Math.max(0, line)] as number;
    return Math.min(start + Math.max(0, column), this.lineEnd(line));
  }

  /** Offset of the start of the line holding `offset`. */
  lineStartOf(offset: number): number {
    return this.lineStarts[this.lineOf(offset)] as number;
  }

  /** Offset just past the last character of a line, before its line end. */
  lineEnd(line: number): number {
    const next = this.lineStarts[line + 1];
    if (next === undefined) return this.text.length;
    let end = next;
    if (this.text.charCodeAt(end - 1) === 10) end--;
    if (this.text.charCodeAt(end - 1) === 13) end--;
    return end;
  }

  /** The text of a 0-based line without its line end. */
  lineText(line: number): string {
    return this.text.slice(this.lineStarts[line] ?? this.text.length, this.lineEnd(line));
  }
}
