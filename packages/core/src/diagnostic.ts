import type { Severity } from './config.js';
import type { Fix } from './rule.js';

/** One finding, located in the file's (virtual) text and in user coordinates. */
export interface Diagnostic {
  code: string;
  name: string;
  severity: Severity;
  message: string;
  /** The rule's message key (for tests and adapters; not part of the JSON contract). */
  messageId: string;
  /** Path as given to the linter. */
  file: string;
  /** 1-based cell index among all cells, for notebooks. */
  cell: number | null;
  /** 1-based, inside the cell for notebooks. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** Offsets in the linted text (the virtual text for notebooks). */
  start: number;
  end: number;
  fix: Fix | null;
  suggestions: Fix[];
  related: { line: number; column: number; cell: number | null; message: string }[];
}

/** A file-level problem: the file could not be read or parsed well, reported as one line. */
export interface FileProblem {
  file: string;
  /** 1-based position when the problem has one (syntax errors). */
  line: number | null;
  column: number | null;
  cell: number | null;
  /** `limit`: skipped because it is beyond a size or nesting limit (`max-file-size`, indentation depth). */
  kind: 'read' | 'decode' | 'notebook' | 'limit' | 'syntax' | 'rule-crash' | 'fix' | 'discovery' | 'write';
  message: string;
}

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Sort order of every output: file, cell, line, column, code. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return (
    (a.cell ?? 0) - (b.cell ?? 0) ||
    a.line - b.line ||
    a.column - b.column ||
    (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity] ||
    (a.message < b.message ? -1 : a.message > b.message ? 1 : 0)
  );
}
