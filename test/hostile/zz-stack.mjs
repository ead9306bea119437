import { lintSource } from '@mlops-lint/core';
import { loadBackend, SourceFile } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
import { cases } from './zz-deep.mjs';
const backend = await loadBackend(process.argv[2] ?? 'native');
const text = cases[process.argv[3]]();
const rule = rules.find(r => r.meta.code === process.argv[4]);
const file = SourceFile.parse(backend, 'a.py', text);
try { lintSource(file, [{ rule, severity: 'info', options: [] }], { filename: 'a.py' }); console.log('ok'); }
catch (e) { const st = (e.original?.stack ?? e.stack).split('\n'); const frames = st.slice(1).map(s => s.trim().replace(/\(file:\/\/\/work\/main\/packages\//, '(')); const uniq = [...new Set(frames)]; console.log(st[0], '\n', uniq.slice(0, 25).join('\n ')); }
