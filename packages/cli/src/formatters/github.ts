import type { Diagnostic, FileProblem } from '@mlops-lint/core';
import { allDiagnostics } from './summary.js';
import type { Formatter, FormatterInput } from './types.js';

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
 * GitHub annotation properties of a finding. GitHub places a line number on the file as stored, so a notebook
 * finding gets the line of the notebook's JSON that holds its cell line (when known; no column, which would count
 * JSON characters), and its cell, line and column go into the message.
 */
function annotation(d: Diagnostic, notebookLines: FormatterInput['notebookLines']): string {
  const title = `${d.code} ${d.name}`;
  if (d.cell !== null) {
    const jsonLine = notebookLines?.get(d);
    const props: Array<readonly [string, string | number]> = [['file', d.file]];
    if (jsonLine !== undefined) props.push(['line', jsonLine]);
    props.push(['title', title]);
    return command(COMMAND[d.severity], props, `cell ${d.cell}, line ${d.line}, column ${d.column}: ${d.message}`);
  }
  const props: Array<readonly [string, string | number]> = [['file', d.file], ['line', d.line], ['col', d.column], ['endLine', d.endLine]];
  // GitHub only honours a column range on a single line.
  if (d.endLine === d.line) props.push(['endColumn', d.endColumn]);
  props.push(['title', title]);
  return command(COMMAND[d.severity], props, d.message);
}

function problemAnnotation(p: FileProblem, notebookLines: FormatterInput['notebookLines']): string {
  const props: Array<readonly [string, string | number]> = [['file', p.file]];
  const jsonLine = notebookLines?.get(p);
  if (p.line !== null && p.cell === null) props.push(['line', p.line], ['col', p.column ?? 1]);
  else if (jsonLine !== undefined) props.push(['line', jsonLine]);
  props.push(['title', 'mlops-lint']);
  const where = p.line !== null && p.cell !== null ? `cell ${p.cell}, line ${p.line}: ` : '';
  return command(p.kind === 'rule-crash' ? 'error' : 'warning', props, `${where}${p.message}`);
}

/**
 * `--format github`: GitHub Actions workflow commands, one per finding (`::error file=…,line=…::…`), which the
 * runner turns into annotations on the pull request. Errors and warnings keep their level; infos become notices.
 * Files that could not be linted (and syntax errors) become warnings titled `mlops-lint`.
 */
export const github: Formatter = ({ results, problems, notebookLines }) => {
  const lines = allDiagnostics(results).map((d) => annotation(d, notebookLines));
  for (const p of problems) lines.push(problemAnnotation(p, notebookLines));
  return lines.map((l) => `${l}\n`).join('');
};
