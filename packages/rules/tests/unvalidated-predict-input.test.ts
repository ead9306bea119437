import { expect, it } from 'vitest';
import rule from '../src/rules/unvalidated-predict-input.js';
import { describeRuleFixtures, fixtureCounts } from './harness.js';

describeRuleFixtures(rule);

it('has enough positive and negative cases', () => {
  const counts = fixtureCounts(rule.meta.name, rule.meta.code);
  expect(counts.expect).toBeGreaterThanOrEqual(10);
  expect(counts.ok).toBeGreaterThanOrEqual(10);
});
