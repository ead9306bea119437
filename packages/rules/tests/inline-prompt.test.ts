import { expect, it } from 'vitest';
import rule from '../src/rules/inline-prompt.js';
import { docBlocks, projectOf } from './project-docs.js';
import { describeProjectFixtures, projectFixtureCounts, runProjectRule } from './project-harness.js';

describeProjectFixtures(rule);

it('has enough positive and negative project fixtures', () => {
  const counts = projectFixtureCounts(rule);
  expect(counts.positive).toBeGreaterThanOrEqual(6);
  expect(counts.negative).toBeGreaterThanOrEqual(6);
});

it('triggers on the docs Example and not on Use instead', async () => {
  for (const block of docBlocks(rule.meta.name, 'Example')) expect((await runProjectRule(rule, projectOf(block))).diagnostics.length).toBeGreaterThan(0);
  for (const block of docBlocks(rule.meta.name, 'Use instead')) expect((await runProjectRule(rule, projectOf(block))).diagnostics).toEqual([]);
});
