import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
const N = Number(process.env.N ?? 10000);
const H = 'import torch, pickle, numpy as np, openai, requests, joblib\nfrom flask import Flask\napp = Flask(__name__)\n';
export const cases = {
  methodchain: () => H + 'x = torch' + '.load(f)'.repeat(N) + '\n',
  binop: () => H + 'x = ' + Array(N).fill('torch.load(f)').join(' + ') + '\n',
  boolop: () => H + 'x = ' + Array(N).fill('torch.load(f)').join(' and ') + '\n',
  ternary: () => H + 'x = ' + Array(N).fill('torch.load(f) if c else').join(' ') + ' 0\n',
  elifs: () => H + 'if a:\n    pass\n' + Array(N).fill('elif b:\n    torch.load(f)\n').join(''),
  strcat: () => H + 'p = ' + Array(N).fill('"a" + y').join(' + ') + '\nopenai.chat.completions.create(messages=[{"content": p}])\n',
  kwcalls: () => H + 'x = ' + 'torch.load(f=' .repeat(N) + 'g' + ')'.repeat(N) + '\n',
  calls: () => H + 'x = ' + 'f('.repeat(N) + 'torch.load(g)' + ')'.repeat(N) + '\n',
};
if (!process.argv[1].endsWith("zz-simple.mjs")) { /* imported */ } else {
const backend = await loadBackend(process.argv[2] ?? "native");
const only = process.argv[3]; const per = process.argv[4] === 'per';
for (const [k, make] of Object.entries(cases)) {
  if (only && only !== 'all' && k !== only) continue;
  const text = make();
  const sets = per ? rules.map(r => [r]) : [rules];
  for (const set of sets) {
    const t0 = Date.now();
    const r = lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => set.map((rule) => ({ rule, severity: rule.meta.severity, options: [] })), fix: process.env.FIX ?? 'none', prefilter: false });
    const ms = Date.now() - t0;
    if (!per || ms > 400) console.log(`${k} ${per ? set[0].meta.code : 'all'}: ${ms}ms diags=${r.diagnostics.length} ${r.problems.map(p => p.kind + ' ' + p.message).join(';').slice(0, 200)}`);
  }
}
}
export const more = {
  chainassign: () => 'import torch\n' + Array(Number(process.env.N ?? 10000)).fill('x').join(' = ') + ' = torch.load(f)\n',
};
