import type { RulesMeta, RuleTextEdit, RuleTextEditor, RuleVisitor, SuggestedEdit } from '@eslint/core';
import type { CustomRuleDefinitionType } from '@eslint/plugin-kit';
import type { AnyRule, Fix } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { engineRunOf, type Finding } from './engine-run.js';
import { PythonSourceCode, type PythonLanguageOptions } from './languages/python-source-code.js';

/** An ESLint rule of the `mlops/python` language. */
export type PythonRuleDefinition = CustomRuleDefinitionType<
  { LangOptions: PythonLanguageOptions; Code: PythonSourceCode; Visitor: RuleVisitor; Node: SyntaxNode },
  { RuleOptions: unknown[]; MessageIds: string }
>;

/** The language the wrapped rules run on (`<plugin namespace>/<language>`). */
export const LANGUAGE_ID = 'mlops/python';

/**
 * Wraps one engine rule as an ESLint rule: same metadata, same messages, same findings. The engine runs the rule
 * (see `EngineRun`); the wrapper only translates. Safe fixes become ESLint fixes; unsafe fixes and suggestions become
 * ESLint suggestions, the unsafe fix first. Severity `info` has no ESLint equivalent and is reported as a warning by
 * the configs; `meta.type` is `suggestion` for info rules and `problem` otherwise, as in the rule docs.
 */
export function toEslintRule(rule: AnyRule): PythonRuleDefinition {
  const { meta } = rule;
  return {
    meta: {
      type: meta.severity === 'info' ? 'suggestion' : 'problem',
      docs: { description: meta.docs.description, url: meta.docs.url, recommended: true },
      messages: meta.messages,
      schema: (meta.schema ?? []) as NonNullable<RulesMeta['schema']>,
      ...(meta.fix === 'safe' ? { fixable: 'code' as const } : {}),
      ...(meta.fix !== 'none' ? { hasSuggestions: true } : {}),
      languages: [LANGUAGE_ID],
    },
    create(context) {
      const source = context.sourceCode;
      if (!(source instanceof PythonSourceCode)) return {};
      const run = engineRunOf(source);
      run.register(rule, context.options);
      return {
        [NodeType.Module]() {
          const result = run.results({ cwd: context.cwd, physicalFilename: context.physicalFilename, settings: context.settings });
          const crash = result.crashes.get(meta.code);
          if (crash) throw crash;
          const target = source.target;
          const eol = endOfLine(source.text);
          for (const finding of result.findings.get(meta.code) ?? []) {
            const d = finding.diagnostic;
            if (target.kind === 'cell') {
              if (d.cell !== target.cell.index) continue;
              // Fixes of a notebook finding may edit any cell: the processor attaches them to the notebook file.
              target.session.record(target.cell, {
                ruleName: meta.name,
                line: d.line,
                column: d.column,
                endLine: d.endLine,
                endColumn: d.endColumn,
                message: d.message,
                diagnostic: d,
              });
              context.report({ loc: locOf(d), ...messageOf(finding) });
              continue;
            }
            const offered: Fix[] = [...(d.fix && d.fix.applicability !== 'safe' ? [d.fix] : []), ...d.suggestions];
            context.report({
              loc: locOf(d),
              ...messageOf(finding),
              fix: d.fix?.applicability === 'safe' ? editsOf(d.fix, eol) : null,
              suggest: offered.map((s): SuggestedEdit => ({ desc: s.message, fix: editsOf(s, eol) })),
            });
          }
        },
      };
    },
  };
}

function locOf(d: Finding['diagnostic']): { start: { line: number; column: number }; end: { line: number; column: number } } {
  return { start: { line: d.line, column: d.column }, end: { line: d.endLine, column: d.endColumn } };
}

function messageOf(finding: Finding): { messageId: string; data: Record<string, string | number> } | { message: string } {
  return finding.data ? { messageId: finding.diagnostic.messageId, data: finding.data } : { message: finding.diagnostic.message };
}

/**
 * The fix function for an engine fix. The CLI writes a fix's line breaks in the file's own style when the file uses
 * CRLF throughout; so does this.
 */
function editsOf(fix: Fix, eol: string): (fixer: RuleTextEditor) => RuleTextEdit[] {
  return (fixer) =>
    fix.edits.map((e) => fixer.replaceTextRange([e.start, e.end], eol === '\n' ? e.text : e.text.replace(/\r?\n/g, eol)));
}

function endOfLine(text: string): string {
  return /\r\n/.test(text) && !/(^|[^\r])\n/.test(text) ? '\r\n' : '\n';
}
