import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, REPO } from './helpers.js';

/**
 * The worker pool and the caches (issue 8), end to end through the built CLI. Nothing here is timed: the benchmark
 * (`npm run bench`) is the only place speed is measured. What is tested is that parallelism and caching never
 * change the output.
 */

const FIXTURES = join(REPO, 'packages/rules/tests/fixtures');

/** A project made of every rule's fixture files (each rule's folder kept, so file names keep their meaning). */
function fixtureProject(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-perf-'));
  for (const rule of readdirSync(FIXTURES).sort()) {
    const from = join(FIXTURES, rule);
    for (const name of readdirSync(from)) {
      if (!/\.(py|ipynb)$/.test(name) || /\.fixed\./.test(name)) continue;
      // Leave out health checks, so that the project has none and ML102 reports `serve.py` below.
      if (/health|ready|livez|ping/i.test(readFileSync(join(from, name), 'utf8'))) continue;
      mkdirSync(join(dir, rule), { recursive: true });
      cpSync(join(from, name), join(dir, rule, name));
    }
  }
  // A server with routes and no health check, so that the project rule with a per-file hook (ML102) reports.
  writeFileSync(join(dir, 'serve.py'), 'from fastapi import FastAPI\napp = FastAPI()\n\n\n@app.post("/predict")\ndef predict(x: dict):\n    return x\n');
  return dir;
}

function check(dir: string, ...args: string[]): { code: number; stdout: string; stderr: string } {
  return cli(['check', '.', '--format', 'json', ...args], { cwd: dir });
}

describe('worker pool', () => {
  let dir = '';
  beforeAll(() => {
    dir = fixtureProject();
  });

  it('gives the same output for every --jobs value', () => {
    const one = check(dir, '--no-cache', '--jobs', '1');
    expect(one.code).toBe(1);
    const report = JSON.parse(one.stdout) as { diagnostics: Array<{ code: string }>; summary: { files: number } };
    expect(report.summary.files).toBeGreaterThan(40);
    // Findings of file rules, of a project rule's per-file hook (run in the main thread on the worker's tree) and
    // of a project rule's own pass are all there.
    const codes = new Set(report.diagnostics.map((d) => d.code));
    for (const code of ['ML101', 'ML102', 'ML201', 'ML502']) expect(codes).toContain(code);
    for (const jobs of ['2', '3']) {
      const many = check(dir, '--no-cache', '--jobs', jobs);
      expect(many.stdout, `--jobs ${jobs}`).toBe(one.stdout);
      expect(many.stderr, `--jobs ${jobs}`).toBe(one.stderr);
      expect(many.code).toBe(one.code);
    }
  });

  it('lints in the main thread what a worker could not (a worker out of memory)', () => {
    const one = check(dir, '--no-cache', '--jobs', '1');
    // A heap of 1 MB kills every worker at start: all of their batches fall back to the main thread.
    const starved = cli(['check', '.', '--format', 'json', '--no-cache', '--jobs', '2'], { cwd: dir, env: { MLOPS_LINT_WORKER_HEAP_MB: '1' } });
    expect(starved.stdout).toBe(one.stdout);
    expect(starved.code).toBe(one.code);
  });

  it('rejects a --jobs that is not a positive integer', () => {
    const r = check(dir, '--jobs', '0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--jobs must be a positive integer/);
  });
});

describe('results cache', () => {
  it('gives the same output cold, warm, and after a change, and keeps no file that had problems', () => {
    const dir = fixtureProject();
    writeFileSync(join(dir, 'broken.py'), 'import pickle\ndef f(:\n    pickle.load(open("m", "rb"))\n');
    const cache = join(dir, 'cache-here');
    const reference = check(dir, '--no-cache', '--jobs', '2');
    expect(existsSync(join(dir, '.mlops-lint-cache'))).toBe(false);

    const cold = check(dir, '--cache-location', cache, '--jobs', '2');
    expect(cold.stdout).toBe(reference.stdout);
    const names = readdirSync(cache).sort();
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
    expect(names).toContain('.gitignore');
    const results = names.find((n) => n.startsWith('results-'));
    expect(results).toBeDefined();
    const stored = JSON.parse(readFileSync(join(cache, results as string), 'utf8')) as { entries: Record<string, unknown> };
    const files = Object.keys(stored.entries);
    expect(files.length).toBeGreaterThan(40);
    expect(files.some((f) => f.endsWith('broken.py'))).toBe(false);

    const warm = check(dir, '--cache-location', cache, '--jobs', '2');
    expect(warm.stdout).toBe(reference.stdout);
    expect(warm.stderr).toBe(reference.stderr);
    const warmOneJob = check(dir, '--cache-location', cache, '--jobs', '1');
    expect(warmOneJob.stdout).toBe(reference.stdout);

    // A new finding in one file, a new file, a removed finding: the cached runs follow.
    appendFileSync(join(dir, 'serve.py'), '\nimport torch\nm = torch.load("model.pt")\n');
    writeFileSync(join(dir, 'new_module.py'), 'import yaml\nconfig = yaml.load(open("c.yml"))\n');
    const changed = check(dir, '--cache-location', cache, '--jobs', '2');
    const fresh = check(dir, '--no-cache', '--jobs', '1');
    expect(changed.stdout).toBe(fresh.stdout);
    expect(changed.stdout).not.toBe(reference.stdout);
    expect(check(dir, '--cache-location', cache, '--jobs', '2').stdout).toBe(fresh.stdout);
  });

  it('is kept in .mlops-lint-cache by default and not at all with --no-cache', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-perf-'));
    writeFileSync(join(dir, 'a.py'), 'import pickle\npickle.load(open("m", "rb"))\n');
    check(dir, '--no-cache');
    expect(existsSync(join(dir, '.mlops-lint-cache'))).toBe(false);
    const first = check(dir);
    expect(readdirSync(join(dir, '.mlops-lint-cache')).some((n) => n.startsWith('results-'))).toBe(true);
    expect(check(dir).stdout).toBe(first.stdout);
  });
});
