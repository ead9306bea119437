import { createHash } from 'node:crypto';
import type { Diagnostic } from '@mlops-lint/core';
import { allDiagnostics } from './summary.js';
import type { Formatter } from './types.js';

const SEVERITY = { error: 'critical', warning: 'major', info: 'info' } as const;

/**
 * `--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`, the Code Climate issue subset
 * GitLab reads), shown in merge requests as new and fixed findings. GitLab tells findings apart by `fingerprint`,
 * so it is built from the file, the rule and the finding's line fingerprint (see `fingerprint.ts`) plus an
 * occurrence number, and survives unrelated edits. Notebook findings carry their cell in the description; the
 * line is the line inside the cell.
 */
export const gitlab: Formatter = ({ results, fingerprints }) => {
  const occurrences = new Map<string, number>();
  const issues = allDiagnostics(results).map((d: Diagnostic) => {
    const line = fingerprints?.get(d) ?? `${d.line}:${d.column}`;
    const key = `${d.file}\0${d.code}\0${line}`;
    const n = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, n);
    return {
      description: `${d.code} ${d.cell === null ? '' : `(cell ${d.cell}) `}${d.message}`,
      check_name: `${d.code} ${d.name}`,
      fingerprint: createHash('sha256').update(`${key}\0${n}`).digest('hex').slice(0, 32),
      severity: SEVERITY[d.severity],
      location: { path: d.file, lines: { begin: d.line, end: d.endLine } },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
};
