import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
const N = Number(process.env.N ?? 100000);
const body = process.env.BODY ?? 'plain';
const stmts = {
  plain: (i) => `    x${i} = x${i - 1} + ${i}`,
  ml: (i) => ['    model = torch.load(path)', '    y = model(x)', '    loss = F.mse(y, t)', '    print(loss)', '    opt.step()', '    np.random.rand(3)', '    pickle.load(f)', '    client.chat.completions.create(model="gpt", messages=m)'][i % 8],
};
const text = 'import torch, pickle, numpy as np\nimport torch.nn.functional as F\nfrom openai import OpenAI\nclient = OpenAI()\n\ndef train(path, f, x, t, opt, m):\n    x0 = 0\n' + Array.from({ length: N }, (_, i) => stmts[body](i + 1)).join('\n') + '\n';
console.log(`size ${(text.length / 1e6).toFixed(1)} MB lines ${N}`);
const backend = await loadBackend(process.argv[2] ?? 'native');
const t0 = Date.now();
const tree = backend.parse(text); console.log(`parse ${Date.now() - t0}ms`);
for (const rule of rules) {
  const t0 = Date.now();
  const r = lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => [{ rule, severity: rule.meta.severity, options: [] }], fix: 'none', prefilter: true });
  const ms = Date.now() - t0;
  console.log(`${rule.meta.code} ${rule.meta.name}: ${ms}ms diags=${r.diagnostics.length} ${r.problems.map(p=>p.message).join(';')}`);
}
