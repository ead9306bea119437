import { indentLevels } from '@mlops-lint/parser';
const line = '    x = foo(bar, baz)  # comment here\n';
const t = line.repeat(300000);
for (let k = 0; k < 3; k++) { const t0 = performance.now(); const d = indentLevels(t); console.log(t.length, d, (performance.now() - t0).toFixed(1) + 'ms'); }
const one = 'x = ' + '"a" + y + '.repeat(1e6);
{ const t0 = performance.now(); indentLevels(one); console.log('one line', one.length, (performance.now() - t0).toFixed(1)); }
