import type { ConfiguredRule } from './linter.js';
import type { AnyRule } from './rule.js';

/**
 * The textual pre-filter. Each rule declares in `meta.triggers` strings (or one RegExp) at least one of which must
 * occur in a file's text for the rule to ever report there; a rule without triggers may report anywhere. Before a
 * file is parsed, the rules whose triggers are all absent are dropped, and a file left with no rule is not parsed
 * at all. A trigger test costs one `indexOf` over the text, against a parse and a tree walk.
 *
 * Triggers are a promise the rule makes: the fixture harness lints every fixture with and without the pre-filter
 * and requires the same findings, and a test requires every rule to declare triggers (or be listed as
 * deliberately trigger-free).
 */

/** Whether a rule's textual triggers occur in a text (always true for a rule without triggers). */
export function ruleMayMatch(rule: AnyRule, text: string): boolean {
  const triggers = rule.meta.triggers;
  if (!triggers) return true;
  if (triggers instanceof RegExp) {
    // A global or sticky RegExp keeps `lastIndex` between calls; reset it so each text is tested whole.
    triggers.lastIndex = 0;
    return triggers.test(text);
  }
  for (const t of triggers) if (text.includes(t)) return true;
  return false;
}

/**
 * The configured rules that may report in a text. Many rules share trigger strings (`torch`, `load`, …), so each
 * distinct string is looked for once per text.
 */
export function rulesForText(rules: readonly ConfiguredRule[], text: string): ConfiguredRule[] {
  const seen = new Map<string, boolean>();
  const has = (t: string): boolean => {
    let hit = seen.get(t);
    if (hit === undefined) {
      hit = text.includes(t);
      seen.set(t, hit);
    }
    return hit;
  };
  const out: ConfiguredRule[] = [];
  for (const configured of rules) {
    const triggers = configured.rule.meta.triggers;
    if (!triggers) out.push(configured);
    else if (triggers instanceof RegExp) {
      triggers.lastIndex = 0;
      if (triggers.test(text)) out.push(configured);
    } else if (triggers.some(has)) out.push(configured);
  }
  return out;
}
