import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintText } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '../src/index.js';

/**
 * The docs contract (STYLE.md §4): one page per rule, front matter equal to the rule's metadata, headings known and
 * in order, every `## Example` block triggers the rule and no `## Use instead` block does.
 */

const DOCS = fileURLToPath(new URL('../../../docs/rules/', import.meta.url));
const ORDER = ['What it does', 'Why is this bad?', 'Example', 'Use instead', 'Fix safety', 'Options', 'When not to use it', 'References'];
const REQUIRED = new Set(['What it does', 'Why is this bad?', 'Example', 'Use instead']);

interface Page {
  front: Record<string, string>;
  sections: Array<{ heading: string; body: string }>;
  waived: Set<string>;
}

function parsePage(text: string): Page {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  const front: Record<string, string> = {};
  for (const line of (m?.[1] ?? '').split('\n')) {
    const kv = /^(\w+):\s*(.*?)\s*(#.*)?$/.exec(line);
    if (kv) front[kv[1] as string] = (kv[2] as string).replace(/^["']|["']$/g, '');
  }
  const body = m ? text.slice(m[0].length) : text;
  const sections: Page['sections'] = [];
  const parts = body.split(/^## /m);
  for (const part of parts.slice(1)) {
    const nl = part.indexOf('\n');
    sections.push({ heading: part.slice(0, nl).trim(), body: part.slice(nl + 1) });
  }
  const waived = new Set([...body.matchAll(/<!--\s*omitted:\s*(.+?)\s*-->/g)].map((w) => w[1] as string));
  return { front, sections, waived };
}

function pythonBlocks(body: string): Array<{ code: string; filename: string }> {
  const blocks: Array<{ code: string; filename: string }> = [];
  // A ```json block preceded by `<!-- filename: x.ipynb -->` is a notebook (for notebook-only rules).
  const re = /(?:<!--\s*filename:\s*(\S+)\s*-->\s*\n)?```(python|json)\n([\s\S]*?)```/g;
  for (const m of body.matchAll(re)) {
    const filename = m[1] ?? 'example.py';
    if (m[2] === 'json' && !filename.endsWith('.ipynb')) continue;
    blocks.push({ filename, code: m[3] as string });
  }
  return blocks;
}

describe('rule documentation', () => {
  const pages = existsSync(DOCS) ? readdirSync(DOCS).filter((f) => f.endsWith('.md')) : [];

  it('has a page for every rule and a rule for every page', () => {
    const names = rules.map((r) => `${r.meta.name}.md`).sort();
    expect(pages.sort()).toEqual(names);
  });

  for (const rule of rules) {
    const path = join(DOCS, `${rule.meta.name}.md`);
    it(`${rule.meta.code} ${rule.meta.name}: front matter, headings, examples`, async () => {
      expect(existsSync(path), `${path} is missing`).toBe(true);
      const page = parsePage(readFileSync(path, 'utf8'));
      const { meta } = rule;
      expect(page.front).toMatchObject({
        id: meta.name,
        code: meta.code,
        description: meta.docs.description,
        type: meta.severity === 'info' ? 'suggestion' : 'problem',
        severity: meta.severity,
        scope: meta.scope,
        fix: meta.fix,
      });
      expect(page.front['since']).toMatch(/^\d+\.\d+\.\d+$/);

      const headings = page.sections.map((s) => s.heading);
      for (const h of headings) expect(ORDER, `unknown heading "## ${h}"`).toContain(h);
      const positions = headings.map((h) => ORDER.indexOf(h));
      expect(positions, 'headings out of order').toEqual([...positions].sort((a, b) => a - b));
      const required = new Set(REQUIRED);
      if (meta.fix !== 'none') required.add('Fix safety');
      if (meta.schema && meta.schema.length > 0) required.add('Options');
      for (const h of ORDER) {
        if (!headings.includes(h) && !page.waived.has(h) && (required.has(h) || h === 'When not to use it' || h === 'References')) {
          throw new Error(`missing "## ${h}" (or <!-- omitted: ${h} -->)`);
        }
      }

      if (meta.scope !== 'file') return;
      const backend = await loadBackend();
      const lint = (code: string, filename: string) =>
        lintText(code, { absPath: filename, displayPath: filename }, {
          backend,
          rulesFor: () => [{ rule, severity: meta.severity, options: [] }],
        }).diagnostics.filter((d) => d.code === meta.code);
      const example = page.sections.find((s) => s.heading === 'Example');
      const instead = page.sections.find((s) => s.heading === 'Use instead');
      const bad = pythonBlocks(example?.body ?? '');
      expect(bad.length, 'the Example section needs a ```python block').toBeGreaterThan(0);
      for (const block of bad) expect(lint(block.code, block.filename).length, `Example block does not trigger ${meta.code}:\n${block.code}`).toBeGreaterThan(0);
      for (const block of pythonBlocks(instead?.body ?? '')) {
        expect(lint(block.code, block.filename), `Use instead block triggers ${meta.code}:\n${block.code}`).toEqual([]);
      }
    });
  }
});
