import type { Diagnostic } from '@mlops-lint/core';
import {
  DiagnosticSeverity,
  type Diagnostic as LspDiagnostic,
  type DiagnosticRelatedInformation,
  type Position,
  type Range,
} from 'vscode-languageserver/node';

/** What every diagnostic of this server says it comes from (`Diagnostic.source`). */
export const SOURCE = 'mlops-lint';

const SEVERITY = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

/** A 0-based LSP position from the engine's 1-based line and column (inside the cell for notebooks). */
export function position(line: number, column: number): Position {
  return { line: Math.max(0, line - 1), character: Math.max(0, column - 1) };
}

/** The LSP range of a diagnostic or located edit. */
export function rangeOf(loc: { line: number; column: number; endLine: number; endColumn: number }): Range {
  return { start: position(loc.line, loc.column), end: position(loc.endLine, loc.endColumn) };
}

/**
 * Converts an engine diagnostic. `uriOfCell` gives the document a location is in: the file's own URI for Python, the
 * cell's document for a notebook (`null` cell means "the file itself"); a location it cannot place is left out of
 * the related information.
 */
export function toLspDiagnostic(d: Diagnostic, uriOfCell: (cell: number | null) => string | null, docsUrl: string | undefined): LspDiagnostic {
  const out: LspDiagnostic = {
    range: rangeOf(d),
    severity: SEVERITY[d.severity],
    code: d.code,
    source: SOURCE,
    message: d.message,
  };
  if (docsUrl !== undefined) out.codeDescription = { href: docsUrl };
  const related: DiagnosticRelatedInformation[] = [];
  for (const r of d.related) {
    const uri = uriOfCell(r.cell);
    if (uri === null) continue;
    const at = position(r.line, r.column);
    related.push({ location: { uri, range: { start: at, end: at } }, message: r.message });
  }
  if (related.length > 0) out.relatedInformation = related;
  return out;
}

/** Whether two ranges are equal. */
export function sameRange(a: Range, b: Range): boolean {
  return a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;
}

/** Whether two ranges overlap or touch (an empty range at a diagnostic's edge counts, as editors' cursors do). */
export function touches(a: Range, b: Range): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}

function before(p: Position, q: Position): boolean {
  return p.line < q.line || (p.line === q.line && p.character < q.character);
}
