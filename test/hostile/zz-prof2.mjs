import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
import { more } from './zz-simple.mjs';
const backend = await loadBackend('native');
const text = more.chainassign();
for (const rule of rules) {
const t0 = Date.now();
lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, { backend, rulesFor: () => [{ rule, severity: 'info', options: [] }], fix: 'none', prefilter: false });
const ms = Date.now() - t0; if (ms > 200) console.log(rule.meta.code, ms);
}
