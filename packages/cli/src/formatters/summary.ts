import type { Diagnostic, FileResult } from '@mlops-lint/core';

export interface Summary {
  files: number;
  errors: number;
  warnings: number;
  infos: number;
  fixable: number;
  fixed: number;
}

/** Diagnostics of all results, in output order (results are sorted by path, diagnostics within). */
export function allDiagnostics(results: readonly FileResult[]): Diagnostic[] {
  return results.flatMap((r) => r.diagnostics);
}

/** Counts by severity; `fileCount` overrides the number of files when `results` does not list them all. */
export function summarize(results: readonly FileResult[], fileCount?: number): Summary {
  const s: Summary = { files: fileCount ?? results.length, errors: 0, warnings: 0, infos: 0, fixable: 0, fixed: 0 };
  for (const r of results) {
    s.fixed += r.fixed;
    for (const d of r.diagnostics) {
      if (d.severity === 'error') s.errors++;
      else if (d.severity === 'warning') s.warnings++;
      else s.infos++;
      if (d.fix) s.fixable++;
    }
  }
  return s;
}

/** `path:line:col` or `path:cell N:line:col`. */
export function locationOf(d: { file: string; cell: number | null; line: number; column: number }): string {
  return d.cell === null ? `${d.file}:${d.line}:${d.column}` : `${d.file}:cell ${d.cell}:${d.line}:${d.column}`;
}

export function plural(n: number, word: string): string {
  if (n === 1) return `${n} ${word}`;
  return `${n} ${/(x|s|sh|ch)$/.test(word) ? `${word}es` : `${word}s`}`;
}
