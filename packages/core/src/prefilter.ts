import type { ConfiguredRule } from './linter.js';
import type { AnyRule } from './rule.js';

/**
 * The pre-filter: which rules can possibly report in a file, decided before the file is parsed.
 *
 * - By path: a rule with `meta.skipTestFiles` never runs on a test module ({@link isTestPath}).
 * - By text: each rule declares in `meta.triggers` what must occur in a file's text for it to ever report there
 *   (see {@link Triggers}); a rule without triggers may report anywhere. A file left with no rule is not parsed at
 *   all. A trigger test costs an `indexOf` or a RegExp scan over the text, against a parse and a tree walk.
 *
 * Triggers are a promise the rule makes: the fixture harness lints every fixture with and without the pre-filter
 * and requires the same findings, and a test requires every rule to declare triggers (or be listed as
 * deliberately trigger-free).
 */

/**
 * What a text must hold, one of: a RegExp, or a list of strings and RegExps (the text contains one of the strings or
 * matches one of the RegExps). Plain strings are the cheapest test; a RegExp is for what strings cannot say.
 */
export type TriggerSet = ReadonlyArray<string | RegExp> | RegExp;

/**
 * A rule's textual triggers: one set (the text must hold one of its strings or match its RegExp), or
 * `{ all: [set, set, …] }` when the rule needs several things at once (a model load *and* a request handler): the
 * text must satisfy every set.
 */
export type Triggers = TriggerSet | { readonly all: readonly TriggerSet[] };

const TEST_PATH = /(^|\/)(tests?|testing)\/|(^|\/)(test_[^/]*|[^/]*_test|conftest)\.(py|ipynb)$/i;

/**
 * Whether a path names a test module: `test_x.py`, `x_test.py`, `conftest.py`, or anything in a `test/`, `tests/`
 * or `testing/` folder. Rules with `meta.skipTestFiles` do not run there.
 */
export function isTestPath(filename: string): boolean {
  return TEST_PATH.test(filename.replace(/\\/g, '/'));
}

/** Whether a rule runs at all on a file of this path (false for `skipTestFiles` rules on test modules). */
export function ruleAppliesToPath(rule: AnyRule, filename: string): boolean {
  return rule.meta.skipTestFiles !== true || !isTestPath(filename);
}

/** Whether a rule's textual triggers occur in a text (always true for a rule without triggers). */
export function ruleMayMatch(rule: AnyRule, text: string): boolean {
  const triggers = rule.meta.triggers;
  if (!triggers) return true;
  return triggersMatch(triggers, (t) => text.includes(t), (re) => testWhole(re, text));
}

/**
 * The configured rules that may report in a text (and, with `filename`, on that path). Rules share trigger strings
 * (`torch`, `load`, …) and RegExps (the request-handler vocabulary), so each is tested once per text.
 */
export function rulesForText(rules: readonly ConfiguredRule[], text: string, filename?: string): ConfiguredRule[] {
  const seen = new Map<string, boolean>();
  const has = (t: string): boolean => {
    let hit = seen.get(t);
    if (hit === undefined) {
      hit = text.includes(t);
      seen.set(t, hit);
    }
    return hit;
  };
  const tested = new Map<RegExp, boolean>();
  const matches = (re: RegExp): boolean => {
    let hit = tested.get(re);
    if (hit === undefined) {
      hit = testWhole(re, text);
      tested.set(re, hit);
    }
    return hit;
  };
  const out: ConfiguredRule[] = [];
  for (const configured of rules) {
    if (filename !== undefined && !ruleAppliesToPath(configured.rule, filename)) continue;
    const triggers = configured.rule.meta.triggers;
    if (!triggers || triggersMatch(triggers, has, matches)) out.push(configured);
  }
  return out;
}

/** A global or sticky RegExp keeps `lastIndex` between calls; reset it so each text is tested whole. */
function testWhole(re: RegExp, text: string): boolean {
  re.lastIndex = 0;
  return re.test(text);
}

function triggersMatch(triggers: Triggers, has: (t: string) => boolean, matches: (re: RegExp) => boolean): boolean {
  const one = (t: string | RegExp): boolean => (typeof t === 'string' ? has(t) : matches(t));
  const setMatches = (set: TriggerSet): boolean => (set instanceof RegExp ? matches(set) : set.some(one));
  return isConjunction(triggers) ? triggers.all.every(setMatches) : setMatches(triggers);
}

function isConjunction(triggers: Triggers): triggers is { readonly all: readonly TriggerSet[] } {
  return !(triggers instanceof RegExp) && !Array.isArray(triggers);
}

/** Every trigger set of a rule's triggers (one, or each of an `all`). */
export function triggerSets(triggers: Triggers): readonly TriggerSet[] {
  return isConjunction(triggers) ? triggers.all : [triggers];
}
