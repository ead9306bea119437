import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Linter } from 'eslint';
import { rules } from '@mlops-lint/rules';
import { engineFindings, fixtureConfig, fixturesOf, jsonPosition, pluginsPerBackend } from './helpers.js';

/*
 * Every fixture of every file-scope rule (notebooks included, through the processor) linted by ESLint's Linter:
 * the messages must be the engine's findings exactly (rule, message id and text, span; in a notebook, the span
 * mapped into the JSON text), and `verifyAndFix` must write the fixture's `.fixed` file byte for byte, which is what
 * `mlops-lint check --fix` writes.
 */

const CWD = '/virtual/project';
const fileRules = rules.filter((rule) => rule.meta.scope === 'file');
const plugins = await pluginsPerBackend();

for (const { backend, parser, plugin } of plugins) {
  describe(`fixtures through ESLint's Linter, ${backend} backend`, () => {
    const linter = new Linter({ configType: 'flat', cwd: CWD });
    for (const rule of fileRules) {
      const fixtures = fixturesOf(rule);
      if (fixtures.length === 0) continue;
      describe(`${rule.meta.code} ${rule.meta.name}`, () => {
        for (const fixture of fixtures) {
          it(fixture.file, () => {
            const config = fixtureConfig(plugin, rule, fixture) as Linter.Config[];
            // The ESLint class lints the blocks its config matches; the bare Linter needs to be told (it defaults to `.js`).
            const options = { filename: join(CWD, fixture.filename), filterCodeBlock: (name: string) => name.endsWith('.py') };
            const messages = linter.verify(fixture.text, config, options);
            const expected = engineFindings(rule, fixture, parser).map((d) => {
              const start = d.cell === null ? { line: d.line, column: d.column } : jsonPosition(fixture.text, d.cell, d.line, d.column);
              const end = d.cell === null ? { line: d.endLine, column: d.endColumn } : jsonPosition(fixture.text, d.cell, d.endLine, d.endColumn);
              return {
                ruleId: `mlops/${rule.meta.name}`,
                messageId: d.messageId,
                message: d.message,
                line: start.line,
                column: start.column,
                endLine: end.line,
                endColumn: end.column,
                fixable: d.fix?.applicability === 'safe',
                suggestions: (d.fix && d.fix.applicability !== 'safe' ? 1 : 0) + d.suggestions.length,
              };
            });
            const got = messages.map((m) => ({
              ruleId: m.ruleId,
              messageId: m.messageId,
              message: m.message,
              line: m.line,
              column: m.column,
              endLine: m.endLine,
              endColumn: m.endColumn,
              fixable: m.fix !== undefined,
              suggestions: m.suggestions?.length ?? 0,
            }));
            expect(got).toEqual(expected);

            if (fixture.fixed !== null) {
              const fixed = linter.verifyAndFix(fixture.text, config, options);
              expect(fixed.output).toBe(fixture.fixed);
            }
          });
        }
      });
    }
  });
}
