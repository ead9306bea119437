import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Linter } from 'eslint';
import { defineRule, ruleDocsUrl } from '@mlops-lint/core';
import { rules } from '@mlops-lint/rules';
import defaultPlugin, { toEslintRule, type MlopsPlugin } from '../src/index.js';
import { pluginsPerBackend } from './helpers.js';

const plugins = await pluginsPerBackend();
const fileRules = rules.filter((rule) => rule.meta.scope === 'file');

describe('eslint-plugin-mlops', () => {
  it('loads a parser backend before its module is ready (MLOPS_LINT_PARSER, else native, else WASM)', () => {
    const wanted = process.env['MLOPS_LINT_PARSER'];
    expect(['native', 'wasm']).toContain(defaultPlugin.languages.python.backendName);
    if (wanted === 'native' || wanted === 'wasm') expect(defaultPlugin.languages.python.backendName).toBe(wanted);
  });

  it('wraps every file-scope rule and no project-scope rule, under its name', () => {
    expect(Object.keys(defaultPlugin.rules).sort()).toEqual(fileRules.map((r) => r.meta.name).sort());
    for (const rule of rules.filter((r) => r.meta.scope === 'project')) expect(defaultPlugin.rules[rule.meta.name]).toBeUndefined();
  });

  it("keeps each rule's metadata: messages, docs page, fix class, options schema", () => {
    for (const rule of fileRules) {
      const meta = defaultPlugin.rules[rule.meta.name]?.meta;
      expect(meta?.messages).toBe(rule.meta.messages);
      expect(meta?.docs?.url).toBe(ruleDocsUrl(rule.meta.name));
      expect(meta?.docs?.description).toBe(rule.meta.docs.description);
      expect(meta?.fixable).toBe(rule.meta.fix === 'safe' ? 'code' : undefined);
      expect(meta?.hasSuggestions).toBe(rule.meta.fix === 'none' ? undefined : true);
      expect(meta?.type).toBe(rule.meta.severity === 'info' ? 'suggestion' : 'problem');
      expect(meta?.schema).toEqual(rule.meta.schema ?? []);
      expect(meta?.languages).toEqual(['mlops/python']);
    }
  });

  it('ships recommended and all as flat configs for .py files and notebooks', () => {
    const [python, notebooks] = defaultPlugin.configs.recommended;
    expect(python).toMatchObject({ files: ['**/*.py'], language: 'mlops/python' });
    expect(python?.plugins['mlops']).toBe(defaultPlugin);
    expect(python?.rules).toEqual(
      Object.fromEntries(fileRules.map((r) => [`mlops/${r.meta.name}`, r.meta.severity === 'error' ? 'error' : 'warn'])),
    );
    expect(notebooks).toMatchObject({ files: ['**/*.ipynb'], processor: 'mlops/notebook' });
    expect(Object.values(defaultPlugin.configs.all[0]?.rules ?? {}).every((s) => s === 'error')).toBe(true);
    expect(Object.keys(defaultPlugin.configs.all[0]?.rules ?? {})).toEqual(Object.keys(python?.rules ?? {}));
  });
});

function probePlugin(plugin: MlopsPlugin) {
  const crash = defineRule({
    meta: { code: 'ML998', name: 'crash-probe', severity: 'error', scope: 'file', fix: 'none', docs: { description: 'crashes' }, messages: { never: 'never' } },
    create() {
      return {
        call() {
          throw new Error('boom');
        },
      };
    },
  });
  const misreport = defineRule({
    meta: { code: 'ML997', name: 'misreport-probe', severity: 'error', scope: 'file', fix: 'none', docs: { description: 'reports an unknown message' }, messages: { known: 'known' } },
    create(context) {
      return {
        call(node) {
          context.report({ node, messageId: 'unknown' as 'known' });
        },
      };
    },
  });
  return { mlops: plugin, probe: { rules: { 'crash-probe': toEslintRule(crash), 'misreport-probe': toEslintRule(misreport) } } };
}

for (const { backend, plugin } of plugins) {
  describe(`engine adapter, ${backend} backend`, () => {
    it('names the crashing rule, not whichever rule ran the engine', () => {
      const linter = new Linter({ configType: 'flat', cwd: '/p' });
      const config = [{ files: ['**/*.py'], plugins: probePlugin(plugin), language: 'mlops/python', rules: { 'mlops/debug-server': 'warn', 'probe/crash-probe': 'error' } }] as never;
      expect(() => linter.verify('print(1)\n', config, '/p/a.py')).toThrow(/rule ML998 crashed on a\.py:1: boom[\s\S]*Rule: "probe\/crash-probe"/);
    });

    it('names a rule that breaks the rule contract (an unknown messageId)', () => {
      const linter = new Linter({ configType: 'flat', cwd: '/p' });
      const config = [{ files: ['**/*.py'], plugins: probePlugin(plugin), language: 'mlops/python', rules: { 'mlops/debug-server': 'warn', 'probe/misreport-probe': 'error' } }] as never;
      expect(() => linter.verify('print(1)\n', config, '/p/a.py')).toThrow(/unknown messageId "unknown"[\s\S]*Rule: "probe\/misreport-probe"/);
    });

    it('reads project facts from settings.mlops.project, or from the project the file is in', () => {
      const code = 'import torch\nstate = torch.load("ckpt.pt")\n';
      const linter = new Linter({ configType: 'flat', cwd: '/p' });
      const lint = (filename: string, project?: unknown) =>
        linter
          .verify(
            code,
            [{ files: ['**/*.py'], plugins: { mlops: plugin }, language: 'mlops/python', settings: project === undefined ? {} : { mlops: { project } }, rules: { 'mlops/unsafe-deserialization': 'error' } }] as never,
            filename,
          )
          .map((m) => m.ruleId);
      // torch >= 2.6 loads with weights_only=True by default: nothing to report.
      expect(lint('/p/a.py', { torchMinVersion: '2.6' })).toEqual([]);
      expect(lint('/p/a.py', null)).toEqual(['mlops/unsafe-deserialization']);

      const project = mkdtempSync(join(tmpdir(), 'mlops-eslint-project-'));
      writeFileSync(join(project, 'requirements.txt'), 'torch>=2.6\n');
      const auto = new Linter({ configType: 'flat', cwd: project });
      const autoLint = (filename: string) =>
        auto
          .verify(code, [{ files: ['**/*.py'], plugins: { mlops: plugin }, language: 'mlops/python', rules: { 'mlops/unsafe-deserialization': 'error' } }] as never, filename)
          .map((m) => m.ruleId);
      expect(autoLint(join(project, 'infer.py'))).toEqual([]);
      const other = mkdtempSync(join(tmpdir(), 'mlops-eslint-project-'));
      writeFileSync(join(other, 'requirements.txt'), 'torch>=2.1\n');
      const otherLinter = new Linter({ configType: 'flat', cwd: other });
      expect(
        otherLinter
          .verify(code, [{ files: ['**/*.py'], plugins: { mlops: plugin }, language: 'mlops/python', rules: { 'mlops/unsafe-deserialization': 'error' } }] as never, join(other, 'infer.py'))
          .map((m) => m.ruleId),
      ).toEqual(['mlops/unsafe-deserialization']);
    });

    it('rejects a malformed settings.mlops.project', () => {
      const linter = new Linter({ configType: 'flat', cwd: '/p' });
      const config = [{ files: ['**/*.py'], plugins: { mlops: plugin }, language: 'mlops/python', settings: { mlops: { project: 'yes' } }, rules: { 'mlops/debug-server': 'warn' } }] as never;
      expect(() => linter.verify('print(1)\n', config, '/p/a.py')).toThrow(/settings\.mlops\.project/);
    });
  });
}
