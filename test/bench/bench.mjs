#!/usr/bin/env node
// The benchmark harness (never part of the unit tests' pass/fail). Usage:
//   npm run bench                  # generated corpus of 2,000 files in test/bench/corpus
//   npm run bench -- <dir> [runs]  # any folder, e.g. a clone of real ML repositories
// Runs `mlops-lint check` in fresh processes with the native and the WASM backend, alternating, and prints the
// median wall time, files/s, lines/s and peak RSS of each.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateCorpus } from './corpus.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const [dirArg, runsArg] = process.argv.slice(2);
const dir = resolve(dirArg ?? join(here, 'corpus'));
const runs = Number(runsArg ?? 3);
if (!dirArg && !existsSync(dir)) generateCorpus(dir, 2000);

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
const { files, lines } = countLines(dir);
console.log(`corpus: ${dir}\n${files} files, ${lines} lines; ${runs} runs per backend, alternating\n`);

const backends = ['native', 'wasm'];
const samples = Object.fromEntries(backends.map((b) => [b, []]));
for (let r = 0; r < runs; r++) {
  for (const backend of backends) {
    const out = execFileSync(process.execPath, [join(here, 'run-once.mjs'), dir], {
      env: { ...process.env, MLOPS_LINT_PARSER: backend },
      encoding: 'utf8',
      maxBuffer: 1 << 30,
    });
    samples[backend].push(JSON.parse(out.trim().split('\n').pop()));
  }
}

console.log('backend  wall s   files/s   lines/s     peak RSS MB  findings');
for (const backend of backends) {
  const s = samples[backend];
  const wall = median(s.map((x) => x.wallSeconds));
  const rss = Math.max(...s.map((x) => x.maxRssMb));
  console.log(
    `${backend.padEnd(8)} ${wall.toFixed(2).padStart(6)} ${(files / wall).toFixed(0).padStart(9)} ${(lines / wall).toFixed(0).padStart(9)} ${rss.toFixed(0).padStart(14)}  ${s[0].findings}`,
  );
}
