import { describe, expect, it } from 'vitest';
import { loadBackend } from '@mlops-lint/parser';
import rule from '../src/rules/prompt-concatenation.js';
import { describeRuleFixtures, fixtureCounts, lintWith } from './harness.js';

describeRuleFixtures(rule);

it('has enough positive and negative cases', () => {
  const counts = fixtureCounts(rule.meta.name, rule.meta.code);
  expect(counts.expect).toBeGreaterThanOrEqual(12);
  expect(counts.ok).toBeGreaterThanOrEqual(12);
});

/** Applies a suggestion's edits to a text. */
function applyEdits(text: string, edits: ReadonlyArray<{ start: number; end: number; text: string }>): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

describe('template suggestion', () => {
  const source = [
    'from fastapi import FastAPI',
    'from openai import OpenAI',
    '',
    'app = FastAPI()',
    'client = OpenAI()',
    '',
    '',
    '# Answers questions about one document.',
    '@app.post("/ask")',
    'def ask(question: str, doc: str):',
    '    prompt = f"""Answer from the document only.',
    '',
    '<document>',
    '{doc}',
    '</document>',
    '',
    'Question: {question} {{not a field}}"""',
    '    return client.responses.create(model="gpt-4o", input=prompt, max_output_tokens=200)',
    '',
  ].join('\n');

  it('moves a single f-string to a module-level template filled with named fields', async () => {
    const backend = await loadBackend();
    const [finding, ...rest] = lintWith(rule, source, 'app/main.py', backend).diagnostics;
    expect(rest).toEqual([]);
    expect(finding?.messageId).toBe('splice');
    expect(finding?.line).toBe(11);
    const [suggestion] = finding?.suggestions ?? [];
    expect(suggestion?.applicability).toBe('suggestion');
    const fixed = applyEdits(source, suggestion?.edits ?? []);
    expect(fixed).toBe(
      [
        'from fastapi import FastAPI',
        'from openai import OpenAI',
        '',
        'app = FastAPI()',
        'client = OpenAI()',
        '',
        '',
        'ASK_PROMPT = """Answer from the document only.',
        '',
        '<document>',
        '{doc}',
        '</document>',
        '',
        'Question: {question} {{not a field}}"""',
        '',
        '',
        '# Answers questions about one document.',
        '@app.post("/ask")',
        'def ask(question: str, doc: str):',
        '    prompt = ASK_PROMPT.format(doc=doc, question=question)',
        '    return client.responses.create(model="gpt-4o", input=prompt, max_output_tokens=200)',
        '',
      ].join('\n'),
    );
    expect(lintWith(rule, fixed, 'app/main.py', backend).diagnostics).toEqual([]);
  });

  it('offers no edit for concatenation or an f-string with a conversion', async () => {
    const backend = await loadBackend();
    const text = [
      'from openai import OpenAI',
      'client = OpenAI()',
      'def explain(pattern, text):',
      '    client.responses.create(model="gpt-4o", input=f"Explain {pattern!r}")',
      '    client.responses.create(model="gpt-4o", input="Summarize: " + text)',
      '',
    ].join('\n');
    const found = lintWith(rule, text, 'x.py', backend).diagnostics;
    expect(found.map((d) => [d.line, d.suggestions.length])).toEqual([
      [4, 0],
      [5, 0],
    ]);
  });
});
