import { EXIT_FINDINGS, EXIT_OK, UsageError } from './io.js';

/** Parses `--max-warnings N`. @throws UsageError unless N is a whole number ≥ 0. */
export function parseMaxWarnings(value: string): number {
  const n = Number(value.trim());
  if (value.trim() === '' || !Number.isSafeInteger(n) || n < 0) {
    throw new UsageError(`--max-warnings expects a whole number >= 0 (got "${value}")`);
  }
  return n;
}

/**
 * The exit code for a run's findings (usage and internal errors are decided elsewhere): any error fails; warnings
 * fail unless `--max-warnings N` allows up to N of them; infos never fail; `--exit-zero` never fails.
 */
export function exitCodeFor(counts: { errors: number; warnings: number }, opts: { maxWarnings?: number | undefined; exitZero?: boolean | undefined }): number {
  if (opts.exitZero) return EXIT_OK;
  if (counts.errors > 0) return EXIT_FINDINGS;
  const allowed = opts.maxWarnings ?? 0;
  return counts.warnings > allowed ? EXIT_FINDINGS : EXIT_OK;
}
