import type { Diagnostic, Fix } from '@mlops-lint/core';
import type { Formatter } from './types.js';
import { allDiagnostics, summarize } from './summary.js';

function fixJson(fix: Fix): { message: string; edits: unknown[] } {
  return {
    message: fix.message,
    // `file` only on an edit of another file than the finding's (a project rule's fix, e.g. ML501 → .gitignore).
    edits: fix.edits.map((e) => ({ ...(e.file !== undefined ? { file: e.file } : {}), line: e.line, column: e.column, endLine: e.endLine, endColumn: e.endColumn, text: e.text })),
  };
}

/** One diagnostic in the stable JSON contract (ARCHITECTURE.md, "Machine output"). */
export function diagnosticJson(d: Diagnostic): Record<string, unknown> {
  return {
    code: d.code,
    name: d.name,
    severity: d.severity,
    message: d.message,
    file: d.file,
    cell: d.cell,
    line: d.line,
    column: d.column,
    endLine: d.endLine,
    endColumn: d.endColumn,
    fix: d.fix ? { applicability: d.fix.applicability, ...fixJson(d.fix) } : null,
    suggestions: d.suggestions.map(fixJson),
  };
}

/** `--format json`: the versioned machine contract. */
export const json: Formatter = ({ results, toolVersion, fileCount }) => {
  const s = summarize(results, fileCount);
  const out = {
    version: 1,
    tool: { name: 'mlops-lint', version: toolVersion },
    diagnostics: allDiagnostics(results).map(diagnosticJson),
    summary: { files: s.files, errors: s.errors, warnings: s.warnings, infos: s.infos, fixable: s.fixable },
  };
  return `${JSON.stringify(out, null, 2)}\n`;
};
