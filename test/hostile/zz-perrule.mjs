import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
const N = Number(process.env.N ?? 1000);
const cases = {
  parens: () => 'import torch\nx = ' + '('.repeat(N) + 'torch.load(f)' + ')'.repeat(N) + '\n',
  calls: () => 'import torch\nx = ' + 'f('.repeat(N) + 'torch.load(f)' + ')'.repeat(N) + '\n',
  binop: () => 'import torch\nx = ' + Array(N).fill('torch.load(f)').join(' + ') + '\n',
  binop2: () => 'import torch\nx = ' + Array(N).fill('y').join(' + ') + '\n',
};
const backend = await loadBackend(process.argv[2] ?? 'native');
const k = process.argv[3];
const text = cases[k]();
for (const rule of rules) {
  const t0 = Date.now();
  const r = lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => [{ rule, severity: rule.meta.severity, options: [] }], fix: 'unsafe', prefilter: false });
  const ms = Date.now() - t0;
  if (ms > 50) console.log(`${rule.meta.code} ${rule.meta.name}: ${ms}ms ${r.problems.length}`);
}
