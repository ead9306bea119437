import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { computeProjectFacts, DEFAULT_EXCLUDES, isLintable, type ProjectFacts } from '@mlops-lint/core';

/**
 * `settings.mlops.project` in an ESLint config: omitted or `"auto"` to read the facts from the project the file
 * belongs to, `false`/`null` for none (as a single-file engine run with no project), or the facts themselves.
 */
export type ProjectSetting = 'auto' | false | null | Partial<ProjectFacts>;

/** What makes a folder a project root: VCS data or a dependency manifest (as `resolveProjectRoot` in core). */
const ROOT_MARKERS = ['.git', 'pyproject.toml', 'setup.py', 'setup.cfg', 'Pipfile', 'environment.yml', 'environment.yaml', 'requirements.txt', 'requirements.in'];

/** Cap on the files scanned for tracker imports, so a file outside any project cannot make ESLint walk a disk. */
const MAX_FILES = 20_000;
/** Facts are reused this long: one ESLint run reads them once per project, an editor sees edits soon after. */
const TTL_MS = 5_000;

const cache = new Map<string, { at: number; facts: ProjectFacts }>();

/** The nearest folder holding the file (or above it) that has a root marker, else the file's own folder. */
export function projectRootOf(file: string): string {
  const start = path.dirname(path.resolve(file));
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (ROOT_MARKERS.some((marker) => existsSync(path.join(dir, marker)))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/**
 * The project facts the engine's file-scope rules read (`context.project`), for a file being linted by ESLint.
 * `mlops-lint check` computes them for the run: the root's manifests (torch version), prompt folders, and the
 * trackers imported by the files it lints. ESLint does not say which files a run covers, so "auto" takes every
 * Python file and notebook of the file's project (skipping the CLI's default excludes; `.gitignore` is not read).
 */
export function projectFactsFor(physicalFilename: string, cwd: string, setting: unknown): ProjectFacts | null {
  if (setting === false || setting === null) return null;
  if (typeof setting === 'object' && setting !== undefined) {
    return { root: cwd, torchMinVersion: null, trackers: [], hasPromptFiles: false, ...(setting as Partial<ProjectFacts>) };
  }
  if (setting !== undefined && setting !== 'auto') {
    throw new TypeError(`settings.mlops.project must be "auto", false, null or an object of project facts, not ${JSON.stringify(setting)}`);
  }
  const root = projectRootOf(path.resolve(cwd, physicalFilename));
  const now = Date.now();
  const hit = cache.get(root);
  if (hit && now - hit.at < TTL_MS) return hit.facts;
  const facts = computeProjectFacts(root, pythonFilesUnder(root), { trackers: true });
  cache.set(root, { at: now, facts });
  return facts;
}

const EXCLUDED_NAMES = new Set(DEFAULT_EXCLUDES.filter((glob) => !glob.includes('*')));
const EXCLUDED_SUFFIXES = DEFAULT_EXCLUDES.filter((glob) => glob.startsWith('*') && !glob.slice(1).includes('*')).map((glob) => glob.slice(1));

function excluded(name: string): boolean {
  return EXCLUDED_NAMES.has(name) || EXCLUDED_SUFFIXES.some((suffix) => name.endsWith(suffix));
}

/** Python files and notebooks under a folder, breadth first, without following symbolic links. */
function pythonFilesUnder(root: string): string[] {
  const files: string[] = [];
  const queue = [root];
  for (let i = 0; i < queue.length && files.length < MAX_FILES; i++) {
    const dir = queue[i] as string;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (excluded(entry.name)) continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) queue.push(full);
      else if (entry.isFile() && isLintable(entry.name)) files.push(full);
    }
  }
  return files.slice(0, MAX_FILES);
}
