import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import picomatch from 'picomatch';
import { parse as parseToml, TomlError } from 'smol-toml';

/** How loudly a finding is reported; `error` makes the readiness verdict NOT_READY. */
export type Severity = 'error' | 'warning' | 'info';

const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/**
 * A problem with the user's configuration (or with selectors given on the command line). The CLI maps it to
 * exit code 2. `message` is one complete line that already names the file, e.g.
 * `pyproject.toml: [tool.mlops-lint] key "selct" is not a known setting (did you mean "select"?)`.
 */
export class ConfigError extends Error {
  constructor(
    /** The configuration file (absolute path), or a label such as `command line` for CLI options. */
    public file: string,
    /** The offending setting as a dotted TOML key (`select`, `severity.ML101`), or `null` when not about one key. */
    public key: string | null,
    message: string,
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The part of a rule's metadata that selection needs; the full `Rule` type lives elsewhere in core. */
export interface SelectableRule {
  code: string;
  name: string;
  severity: Severity;
}

/**
 * Validated settings as written by the user. TOML keys are kebab-case (`extend-select`); they map to the
 * camelCase fields here. Absent keys stay `undefined` so that callers can tell "not set" from "set to empty".
 */
export interface UserConfig {
  select?: string[];
  extendSelect?: string[];
  ignore?: string[];
  /** Glob (relative to the config file's directory) → selectors to ignore in the matching files. */
  perFileIgnores?: Record<string, string[]>;
  /** Selector (code, prefix or name) → severity; the most specific selector wins. */
  severity?: Record<string, Severity>;
  exclude?: string[];
  extendExclude?: string[];
  /** Defaults to true where it is read (discovery). */
  respectGitignore?: boolean;
  /** Rule code or name → that rule's options object. */
  rules?: Record<string, Record<string, unknown>>;
  /** Files larger than this many bytes are skipped with a one-line message (default 10 MB; see the engine). */
  maxFileSize?: number;
}

/** The configuration in effect for a run, and where it came from. */
export interface LoadedConfig {
  /** Absolute path of the configuration file, or `null` when none was found. */
  file: string | null;
  /** Directory that relative globs (`exclude`, `per-file-ignores`) are resolved against: the config file's directory, or the start directory. */
  root: string;
  config: UserConfig;
}

/** File names looked for in each directory, in order of preference. `pyproject.toml` only counts with a `[tool.mlops-lint]` table. */
const CONFIG_FILE_NAMES = ['mlops-lint.toml', '.mlops-lint.toml'] as const;
const PYPROJECT = 'pyproject.toml';
const TOOL_KEY = 'mlops-lint';

/**
 * Finds the configuration file that applies to `startDir`, walking up to the filesystem root. In each directory
 * `mlops-lint.toml` beats `.mlops-lint.toml`, which beats a `pyproject.toml` that has a `[tool.mlops-lint]` table;
 * the nearest directory with any of them wins (Ruff's rule: no merging across directories).
 */
export function findConfigFile(startDir: string): string | null {
  let dir = path.resolve(startDir);
  for (;;) {
    for (const name of CONFIG_FILE_NAMES) {
      const candidate = path.join(dir, name);
      if (isFile(candidate)) return candidate;
    }
    const pyproject = path.join(dir, PYPROJECT);
    if (isFile(pyproject) && pyprojectHasSection(pyproject)) return pyproject;
    const parent = path.dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

function isFile(file: string): boolean {
  try {
    return statSync(file).isFile();
  } catch {
    return false;
  }
}

/**
 * Whether a pyproject.toml configures this tool. A pyproject that does not parse still counts when it visibly has
 * our table, so that loading reports its syntax error instead of silently falling back to an outer config; one
 * without our table is someone else's problem and is skipped.
 */
function pyprojectHasSection(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  try {
    const doc = parseToml(text);
    const tool = doc['tool'];
    return isTable(tool) && tool[TOOL_KEY] !== undefined;
  } catch {
    return /^\s*\[\s*tool\s*\.\s*(["']?)mlops-lint\1\s*[\].]/m.test(text);
  }
}

/**
 * Loads the configuration for a run: `configPath` (resolved against `cwd`) when given, else the file
 * {@link findConfigFile} finds from `cwd`, else an empty configuration rooted at `cwd`.
 * @throws ConfigError when the file is missing (explicit path), unreadable, not valid TOML, or has invalid settings.
 */
export function loadConfig(opts: { cwd: string; configPath?: string }): LoadedConfig {
  const cwd = path.resolve(opts.cwd);
  let file: string | null;
  if (opts.configPath !== undefined) {
    file = path.resolve(cwd, opts.configPath);
    if (!existsSync(file)) throw new ConfigError(file, null, `${file}: configuration file not found`);
    if (!isFile(file)) throw new ConfigError(file, null, `${file}: configuration path is not a file`);
  } else {
    file = findConfigFile(cwd);
  }
  if (file === null) return { file: null, root: cwd, config: {} };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, null, `${file}: cannot read configuration file (${errorCode(error)})`);
  }
  const config = parseConfigText(text, file, path.basename(file) === PYPROJECT);
  return { file, root: path.dirname(file), config };
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') return error.code;
  return error instanceof Error ? error.message.split('\n')[0] ?? 'unknown error' : 'unknown error';
}

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  // smol-toml gives dates as TomlDate (a Date subclass); only plain objects are tables.
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** The TOML type name of a value, for "expected X, got Y" messages. */
function tomlType(value: unknown): string {
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'boolean') return 'a boolean';
  if (typeof value === 'bigint') return 'an integer';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a float';
  if (value instanceof Date) return 'a date-time';
  if (Array.isArray(value)) return 'an array';
  return 'a table';
}

/** Quotes a key segment the way TOML would need it, so messages show keys users can paste back. */
function keySegment(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
}

interface Ctx {
  file: string;
  /** `[tool.mlops-lint] ` for pyproject.toml, empty for a dedicated file where settings are top-level. */
  section: string;
}

function fail(ctx: Ctx, key: string | null, what: string): never {
  throw new ConfigError(ctx.file, key, `${ctx.file}: ${ctx.section}${what}`);
}

/** Known settings: TOML key → field of {@link UserConfig}. */
const SETTINGS = {
  select: 'select',
  'extend-select': 'extendSelect',
  ignore: 'ignore',
  'per-file-ignores': 'perFileIgnores',
  severity: 'severity',
  exclude: 'exclude',
  'extend-exclude': 'extendExclude',
  'respect-gitignore': 'respectGitignore',
  rules: 'rules',
  'max-file-size': 'maxFileSize',
} as const satisfies Record<string, keyof UserConfig>;

type SettingKey = keyof typeof SETTINGS;

/**
 * Parses and validates configuration text. With `isPyproject`, settings live under `[tool.mlops-lint]` and a
 * pyproject without that table yields `{}`; otherwise they are top-level.
 * Selectors are checked for shape only here, since the rule set is not known yet: see {@link validateSelectors}.
 * @throws ConfigError for TOML syntax errors (`file:line:col: invalid TOML: …`), unknown keys (with a suggestion)
 *   and values of the wrong type.
 */
export function parseConfigText(text: string, file: string, isPyproject: boolean): UserConfig {
  let doc: Table;
  try {
    doc = parseToml(text);
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      throw new ConfigError(file, null, `${file}:${error.line}:${error.column}: invalid TOML: ${reason}`);
    }
    throw error;
  }
  const ctx: Ctx = { file, section: isPyproject ? '[tool.mlops-lint] ' : '' };
  let settings: Table;
  if (isPyproject) {
    const tool = doc['tool'];
    if (tool === undefined) return {};
    if (!isTable(tool)) throw new ConfigError(file, 'tool', `${file}: key "tool" must be a table (got ${tomlType(tool)})`);
    const ours = tool[TOOL_KEY];
    if (ours === undefined) return {};
    if (!isTable(ours)) {
      throw new ConfigError(file, `tool.${TOOL_KEY}`, `${file}: key "tool.${TOOL_KEY}" must be a table (got ${tomlType(ours)})`);
    }
    settings = ours;
  } else {
    settings = doc;
  }

  const config: UserConfig = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!Object.hasOwn(SETTINGS, key)) {
      const hint = suggest(key.replaceAll('_', '-'), Object.keys(SETTINGS));
      fail(ctx, key, `key "${keySegment(key)}" is not a known setting${hint === null ? '' : ` (did you mean "${hint}"?)`}`);
    }
    switch (key as SettingKey) {
      case 'select':
      case 'extend-select':
      case 'ignore':
      case 'exclude':
      case 'extend-exclude':
        config[SETTINGS[key as 'select' | 'extend-select' | 'ignore' | 'exclude' | 'extend-exclude']] =
          stringArray(ctx, key, value);
        break;
      case 'respect-gitignore':
        if (typeof value !== 'boolean') fail(ctx, key, `key "${key}" must be a boolean (got ${tomlType(value)})`);
        config.respectGitignore = value;
        break;
      case 'per-file-ignores': {
        const table = expectTable(ctx, key, value, 'a table of glob = [selectors]');
        const out: Record<string, string[]> = {};
        for (const [glob, selectors] of Object.entries(table)) {
          if (glob.trim() === '' || glob === '!') fail(ctx, `${key}.${keySegment(glob)}`, `key "${key}" has an empty glob`);
          out[glob] = stringArray(ctx, `${key}.${keySegment(glob)}`, selectors);
        }
        config.perFileIgnores = out;
        break;
      }
      case 'severity': {
        const table = expectTable(ctx, key, value, 'a table of selector = "error" | "warning" | "info"');
        const out: Record<string, Severity> = {};
        for (const [selector, level] of Object.entries(table)) {
          const sub = `${key}.${keySegment(selector)}`;
          if (typeof level !== 'string' || !(SEVERITIES as readonly string[]).includes(level)) {
            const got = typeof level === 'string' ? JSON.stringify(level) : tomlType(level);
            fail(ctx, sub, `key "${sub}" must be one of "error", "warning", "info" (got ${got})`);
          }
          checkSelectorShape(ctx, sub, selector);
          out[selector] = level as Severity;
        }
        config.severity = out;
        break;
      }
      case 'max-file-size':
        config.maxFileSize = fileSize(ctx, key, value);
        break;
      case 'rules': {
        const table = expectTable(ctx, key, value, 'a table of rule = { option = value }');
        const out: Record<string, Record<string, unknown>> = {};
        for (const [rule, options] of Object.entries(table)) {
          const sub = `${key}.${keySegment(rule)}`;
          if (!isTable(options)) fail(ctx, sub, `key "${sub}" must be a table of rule options (got ${tomlType(options)})`);
          out[rule] = options;
        }
        config.rules = out;
        break;
      }
    }
  }
  return config;
}

/** The most `max-file-size` may be: past it a file's text would come near the longest string V8 can hold. */
export const MAX_FILE_SIZE_CEILING = 256 * 1024 * 1024;

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2 };

/** A size in bytes: an integer, or a string such as `"10MB"`, `"512 KB"` (binary units, as `du -h` and Biome read them). */
function fileSize(ctx: Ctx, key: string, value: unknown): number {
  let bytes: number | null = null;
  if (typeof value === 'bigint') bytes = Number(value);
  else if (typeof value === 'number' && Number.isInteger(value)) bytes = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = SIZE_UNITS[(m?.[2] ?? '').toLowerCase() || 'b'];
    if (m && unit !== undefined) bytes = Math.floor(Number(m[1]) * unit);
  }
  if (bytes === null) {
    const got = typeof value === 'string' ? JSON.stringify(value) : tomlType(value);
    fail(ctx, key, `key "${key}" must be a size in bytes, or a string such as "10MB" or "512KB" (got ${got})`);
  }
  if (bytes < 1 || bytes > MAX_FILE_SIZE_CEILING) fail(ctx, key, `key "${key}" must be between 1 byte and 256MB (got ${bytes} bytes)`);
  return bytes;
}

function expectTable(ctx: Ctx, key: string, value: unknown, expected: string): Table {
  if (!isTable(value)) fail(ctx, key, `key "${key}" must be ${expected} (got ${tomlType(value)})`);
  return value;
}

function stringArray(ctx: Ctx, key: string, value: unknown): string[] {
  if (!Array.isArray(value)) fail(ctx, key, `key "${key}" must be an array of strings (got ${tomlType(value)})`);
  const out: string[] = [];
  for (const [index, item] of value.entries()) {
    if (typeof item !== 'string') {
      fail(ctx, key, `key "${key}" must be an array of strings (item ${index + 1} is ${tomlType(item)})`);
    }
    out.push(item);
  }
  return out;
}

/**
 * Rejects selector strings that can never be valid whatever the rule set (empty, spaces), early and with the file
 * named; whether a well-formed selector names an existing rule is {@link validateSelectors}' job.
 */
function checkSelectorShape(ctx: Ctx, key: string, selector: string): void {
  if (selector === '' || /\s/.test(selector)) fail(ctx, key, `key "${key}" has an invalid selector ${JSON.stringify(selector)}`);
}

const CODE_RE = /^([A-Z]+)(\d*)$/;

/**
 * How specific a selector is for `rule`, or -1 when it does not match. Ordering as in Ruff: `ALL` < the bare
 * linter prefix (`ML`) < longer prefixes (`ML1`, `ML10`) < an exact code or name. Ties between select and ignore
 * go to ignore, between severity entries to the later one.
 */
function specificity(rule: SelectableRule, selector: string): number {
  if (selector === 'ALL') return 0;
  if (selector === rule.code || selector === rule.name) return 1000;
  const sel = CODE_RE.exec(selector);
  const code = CODE_RE.exec(rule.code);
  // Prefixes only extend the letter part as a whole: "M" is not a prefix of "ML101", "ML1" is.
  if (sel === null || code === null || sel[1] !== code[1]) return -1;
  const selDigits = sel[2] ?? '';
  return (code[2] ?? '').startsWith(selDigits) ? 1 + selDigits.length : -1;
}

/**
 * Whether `selector` picks `rule`: `ALL`, an exact code (`ML101`), a code prefix (`ML1`, `ML`) or an exact rule
 * name (`model-load-in-handler`). Codes are case-sensitive, as in Ruff.
 */
export function matchesSelector(rule: SelectableRule, selector: string): boolean {
  return specificity(rule, selector) >= 0;
}

/** What the engine asks of the configuration for each rule and file. */
export interface RuleSelection {
  /** Whether the rule runs on this file; `relPath` is relative to the config root (forward or back slashes). */
  enabled(rule: SelectableRule, relPath: string): boolean;
  /** The effective severity: the most specific `severity` override, else the rule's default. */
  severity(rule: SelectableRule): Severity;
  /** The user's options for the rule (by code or by name), or `undefined`. */
  options(rule: SelectableRule): Record<string, unknown> | undefined;
}

/**
 * Checks that every selector in the configuration names at least one of `rules`, and that `rules.<key>` tables
 * name exactly one rule (by code or name, not by prefix, and not twice).
 * @throws ConfigError naming the file and key, with a did-you-mean suggestion when one is close.
 */
export function validateSelectors(rules: SelectableRule[], config: UserConfig, file: string): void {
  const ctx: Ctx = { file, section: path.basename(file) === PYPROJECT ? '[tool.mlops-lint] ' : '' };
  const check = (key: string, selector: string): void => checkSelector(rules, ctx, key, selector);
  for (const s of config.select ?? []) check('select', s);
  for (const s of config.extendSelect ?? []) check('extend-select', s);
  for (const s of config.ignore ?? []) check('ignore', s);
  for (const [glob, selectors] of Object.entries(config.perFileIgnores ?? {})) {
    for (const s of selectors) check(`per-file-ignores.${keySegment(glob)}`, s);
  }
  for (const s of Object.keys(config.severity ?? {})) check(`severity.${keySegment(s)}`, s);
  const configured = new Map<SelectableRule, string>();
  for (const key of Object.keys(config.rules ?? {})) {
    const sub = `rules.${keySegment(key)}`;
    const rule = rules.find((r) => r.code === key || r.name === key);
    if (rule === undefined) {
      const hint = suggest(key, rules.flatMap((r) => [r.code, r.name]));
      fail(ctx, sub, `key "${sub}" does not name a rule${hint === null ? '' : ` (did you mean "${hint}"?)`}`);
    }
    const previous = configured.get(rule);
    if (previous !== undefined) {
      fail(ctx, sub, `key "${sub}" configures the same rule as "rules.${keySegment(previous)}"; keep one of them`);
    }
    configured.set(rule, key);
  }
}

function checkSelector(rules: SelectableRule[], ctx: Ctx, key: string, selector: string): void {
  if (rules.some((rule) => matchesSelector(rule, selector))) return;
  const hint = suggest(selector, ['ALL', ...rules.flatMap((r) => [r.code, r.name])]);
  fail(ctx, key, `key "${key}" has unknown rule selector ${JSON.stringify(selector)}${hint === null ? '' : ` (did you mean "${hint}"?)`}`);
}

/**
 * Builds the per-rule decisions for a run. Selection works in two layers, as in Ruff: first the configuration
 * (`select` or all rules, then `extend-select`, then `ignore`), then the command line on top of it. A CLI
 * `--select` starts afresh from its own list (so it also drops the configuration's `ignore`, as `ruff --select`
 * does); CLI `--extend-select` and `--ignore` adjust the configuration's result. Within a layer, the more
 * specific of a select and an ignore wins, ignore on a tie. `per-file-ignores` then removes rules per file.
 * @param configFile names the configuration in errors; {@link loadConfig} callers pass {@link LoadedConfig.file}.
 * @throws ConfigError for selectors (in the configuration or the CLI options) that match none of `rules`.
 */
export function resolveSelection(
  rules: SelectableRule[],
  config: UserConfig,
  cli: { select?: string[]; ignore?: string[]; extendSelect?: string[] },
  configFile = 'configuration',
): RuleSelection {
  validateSelectors(rules, config, configFile);
  const cliCtx: Ctx = { file: 'command line', section: '' };
  for (const s of cli.select ?? []) checkSelector(rules, cliCtx, '--select', s);
  for (const s of cli.extendSelect ?? []) checkSelector(rules, cliCtx, '--extend-select', s);
  for (const s of cli.ignore ?? []) checkSelector(rules, cliCtx, '--ignore', s);

  const layers: SelectionLayer[] = [
    { select: config.select, extendSelect: config.extendSelect ?? [], ignore: config.ignore ?? [] },
    { select: cli.select, extendSelect: cli.extendSelect ?? [], ignore: cli.ignore ?? [] },
  ];
  // Keyed by code, not object identity: hosts may hand us fresh copies of the metadata.
  const enabledCodes = new Set<string>();
  for (const rule of rules) {
    let on = true; // default selection: every rule
    for (const layer of layers) on = applyLayer(rule, layer, on);
    if (on) enabledCodes.add(rule.code);
  }

  const fileIgnores = Object.entries(config.perFileIgnores ?? {}).map(([glob, selectors]) => ({
    matches: compileFileGlob(glob),
    selectors,
  }));
  const severityEntries = Object.entries(config.severity ?? {});
  const options = config.rules ?? {};

  return {
    enabled(rule, relPath) {
      if (!enabledCodes.has(rule.code)) return false;
      if (fileIgnores.length === 0) return true;
      const rel = normalizeRelPath(relPath);
      return !fileIgnores.some((entry) => entry.matches(rel) && entry.selectors.some((s) => matchesSelector(rule, s)));
    },
    severity(rule) {
      let best = -1;
      let result = rule.severity;
      for (const [selector, level] of severityEntries) {
        const spec = specificity(rule, selector);
        if (spec >= 0 && spec >= best) {
          best = spec;
          result = level;
        }
      }
      return result;
    },
    options(rule) {
      return options[rule.code] ?? options[rule.name];
    },
  };
}

interface SelectionLayer {
  select: string[] | undefined;
  extendSelect: string[];
  ignore: string[];
}

/** One layer's verdict for one rule, given whether it was on before the layer. */
function applyLayer(rule: SelectableRule, layer: SelectionLayer, wasOn: boolean): boolean {
  const best = (selectors: readonly string[]): number =>
    selectors.reduce((max, s) => Math.max(max, specificity(rule, s)), -1);
  const selected = best([...(layer.select ?? []), ...layer.extendSelect]);
  const ignored = best(layer.ignore);
  if (selected < 0 && ignored < 0) return layer.select === undefined ? wasOn : false;
  return selected > ignored;
}

function normalizeRelPath(relPath: string): string {
  return relPath.replaceAll('\\', '/').replace(/^(\.\/)+/, '');
}

/**
 * Compiles a per-file-ignores glob into a matcher on config-root-relative paths. Gitignore-like, as users expect
 * from Ruff: a glob without "/" matches a file name or a directory name at any depth; one with "/" is anchored at
 * the config root; a glob that matches a directory covers everything below it (`tests/*` covers
 * `tests/unit/test_a.py`); a trailing "/" matches directories only; a leading "!" negates (the entry applies to
 * the files the glob does not match).
 */
function compileFileGlob(glob: string): (rel: string) => boolean {
  const negated = glob.startsWith('!');
  let pattern = negated ? glob.slice(1) : glob;
  const dirOnly = pattern.endsWith('/');
  pattern = pattern.replace(/\/+$/, '');
  const anchored = pattern.includes('/');
  pattern = pattern.replace(/^(\.\/)+/, '').replace(/^\/+/, '');
  const isMatch = picomatch(pattern, { dot: true });
  const matches = (rel: string): boolean => {
    const segments = rel.split('/').filter((s) => s !== '');
    // Candidates: every ancestor directory, plus the file itself unless the glob is for directories only.
    const last = dirOnly ? segments.length - 1 : segments.length;
    for (let i = 1; i <= last; i++) {
      const candidate = anchored ? segments.slice(0, i).join('/') : (segments[i - 1] ?? '');
      if (isMatch(candidate)) return true;
    }
    return false;
  };
  return negated ? (rel) => !matches(rel) : matches;
}

/** The closest candidate within a small edit distance, for "did you mean" hints; `null` when nothing is close. */
function suggest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestDistance = Infinity;
  const lower = word.toLowerCase();
  for (const candidate of candidates) {
    const distance = levenshtein(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return bestDistance <= limit ? best : null;
}

function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
