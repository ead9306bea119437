import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
const N = Number(process.env.N ?? 10000);
const T = 'torch.load(f, pickle.load(g), requests.get(u), openai.chat.completions.create(messages=[{"content": "x" + y}]), model.eval(), np.random.rand(3))';
const H = 'import torch, pickle, numpy as np, openai, requests, joblib\nfrom flask import Flask\napp = Flask(__name__)\n';
export const cases = {
  parens: () => H + 'x = ' + '('.repeat(N) + T + ')'.repeat(N) + '\n',
  lists: () => H + 'x = ' + '['.repeat(N) + T + ']'.repeat(N) + '\n',
  dicts: () => H + 'x = ' + '{"a": '.repeat(N) + T + '}'.repeat(N) + '\n',
  tuples: () => H + 'x = ' + '(1, '.repeat(N) + T + ')'.repeat(N) + '\n',
  calls: () => H + 'x = ' + 'f('.repeat(N) + T + ')'.repeat(N) + '\n',
  kwcalls: () => H + 'x = ' + 'torch.load(f=' .repeat(N) + T + ')'.repeat(N) + '\n',
  methodchain: () => H + 'x = torch' + '.load(f)'.repeat(N) + '\n',
  binop: () => H + 'x = ' + Array(N).fill(T).join(' + ') + '\n',
  strcat: () => H + 'p = ' + Array(N).fill('"a" + y').join(' + ') + '\nopenai.chat.completions.create(messages=[{"content": p}])\n',
  rstrcat: () => H + 'p = ' + '"a" + ('.repeat(N) + 'y' + ')'.repeat(N) + '\nopenai.chat.completions.create(messages=[{"content": p}])\n',
  boolop: () => H + 'x = ' + Array(N).fill(T).join(' and ') + '\n',
  compare: () => H + 'x = ' + Array(N).fill('a').join(' < ') + '\n',
  notexpr: () => H + 'x = ' + 'not '.repeat(N) + T + '\n',
  unary: () => H + 'x = ' + '-'.repeat(N) + '1\n',
  awaitexpr: () => H + 'async def f():\n    x = ' + 'await '.repeat(N) + T + '\n',
  lambda: () => H + 'f = ' + 'lambda: '.repeat(N) + T + '\n',
  ternary: () => H + 'x = ' + Array(N).fill(T + ' if c else').join(' ') + ' 0\n',
  subscript: () => H + 'x = a' + '[0]'.repeat(N) + '\n',
  attr: () => H + 'x = torch' + '.a'.repeat(N) + '(1)\n',
  chainassign: () => H + Array(N).fill('x').join(' = ') + ' = ' + T + '\n',
  tupletarget: () => H + '('.repeat(N) + 'a, b' + ')'.repeat(N) + ' = ' + T + '\n',
  fstring: () => H + 'x = ' + 'f"{'.repeat(N) + 'y' + '}"'.repeat(N) + '\n',
  ifs: () => H + Array.from({ length: N }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(N) + T + '\n',
  ifs400: () => H + Array.from({ length: 400 }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(400) + T + '\n',
  defs400: () => H + Array.from({ length: 400 }, (_, i) => ' '.repeat(i) + `@app.route("/p${i}")\n` + ' '.repeat(i) + `def f${i}(a=torch.load(f)):\n`).join('') + ' '.repeat(400) + T + '\n',
  classes400: () => H + Array.from({ length: 400 }, (_, i) => ' '.repeat(i) + `class C${i}(torch.nn.Module):\n`).join('') + ' '.repeat(400) + T + '\n',
  withs400: () => H + Array.from({ length: 400 }, (_, i) => ' '.repeat(i) + `with open(p${i}) as f:\n`).join('') + ' '.repeat(400) + T + '\n',
  elifs: () => H + 'if a:\n    pass\n' + Array(N).fill('elif b:\n    ' + T + '\n').join('') ,
  nestedcomp: () => H + 'x = ' + '[y for y in '.repeat(N) + T + ']'.repeat(N) + '\n',
  slices: () => H + 'x = a[' + Array(N).fill('1:2').join(', ') + ']\n',
  unclosed: () => H + 'x = ' + '('.repeat(N) + T + '\n',
  unclosedbr: () => H + 'x = ' + '[{('.repeat(N) + T + '\n',
  closers: () => H + T + ')]}'.repeat(N) + '\n',
};
if (process.argv[3] && process.argv[1].endsWith("zz-deep.mjs")) {
  const backend = await loadBackend(process.argv[2] ?? 'native');
  const k = process.argv[3];
  const text = cases[k]();
  const t0 = Date.now();
  const r = lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => rules.map((rule) => ({ rule, severity: rule.meta.severity, options: [] })), fix: 'unsafe', prefilter: false });
  console.log(`${k}: ${Date.now() - t0}ms diags=${r.diagnostics.length} problems=${JSON.stringify(r.problems.map(p => p.kind + ' ' + p.message)).slice(0, 400)}`);
}
