import type { AnyRule } from '@mlops-lint/core';
import { loadBackend, type ParserBackend } from '@mlops-lint/parser';
import { rules as engineRules } from '@mlops-lint/rules';
import { PythonLanguage } from './languages/python-language.js';
import { notebookProcessor } from './processors/notebook.js';
import { toEslintRule, type PythonRuleDefinition } from './rules.js';
import { VERSION } from './version.js';

export { PythonLanguage } from './languages/python-language.js';
export { PythonSourceCode, type EngineTarget, type PythonLanguageOptions } from './languages/python-source-code.js';
export { notebookProcessor } from './processors/notebook.js';
export { toEslintRule, LANGUAGE_ID, type PythonRuleDefinition } from './rules.js';
export type { ProjectSetting } from './project-facts.js';

type RuleSeverity = 'error' | 'warn';

/** A flat config object of this plugin's presets. */
export interface MlopsConfig {
  name: string;
  files: string[];
  plugins: Record<string, MlopsPlugin>;
  language?: string;
  processor?: string;
  rules?: Record<string, RuleSeverity>;
}

export interface MlopsPlugin {
  meta: { name: string; version: string; namespace: string };
  languages: { python: PythonLanguage };
  processors: { notebook: typeof notebookProcessor };
  rules: Record<string, PythonRuleDefinition>;
  configs: {
    /** Every file-scope rule at its default severity (`info` as `warn`), for `.py` files and notebook cells. */
    recommended: MlopsConfig[];
    /** Every file-scope rule as an error. */
    all: MlopsConfig[];
  };
}

/**
 * The rules ESLint can run: the engine's file-scope rules. Project-scope rules (ML102, ML202, ML403, ML501) need
 * the whole repository at once, which ESLint's file-by-file model cannot give; `mlops-lint check`/`audit` run them.
 */
function fileScopeRules(): AnyRule[] {
  return engineRules.filter((rule) => rule.meta.scope === 'file');
}

/**
 * Builds the plugin around a parser backend. The default export uses the backend `loadBackend()` picks
 * (`MLOPS_LINT_PARSER`, else native when its addon loads, else WASM); tests build one per backend.
 */
export function createPlugin(backend: ParserBackend): MlopsPlugin {
  const wrapped = Object.fromEntries(fileScopeRules().map((rule) => [rule.meta.name, toEslintRule(rule)]));
  const plugin: MlopsPlugin = {
    meta: { name: 'eslint-plugin-mlops', version: VERSION, namespace: 'mlops' },
    languages: { python: new PythonLanguage(backend) },
    processors: { notebook: notebookProcessor },
    rules: wrapped,
    configs: { recommended: [], all: [] },
  };
  const preset = (name: string, severity: (rule: AnyRule) => RuleSeverity): MlopsConfig[] => [
    {
      name: `mlops/${name}`,
      files: ['**/*.py'],
      plugins: { mlops: plugin },
      language: 'mlops/python',
      rules: Object.fromEntries(fileScopeRules().map((rule) => [`mlops/${rule.meta.name}`, severity(rule)])),
    },
    // Each code cell becomes a virtual `<notebook>.ipynb/<i>_cell-<n>.py`, which the entry above then lints.
    { name: `mlops/${name}/notebooks`, files: ['**/*.ipynb'], plugins: { mlops: plugin }, processor: 'mlops/notebook' },
  ];
  plugin.configs.recommended = preset('recommended', (rule) => (rule.meta.severity === 'error' ? 'error' : 'warn'));
  plugin.configs.all = preset('all', () => 'error');
  return plugin;
}

// ESLint calls `parse` synchronously, and both backends load asynchronously: load one before the module is ready.
const plugin: MlopsPlugin = createPlugin(await loadBackend());

export default plugin;
