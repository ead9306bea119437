import { createHash } from 'node:crypto';
import type { Diagnostic } from '@mlops-lint/core';
import { allDiagnostics } from './summary.js';
import type { Formatter } from './types.js';

const SEVERITY = { error: 'critical', warning: 'major', info: 'info' } as const;

/**
 * `--format gitlab`: a GitLab Code Quality report (`artifacts:reports:codequality`, the Code Climate issue subset
 * GitLab reads), shown in merge requests as new and fixed findings. GitLab tells findings apart by `fingerprint`,
 * so it is built from the file, the rule and the finding's line fingerprint (see `fingerprint.ts`) plus an
 * occurrence number, and survives unrelated edits. GitLab shows a finding at a line of the file as stored, so a
 * notebook finding's lines are those of the notebook's JSON that hold its cell lines (its cell line when that cannot
 * be known), and its cell and line go into the description.
 */
export const gitlab: Formatter = ({ results, fingerprints, notebookLines }) => {
  const occurrences = new Map<string, number>();
  const notebookLine = (d: Diagnostic): { begin: number; end: number } => {
    const begin = d.cell === null ? undefined : notebookLines?.get(d);
    return begin === undefined ? { begin: d.line, end: d.endLine } : { begin, end: begin };
  };
  const issues = allDiagnostics(results).map((d: Diagnostic) => {
    const line = fingerprints?.get(d) ?? `${d.line}:${d.column}`;
    const key = `${d.file}\0${d.code}\0${line}`;
    const n = (occurrences.get(key) ?? 0) + 1;
    occurrences.set(key, n);
    return {
      description: `${d.code} ${d.cell === null ? '' : `(cell ${d.cell}, line ${d.line}) `}${d.message}`,
      check_name: `${d.code} ${d.name}`,
      fingerprint: createHash('sha256').update(`${key}\0${n}`).digest('hex').slice(0, 32),
      severity: SEVERITY[d.severity],
      location: { path: d.file, lines: notebookLine(d) },
    };
  });
  return `${JSON.stringify(issues, null, 2)}\n`;
};
