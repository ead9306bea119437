import { describe, expect, it } from 'vitest';
import { RuleTester } from 'eslint';
import type { Diagnostic } from '@mlops-lint/core';
import { rules } from '@mlops-lint/rules';
import { applyAll, engineFindings, fixturesOf, oneFixPass, pluginsPerBackend, projectOf, type Fixture } from './helpers.js';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

/*
 * Every file-scope rule, through ESLint's own RuleTester with `language: "mlops/python"`, on the rules package's
 * annotated Python fixtures (notebooks go through the processor, which RuleTester does not run: see
 * notebooks.test.ts). A fixture is a valid case when the engine finds nothing in it, else an invalid case whose
 * errors are the engine's findings (message ids, exact spans, suggestions with their outputs) and whose output is one
 * ESLint pass of the engine's safe fixes. The annotations must agree with those findings, so a case cannot drift
 * from what the fixture says. The loop over rules is deliberate: a new rule is covered as soon as it is registered.
 */

const fileRules = rules.filter((rule) => rule.meta.scope === 'file');
const plugins = await pluginsPerBackend();
const reference = plugins[0]?.parser;

type ErrorCase = {
  messageId: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  suggestions?: Array<{ desc: string; output: string }>;
};

function errorOf(d: Diagnostic, text: string): ErrorCase {
  const offered = [...(d.fix && d.fix.applicability !== 'safe' ? [d.fix] : []), ...d.suggestions];
  return {
    messageId: d.messageId,
    line: d.line,
    column: d.column,
    endLine: d.endLine,
    endColumn: d.endColumn,
    ...(offered.length > 0 ? { suggestions: offered.map((s) => ({ desc: s.message, output: applyAll(text, s.edits) })) } : {}),
  };
}

function caseOf(fixture: Fixture) {
  return {
    name: fixture.file,
    code: fixture.text,
    filename: fixture.filename,
    options: fixture.header.options ?? [],
    settings: { mlops: { project: projectOf(fixture) } },
  };
}


describe('fixtures agree with the engine the cases are built from', () => {
  for (const rule of fileRules) {
    const fixtures = fixturesOf(rule).filter((f) => !f.notebook);
    if (fixtures.length === 0) continue;
    it(`${rule.meta.code} ${rule.meta.name}`, () => {
      if (!reference) throw new Error('no parser backend loads');
      const problems: string[] = [];
      for (const fixture of fixtures) {
        const found = engineFindings(rule, fixture, reference);
        for (const a of fixture.annotations.filter((x) => x.kind === 'expect')) {
          const hit = found.filter((d) => d.line === a.line);
          if (hit.length === 0) problems.push(`${fixture.file}:${a.line}: annotated ${a.code} not reported`);
          else if (a.messageId && !hit.some((d) => d.messageId === a.messageId)) problems.push(`${fixture.file}:${a.line}: not ${a.messageId}`);
        }
      }
      expect(problems).toEqual([]);
    });
  }
});

for (const { backend, parser, plugin } of plugins) {
  const tester = new RuleTester({ plugins: { mlops: plugin }, language: 'mlops/python', languageOptions: { tolerant: true } });
  describe(`RuleTester, ${backend} backend`, () => {
    for (const rule of fileRules) {
      const fixtures = fixturesOf(rule).filter((f) => !f.notebook);
      const eslintRule = plugin.rules[rule.meta.name];
      if (fixtures.length === 0 || !eslintRule) continue;
      const valid: ReturnType<typeof caseOf>[] = [];
      const invalid: Array<ReturnType<typeof caseOf> & { errors: ErrorCase[]; output: string | null }> = [];
      for (const fixture of fixtures) {
        const found = engineFindings(rule, fixture, parser);
        if (found.length === 0) {
          valid.push(caseOf(fixture));
          continue;
        }
        const safe = found.flatMap((d) => (d.fix?.applicability === 'safe' ? [d.fix.edits] : []));
        const output = safe.length > 0 ? oneFixPass(fixture.text, safe) : null;
        invalid.push({ ...caseOf(fixture), errors: found.map((d) => errorOf(d, fixture.text)), output: output === fixture.text ? null : output });
      }
      tester.run(`mlops/${rule.meta.name}`, eslintRule as never, { valid, invalid });
    }
  });
}
