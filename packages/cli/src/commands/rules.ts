import { rules } from '@mlops-lint/rules';
import { EXIT_OK, UsageError, type CliIO } from '../io.js';

/** `mlops-lint rules`: a table of every rule (or JSON with `--format json`). */
export function runRules(io: CliIO, format: string): number {
  const rows = rules.map((r) => ({
    code: r.meta.code,
    name: r.meta.name,
    severity: r.meta.severity,
    scope: r.meta.scope,
    fix: r.meta.fix,
    description: r.meta.docs.description,
    url: r.meta.docs.url,
  }));
  if (format === 'json') {
    io.stdout(`${JSON.stringify(rows, null, 2)}\n`);
    return EXIT_OK;
  }
  if (format !== 'text') throw new UsageError(`unknown format "${format}" for rules (expected text or json)`);
  const headers = ['CODE', 'NAME', 'SEVERITY', 'SCOPE', 'FIX', 'DESCRIPTION'];
  const table = [headers, ...rows.map((r) => [r.code, r.name, r.severity, r.scope, r.fix, r.description])];
  const widths = headers.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  const lines = table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}
