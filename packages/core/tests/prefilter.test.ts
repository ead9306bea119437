import { describe, expect, it } from 'vitest';
import { loadBackend } from '@mlops-lint/parser';
import { defineRule, isTestPath, lintText, ruleMayMatch, rulesForText, type AnyRule, type ConfiguredRule, type RuleMetaInput } from '../src/index.js';

/** A rule reporting every call of `name`, with the given pre-filter settings. */
function callRule(code: string, name: string, extra: Partial<RuleMetaInput<'found'>>): AnyRule {
  return defineRule({
    meta: { code, name: `test-${code.toLowerCase()}`, severity: 'warning', scope: 'file', fix: 'none', docs: { description: 'test rule' }, messages: { found: 'found' }, ...extra },
    create(context) {
      return {
        call(node) {
          if (node.childForFieldName('function')?.text === name) context.report({ node, messageId: 'found' });
        },
      };
    },
  });
}

const configured = (rule: AnyRule): ConfiguredRule => ({ rule, severity: rule.meta.severity, options: [] });

describe('isTestPath', () => {
  it.each([
    ['tests/test_model.py', true],
    ['pkg/tests/helpers.py', true],
    ['test/x.py', true],
    ['testing/x.py', true],
    ['src/test_train.py', true],
    ['src/train_test.py', true],
    ['conftest.py', true],
    ['nb/test_eval.ipynb', true],
    ['src\\tests\\x.py', true],
    ['train.py', false],
    ['src/testimony.py', false],
    ['src/latest/train.py', false],
    ['contest.py', false],
    ['train_test_split.py', false],
  ])('%s → %s', (path, expected) => {
    expect(isTestPath(path)).toBe(expected);
  });
});

describe('triggers', () => {
  const any = callRule('ML981', 'loads', { triggers: ['pickle', 'dill'] });
  const regex = callRule('ML982', 'loads', { triggers: /\bpickle\b/ });
  const both = callRule('ML983', 'loads', { triggers: { all: [['pickle', 'dill'], /\bloads\(/] } });

  it('one set: a string of it, or its RegExp', () => {
    expect(ruleMayMatch(any, 'import dill')).toBe(true);
    expect(ruleMayMatch(any, 'import json')).toBe(false);
    expect(ruleMayMatch(regex, 'import pickle')).toBe(true);
    expect(ruleMayMatch(regex, 'import pickles')).toBe(false);
  });

  it('`all`: every set must match', () => {
    expect(ruleMayMatch(both, 'import pickle\npickle.loads(b)')).toBe(true);
    expect(ruleMayMatch(both, 'import pickle\npickle.dumps(b)')).toBe(false);
    expect(ruleMayMatch(both, 'json.loads(b)')).toBe(false);
  });

  it('rulesForText keeps the rules whose triggers match, in order', () => {
    const rules = [any, regex, both].map(configured);
    expect(rulesForText(rules, 'import dill\ndill.loads(b)').map((c) => c.rule.meta.code)).toEqual(['ML981', 'ML983']);
    expect(rulesForText(rules, 'x = 1')).toEqual([]);
  });

  it('a global RegExp is tested from the start of every text', () => {
    const sticky = callRule('ML984', 'loads', { triggers: /pickle/g });
    expect(ruleMayMatch(sticky, 'pickle pickle')).toBe(true);
    expect(ruleMayMatch(sticky, 'pickle')).toBe(true);
  });
});

describe('skipTestFiles', () => {
  const skips = callRule('ML985', 'fit', { triggers: ['fit'], skipTestFiles: true });
  const runs = callRule('ML986', 'fit', { triggers: ['fit'] });

  it('rulesForText drops the rule on a test path only when given the path', () => {
    const rules = [skips, runs].map(configured);
    expect(rulesForText(rules, 'fit()', 'tests/test_x.py').map((c) => c.rule.meta.code)).toEqual(['ML986']);
    expect(rulesForText(rules, 'fit()', 'train.py').map((c) => c.rule.meta.code)).toEqual(['ML985', 'ML986']);
    expect(rulesForText(rules, 'fit()').map((c) => c.rule.meta.code)).toEqual(['ML985', 'ML986']);
  });

  it('the engine never runs the rule on a test module, with or without the text pre-filter', async () => {
    const backend = await loadBackend();
    for (const prefilter of [true, false]) {
      const options = { backend, rulesFor: () => [configured(skips), configured(runs)], prefilter };
      const inTests = lintText('fit()\n', { absPath: '/p/tests/test_x.py', displayPath: 'tests/test_x.py' }, options);
      expect(inTests.diagnostics.map((d) => d.code)).toEqual(['ML986']);
      const script = lintText('fit()\n', { absPath: '/p/train.py', displayPath: 'train.py' }, options);
      expect(script.diagnostics.map((d) => d.code).sort()).toEqual(['ML985', 'ML986']);
    }
  });

  it('a test module whose only rules skip tests is not parsed', async () => {
    const backend = await loadBackend();
    const result = lintText('fit()\n', { absPath: '/p/tests/test_x.py', displayPath: 'tests/test_x.py' }, { backend, rulesFor: () => [configured(skips)] });
    expect(result.parsed).toBe(false);
    expect(result.diagnostics).toEqual([]);
  });
});
