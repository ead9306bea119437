import type { Diagnostic, FileProblem } from '@mlops-lint/core';
import { allDiagnostics } from './summary.js';
import type { Formatter } from './types.js';

/** Workflow-command escaping of a message (actions/toolkit `escapeData`). */
function escapeData(text: string): string {
  return text.replaceAll('%', '%25').replaceAll('\r', '%0D').replaceAll('\n', '%0A');
}

/** Workflow-command escaping of a property value (`escapeProperty`): also `:` and `,`, which delimit properties. */
function escapeProperty(text: string): string {
  return escapeData(text).replaceAll(':', '%3A').replaceAll(',', '%2C');
}

const COMMAND = { error: 'error', warning: 'warning', info: 'notice' } as const;

function command(kind: string, props: ReadonlyArray<readonly [string, string | number]>, message: string): string {
  const list = props.map(([k, v]) => `${k}=${escapeProperty(String(v))}`).join(',');
  return `::${kind} ${list}::${escapeData(message)}`;
}

/**
 * GitHub annotation properties of a finding. A notebook finding names the file only: GitHub would place a line
 * number on the notebook's JSON, not on the cell's code, so the cell and line go into the message instead.
 */
function annotation(d: Diagnostic): string {
  const title = `${d.code} ${d.name}`;
  if (d.cell !== null) {
    return command(COMMAND[d.severity], [['file', d.file], ['title', title]], `cell ${d.cell}, line ${d.line}, column ${d.column}: ${d.message}`);
  }
  const props: Array<readonly [string, string | number]> = [['file', d.file], ['line', d.line], ['col', d.column], ['endLine', d.endLine]];
  // GitHub only honours a column range on a single line.
  if (d.endLine === d.line) props.push(['endColumn', d.endColumn]);
  props.push(['title', title]);
  return command(COMMAND[d.severity], props, d.message);
}

function problemAnnotation(p: FileProblem): string {
  const props: Array<readonly [string, string | number]> = [['file', p.file]];
  if (p.line !== null && p.cell === null) props.push(['line', p.line], ['col', p.column ?? 1]);
  props.push(['title', 'mlops-lint']);
  const where = p.line !== null && p.cell !== null ? `cell ${p.cell}, line ${p.line}: ` : '';
  return command(p.kind === 'rule-crash' ? 'error' : 'warning', props, `${where}${p.message}`);
}

/**
 * `--format github`: GitHub Actions workflow commands, one per finding (`::error file=…,line=…::…`), which the
 * runner turns into annotations on the pull request. Errors and warnings keep their level; infos become notices.
 * Files that could not be linted (and syntax errors) become warnings titled `mlops-lint`.
 */
export const github: Formatter = ({ results, problems }) => {
  const lines = allDiagnostics(results).map(annotation);
  for (const p of problems) lines.push(problemAnnotation(p));
  return lines.map((l) => `${l}\n`).join('');
};
