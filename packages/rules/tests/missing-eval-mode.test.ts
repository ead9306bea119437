import { expect, it } from 'vitest';
import rule from '../src/rules/missing-eval-mode.js';
import { describeRuleFixtures, fixtureCounts } from './harness.js';

describeRuleFixtures(rule);

it('has enough positive and negative cases', () => {
  const counts = fixtureCounts(rule.meta.name, rule.meta.code);
  expect(counts.expect).toBeGreaterThanOrEqual(10);
  expect(counts.ok).toBeGreaterThanOrEqual(10);
  expect(counts.notebooks).toBeGreaterThanOrEqual(1);
});
