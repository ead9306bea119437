import { describe, expect, it } from 'vitest';
import { Linter } from 'eslint';
import type { SyntaxNode } from '@mlops-lint/parser';
import { PythonSourceCode, type MlopsPlugin } from '../src/index.js';
import { pluginsPerBackend } from './helpers.js';

const plugins = await pluginsPerBackend();

function parse(plugin: MlopsPlugin, text: string, languageOptions: Record<string, unknown> = {}) {
  const language = plugin.languages.python;
  const file = { path: '/p/a.py', physicalPath: '/p/a.py', body: text, bom: false };
  const result = language.parse(file, { languageOptions });
  return { result, source: result.ok ? language.createSourceCode(file, result) : null };
}

function countNodes(node: SyntaxNode): number {
  return 1 + node.children.reduce((n, child) => n + countNodes(child), 0);
}

for (const { backend, plugin } of plugins) {
  describe(`mlops/python language, ${backend} backend`, () => {
    it('has the shape ESLint expects of a language', () => {
      const language = plugin.languages.python;
      expect(language.fileType).toBe('text');
      expect(language.lineStart).toBe(1);
      expect(language.columnStart).toBe(1);
      expect(language.nodeTypeKey).toBe('type');
      expect(language.visitorKeys['call']).toEqual(['children']);
      expect(language.visitorKeys['ERROR']).toEqual(['children']);
      expect(language.visitorKeys['(']).toEqual(['children']);
      expect(language.visitorKeys['expression']).toBeUndefined();
      expect(() => language.validateLanguageOptions({ tolerant: true })).not.toThrow();
      expect(() => language.validateLanguageOptions({ tolerant: 'yes' } as never)).toThrow(TypeError);
    });

    it('parses to a tree-sitter tree wrapped in a PythonSourceCode', () => {
      const { result, source } = parse(plugin, 'import torch\nx = torch.load("m.pt")\n');
      expect(result.ok).toBe(true);
      expect(source).toBeInstanceOf(PythonSourceCode);
      expect(source?.ast.type).toBe('module');
      expect(source?.getLoc(source.ast)).toEqual({ start: { line: 1, column: 1 }, end: { line: 3, column: 1 } });
    });

    it('reports a syntax error as a fatal parse error unless tolerant', () => {
      const broken = 'import torch\ndef f(:\n    pass\n';
      const strict = parse(plugin, broken);
      expect(strict.result.ok).toBe(false);
      expect(strict.result.ok ? [] : strict.result.errors.map((e) => [e.line, e.column])).toEqual([[2, 7]]);
      expect(parse(plugin, broken, { tolerant: true }).result.ok).toBe(true);
    });

    it('locates nodes in UTF-16 columns, 1-based', () => {
      const { source } = parse(plugin, 's = "héllo😀"; torch.load(x)\n');
      const call = source?.ast.descendantsOfType('call')[0];
      expect(call && source?.getLoc(call)).toEqual({ start: { line: 1, column: 16 }, end: { line: 1, column: 29 } });
      expect(call && source?.getText(call)).toBe('torch.load(x)');
    });

    it('treats \\r as a line end, as Python does', () => {
      // tree-sitter-python itself does not end a line at a lone \r, hence `tolerant`.
      const { source } = parse(plugin, 'a = 1\rb = 2\r\nc = 3\n', { tolerant: true });
      expect(source?.lines).toEqual(['a = 1', 'b = 2', 'c = 3', '']);
      const c = source?.ast.descendantsOfType('identifier')[2];
      expect(c && source?.getLoc(c).start).toEqual({ line: 3, column: 1 });
    });

    it('traverses every node, named and anonymous, entering and leaving in document order', () => {
      const { source } = parse(plugin, 'def f(a):\n    return g(a, 1)\n');
      if (!source) throw new Error('no source');
      const steps = [...source.traverse()] as Array<{ kind: number; phase: 1 | 2; target: SyntaxNode; args: unknown[] }>;
      expect(steps).toHaveLength(2 * countNodes(source.ast));
      expect(steps.every((s) => s.kind === 1)).toBe(true);
      expect([steps[0]?.phase, steps[0]?.target.type, steps.at(-1)?.phase, steps.at(-1)?.target.type]).toEqual([1, 'module', 2, 'module']);
      // Balanced: every enter is closed by an exit of the same node, innermost first.
      const open: SyntaxNode[] = [];
      for (const step of steps) {
        if (step.phase === 1) open.push(step.target);
        else expect(open.pop()).toBe(step.target);
      }
      const call = steps.find((s) => s.phase === 1 && s.target.type === 'call')?.target;
      expect(call && source.getParent(call)?.type).toBe('return_statement');
      expect(call && source.getAncestors(call).map((n) => n.type)).toEqual(['module', 'function_definition', 'block', 'return_statement']);
      // Steps are computed once: a second traversal yields the same node objects.
      expect([...source.traverse()].map((s) => (s as { target: unknown }).target)).toEqual(steps.map((s) => s.target));
    });

    it('runs ESLint rules written against the Python AST, selectors included', () => {
      const seen: string[] = [];
      const probe = {
        meta: { type: 'problem' as const, messages: { call: 'call {{name}}' } },
        create(context: { sourceCode: PythonSourceCode; report(d: unknown): void }) {
          return {
            'call > attribute'(node: SyntaxNode) {
              seen.push(`callee ${context.sourceCode.getText(node)}`);
            },
            'function_definition call'(node: SyntaxNode) {
              context.report({ node, messageId: 'call', data: { name: context.sourceCode.getText(node) } });
            },
            'module:exit'() {
              seen.push('exit');
            },
          };
        },
      };
      const linter = new Linter({ configType: 'flat', cwd: '/p' });
      const messages = linter.verify(
        'import torch\nm = torch.load("a")\ndef f():\n    return g(1)\n',
        [{ files: ['**/*.py'], plugins: { mlops: plugin, probe: { rules: { probe } } }, language: 'mlops/python', rules: { 'probe/probe': 'error' } }] as never,
        '/p/a.py',
      );
      expect(seen).toEqual(['callee torch.load', 'exit']);
      expect(messages.map((m) => [m.message, m.line, m.column, m.endLine, m.endColumn])).toEqual([['call g(1)', 4, 12, 4, 16]]);
    });

    it('reports a fatal parsing error through ESLint, and lints a broken file when tolerant', () => {
      const linter = new Linter({ configType: 'flat', cwd: '/p' });
      const code = 'from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\ndef broken(:\n';
      const config = (tolerant: boolean) =>
        [{ files: ['**/*.py'], plugins: { mlops: plugin }, language: 'mlops/python', languageOptions: { tolerant }, rules: { 'mlops/debug-server': 'warn' } }] as never;
      const strict = linter.verify(code, config(false), '/p/a.py');
      expect(strict.map((m) => [m.fatal, m.line, m.column, m.message])).toEqual([[true, 4, 12, 'Parsing error: invalid syntax: missing `)`']]);
      const tolerant = linter.verify(code, config(true), '/p/a.py');
      expect(tolerant.map((m) => [m.ruleId, m.line])).toEqual([['mlops/debug-server', 3]]);
    });

    it('refuses a notebook given to the language directly, pointing at the processor', () => {
      const language = plugin.languages.python;
      const file = { path: '/p/a.ipynb', physicalPath: '/p/a.ipynb', body: '{"cells": []}', bom: false };
      const result = language.parse(file, { languageOptions: {} });
      expect(result.ok ? null : result.errors[0]?.message).toMatch(/mlops\/notebook/);
    });
  });
}
