import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempProjectDir } from './project-harness.js';

const DOCS = fileURLToPath(new URL('../../../docs/rules/', import.meta.url));

/** The ```python / ```text blocks of a project rule's docs page section, with the file name each is shown as. */
export function docBlocks(ruleName: string, section: 'Example' | 'Use instead'): Array<{ filename: string; code: string }> {
  const text = readFileSync(join(DOCS, `${ruleName}.md`), 'utf8');
  const body = text.split(/^## /m).find((s) => s.startsWith(`${section}\n`)) ?? '';
  const out: Array<{ filename: string; code: string }> = [];
  for (const m of body.matchAll(/(?:<!--\s*filename:\s*(\S+)\s*-->\s*\n)?```(?:python|text)\n([\s\S]*?)```/g)) {
    out.push({ filename: m[1] ?? 'example.py', code: m[2] as string });
  }
  return out;
}

/** A temporary project holding one docs block. */
export function projectOf(block: { filename: string; code: string }): string {
  const root = tempProjectDir();
  mkdirSync(dirname(join(root, block.filename)), { recursive: true });
  writeFileSync(join(root, block.filename), block.code);
  return root;
}
