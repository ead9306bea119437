// Ruff's default rules over a folder through `@astral-sh/ruff-wasm-nodejs`, for machines without a `ruff` binary
// (the benchmark prefers the binary, which is what users run). One thread; notebooks are checked as the
// concatenation of their code cells. Prints {wallSeconds, maxRssMb, files, findings} as JSON.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { PositionEncoding, Workspace } from '@astral-sh/ruff-wasm-nodejs';

const dir = process.argv[2];
const start = process.hrtime.bigint();
const workspace = new Workspace(Workspace.defaultSettings(), PositionEncoding.Utf16);
let files = 0;
let findings = 0;
const walk = (d) => {
  for (const e of readdirSync(d, { withFileTypes: true })) {
    if (e.name.startsWith('.') || e.name === 'node_modules') continue;
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(py|ipynb)$/.test(e.name) && statSync(p).size < 50e6) {
      let text = readFileSync(p, 'utf8');
      if (e.name.endsWith('.ipynb')) {
        try {
          const nb = JSON.parse(text);
          text = (nb.cells ?? [])
            .filter((c) => c.cell_type === 'code')
            .map((c) => (Array.isArray(c.source) ? c.source.join('') : String(c.source ?? '')))
            .join('\n');
        } catch {
          continue;
        }
      }
      files++;
      try {
        findings += workspace.check(text).length;
      } catch {
        // a file Ruff cannot read: counted, no findings
      }
    }
  }
};
walk(dir);
const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
process.stdout.write(`${JSON.stringify({ wallSeconds, maxRssMb: process.resourceUsage().maxRSS / 1024, files, findings })}\n`);
