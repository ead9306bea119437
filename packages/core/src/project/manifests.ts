/**
 * Dependency manifests parsed into (package, specifier, file, line): requirements files, `pyproject.toml` (PEP 621,
 * PEP 735 dependency groups and Poetry), `setup.cfg`, literal `install_requires` in `setup.py`, conda
 * `environment.yml` and `Pipfile`. Manifests are read as text and never executed; a manifest that does not parse
 * yields a one-line problem and no dependencies.
 */
import { LineIndex } from '@mlops-lint/parser';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { Node as YamlNode } from 'yaml';
import { yaml } from './yaml.js';
import {
  exactVersionOf,
  isImmutableUrl,
  minVersionOf,
  normalizeName,
  parseRequirement,
  parseRequirementsFile,
  type Requirement,
} from './requirements.js';

export type ManifestKind = 'requirements' | 'pyproject' | 'setup.cfg' | 'setup.py' | 'conda' | 'pipfile';

/** How a pin is written where the dependency is declared (for "pin to X" suggestions). */
export type PinSyntax = 'pep508' | 'poetry' | 'conda' | 'pipfile';

/** One declared dependency, located in its manifest (1-based lines and columns, UTF-16 offsets). */
export interface Dependency {
  /** As written (`scikit_learn`, `pytorch`). */
  name: string;
  /** PEP 503 name, with conda's names mapped to PyPI's (`pytorch` → `torch`). */
  normalized: string;
  /** The constraint as written (`>=2.1`, `^2.1`, `=1.26=py310_0`), '' when none. */
  specifier: string;
  /** The exact version pinned, or null. */
  exact: string | null;
  /** Pinned to one artifact: an exact version, `--hash`, or an immutable direct reference. */
  pinned: boolean;
  /** The lowest version allowed, when the specifier has a lower bound. */
  minVersion: string | null;
  /** A URL, VCS or local path reference (`-e .`, `pkg @ git+…`, Poetry `path =`). */
  direct: boolean;
  /** Project-relative manifest path. */
  file: string;
  kind: ManifestKind;
  /** Extra / group / section (`dev`, `gpu`, `pip` for conda's pip list), null for the main dependencies. */
  group: string | null;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  start: number;
  end: number;
  /** The span a pin suggestion replaces and the syntax it writes, or null when no safe edit exists. */
  pin: { start: number; end: number; syntax: PinSyntax } | null;
}

export interface Manifest {
  file: string;
  kind: ManifestKind;
  dependencies: Dependency[];
  /** Requirements files only: `-r` includes and `-c` constraints, project-relative. */
  includes: Array<{ kind: 'requirement' | 'constraint'; file: string }>;
  /** Requirements files only: every requirement carries `--hash`. */
  fullyHashed: boolean;
  /** Requirements files only: the sources a pip-compile / uv header names (project-relative), else null. */
  compiledFrom: string[] | null;
  /** Why the manifest could not be read; null when it parsed. */
  problem: ManifestProblem | null;
}

/** A manifest or lock file that could not be read: where (1-based, when known) and why, in one line. */
export interface ManifestProblem {
  line: number | null;
  column: number | null;
  message: string;
}

/** conda package names that differ from PyPI's. */
export const CONDA_NAME_ALIASES: Readonly<Record<string, string>> = {
  pytorch: 'torch',
  'pytorch-gpu': 'torch',
  'pytorch-cpu': 'torch',
  'py-xgboost': 'xgboost',
  'py-xgboost-gpu': 'xgboost',
  'py-lightgbm': 'lightgbm',
  'tensorflow-gpu': 'tensorflow',
  'tensorflow-cpu': 'tensorflow',
  'pytorch-lightning': 'pytorch-lightning',
  'sentence-transformers': 'sentence-transformers',
};

/** Which parser a file name calls for, or null when the file is not a manifest by its name alone. */
export function manifestKindOf(path: string): ManifestKind | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  const dir = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
  if (base === 'pyproject.toml') return 'pyproject';
  if (base === 'setup.cfg') return 'setup.cfg';
  if (base === 'setup.py') return 'setup.py';
  if (base === 'Pipfile') return 'pipfile';
  if (/^(environment|conda|env)[\w.-]*\.ya?ml$/i.test(base) && !/lock/i.test(base)) return 'conda';
  if (/^(.*[-_.])?requirements([-_.].*)?\.(txt|in)$/i.test(base)) return 'requirements';
  if (/^(constraints?)([-_.].*)?\.txt$/i.test(base)) return 'requirements';
  if (/(^|\/)requirements$/.test(dir) && /\.(txt|in)$/.test(base)) return 'requirements';
  return null;
}

/** Parses a manifest's text. `file` is project-relative (forward slashes). */
export function parseManifest(file: string, kind: ManifestKind, text: string): Manifest {
  const manifest: Manifest = { file, kind, dependencies: [], includes: [], fullyHashed: false, compiledFrom: null, problem: null };
  const index = new LineIndex(text);
  try {
    switch (kind) {
      case 'requirements':
        readRequirements(manifest, text);
        break;
      case 'pyproject':
        readPyproject(manifest, text, index);
        break;
      case 'pipfile':
        readPipfile(manifest, text, index);
        break;
      case 'setup.cfg':
        readSetupCfg(manifest, text, index);
        break;
      case 'setup.py':
        readSetupPy(manifest, text, index);
        break;
      case 'conda':
        readConda(manifest, text, index);
        break;
    }
  } catch (error) {
    if (error instanceof TomlError) {
      const reason = (error.message.split('\n')[0] ?? '').replace(/^Invalid TOML document:\s*/, '');
      manifest.problem = { line: error.line, column: error.column, message: `invalid TOML: ${reason}; dependencies not checked` };
    } else if (error instanceof ManifestError) {
      manifest.problem = { line: error.line, column: error.column, message: `${error.message}; dependencies not checked` };
    } else {
      throw error;
    }
    manifest.dependencies = [];
  }
  return manifest;
}

class ManifestError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i === -1 ? '' : file.slice(0, i);
}

/** Joins a project-relative folder and a relative path, resolving `.` and `..`; null when it leaves the project. */
export function joinRelative(dir: string, rel: string): string | null {
  if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) return null;
  const parts = dir === '' ? [] : dir.split('/');
  for (const p of rel.replace(/\\/g, '/').split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

function located(index: LineIndex, start: number, end: number): Pick<Dependency, 'line' | 'column' | 'endLine' | 'endColumn' | 'start' | 'end'> {
  const a = index.positionAt(start);
  const b = index.positionAt(end);
  return { line: a.line + 1, column: a.column + 1, endLine: b.line + 1, endColumn: b.column + 1, start, end };
}

/** A dependency from a PEP 508 string found at `offset` in the manifest text. */
function pep508Dependency(
  manifest: Manifest,
  index: LineIndex,
  requirement: Requirement,
  offset: number,
  length: number,
  group: string | null,
): Dependency {
  const exact = exactVersionOf(requirement.clauses);
  const direct = requirement.url !== null;
  return {
    name: requirement.name,
    normalized: requirement.normalized,
    specifier: requirement.url !== null ? `@ ${requirement.url}` : requirement.specifier,
    exact,
    pinned: exact !== null || (requirement.url !== null && isImmutableUrl(requirement.url)),
    minVersion: minVersionOf(requirement.clauses),
    direct,
    file: manifest.file,
    kind: manifest.kind,
    group,
    ...located(index, offset, offset + length),
    pin: direct ? null : { start: offset + requirement.specStart, end: offset + requirement.specEnd, syntax: 'pep508' },
  };
}

function readRequirements(manifest: Manifest, text: string): void {
  const parsed = parseRequirementsFile(text);
  const dir = dirOf(manifest.file);
  for (const inc of parsed.includes) {
    const file = joinRelative(dir, inc.path);
    if (file !== null) manifest.includes.push({ kind: inc.kind, file });
  }
  manifest.fullyHashed = parsed.fullyHashed;
  manifest.compiledFrom = parsed.compiledFrom === null ? null : parsed.compiledFrom.flatMap((f) => joinRelative(dir, f) ?? []);
  for (const r of parsed.requirements) {
    const req = r.requirement;
    const direct = r.direct || req.url !== null;
    const exact = direct ? null : exactVersionOf(req.clauses);
    manifest.dependencies.push({
      name: req.name,
      normalized: req.normalized,
      specifier: direct ? (req.url ?? '') : req.specifier,
      exact,
      pinned: exact !== null || r.hashed || (direct && !r.editable && req.url !== null && isImmutableUrl(req.url)),
      minVersion: direct ? null : minVersionOf(req.clauses),
      direct,
      file: manifest.file,
      kind: 'requirements',
      group: null,
      line: r.line,
      column: r.column,
      endLine: r.endLine,
      endColumn: r.endColumn,
      start: r.start,
      end: r.end,
      pin: direct ? null : { start: r.specStart, end: r.specEnd, syntax: 'pep508' },
    });
  }
}

function tomlSections(text: string): Array<{ name: string; bodyStart: number; end: number; headerStart: number }> {
  const out: Array<{ name: string; bodyStart: number; end: number; headerStart: number }> = [];
  const re = /^[ \t]*(\[\[?)[ \t]*([^\]\n]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$/gm;
  for (const m of text.matchAll(re)) {
    const name = (m[2] as string)
      .split('.')
      .map((p) => p.trim().replace(/^["']|["']$/g, ''))
      .join('.');
    const prev = out[out.length - 1];
    if (prev) prev.end = m.index;
    out.push({ name, bodyStart: m.index + m[0].length, end: text.length, headerStart: m.index });
  }
  return out;
}

/** Finds where the string literal with `value` occurs in `text` from `from` to `to`; offset of its content. */
function findStringLiteral(text: string, value: string, from: number, to: number): number | null {
  for (const q of ['"', "'"]) {
    const needle = `${q}${value}${q}`;
    const at = text.indexOf(needle, from);
    if (at !== -1 && at < to) return at + 1;
  }
  return null;
}

/** Offset just after `key = [` inside a section body, or the section body start. */
function arrayStart(text: string, key: string, from: number, to: number): number | null {
  const body = text.slice(from, to);
  const escaped = key.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  const m = new RegExp(`^[ \\t]*(["']?)${escaped}\\1[ \\t]*=[ \\t]*\\[`, 'm').exec(body);
  return m ? from + m.index + m[0].length : null;
}

type Table = Record<string, unknown>;

function isTable(value: unknown): value is Table {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function readPyproject(manifest: Manifest, text: string, index: LineIndex): void {
  const doc = parseToml(text) as Table;
  const sections = tomlSections(text);
  const section = (name: string) => sections.find((s) => s.name === name);

  const project = doc['project'];
  if (isTable(project)) {
    const sec = section('project');
    const readArray = (values: unknown, key: string, secName: string, group: string | null): void => {
      if (!Array.isArray(values)) return;
      const s = section(secName) ?? sec;
      const from = s ? (arrayStart(text, key, s.bodyStart, s.end) ?? s.bodyStart) : 0;
      const to = s ? s.end : text.length;
      let cursor = from;
      for (const v of values) {
        if (typeof v !== 'string') continue;
        const req = parseRequirement(v);
        if (!req) continue;
        const at = findStringLiteral(text, v, cursor, to) ?? findStringLiteral(text, v, 0, text.length);
        if (at !== null && at >= cursor) cursor = at + v.length;
        manifest.dependencies.push(pep508Dependency(manifest, index, req, at ?? 0, at === null ? 0 : v.length, group));
      }
    };
    readArray(project['dependencies'], 'dependencies', 'project', null);
    const optional = project['optional-dependencies'];
    if (isTable(optional)) {
      for (const [extra, values] of Object.entries(optional)) readArray(values, extra, 'project.optional-dependencies', extra);
    }
  }

  const groups = doc['dependency-groups'];
  if (isTable(groups)) {
    const s = section('dependency-groups');
    for (const [group, values] of Object.entries(groups)) {
      if (!Array.isArray(values)) continue;
      const from = s ? (arrayStart(text, group, s.bodyStart, s.end) ?? s.bodyStart) : 0;
      let cursor = from;
      for (const v of values) {
        if (typeof v !== 'string') continue;
        const req = parseRequirement(v);
        if (!req) continue;
        const at = findStringLiteral(text, v, cursor, s?.end ?? text.length) ?? findStringLiteral(text, v, 0, text.length);
        if (at !== null && at >= cursor) cursor = at + v.length;
        manifest.dependencies.push(pep508Dependency(manifest, index, req, at ?? 0, at === null ? 0 : v.length, group));
      }
    }
  }

  const tool = doc['tool'];
  const poetry = isTable(tool) ? tool['poetry'] : undefined;
  if (isTable(poetry)) {
    readPoetryTable(manifest, text, index, sections, poetry['dependencies'], 'tool.poetry.dependencies', null);
    readPoetryTable(manifest, text, index, sections, poetry['dev-dependencies'], 'tool.poetry.dev-dependencies', 'dev');
    const pgroups = poetry['group'];
    if (isTable(pgroups)) {
      for (const [group, body] of Object.entries(pgroups)) {
        if (isTable(body)) readPoetryTable(manifest, text, index, sections, body['dependencies'], `tool.poetry.group.${group}.dependencies`, group);
      }
    }
  }
}

/** Poetry's version constraint: a bare version is exact; `^`, `~`, `*`, ranges are not. */
function poetryConstraint(spec: string): { exact: string | null; min: string | null } {
  const s = spec.trim();
  if (/^\d[\w.+!-]*$/.test(s)) return { exact: s, min: s };
  const eq = /^===?\s*(\d[\w.+!-]*)$/.exec(s);
  if (eq && !(eq[1] as string).includes('*')) return { exact: eq[1] as string, min: eq[1] as string };
  let min: string | null = null;
  for (const part of s.split(/[,|]/)) {
    const m = /^\s*(\^|~=?|>=|>|==)\s*(\d[\w.]*)/.exec(part);
    if (m) {
      const v = (m[2] as string).replace(/\.\*$/, '');
      if (min === null) min = v;
    }
  }
  return { exact: null, min };
}

function readPoetryTable(
  manifest: Manifest,
  text: string,
  index: LineIndex,
  sections: ReturnType<typeof tomlSections>,
  table: unknown,
  sectionName: string,
  group: string | null,
): void {
  if (!isTable(table)) return;
  const sec = sections.find((s) => s.name === sectionName);
  for (const [name, value] of Object.entries(table)) {
    if (name === 'python') continue;
    let spec = '';
    let direct = false;
    let immutable = false;
    if (typeof value === 'string') spec = value;
    else if (isTable(value)) {
      if (typeof value['version'] === 'string') spec = value['version'];
      if (value['path'] !== undefined || value['url'] !== undefined || value['git'] !== undefined) {
        direct = true;
        const rev = value['rev'];
        immutable = typeof rev === 'string' && /^[0-9a-f]{40}$/i.test(rev);
      }
    } else if (Array.isArray(value)) {
      // Multiple-constraint dependencies: one entry per marker set; exact only when every entry is.
      const specs = value.filter(isTable).map((v) => (typeof v['version'] === 'string' ? v['version'] : ''));
      spec = specs.join(' | ');
    }
    const constraint = spec.includes(' | ') ? { exact: null, min: null } : poetryConstraint(spec);
    // Locate `name = …` in the section; a sub-table `[tool.poetry.dependencies.name]` is the fallback.
    let start = 0;
    let end = 0;
    let pin: Dependency['pin'] = null;
    const escaped = name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
    if (sec) {
      const body = text.slice(sec.bodyStart, sec.end);
      const m = new RegExp(`^([ \\t]*)((["']?)${escaped}\\3[ \\t]*=[ \\t]*)([^\\n#]*)`, 'mi').exec(body);
      if (m) {
        start = sec.bodyStart + m.index + (m[1] as string).length;
        const valueText = (m[4] as string).trimEnd();
        end = start + (m[2] as string).length + valueText.length;
        const valueStart = start + (m[2] as string).length;
        if (typeof value === 'string' && /^(["']).*\1$/.test(valueText)) {
          pin = { start: valueStart, end: valueStart + valueText.length, syntax: 'poetry' };
        } else if (isTable(value) && typeof value['version'] === 'string') {
          const v = /version[ \t]*=[ \t]*(["'])[^"']*\1/.exec(valueText);
          if (v) {
            const vs = valueStart + v.index + v[0].indexOf(v[1] as string);
            pin = { start: vs, end: valueStart + v.index + v[0].length, syntax: 'poetry' };
          }
        }
      }
    }
    if (end === 0) {
      const sub = sections.find((s) => s.name === `${sectionName}.${name}`);
      if (sub) {
        start = sub.headerStart;
        end = sub.bodyStart;
      }
    }
    manifest.dependencies.push({
      name,
      normalized: normalizeName(name),
      specifier: spec,
      exact: direct ? null : constraint.exact,
      pinned: direct ? immutable : constraint.exact !== null,
      minVersion: direct ? null : constraint.min,
      direct,
      file: manifest.file,
      kind: 'pyproject',
      group,
      ...located(index, start, end),
      pin: direct ? null : pin,
    });
  }
}

function readPipfile(manifest: Manifest, text: string, index: LineIndex): void {
  const doc = parseToml(text) as Table;
  const sections = tomlSections(text);
  for (const [key, group] of [
    ['packages', null],
    ['dev-packages', 'dev'],
  ] as const) {
    const table = doc[key];
    if (!isTable(table)) continue;
    const sec = sections.find((s) => s.name === key);
    for (const [name, value] of Object.entries(table)) {
      let spec = '';
      let direct = false;
      if (typeof value === 'string') spec = value;
      else if (isTable(value)) {
        if (typeof value['version'] === 'string') spec = value['version'];
        if (value['path'] !== undefined || value['git'] !== undefined || value['file'] !== undefined) direct = true;
      }
      const req = parseRequirement(`x${spec === '*' ? '' : spec}`);
      const clauses = req?.clauses ?? [];
      const exact = direct ? null : exactVersionOf(clauses);
      let start = 0;
      let end = 0;
      let pin: Dependency['pin'] = null;
      if (sec) {
        const escaped = name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
        const body = text.slice(sec.bodyStart, sec.end);
        const m = new RegExp(`^([ \\t]*)((["']?)${escaped}\\3[ \\t]*=[ \\t]*)([^\\n#]*)`, 'mi').exec(body);
        if (m) {
          start = sec.bodyStart + m.index + (m[1] as string).length;
          const valueText = (m[4] as string).trimEnd();
          end = start + (m[2] as string).length + valueText.length;
          if (typeof value === 'string') pin = { start: start + (m[2] as string).length, end, syntax: 'pipfile' };
        }
      }
      manifest.dependencies.push({
        name,
        normalized: normalizeName(name),
        specifier: spec,
        exact,
        pinned: exact !== null,
        minVersion: direct ? null : minVersionOf(clauses),
        direct,
        file: manifest.file,
        kind: 'pipfile',
        group,
        ...located(index, start, end),
        pin: direct ? null : pin,
      });
    }
  }
}

/** setup.cfg: `[options] install_requires` and `[options.extras_require]`, one requirement per line. */
function readSetupCfg(manifest: Manifest, text: string, index: LineIndex): void {
  let section = '';
  let key: string | null = null;
  const lines = index.lineStarts;
  for (let i = 0; i < lines.length; i++) {
    const lineStart = lines[i] as number;
    const lineEnd = index.lineEnd(i);
    const raw = text.slice(lineStart, lineEnd);
    const header = /^\s*\[([^\]]+)\]\s*$/.exec(raw);
    if (header) {
      section = (header[1] as string).trim();
      key = null;
      continue;
    }
    if (/^\s*([#;].*)?$/.test(raw)) continue;
    const indented = /^[ \t]/.test(raw);
    let valuePart: string;
    let valueOffset: number;
    if (!indented) {
      const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
      if (!kv) {
        key = null;
        continue;
      }
      key = (kv[1] as string).trim();
      valuePart = kv[2] as string;
      valueOffset = lineStart + raw.length - valuePart.length;
    } else {
      valuePart = raw.trimStart();
      valueOffset = lineStart + raw.length - valuePart.length;
    }
    if (key === null) continue;
    let group: string | null | undefined;
    if (section === 'options' && (key === 'install_requires' || key === 'setup_requires')) group = key === 'setup_requires' ? 'setup' : null;
    else if (section === 'options.extras_require') group = key;
    else continue;
    const value = valuePart.replace(/\s+[#;].*$/, '').trim();
    if (value === '' || value.startsWith('file:')) continue;
    const req = parseRequirement(value);
    if (!req) continue;
    manifest.dependencies.push(pep508Dependency(manifest, index, req, valueOffset, value.length, group ?? null));
  }
}

/**
 * setup.py: the literal `install_requires=[…]` (or a module-level list it names) and `extras_require={…: […]}`.
 * Read as text: a computed list (a function call, a comprehension) is not followed.
 */
function readSetupPy(manifest: Manifest, text: string, index: LineIndex): void {
  const scanList = (from: number, group: string | null, dict: boolean): void => {
    const open = text[from];
    const close = open === '[' ? ']' : open === '(' ? ')' : open === '{' ? '}' : null;
    if (close === null) return;
    let depth = 0;
    let currentGroup = group;
    for (let i = from; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === '#') {
        const nl = text.indexOf('\n', i);
        i = nl === -1 ? text.length : nl;
        continue;
      }
      if (ch === '"' || ch === "'") {
        const triple = text.startsWith(ch.repeat(3), i);
        if (triple) {
          const endAt = text.indexOf(ch.repeat(3), i + 3);
          i = endAt === -1 ? text.length : endAt + 2;
          continue;
        }
        let j = i + 1;
        while (j < text.length && text[j] !== ch && text[j] !== '\n') j += text[j] === '\\' ? 2 : 1;
        const value = text.slice(i + 1, j);
        const after = /^\s*:/.test(text.slice(j + 1, j + 40));
        if (dict && after) currentGroup = value;
        else if (!(dict && depth === 1)) {
          const req = parseRequirement(value);
          if (req && value.trim() === value) manifest.dependencies.push(pep508Dependency(manifest, index, req, i + 1, value.length, currentGroup));
        }
        i = j;
        continue;
      }
      if (ch === '[' || ch === '(' || ch === '{') depth++;
      else if (ch === ']' || ch === ')' || ch === '}') {
        depth--;
        if (depth === 0) return;
      }
    }
  };
  const findValue = (key: string): number | null => {
    const m = new RegExp(`\\b${key}\\s*=\\s*`, 'g');
    for (const hit of text.matchAll(m)) {
      const at = (hit.index ?? 0) + hit[0].length;
      const ch = text[at];
      if (ch === '[' || ch === '(' || ch === '{') return at;
      const name = /^[A-Za-z_]\w*/.exec(text.slice(at));
      if (name) {
        const def = new RegExp(`^${name[0]}\\s*=\\s*`, 'm').exec(text);
        if (def) {
          const vAt = def.index + def[0].length;
          const c = text[vAt];
          if (c === '[' || c === '(' || c === '{') return vAt;
        }
      }
    }
    return null;
  };
  const install = findValue('install_requires');
  if (install !== null) scanList(install, null, false);
  const extras = findValue('extras_require');
  if (extras !== null && text[extras] === '{') scanList(extras, null, true);
}

/** conda MatchSpec: `name`, `name=1.2`, `name==1.2`, `name>=1.2`, `name=1.2=build`, `name 1.2 build`, `channel::name`. */
function parseCondaSpec(spec: string): { name: string; specifier: string; exact: string | null; pinned: boolean; min: string | null; nameEnd: number } | null {
  const m = /^\s*(?:[\w.-]+::)?([A-Za-z0-9_][A-Za-z0-9._-]*)/.exec(spec);
  if (!m) return null;
  const name = m[1] as string;
  const nameEnd = m[0].length;
  const rest = spec.slice(nameEnd).trim();
  if (rest === '') return { name, specifier: '', exact: null, pinned: false, min: null, nameEnd };
  const spaced = /^(\d[\w.+!]*)(?:\s+(\S+))?$/.exec(rest);
  if (spaced) {
    const version = spaced[1] as string;
    const build = spaced[2];
    return { name, specifier: rest, exact: build ? version : null, pinned: Boolean(build), min: version.replace(/\*$/, '').replace(/\.$/, ''), nameEnd };
  }
  const eqBuild = /^=(\d[\w.+!]*)=(\S+)$/.exec(rest);
  if (eqBuild) return { name, specifier: rest, exact: eqBuild[1] as string, pinned: true, min: eqBuild[1] as string, nameEnd };
  const eqEq = /^==(\d[\w.+!]*)$/.exec(rest);
  if (eqEq && !(eqEq[1] as string).includes('*')) return { name, specifier: rest, exact: eqEq[1] as string, pinned: true, min: eqEq[1] as string, nameEnd };
  const fuzzy = /^=(\d[\w.+!]*?)(?:\.?\*)?$/.exec(rest);
  if (fuzzy) return { name, specifier: rest, exact: null, pinned: false, min: fuzzy[1] as string, nameEnd };
  const req = parseRequirement(`x${rest}`);
  return { name, specifier: rest, exact: null, pinned: false, min: req ? minVersionOf(req.clauses) : null, nameEnd };
}

function readConda(manifest: Manifest, text: string, index: LineIndex): void {
  const doc = yaml().parseDocument(text, { uniqueKeys: false });
  const error = doc.errors[0];
  if (error) {
    const pos = error.linePos?.[0];
    throw new ManifestError(`invalid YAML: ${error.message.split('\n')[0] ?? ''}`, pos?.line ?? 1, pos?.col ?? 1);
  }
  const deps = yaml().isMap(doc.contents) ? doc.contents.get('dependencies', true) : null;
  if (!yaml().isSeq(deps)) return;
  const scalarAt = (node: YamlNode): { value: string; start: number } | null => {
    if (!yaml().isScalar(node) || typeof node.value !== 'string' || !node.range) return null;
    const start = node.range[0];
    // Quoted scalars: the content starts after the quote.
    const quote = text[start] === '"' || text[start] === "'" ? 1 : 0;
    return { value: node.value, start: start + quote };
  };
  for (const item of deps.items) {
    if (yaml().isMap(item)) {
      const pip = item.get('pip', true);
      if (!yaml().isSeq(pip)) continue;
      for (const p of pip.items) {
        const s = scalarAt(p as YamlNode);
        if (!s) continue;
        const req = parseRequirement(s.value);
        if (req && !/^(-|\.|git\+|https?:)/.test(s.value)) manifest.dependencies.push(pep508Dependency(manifest, index, req, s.start, s.value.length, 'pip'));
      }
      continue;
    }
    const s = scalarAt(item as YamlNode);
    if (!s) continue;
    const spec = parseCondaSpec(s.value);
    if (!spec || spec.name === 'python' || spec.name === 'pip') continue;
    const normalized = normalizeName(spec.name);
    manifest.dependencies.push({
      name: spec.name,
      normalized: CONDA_NAME_ALIASES[normalized] ?? normalized,
      specifier: spec.specifier,
      exact: spec.exact,
      pinned: spec.pinned,
      minVersion: spec.min,
      direct: false,
      file: manifest.file,
      kind: 'conda',
      group: null,
      ...located(index, s.start, s.start + s.value.length),
      pin: { start: s.start + spec.nameEnd, end: s.start + s.value.length, syntax: 'conda' },
    });
  }
}

/** The text that pins a dependency to `version` in the manifest's syntax (replacing `Dependency.pin`'s span). */
export function pinText(syntax: PinSyntax, version: string, quote = '"'): string {
  switch (syntax) {
    case 'pep508':
    case 'conda':
      return `==${version}`;
    case 'poetry':
      return `${quote}${version}${quote}`;
    case 'pipfile':
      return `${quote}==${version}${quote}`;
  }
}
