import Parser from 'tree-sitter';
import Python from 'tree-sitter-python';
import { readFileSync } from 'node:fs';
const p = new Parser(); p.setLanguage(Python);
const t = p.parse(readFileSync(process.argv[2], 'utf8'));
function dump(n, d, field) { console.log(' '.repeat(d*2) + (field? field+': ' : '') + n.type + (n.childCount===0 || n.type==='identifier' ? ' ' + JSON.stringify(n.text) : '')); 
  const c = n.walk(); 
  for (let i=0;i<n.childCount;i++){ const ch=n.child(i); if(!ch.isNamed) continue; dump(ch, d+1, n.fieldNameForChild ? n.fieldNameForChild(i) : ''); } }
dump(t.rootNode, 0);
