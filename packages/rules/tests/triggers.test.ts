import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintText, triggerSets } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { rules } from '../src/index.js';
import { allFixtureFiles } from './harness.js';

/**
 * The textual pre-filter (core `prefilter.ts`) skips a rule on a file that contains none of the rule's
 * `meta.triggers`, and skips parsing a file no rule is left for. Every rule declares triggers, except the ones
 * below, each for a reason; the fixture harness lints each rule's fixtures with and without the pre-filter, and
 * the test at the end does the same with every rule on every fixture.
 */
const WITHOUT_TRIGGERS: Record<string, string> = {
  ML202: 'project rule with nothing to find in one file (it reads the manifests)',
  ML203: "reads a notebook's saved execution counts, not its code: no text tells a notebook that ran out of order",
  ML501: 'project rule with nothing to find in one file (it reads the git index)',
};

describe('rule triggers', () => {
  it('every rule declares triggers, or is listed with the reason it has none', () => {
    const missing = rules.filter((r) => !r.meta.triggers && !(r.meta.code in WITHOUT_TRIGGERS)).map((r) => r.meta.code);
    expect(missing).toEqual([]);
  });

  it('the list of rules without triggers does not go stale', () => {
    const stale = Object.keys(WITHOUT_TRIGGERS).filter((code) => {
      const rule = rules.find((r) => r.meta.code === code);
      return !rule || rule.meta.triggers !== undefined;
    });
    expect(stale).toEqual([]);
  });

  it('trigger sets hold non-empty strings and RegExps without state (no g or y flag)', () => {
    for (const rule of rules) {
      const triggers = rule.meta.triggers;
      if (triggers === undefined) continue;
      const sets = triggerSets(triggers);
      expect(sets.length, rule.meta.code).toBeGreaterThan(0);
      for (const set of sets) {
        const terms = set instanceof RegExp ? [set] : set;
        expect(terms.length, rule.meta.code).toBeGreaterThan(0);
        for (const t of terms) {
          if (t instanceof RegExp) expect(t.global || t.sticky, rule.meta.code).toBe(false);
          else expect(t.length, rule.meta.code).toBeGreaterThan(0);
        }
      }
    }
  });

  it('every rule on every fixture: the same findings with and without the pre-filter', async () => {
    const backend = await loadBackend();
    const configured = rules.map((rule) => ({ rule, severity: rule.meta.severity, options: [] }));
    let files = 0;
    for (const { path, abs } of allFixtureFiles()) {
      const text = readFileSync(abs, 'utf8');
      const lint = (prefilter: boolean) =>
        lintText(text, { absPath: `/fixtures/${path}`, displayPath: path }, { backend, rulesFor: () => configured, prefilter, projectRules: true });
      const withFilter = lint(true);
      const without = lint(false);
      expect(withFilter.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.messageId}`), path).toEqual(
        without.diagnostics.map((d) => `${d.code} ${d.line}:${d.column} ${d.messageId}`),
      );
      expect(withFilter.problems.filter((p) => p.kind === 'rule-crash'), path).toEqual([]);
      files++;
    }
    expect(files).toBeGreaterThan(50);
  });
});
