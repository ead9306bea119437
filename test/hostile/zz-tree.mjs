import { loadBackend } from '@mlops-lint/parser';
import { readFileSync } from 'node:fs';
const r = JSON.parse(readFileSync('/tmp/explore/mismatch.json', 'utf8'));
const text = process.argv[2] ? process.argv[2] : r.text;
const n = (await loadBackend('native')).parse(text).rootNode.toString();
const w = (await loadBackend('wasm')).parse(text).rootNode.toString();
console.log(n === w); if (n !== w) { let i = 0; while (n[i] === w[i]) i++; console.log('N', n.slice(Math.max(0,i-200), i+200)); console.log('W', w.slice(Math.max(0,i-200), i+200)); }
