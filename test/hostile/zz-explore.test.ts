import { it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';

const cases: Record<string, string> = {
  parens: 'import torch\nx = ' + '('.repeat(10000) + 'torch.load(f)' + ')'.repeat(10000) + '\n',
  lists: 'import torch\nx = ' + '['.repeat(10000) + 'torch.load(f)' + ']'.repeat(10000) + '\n',
  calls: 'import torch\nx = ' + 'f('.repeat(10000) + 'torch.load(f)' + ')'.repeat(10000) + '\n',
  binop: 'import torch\nx = ' + Array(10000).fill('torch.load(f)').join(' + ') + '\n',
  attr: 'import torch\nx = torch' + '.a'.repeat(10000) + '(1)\n',
  ifs: 'import torch\n' + Array.from({ length: 10000 }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(10000) + 'torch.load(f)\n',
  defs: 'import torch\n' + Array.from({ length: 3000 }, (_, i) => ' '.repeat(i) + `def f${i}():\n`).join('') + ' '.repeat(3000) + 'torch.load(f)\n',
  strcat: 'import openai\np = ' + Array(10000).fill('"a" + x').join(' + ') + '\n',
  notexpr: 'x = ' + 'not '.repeat(10000) + 'y\n',
  lambda: 'f = ' + 'lambda: '.repeat(10000) + '1\n',
  subscript: 'x = a' + '[0]'.repeat(10000) + '\n',
  fstring: 'x = ' + 'f"{'.repeat(200) + 'x' + '}"'.repeat(200) + '\n',
};

it('explore', async () => {
  const out: string[] = [];
  for (const name of ['native', 'wasm'] as const) {
    const backend = await loadBackend(name);
    for (const [k, text] of Object.entries(cases)) {
      const t0 = Date.now();
      try {
        const r = lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => rules.map((rule) => ({ rule, severity: rule.meta.severity, options: [] })), fix: 'unsafe', prefilter: false });
        out.push(`${name} ${k}: ${Date.now() - t0}ms diags=${r.diagnostics.length} problems=${JSON.stringify(r.problems).slice(0, 300)}`);
      } catch (e) {
        out.push(`${name} ${k}: THROW ${(e as Error).message.slice(0, 200)} ${(e as Error).stack?.split('\n').slice(1, 6).join(' | ')}`);
      }
    }
  }
  writeFileSync('/tmp/explore.txt', out.join('\n'));
});
