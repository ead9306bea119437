#!/usr/bin/env node
// Writes dist/metas.json after the build: every rule's metadata (without its textual triggers, which are RegExps),
// in code order. `mlops-lint check` reads it to select rules and describe them in reports, so a run the run cache
// answers never loads the rules' code; a run that lints loads the rules themselves.
import { writeFileSync } from 'node:fs';

const { rules } = await import(new URL('../dist/index.js', import.meta.url).href);
const metas = rules.map((rule) => {
  const { triggers: _triggers, ...meta } = rule.meta;
  const json = JSON.stringify(meta);
  // Only plain data may go in: a RegExp or a function would be lost on the way.
  if (JSON.stringify(JSON.parse(json)) !== json || /RegExp|function/.test(Object.values(meta).map((v) => Object.prototype.toString.call(v)).join())) {
    throw new Error(`${meta.code}: metadata is not plain JSON`);
  }
  return meta;
});
writeFileSync(new URL('../dist/metas.json', import.meta.url), `${JSON.stringify(metas, null, 1)}\n`);
