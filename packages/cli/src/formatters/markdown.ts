import type { FileProblem } from '@mlops-lint/core';
import { allDiagnostics, locationOf, plural, summarize } from './summary.js';
import type { Formatter, RuleInfo } from './types.js';

/** Escapes text for a Markdown table cell: pipes split cells, newlines end rows, and `<` could open HTML. */
function cell(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replaceAll('<', '&lt;').replace(/\r?\n/g, ' ');
}

/** Inline code in a table cell: a fence longer than any backtick run inside; only pipes need escaping there (GFM). */
function code(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replaceAll('|', '\\|').replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

const ICON = { error: '🔴 error', warning: '🟡 warning', info: '🔵 info' } as const;

function problemWhere(p: FileProblem): string {
  if (p.line === null) return p.file;
  return p.cell === null ? `${p.file}:${p.line}:${p.column ?? 1}` : `${p.file}:cell ${p.cell}:${p.line}:${p.column ?? 1}`;
}

/**
 * `--format markdown`: a report for people, meant for a pull-request comment or a CI job summary
 * (`$GITHUB_STEP_SUMMARY`): a headline with the counts, then one table row per finding with the rule linked to its
 * documentation, then the files that could not be linted.
 */
export const markdown: Formatter = ({ results, problems, rules, fileCount, fixMode }) => {
  const s = summarize(results, fileCount);
  const diagnostics = allDiagnostics(results);
  const docs = new Map<string, RuleInfo>((rules ?? []).map((r) => [r.code, r]));
  const total = s.errors + s.warnings + s.infos;
  const out: string[] = ['## mlops-lint', ''];
  if (s.fixed > 0 && fixMode !== 'none') out.push(`Fixed ${plural(s.fixed, 'problem')}.`, '');
  if (total === 0) {
    out.push(`All checks passed (${plural(s.files, 'file')} checked).`);
  } else {
    out.push(
      `**${plural(total, 'problem')}** (${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}) in ${plural(s.files, 'file')} checked.`,
      '',
      '| Severity | Rule | Location | Message |',
      '|---|---|---|---|',
    );
    for (const d of diagnostics) {
      const url = docs.get(d.code)?.docs.url;
      const rule = url ? `[${d.code}](${url}) ${cell(d.name)}` : `${d.code} ${cell(d.name)}`;
      const fix = d.fix ? (d.fix.applicability === 'safe' ? ' (fix: `--fix`)' : ' (fix: `--fix --unsafe-fixes`)') : '';
      out.push(`| ${ICON[d.severity]} | ${rule} | ${code(locationOf(d))} | ${cell(d.message)}${fix} |`);
    }
  }
  if (problems.length > 0) {
    out.push('', `<details><summary>${plural(problems.length, 'file problem')}</summary>`, '');
    for (const p of problems) out.push(`- ${code(problemWhere(p))}: ${cell(p.message)}`);
    out.push('', '</details>');
  }
  return `${out.join('\n')}\n`;
};
