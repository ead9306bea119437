import { createColors } from 'picocolors';
import type { Formatter } from './types.js';
import { allDiagnostics, locationOf, plural, summarize } from './summary.js';

/**
 * One line per finding, `path:line:col: ML101 message [*]` (`[*]` = fixable with `--fix`, `[**]` with
 * `--unsafe-fixes`), then a summary. Colour only when asked (the CLI asks on a TTY).
 */
export const stylish: Formatter = ({ results, color, fixMode }) => {
  const c = createColors(color);
  const lines: string[] = [];
  for (const d of allDiagnostics(results)) {
    const sev = d.severity === 'error' ? c.red : d.severity === 'warning' ? c.yellow : c.blue;
    const mark = d.fix ? (d.fix.applicability === 'safe' ? ' [*]' : ' [**]') : '';
    lines.push(`${c.bold(locationOf(d))}: ${sev(c.bold(d.code))} ${d.message}${c.cyan(mark)}`);
  }
  const s = summarize(results);
  const total = s.errors + s.warnings + s.infos;
  if (s.fixed > 0) lines.push(c.green(`Fixed ${plural(s.fixed, 'problem')}.`));
  if (total === 0) {
    lines.push(c.green(`All checks passed (${plural(s.files, 'file')} checked).`));
  } else {
    const parts = `${plural(s.errors, 'error')}, ${plural(s.warnings, 'warning')}, ${plural(s.infos, 'info')}`;
    lines.push(c.bold(`Found ${plural(total, 'problem')} (${parts}) in ${plural(s.files, 'file')} checked.`));
    const safe = allDiagnostics(results).filter((d) => d.fix?.applicability === 'safe').length;
    const unsafe = allDiagnostics(results).filter((d) => d.fix?.applicability === 'unsafe').length;
    if (safe > 0 && fixMode === 'none') lines.push(`[*] ${plural(safe, 'fix')} available with \`--fix\`.`);
    if (unsafe > 0 && fixMode !== 'unsafe') lines.push(`[**] ${plural(unsafe, 'more fix')} available with \`--fix --unsafe-fixes\`.`);
  }
  return `${lines.join('\n')}\n`;
};
