import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import rule from '../src/rules/unpinned-dependency.js';
import { FIXTURES_ROOT } from './harness.js';
import { docBlocks, projectOf } from './project-docs.js';
import { describeProjectFixtures, materializeCase, projectFixtureCounts, runProjectRule } from './project-harness.js';

describeProjectFixtures(rule);

it('has enough positive and negative project fixtures', () => {
  const counts = projectFixtureCounts(rule);
  expect(counts.positive).toBeGreaterThanOrEqual(6);
  expect(counts.negative).toBeGreaterThanOrEqual(6);
});

it('suggests the version a virtual environment has installed', async () => {
  const root = materializeCase(join(FIXTURES_ROOT, rule.meta.name, 'projects', 'loose-requirements'));
  mkdirSync(join(root, '.venv/lib/python3.11/site-packages/torch-2.1.2.dist-info'), { recursive: true });
  writeFileSync(join(root, '.venv/lib/python3.11/site-packages/torch-2.1.2.dist-info/METADATA'), 'Name: torch\nVersion: 2.1.2\n');
  const { diagnostics } = await runProjectRule(rule, root);
  const torch = diagnostics.find((d) => d.line === 3);
  expect(torch?.suggestions).toEqual([
    { applicability: 'suggestion', message: 'Pin to torch==2.1.2 (from installed metadata)', edits: [{ start: 48, end: 53, text: '==2.1.2', line: 3, column: 6, endLine: 3, endColumn: 11 }] },
  ]);
  expect(diagnostics.find((d) => d.line === 5)?.suggestions).toEqual([]);
});

it('suggests the version a lock file elsewhere in the project records, in the manifest syntax', async () => {
  const root = materializeCase(join(FIXTURES_ROOT, rule.meta.name, 'projects', 'poetry'));
  writeFileSync(join(root, 'requirements.lock'), 'torch==2.2.0\nwandb==0.16.6\n');
  const { diagnostics } = await runProjectRule(rule, root);
  // requirements.lock (Rye) covers pyproject.toml: nothing left to report.
  expect(diagnostics).toEqual([]);
});

it('triggers on the docs Example and not on Use instead', async () => {
  for (const block of docBlocks(rule.meta.name, 'Example')) expect((await runProjectRule(rule, projectOf(block))).diagnostics.length).toBeGreaterThan(0);
  for (const block of docBlocks(rule.meta.name, 'Use instead')) expect((await runProjectRule(rule, projectOf(block))).diagnostics).toEqual([]);
});
