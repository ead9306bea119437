import { expect, it } from 'vitest';
import rule from '../src/rules/model-artifact-in-git.js';
import { describeProjectFixtures, projectFixtureCounts } from './project-harness.js';

describeProjectFixtures(rule);

it('has enough positive and negative project fixtures', () => {
  const counts = projectFixtureCounts(rule);
  expect(counts.positive).toBeGreaterThanOrEqual(6);
  expect(counts.negative).toBeGreaterThanOrEqual(6);
});
