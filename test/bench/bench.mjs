#!/usr/bin/env node
// The benchmark harness (never part of the unit tests' pass/fail; the only place speed is measured). Usage:
//   npm run bench                        # generated corpus of 2,000 files in $TMPDIR/mlops-lint-bench-corpus
//   npm run bench -- <dir> [runs]        # any folder, e.g. the real ML corpus of docs/performance.md
//   npm run bench -- <dir> [runs] --jobs 1
// Runs `mlops-lint check <dir>` in fresh processes, cold (empty cache) and warm (the cache the cold run left), with
// the native and the WASM parser backends, and Ruff's default rules over the same folder (the `ruff` binary when
// one is on PATH, else `@astral-sh/ruff-wasm-nodejs`, a dev dependency). Variants alternate within each round;
// the table shows median wall times (process start to exit), the highest peak RSS, and each time over Ruff's.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './corpus.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const jobsAt = args.indexOf('--jobs');
const jobs = jobsAt === -1 ? null : args.splice(jobsAt, 2)[1];
const [dirArg, runsArg] = args;
// The generated corpus lives outside the repository: inside it, .gitignore would hide it from both linters.
const dir = resolve(dirArg ?? join(tmpdir(), 'mlops-lint-bench-corpus'));
const runs = Number(runsArg ?? 3);
if (!dirArg && !existsSync(dir)) generateCorpus(dir, 2000);

/** Files and lines of Python and notebooks under `root` (dot folders and node_modules left out, as the tools do). */
function countLines(root) {
  let files = 0;
  let lines = 0;
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith('.') || e.name === 'node_modules') continue;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(py|ipynb)$/.test(e.name) && statSync(p).size < 50e6) {
        files++;
        lines += readFileSync(p, 'utf8').split('\n').length;
      }
    }
  };
  walk(root);
  return { files, lines };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const time = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs a command, timing it from outside; peak RSS from GNU time when there is one, else from the child itself. */
function measure(command, commandArgs, env = {}) {
  const full = time ? [time, ['-f', '__RSS_KB__ %M', command, ...commandArgs]] : [command, commandArgs];
  const start = process.hrtime.bigint();
  const r = spawnSync(full[0], full[1], { env: { ...process.env, ...env }, encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (r.error) throw r.error;
  const rssLine = /__RSS_KB__ (\d+)/.exec(r.stderr ?? '');
  const self = (r.stdout ?? '').trim().split('\n').pop() ?? '';
  let reported = null;
  try {
    reported = JSON.parse(self);
  } catch {
    reported = null;
  }
  const rss = rssLine ? Number(rssLine[1]) / 1024 : (reported?.maxRssMb ?? null);
  return { wall, rss, status: r.status, reported, stderr: r.stderr };
}

function whichRuff() {
  const r = spawnSync('ruff', ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

const { files, lines } = countLines(dir);
const ruffVersion = whichRuff();
const ruffWasmVersion = (() => {
  try {
    return JSON.parse(readFileSync(join(here, '../../node_modules/@astral-sh/ruff-wasm-nodejs/package.json'), 'utf8')).version;
  } catch {
    return null;
  }
})();
const ruffLabel = ruffVersion ? `${ruffVersion} (native binary)` : ruffWasmVersion ? `ruff-wasm-nodejs ${ruffWasmVersion} (one thread)` : 'not available';
console.log(`corpus: ${dir}\n${files} files, ${lines} lines; ${runs} rounds, variants alternating; Ruff: ${ruffLabel}\n`);

const scratch = mkdtempSync(join(tmpdir(), 'mlops-lint-bench-'));
const cacheOf = (backend) => join(scratch, `cache-${backend}`);
const runOnce = join(here, 'run-once.mjs');
const lint = (backend) => [process.execPath, [runOnce, dir, '--cache-location', cacheOf(backend), ...(jobs ? ['--jobs', jobs] : [])], { MLOPS_LINT_PARSER: backend }];
const ruffCache = join(scratch, 'ruff-cache');
const ruff = (cold) =>
  ruffVersion
    ? ['ruff', ['check', '--isolated', '--exit-zero', '--output-format', 'json', ...(cold ? ['--no-cache'] : ['--cache-dir', ruffCache]), dir], {}]
    : [process.execPath, [join(here, 'ruff-wasm-once.mjs'), dir], {}];

const variants = [
  { name: 'mlops-lint native cold', cold: true, backend: 'native' },
  { name: 'mlops-lint native warm', cold: false, backend: 'native' },
  { name: 'mlops-lint wasm cold', cold: true, backend: 'wasm' },
  { name: 'mlops-lint wasm warm', cold: false, backend: 'wasm' },
  ...(ruffVersion || ruffWasmVersion
    ? [
        { name: 'ruff cold', cold: true, ruff: true },
        ...(ruffVersion ? [{ name: 'ruff warm', cold: false, ruff: true }] : []),
      ]
    : []),
];
const samples = new Map(variants.map((v) => [v.name, []]));
const findings = new Map();
for (let round = 0; round < runs; round++) {
  for (const v of variants) {
    if (v.cold) rmSync(v.ruff ? ruffCache : cacheOf(v.backend), { recursive: true, force: true });
    const [command, commandArgs, env] = v.ruff ? ruff(v.cold) : lint(v.backend);
    const m = measure(command, commandArgs, env);
    if (m.status !== 0 && !v.ruff) throw new Error(`${v.name} failed (${m.status}): ${m.stderr}`);
    samples.get(v.name).push(m);
    if (m.reported?.findings !== undefined) findings.set(v.name, m.reported.findings);
  }
}
rmSync(scratch, { recursive: true, force: true });

const wallOf = (name) => (samples.has(name) ? median(samples.get(name).map((s) => s.wall)) : null);
const ruffCold = wallOf('ruff cold');
const ruffWarm = wallOf('ruff warm') ?? ruffCold;
console.log('variant                   wall s    lines/s  peak RSS MB  × Ruff  findings');
for (const v of variants) {
  const s = samples.get(v.name);
  const wall = median(s.map((x) => x.wall));
  const rss = Math.max(...s.map((x) => x.rss ?? 0));
  const base = v.cold ? ruffCold : ruffWarm;
  const ratio = base ? (wall / base).toFixed(1) : '-';
  console.log(
    `${v.name.padEnd(24)} ${wall.toFixed(2).padStart(7)} ${(lines / wall).toFixed(0).padStart(10)} ${(rss ? rss.toFixed(0) : '-').padStart(12)} ${ratio.padStart(7)}  ${findings.get(v.name) ?? ''}`,
  );
}
console.log(`\nwall s: median of ${runs} (process start to exit); peak RSS: the highest of the runs${time ? ' (GNU time)' : ''}.`);
