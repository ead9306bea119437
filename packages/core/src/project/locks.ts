/**
 * Lock files: `poetry.lock`, `uv.lock`, `pdm.lock`, `pylock.toml` (PEP 751), `Pipfile.lock`, `conda-lock.yml` and
 * conda-lock's explicit `*.lock` files, Rye's `requirements*.lock` and pip-compile output. Each yields the versions
 * it pins (PEP 503 name → version); which manifests a lock covers is decided by the project model.
 */
import { parse as parseToml } from 'smol-toml';
import { yaml } from './yaml.js';
import { CONDA_NAME_ALIASES, type ManifestProblem } from './manifests.js';
import { normalizeName } from './requirements.js';

export type LockKind = 'poetry' | 'uv' | 'pdm' | 'pylock' | 'pipfile' | 'conda-lock' | 'rye' | 'pip-compile';

export interface LockFile {
  /** Project-relative path. */
  file: string;
  kind: LockKind;
  /** PEP 503 name → locked version. */
  packages: Map<string, string>;
  /** Project-relative manifests this lock covers (filled in by the project model). */
  covers: string[];
  /** Why the lock could not be read; null when it parsed. */
  problem: ManifestProblem | null;
}

/** The lock kind a file name calls for (pip-compile output is recognised by content, not by name). */
export function lockKindOf(path: string): Exclude<LockKind, 'pip-compile'> | null {
  const base = path.slice(path.lastIndexOf('/') + 1);
  if (base === 'poetry.lock') return 'poetry';
  if (base === 'uv.lock') return 'uv';
  if (base === 'pdm.lock') return 'pdm';
  if (/^pylock(\.[\w-]+)?\.toml$/.test(base)) return 'pylock';
  if (base === 'Pipfile.lock') return 'pipfile';
  if (/^(.+\.)?conda-lock\.ya?ml$/.test(base) || /^conda-.+\.lock$/.test(base)) return 'conda-lock';
  if (/^requirements([-_.][\w.-]*)?\.lock$/.test(base)) return 'rye';
  return null;
}

/** Reads a lock file's pinned versions. Never throws: a broken lock keeps its `problem` and no packages. */
export function parseLockFile(file: string, kind: Exclude<LockKind, 'pip-compile'>, text: string): LockFile {
  const lock: LockFile = { file, kind, packages: new Map(), covers: [], problem: null };
  const add = (name: unknown, version: unknown): void => {
    if (typeof name !== 'string' || typeof version !== 'string' || version === '') return;
    const n = normalizeName(name);
    if (!lock.packages.has(n)) lock.packages.set(n, version.replace(/^==/, ''));
  };
  try {
    switch (kind) {
      case 'poetry':
      case 'uv':
      case 'pdm':
      case 'pylock': {
        const doc = parseToml(text);
        const list = doc[kind === 'pylock' ? 'packages' : 'package'];
        if (Array.isArray(list)) {
          for (const p of list) if (p && typeof p === 'object' && !Array.isArray(p)) add((p as Record<string, unknown>)['name'], (p as Record<string, unknown>)['version']);
        }
        break;
      }
      case 'pipfile': {
        const doc = JSON.parse(text) as Record<string, unknown>;
        for (const section of ['default', 'develop']) {
          const table = doc[section];
          if (!table || typeof table !== 'object') continue;
          for (const [name, entry] of Object.entries(table as Record<string, unknown>)) {
            if (entry && typeof entry === 'object') add(name, (entry as Record<string, unknown>)['version']);
          }
        }
        break;
      }
      case 'conda-lock': {
        if (/^@EXPLICIT/m.test(text)) {
          // Explicit lists: one package URL per line, `…/name-version-build.conda#hash`.
          for (const line of text.split(/\r?\n/)) {
            const m = /\/([^/#\s]+?)-([^-/#\s]+)-([^-/#\s]+?)\.(?:conda|tar\.bz2)(?:#|$)/.exec(line.trim());
            if (m) addConda(lock, m[1] as string, m[2] as string);
          }
          break;
        }
        const doc = yaml().parseDocument(text);
        if (doc.errors[0]) throw new Error(doc.errors[0].message.split('\n')[0]);
        const pkgs = yaml().isMap(doc.contents) ? doc.contents.get('package', true) : null;
        if (yaml().isSeq(pkgs)) {
          for (const item of pkgs.items) {
            if (!yaml().isMap(item)) continue;
            const name = item.get('name');
            const version = item.get('version');
            const manager = item.get('manager');
            if (typeof name === 'string' && (typeof version === 'string' || typeof version === 'number')) {
              if (manager === 'pip') add(name, String(version));
              else addConda(lock, name, String(version));
            }
          }
        }
        break;
      }
      case 'rye': {
        for (const m of text.matchAll(/^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*===?\s*([^\s;#\\]+)/gm)) add(m[1], m[2]);
        break;
      }
    }
  } catch (error) {
    const e = error as Error & { line?: number; column?: number };
    lock.problem = {
      line: typeof e.line === 'number' ? e.line : null,
      column: typeof e.column === 'number' ? e.column : null,
      message: `cannot read lock file: ${(e.message.split('\n')[0] ?? 'invalid').replace(/^Invalid TOML document:\s*/, '')}`,
    };
    lock.packages.clear();
  }
  return lock;
}

function addConda(lock: LockFile, name: string, version: string): void {
  const n = normalizeName(name);
  const key = CONDA_NAME_ALIASES[n] ?? n;
  if (!lock.packages.has(key)) lock.packages.set(key, version);
}
