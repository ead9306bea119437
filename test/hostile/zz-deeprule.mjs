import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
import { cases } from './zz-deep.mjs';
const backend = await loadBackend(process.argv[2] ?? 'native');
const text = cases[process.argv[3]]();
for (const rule of rules) {
  const t0 = Date.now();
  const r = lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => [{ rule, severity: rule.meta.severity, options: [] }], fix: 'unsafe', prefilter: false });
  const ms = Date.now() - t0;
  const crash = r.problems.filter(p => p.kind === 'rule-crash').map(p => p.message).join(';');
  if (ms > 300 || crash) console.log(`  ${rule.meta.code}: ${ms}ms ${crash}`);
}
