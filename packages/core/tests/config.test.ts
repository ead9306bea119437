import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ConfigError,
  findConfigFile,
  loadConfig,
  matchesSelector,
  parseConfigText,
  resolveSelection,
  validateSelectors,
  type SelectableRule,
} from '../src/config.js';

const ML101: SelectableRule = { code: 'ML101', name: 'model-load-in-handler', severity: 'error' };
const ML104: SelectableRule = { code: 'ML104', name: 'debug-server', severity: 'warning' };
const ML201: SelectableRule = { code: 'ML201', name: 'unseeded-randomness', severity: 'warning' };
const ML202: SelectableRule = { code: 'ML202', name: 'unpinned-dependency', severity: 'warning' };
const ML204: SelectableRule = { code: 'ML204', name: 'missing-random-state', severity: 'info' };
const ML401: SelectableRule = { code: 'ML401', name: 'prompt-concatenation', severity: 'error' };
const RULES = [ML101, ML104, ML201, ML202, ML204, ML401];

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

function enabledCodes(selection: ReturnType<typeof resolveSelection>, relPath = 'app.py'): string[] {
  return RULES.filter((r) => selection.enabled(r, relPath)).map((r) => r.code);
}

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mlops-lint-config-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

function write(rel: string, text: string): string {
  const file = path.join(tmp, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

describe('findConfigFile', () => {
  it('prefers mlops-lint.toml, then .mlops-lint.toml, then pyproject.toml in the same directory', () => {
    write('pyproject.toml', '[tool.mlops-lint]\nselect = ["ML1"]\n');
    write('.mlops-lint.toml', 'select = ["ML2"]\n');
    expect(findConfigFile(tmp)).toBe(path.join(tmp, '.mlops-lint.toml'));
    write('mlops-lint.toml', 'select = ["ML3"]\n');
    expect(findConfigFile(tmp)).toBe(path.join(tmp, 'mlops-lint.toml'));
  });

  it('walks up to the nearest directory with a configuration', () => {
    const file = write('mlops-lint.toml', '');
    mkdirSync(path.join(tmp, 'a', 'b'), { recursive: true });
    expect(findConfigFile(path.join(tmp, 'a', 'b'))).toBe(file);
  });

  it('skips a pyproject.toml without a [tool.mlops-lint] table', () => {
    const outer = write('pyproject.toml', '[tool.mlops-lint.rules.unpinned-dependency]\nall = true\n');
    write('pkg/pyproject.toml', '[project]\nname = "pkg"\n[tool.ruff]\nline-length = 100\n');
    expect(findConfigFile(path.join(tmp, 'pkg'))).toBe(outer);
  });

  it('still picks a pyproject.toml with our table when it has a syntax error, so loading can report it', () => {
    const file = write('pyproject.toml', '[tool.mlops-lint]\nselect = [\n');
    expect(findConfigFile(tmp)).toBe(file);
    expect(configError(() => loadConfig({ cwd: tmp })).message).toMatch(/pyproject\.toml:\d+:\d+: invalid TOML: /);
  });
});

describe('loadConfig', () => {
  it('returns an empty configuration rooted at cwd when there is no file', () => {
    expect(loadConfig({ cwd: tmp })).toEqual({ file: null, root: tmp, config: {} });
  });

  it('roots the configuration at the file directory, not at cwd', () => {
    const file = write('pyproject.toml', '[tool.mlops-lint]\nignore = ["ML204"]\nrespect-gitignore = false\n');
    mkdirSync(path.join(tmp, 'src'));
    expect(loadConfig({ cwd: path.join(tmp, 'src') })).toEqual({
      file,
      root: tmp,
      config: { ignore: ['ML204'], respectGitignore: false },
    });
  });

  it('reads an explicit path relative to cwd, including a pyproject.toml', () => {
    const file = write('conf/pyproject.toml', '[tool.mlops-lint]\nextend-select = ["ML2"]\n');
    expect(loadConfig({ cwd: tmp, configPath: 'conf/pyproject.toml' })).toEqual({
      file,
      root: path.join(tmp, 'conf'),
      config: { extendSelect: ['ML2'] },
    });
  });

  it('fails on an explicit path that does not exist', () => {
    const error = configError(() => loadConfig({ cwd: tmp, configPath: 'missing.toml' }));
    expect(error.file).toBe(path.join(tmp, 'missing.toml'));
    expect(error.key).toBeNull();
  });
});

describe('parseConfigText', () => {
  it('maps every kebab-case key to its field', () => {
    const text = [
      'select = ["ML1"]',
      'extend-select = ["ML201"]',
      'ignore = ["ML104"]',
      'exclude = ["data"]',
      'extend-exclude = ["notebooks/scratch/**"]',
      'respect-gitignore = true',
      '[per-file-ignores]',
      '"tests/*" = ["ML101"]',
      '[severity]',
      'ML2 = "error"',
      '[rules.unpinned-dependency]',
      'all = true',
    ].join('\n');
    expect(parseConfigText(text, 'mlops-lint.toml', false)).toEqual({
      select: ['ML1'],
      extendSelect: ['ML201'],
      ignore: ['ML104'],
      exclude: ['data'],
      extendExclude: ['notebooks/scratch/**'],
      respectGitignore: true,
      perFileIgnores: { 'tests/*': ['ML101'] },
      severity: { ML2: 'error' },
      rules: { 'unpinned-dependency': { all: true } },
    });
  });

  it('reads only [tool.mlops-lint] from a pyproject.toml, and nothing when it is absent', () => {
    const text = '[project]\nname = "x"\n[tool.mlops-lint]\nselect = ["ML4"]\n[tool.mlops-lint.rules.ML202]\nall = true\n';
    expect(parseConfigText(text, 'pyproject.toml', true)).toEqual({ select: ['ML4'], rules: { ML202: { all: true } } });
    expect(parseConfigText('[project]\nname = "x"\n', 'pyproject.toml', true)).toEqual({});
  });

  it('names the file and the unknown key, with a suggestion', () => {
    const error = configError(() => parseConfigText('[tool.mlops-lint]\nselct = ["ML1"]\n', '/p/pyproject.toml', true));
    expect(error.message).toBe('/p/pyproject.toml: [tool.mlops-lint] key "selct" is not a known setting (did you mean "select"?)');
    expect(error.key).toBe('selct');
    expect(error.file).toBe('/p/pyproject.toml');
  });

  it('suggests the kebab-case spelling of a snake_case key', () => {
    expect(configError(() => parseConfigText('extend_select = []', 'mlops-lint.toml', false)).message).toBe(
      'mlops-lint.toml: key "extend_select" is not a known setting (did you mean "extend-select"?)',
    );
  });

  it('rejects the lint sub-table, which this tool does not use', () => {
    expect(configError(() => parseConfigText('[tool.mlops-lint.lint]\nselect = []\n', 'pyproject.toml', true)).key).toBe('lint');
  });

  it('gives no suggestion when nothing is close', () => {
    expect(configError(() => parseConfigText('colour = "red"', 'mlops-lint.toml', false)).message).not.toContain('did you mean');
  });

  it('names the key and the expected type for values of the wrong type', () => {
    const cases: Array<[string, string, RegExp]> = [
      ['select = "ML101"', 'select', /key "select" must be an array of strings \(got a string\)/],
      ['ignore = ["ML101", 3]', 'ignore', /item 2 is an integer/],
      ['respect-gitignore = "yes"', 'respect-gitignore', /must be a boolean \(got a string\)/],
      ['per-file-ignores = ["x"]', 'per-file-ignores', /must be a table/],
      ['[per-file-ignores]\n"*.ipynb" = "ML203"', 'per-file-ignores."*.ipynb"', /must be an array of strings/],
      ['[severity]\nML101 = "fatal"', 'severity.ML101', /must be one of "error", "warning", "info" \(got "fatal"\)/],
      ['[severity]\nML101 = 1', 'severity.ML101', /\(got an integer\)/],
      ['[rules]\nML202 = true', 'rules.ML202', /must be a table of rule options \(got a boolean\)/],
    ];
    for (const [text, key, message] of cases) {
      const error = configError(() => parseConfigText(text, 'mlops-lint.toml', false));
      expect(error.key).toBe(key);
      expect(error.message).toMatch(message);
    }
  });

  it('reports a TOML syntax error on one line, with line and column', () => {
    const error = configError(() => parseConfigText('select = ["ML1"]\nignore = [\n', 'mlops-lint.toml', false));
    expect(error.message).toMatch(/^mlops-lint\.toml:\d+:\d+: invalid TOML: \S/);
    expect(error.message).not.toContain('\n');
  });

  it('rejects a [tool.mlops-lint] that is not a table', () => {
    expect(configError(() => parseConfigText('[tool]\n"mlops-lint" = 1\n', 'pyproject.toml', true)).key).toBe('tool.mlops-lint');
  });
});

describe('matchesSelector', () => {
  it('matches ALL, exact codes, code prefixes and exact names', () => {
    expect(matchesSelector(ML101, 'ALL')).toBe(true);
    expect(matchesSelector(ML101, 'ML101')).toBe(true);
    expect(matchesSelector(ML101, 'ML10')).toBe(true);
    expect(matchesSelector(ML101, 'ML1')).toBe(true);
    expect(matchesSelector(ML101, 'ML')).toBe(true);
    expect(matchesSelector(ML101, 'model-load-in-handler')).toBe(true);
  });

  it('does not match other codes, partial letters, partial names or other cases', () => {
    expect(matchesSelector(ML101, 'ML2')).toBe(false);
    expect(matchesSelector(ML101, 'ML1011')).toBe(false);
    expect(matchesSelector(ML101, 'M')).toBe(false);
    expect(matchesSelector(ML101, 'model-load')).toBe(false);
    expect(matchesSelector(ML101, 'ml101')).toBe(false);
  });
});

describe('resolveSelection', () => {
  it('enables every rule by default, at its default severity and with no options', () => {
    const selection = resolveSelection(RULES, {}, {});
    expect(enabledCodes(selection)).toEqual(RULES.map((r) => r.code));
    expect(selection.severity(ML204)).toBe('info');
    expect(selection.options(ML202)).toBeUndefined();
  });

  it('lets select replace the default set, extend-select add and ignore remove', () => {
    expect(enabledCodes(resolveSelection(RULES, { select: ['ML1'] }, {}))).toEqual(['ML101', 'ML104']);
    expect(enabledCodes(resolveSelection(RULES, { select: ['ML1'], extendSelect: ['ML401'] }, {}))).toEqual(['ML101', 'ML104', 'ML401']);
    expect(enabledCodes(resolveSelection(RULES, { ignore: ['ML2', 'prompt-concatenation'] }, {}))).toEqual(['ML101', 'ML104']);
  });

  it('lets the more specific selector win between select and ignore', () => {
    expect(enabledCodes(resolveSelection(RULES, { select: ['ML1'], ignore: ['ML101'] }, {}))).toEqual(['ML104']);
    expect(enabledCodes(resolveSelection(RULES, { select: ['ML101'], ignore: ['ML1'] }, {}))).toEqual(['ML101']);
    expect(enabledCodes(resolveSelection(RULES, { ignore: ['ML'], extendSelect: ['debug-server'] }, {}))).toEqual(['ML104']);
  });

  it('lets ignore win a tie of equal specificity', () => {
    expect(enabledCodes(resolveSelection(RULES, { select: ['ML1'], ignore: ['ML1'] }, {}))).toEqual([]);
  });

  it('lets the CLI --select replace the configuration, and --ignore / --extend-select adjust it', () => {
    const config = { select: ['ML1'], ignore: ['ML104'] };
    expect(enabledCodes(resolveSelection(RULES, config, { select: ['ML2'] }))).toEqual(['ML201', 'ML202', 'ML204']);
    expect(enabledCodes(resolveSelection(RULES, config, { ignore: ['ML101'] }))).toEqual([]);
    expect(enabledCodes(resolveSelection(RULES, config, { extendSelect: ['ML401', 'ML104'] }))).toEqual(['ML101', 'ML104', 'ML401']);
    expect(enabledCodes(resolveSelection(RULES, config, { select: ['ALL'], ignore: ['ML2'] }))).toEqual(['ML101', 'ML104', 'ML401']);
  });

  it('applies per-file-ignores by name glob anywhere, by anchored glob, and to whole directories', () => {
    const selection = resolveSelection(
      RULES,
      {
        perFileIgnores: {
          'test_*.py': ['ML201'],
          'tests/*': ['ML101'],
          'notebooks/': ['ML204'],
          'scripts/*.py': ['ML1'],
        },
      },
      {},
    );
    expect(selection.enabled(ML201, 'pkg/deep/test_model.py')).toBe(false);
    expect(selection.enabled(ML201, 'pkg/model.py')).toBe(true);
    expect(selection.enabled(ML101, 'tests/test_api.py')).toBe(false);
    expect(selection.enabled(ML101, 'tests/unit/test_api.py')).toBe(false);
    expect(selection.enabled(ML101, 'src/tests/test_api.py')).toBe(true);
    expect(selection.enabled(ML204, 'notebooks/eda.ipynb')).toBe(false);
    expect(selection.enabled(ML204, 'notebooks.py')).toBe(true);
    expect(selection.enabled(ML104, 'scripts/run.py')).toBe(false);
    expect(selection.enabled(ML104, './scripts/run.py')).toBe(false);
    expect(selection.enabled(ML104, 'scripts\\run.py')).toBe(false);
    expect(selection.enabled(ML104, 'scripts/sub/run.py')).toBe(true);
  });

  it('matches dotfiles in per-file-ignores globs, and supports negated globs', () => {
    const selection = resolveSelection(RULES, { perFileIgnores: { '*.py': ['ML401'], '!src/**': ['ML202'] } }, {});
    expect(selection.enabled(ML401, '.hidden/x.py')).toBe(false);
    expect(selection.enabled(ML202, 'tools/x.py')).toBe(false);
    expect(selection.enabled(ML202, 'src/x.py')).toBe(true);
  });

  it('picks the most specific severity override, whatever the table order', () => {
    const selection = resolveSelection(
      RULES,
      { severity: { 'model-load-in-handler': 'info', ML1: 'warning', ALL: 'error', ML: 'info', ML20: 'error' } },
      {},
    );
    expect(selection.severity(ML101)).toBe('info');
    expect(selection.severity(ML104)).toBe('warning');
    expect(selection.severity(ML201)).toBe('error');
    expect(selection.severity(ML401)).toBe('info');
  });

  it('returns rule options configured by name or by code', () => {
    const selection = resolveSelection(RULES, { rules: { 'unpinned-dependency': { all: true }, ML101: { cached: ['x'] } } }, {});
    expect(selection.options(ML202)).toEqual({ all: true });
    expect(selection.options(ML101)).toEqual({ cached: ['x'] });
    expect(selection.options(ML104)).toBeUndefined();
  });

  it('accepts equal copies of the rule metadata', () => {
    const selection = resolveSelection(RULES, { select: ['ML101'] }, {});
    expect(selection.enabled({ ...ML101 }, 'a.py')).toBe(true);
  });

  it('rejects unknown selectors on the command line', () => {
    const error = configError(() => resolveSelection(RULES, {}, { ignore: ['ML999'] }));
    expect(error.file).toBe('command line');
    expect(error.key).toBe('--ignore');
  });

  it('rejects unknown selectors in the configuration', () => {
    expect(configError(() => resolveSelection(RULES, { select: ['ML9'] }, {}, '/p/mlops-lint.toml')).file).toBe('/p/mlops-lint.toml');
  });
});

describe('validateSelectors', () => {
  it('accepts codes, prefixes, names and ALL everywhere', () => {
    expect(() =>
      validateSelectors(
        RULES,
        {
          select: ['ALL'],
          extendSelect: ['ML1'],
          ignore: ['debug-server'],
          perFileIgnores: { 'tests/*': ['ML101'] },
          severity: { ML2: 'info' },
          rules: { 'unpinned-dependency': { all: true } },
        },
        'mlops-lint.toml',
      ),
    ).not.toThrow();
  });

  it('names the key of an unknown selector and suggests a close one', () => {
    const error = configError(() => validateSelectors(RULES, { perFileIgnores: { 'tests/*': ['ml101'] } }, '/p/pyproject.toml'));
    expect(error.key).toBe('per-file-ignores."tests/*"');
    expect(error.message).toBe(
      '/p/pyproject.toml: [tool.mlops-lint] key "per-file-ignores."tests/*"" has unknown rule selector "ml101" (did you mean "ML101"?)',
    );
    expect(configError(() => validateSelectors(RULES, { select: ['debug-servr'] }, 'mlops-lint.toml')).message).toContain(
      '(did you mean "debug-server"?)',
    );
    expect(configError(() => validateSelectors(RULES, { severity: { ML3: 'info' } }, 'mlops-lint.toml')).key).toBe('severity.ML3');
  });

  it('requires rules.<key> to name one rule exactly, once', () => {
    expect(configError(() => validateSelectors(RULES, { rules: { ML2: {} } }, 'mlops-lint.toml')).key).toBe('rules.ML2');
    expect(
      configError(() => validateSelectors(RULES, { rules: { ML202: {}, 'unpinned-dependency': {} } }, 'mlops-lint.toml')).key,
    ).toBe('rules.unpinned-dependency');
  });
});
