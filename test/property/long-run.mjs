#!/usr/bin/env node
/**
 * The long property run (issue 9): the CI property suites (test/property/*.test.ts) with many more cases each and
 * a fresh seed, for a nightly job or by hand: `npm run fuzz`, or
 *
 *   node test/property/long-run.mjs [--runs N] [--seed S]
 *
 * `--runs` is the number of cases per property (default 17,000: 6 properties, about 100,000 cases in all); `--seed`
 * replays a run (the report prints the seed it used). Prints one line per property and exits 1 when one failed;
 * a failure's counterexample is in the vitest output above the summary, shrunk, with the seed and path that replay it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' } } });
const runs = Number(values.runs ?? 17_000);
const seed = Number(values.seed ?? Math.floor(Math.random() * 2 ** 31));
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: long-run.mjs [--runs N] [--seed S]\n');
  process.exit(2);
}

const repo = fileURLToPath(new URL('../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-fuzz-'));
const report = join(dir, 'report.jsonl');
const started = Date.now();
process.stdout.write(`mlops-lint fuzz: ${runs} cases per property, seed ${seed}\n`);
const vitest = spawnSync(process.execPath, [join(repo, 'node_modules/vitest/vitest.mjs'), 'run', 'test/property', '--project', 'e2e'], {
  cwd: repo,
  stdio: 'inherit',
  env: { ...process.env, MLOPS_LINT_FUZZ_RUNS: String(runs), MLOPS_LINT_FUZZ_SEED: String(seed), MLOPS_LINT_FUZZ_REPORT: report },
});

const lines = existsSync(report) ? readFileSync(report, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : [];
rmSync(dir, { recursive: true, force: true });
let total = 0;
for (const r of lines) {
  total += r.runs;
  process.stdout.write(`${r.failed ? 'FAIL' : 'ok  '}  ${String(r.runs).padStart(7)} cases  ${r.property}\n`);
}
const minutes = ((Date.now() - started) / 60_000).toFixed(1);
process.stdout.write(`${total} cases in ${lines.length} properties, seed ${seed}, ${minutes} min\n`);
process.exit(vitest.status === 0 && lines.length > 0 && lines.every((r) => !r.failed) ? 0 : 1);
