import { writeFileSync } from 'node:fs';
import { it } from 'vitest';
import { loadBackend } from '@mlops-lint/parser';
import { DEEP_NESTING, SYNTAX_ERRORS, TORCH_LOAD, crashes, lintAll, longFunction } from './corpus.js';

it('measure', async () => {
  const out: string[] = [];
  for (const name of ['native', 'wasm'] as const) {
    const b = await loadBackend(name);
    for (const [k, make] of Object.entries(DEEP_NESTING)) {
      const t0 = performance.now();
      const r = lintAll(make(), 'a.py', b);
      out.push(`${name} ${k}: ${(performance.now() - t0).toFixed(0)}ms d=${r.diagnostics.length} ${JSON.stringify(r.problems.map(p => p.kind + ' ' + p.message.slice(0, 80)))}`);
    }
    for (const [k, src] of Object.entries(SYNTAX_ERRORS)) {
      const r = lintAll(TORCH_LOAD + '\n\n\n' + src, 'a.py', b, 'unsafe');
      out.push(`${name} syntax ${k}: d=${r.diagnostics.map(d => d.code + '@' + d.line + (d.fix ? 'F' : '')).join(',')} ${JSON.stringify(r.problems.map(p => p.kind + ' ' + p.line + ':' + p.column))} out=${r.output !== undefined} crash=${crashes(r).length}`);
    }
    const t0 = performance.now();
    const r = lintAll(longFunction(100_000), 'a.py', b);
    out.push(`${name} long: ${(performance.now() - t0).toFixed(0)}ms d=${r.diagnostics.length} ${JSON.stringify(r.problems)}`);
  }
  writeFileSync('/tmp/explore/measure.txt', out.join('\n'));
}, 900_000);
