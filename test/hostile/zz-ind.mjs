import { loadBackend } from '@mlops-lint/parser';
const k = Number(process.argv[3]); const w = Number(process.argv[4] ?? 1);
const fs = Number(process.argv[5] ?? 0);
const b = await loadBackend(process.argv[2]);
let inner = '"x"';
for (let i = 0; i < fs; i++) inner = `f"{${inner}}"`;
const text = Array.from({ length: k }, (_, i) => ' '.repeat(i * w) + 'if x:\n').join('') + ' '.repeat(k * w) + 'y = ' + inner + '\n';
const t = b.parse(text);
console.log(k, w, fs, 'ok', t.rootNode.hasError);
