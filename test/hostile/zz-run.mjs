import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
const N = Number(process.env.N ?? 10000);
const cases = {
  parens: () => 'import torch\nx = ' + '('.repeat(N) + 'torch.load(f)' + ')'.repeat(N) + '\n',
  lists: () => 'import torch\nx = ' + '['.repeat(N) + 'torch.load(f)' + ']'.repeat(N) + '\n',
  calls: () => 'import torch\nx = ' + 'f('.repeat(N) + 'torch.load(f)' + ')'.repeat(N) + '\n',
  binop: () => 'import torch\nx = ' + Array(N).fill('torch.load(f)').join(' + ') + '\n',
  attr: () => 'import torch\nx = torch' + '.a'.repeat(N) + '(1)\n',
  ifs: () => 'import torch\n' + Array.from({ length: N }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(N) + 'torch.load(f)\n',
  strcat: () => 'import openai\np = ' + Array(N).fill('"a" + x').join(' + ') + '\n',
  notexpr: () => 'x = ' + 'not '.repeat(N) + 'y\n',
  lambda: () => 'f = ' + 'lambda: '.repeat(N) + '1\n',
  subscript: () => 'x = a' + '[0]'.repeat(N) + '\n',
};
const only = process.argv[3];
const backend = await loadBackend(process.argv[2] ?? 'native');
for (const [k, make] of Object.entries(cases)) {
  if (only && k !== only) continue;
  const text = make();
  const t0 = Date.now();
  try {
    const r = lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => rules.map((rule) => ({ rule, severity: rule.meta.severity, options: [] })), fix: 'unsafe', prefilter: false });
    console.log(`${k}: ${Date.now() - t0}ms diags=${r.diagnostics.length} problems=${JSON.stringify(r.problems).slice(0, 300)}`);
  } catch (e) {
    console.log(`${k}: THROW ${e.message.slice(0, 200)} ${e.stack?.split('\n').slice(1, 8).join(' | ')}`);
  }
}
