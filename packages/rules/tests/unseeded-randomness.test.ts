import { expect, it } from 'vitest';
import rule from '../src/rules/unseeded-randomness.js';
import { describeRuleFixtures, fixtureCounts } from './harness.js';

describeRuleFixtures(rule);

it('has enough positive and negative cases', () => {
  const counts = fixtureCounts(rule.meta.name, rule.meta.code);
  expect(counts.expect).toBeGreaterThanOrEqual(12);
  expect(counts.ok).toBeGreaterThanOrEqual(12);
  expect(counts.notebooks).toBeGreaterThanOrEqual(1);
});
