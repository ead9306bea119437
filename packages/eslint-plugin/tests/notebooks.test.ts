import { describe, expect, it } from 'vitest';
import { Linter } from 'eslint';
import { defineRule, lintText } from '@mlops-lint/core';
import { rules } from '@mlops-lint/rules';
import { notebookProcessor, toEslintRule, type MlopsPlugin } from '../src/index.js';
import { pluginsPerBackend } from './helpers.js';

const plugins = await pluginsPerBackend();

/** A notebook in nbformat's own layout (one JSON string per source line, one-space indentation). */
function notebook(cells: Array<{ type?: string; source: string | string[]; count?: number | null }>): string {
  const nb = {
    cells: cells.map((c) => ({
      cell_type: c.type ?? 'code',
      ...(c.type === 'markdown' ? {} : { execution_count: c.count ?? null, outputs: [] }),
      metadata: {},
      source: typeof c.source === 'string' ? c.source.split(/(?<=\n)/) : c.source,
    })),
    metadata: { kernelspec: { language: 'python', name: 'python3' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(nb, null, 1)}\n`;
}

/** A rule that reports `report_here()` calls until cell 1 starts with a marker, which its fix inserts. */
const crossCell = defineRule({
  meta: {
    code: 'ML999',
    name: 'cross-cell-probe',
    severity: 'warning',
    scope: 'file',
    fix: 'safe',
    docs: { description: 'test probe' },
    messages: { here: 'report here', mark: 'Insert a marker' },
  },
  create(context) {
    return {
      call(node) {
        if (context.getText(node) !== 'report_here()' || context.file.text.startsWith('# marked')) return;
        context.report({ node, messageId: 'here', fix: { messageId: 'mark', edits: (f) => f.insertAt(0, '# marked\n') } });
      },
    };
  },
});

function config(plugin: MlopsPlugin, ruleConfig: Record<string, unknown>, extraPlugins: Record<string, unknown> = {}) {
  return [
    { files: ['**/*.py'], plugins: { mlops: plugin, ...extraPlugins }, language: 'mlops/python', rules: ruleConfig },
    { files: ['**/*.ipynb'], plugins: { mlops: plugin }, processor: 'mlops/notebook' },
  ] as never;
}

const options = { filename: '/p/nb.ipynb', filterCodeBlock: (name: string) => name.endsWith('.py') };

for (const { backend, parser, plugin } of plugins) {
  describe(`notebook processor, ${backend} backend`, () => {
    const linter = new Linter({ configType: 'flat', cwd: '/p' });

    it('turns linted code cells into virtual files and leaves markdown and foreign cell magics out', () => {
      const text = notebook([
        { type: 'markdown', source: '# Title\n' },
        { source: 'import joblib as jl\n' },
        { source: '%%bash\nls\n' },
        { source: '%time m = jl.load("m.pkl")\n' },
      ]);
      const blocks = notebookProcessor.preprocess(text, '/p/nb.ipynb');
      expect(blocks).toEqual([
        { filename: 'cell-2.py', text: 'import joblib as jl\n' },
        { filename: 'cell-4.py', text: '%time m = jl.load("m.pkl")\n' },
      ]);
      expect(notebookProcessor.postprocess([[], []], '/p/nb.ipynb')).toEqual([]);
    });

    it('lints the notebook as one module: an alias imported in one cell resolves in another', () => {
      const text = notebook([{ source: 'import joblib as jl\n' }, { source: 'model = jl.load("m.pkl")\n' }]);
      const messages = linter.verify(text, config(plugin, { 'mlops/unsafe-deserialization': 'error' }), options);
      // Cell 2, line 1, columns 9-25, inside the JSON string that holds that line.
      const line = text.split('\n').findIndex((l) => l.includes('jl.load')) + 1;
      const column = text.split('\n')[line - 1]?.indexOf('jl.load') ?? -1;
      expect(messages.map((m) => [m.ruleId, m.line, m.column, m.endLine, m.endColumn])).toEqual([
        ['mlops/unsafe-deserialization', line, column + 1, line, column + 1 + 'jl.load("m.pkl")'.length + 2],
      ]);
    });

    it('maps positions through JSON escapes, magics and a source stored as one string', () => {
      const text = JSON.stringify({
        cells: [{ cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: '%matplotlib inline\nx = "\\t"; m = __import__("pickle").load(f)\nimport pickle\npickle.load(f)\n' }],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      });
      const messages = linter.verify(text, config(plugin, { 'mlops/unsafe-deserialization': 'error' }), options);
      const offset = text.indexOf('pickle.load(f)\\n');
      expect(messages.map((m) => [m.line, m.column, m.endColumn])).toEqual([[1, offset + 1, offset + 1 + 'pickle.load(f)'.length]]);
    });

    it('writes safe fixes back exactly as the CLI does, and offers unsafe fixes as suggestions', () => {
      const text = notebook([
        { source: '%pip install flask\nfrom flask import Flask\napp = Flask(__name__)\n', count: 1 },
        { source: 'import torch\nw = torch.load("w.pt")\n', count: 2 },
        { source: 'app.run(debug=True)\n', count: 3 },
      ]);
      const ruleConfig = { 'mlops/debug-server': 'warn', 'mlops/unsafe-deserialization': 'error' };
      const messages = linter.verify(text, config(plugin, ruleConfig), options);
      const torchLoad = messages.find((m) => m.ruleId === 'mlops/unsafe-deserialization');
      const suggestion = torchLoad?.suggestions?.[0];
      expect(suggestion?.desc).toMatch(/weights_only/);
      const applied = suggestion ? text.slice(0, suggestion.fix.range[0]) + suggestion.fix.text + text.slice(suggestion.fix.range[1]) : '';
      expect(applied).toContain('torch.load(\\"w.pt\\", weights_only=True)');
      expect(JSON.parse(applied).cells[0].outputs).toEqual([]);

      const cli = lintText(text, { absPath: '/p/nb.ipynb', displayPath: 'nb.ipynb' }, {
        backend: parser,
        rulesFor: () => rules.filter((r) => ['ML104', 'ML502'].includes(r.meta.code)).map((rule) => ({ rule, severity: rule.meta.severity, options: [] })),
        fix: 'safe',
      });
      const fixed = linter.verifyAndFix(text, config(plugin, ruleConfig), options);
      expect(cli.output).toContain('app.run(debug=False)');
      expect(fixed.output).toBe(cli.output);
    });

    it("applies an engine fix that edits another cell than the finding's", () => {
      const probe = { rules: { 'cross-cell-probe': toEslintRule(crossCell) } };
      const text = notebook([{ source: 'import os\n' }, { source: 'x = 1\nreport_here()\n' }]);
      const messages = linter.verify(text, config(plugin, { 'probe/cross-cell-probe': 'warn' }, { probe }), options);
      // Reported in cell 2; the fix is a replacement in cell 1's JSON lines.
      const cell1 = text.indexOf('"import os');
      expect(messages.map((m) => [m.message, m.fix !== undefined && m.fix.range[0] <= cell1 + 1 && m.fix.range[1] <= cell1 + 20])).toEqual([['report here', true]]);
      const fixed = linter.verifyAndFix(text, config(plugin, { 'probe/cross-cell-probe': 'warn' }, { probe }), options);
      expect(JSON.parse(fixed.output).cells.map((c: { source: string[] }) => c.source.join(''))).toEqual(['# marked\nimport os\n', 'x = 1\nreport_here()\n']);
    });

    it("maps another plugin's fix from its cell, and drops one that would edit a magic", () => {
      const upper = {
        meta: { type: 'problem' as const, fixable: 'code' as const, messages: { up: 'shout' } },
        create(context: { sourceCode: { getText(n: unknown): string }; report(d: unknown): void }) {
          return {
            identifier(node: { type: string }) {
              const name = context.sourceCode.getText(node);
              if (name === 'quiet') context.report({ node, messageId: 'up', fix: (f: { replaceText(n: unknown, t: string): unknown }) => f.replaceText(node, 'LOUD') });
            },
            comment(node: unknown) {
              context.report({ node, messageId: 'up', fix: (f: { replaceTextRange(r: [number, number], t: string): unknown }) => f.replaceTextRange([0, 3], '') });
            },
          };
        },
      };
      const text = notebook([{ source: '%load_ext autoreload\nquiet = 1  # c\n' }]);
      const cfg = config(plugin, { 'shout/upper': 'warn' }, { shout: { rules: { upper } } });
      const messages = linter.verify(text, cfg, options);
      expect(messages.map((m) => [m.line, m.fix === undefined])).toEqual([
        [text.split('\n').findIndex((l) => l.includes('quiet')) + 1, false],
        [text.split('\n').findIndex((l) => l.includes('quiet')) + 1, true],
      ]);
      const fixed = linter.verifyAndFix(text, cfg, options);
      expect(JSON.parse(fixed.output).cells[0].source).toEqual(['%load_ext autoreload\n', 'LOUD = 1  # c\n']);
    });

    it('keeps eslint-disable comments to their cell and # noqa to its line', () => {
      const text = notebook([
        { source: '# eslint-disable mlops/unsafe-deserialization\nimport pickle\npickle.load(f)\n' },
        { source: 'pickle.load(g)\npickle.load(h)  # noqa: ML502\n' },
      ]);
      const messages = linter.verify(text, config(plugin, { 'mlops/unsafe-deserialization': 'error' }), options);
      const line = text.split('\n').findIndex((l) => l.includes('pickle.load(g)')) + 1;
      expect(messages.map((m) => m.line)).toEqual([line]);
    });

    it('reports a malformed notebook as one fatal preprocessing error', () => {
      const messages = linter.verify('{"cells": [', config(plugin, { 'mlops/unsafe-deserialization': 'error' }), options);
      expect(messages.map((m) => [m.fatal, m.line, m.message])).toEqual([[true, 1, 'Preprocessing error: malformed notebook: not valid JSON (Close bracket expected at 1:12)']]);
      expect(linter.verify('', config(plugin, {}), options).map((m) => m.message)).toEqual(['Preprocessing error: empty file, not a notebook']);
    });

    it('runs the notebook-level rule ML203 across cells', () => {
      const text = notebook([{ source: 'a = 1\n', count: 2 }, { source: 'b = 2\n', count: 1 }]);
      const messages = linter.verify(text, config(plugin, { 'mlops/notebook-out-of-order': 'warn' }), options);
      expect(messages.map((m) => m.ruleId)).toEqual(['mlops/notebook-out-of-order']);
    });
  });
}
