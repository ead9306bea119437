/**
 * The files of a project: the git index (`git ls-files -s -z`) plus untracked files git does not ignore, or, without
 * git (not installed, or not a repository), a plain directory walk that honours `.gitignore`. git runs through
 * `execFile` (no shell) with `core.fsmonitor` off, so that a repository's own configuration can never make us run a
 * program, and with optional locks off, so that we never write to the repository.
 */
import { execFile } from 'node:child_process';
import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { DEFAULT_EXCLUDES } from '../discovery.js';

export interface ProjectFile {
  /** Relative to the project root, forward slashes. */
  path: string;
  /** In the git index. */
  tracked: boolean;
  /** A symbolic link (git mode 120000, or a link met by the walk): never followed, never sized. */
  symlink: boolean;
}

export interface FileListing {
  files: ProjectFile[];
  /** The top of the git work tree holding the root, or null when git is not used. */
  gitTop: string | null;
  /** Why git was not used, when it was wanted. */
  gitUnavailable: string | null;
}

/**
 * Folders never listed by the walk: the linter's default excludes that name folders (environments, caches, VCS
 * data) and the other VCS folders. `build/` and `dist/` are walked: what git tracks there (an exported model) is
 * still in the repository.
 */
export const WALK_SKIP_DIRS: ReadonlySet<string> = new Set([
  ...DEFAULT_EXCLUDES.filter((e) => !e.includes('*') && e !== 'build' && e !== 'dist'),
  '.hg',
  '.svn',
]);

/** Upper bound on files a walk lists, so that pointing the tool at `/` cannot exhaust memory. */
const MAX_WALK_FILES = 500_000;

const GIT_ENV = { GIT_OPTIONAL_LOCKS: '0', GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };

/** Runs git read-only in `cwd`; resolves stdout as a Buffer, rejects on failure. */
export function runGit(cwd: string, args: string[], input?: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      ['-c', 'core.fsmonitor=false', '-c', 'core.untrackedCache=false', ...args],
      { cwd, encoding: 'buffer', maxBuffer: 1 << 30, timeout: 120_000, env: { ...process.env, ...GIT_ENV }, windowsHide: true },
      (error, stdout) => {
        if (error) reject(error);
        else resolve(stdout);
      },
    );
    if (input !== undefined) {
      child.stdin?.end(input);
    }
  });
}

function splitZ(buffer: Buffer): string[] {
  return buffer.toString('utf8').split('\0').filter((s) => s !== '');
}

/** Lists the project's files from git when `useGit` and possible, else by walking the folder. */
export async function listProjectFiles(root: string, opts: { useGit?: boolean } = {}): Promise<FileListing> {
  let gitUnavailable: string | null = null;
  if (opts.useGit !== false) {
    try {
      const top = (await runGit(root, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
      const [indexed, others] = await Promise.all([runGit(root, ['ls-files', '-s', '-z']), runGit(root, ['ls-files', '-o', '--exclude-standard', '-z'])]);
      const byPath = new Map<string, ProjectFile>();
      for (const entry of splitZ(indexed)) {
        const tab = entry.indexOf('\t');
        if (tab === -1) continue;
        const mode = entry.slice(0, entry.indexOf(' '));
        const file = entry.slice(tab + 1);
        if (mode === '160000') continue; // a submodule: its files are another repository's
        byPath.set(file, { path: file, tracked: true, symlink: mode === '120000' });
      }
      for (const file of splitZ(others)) {
        // A nested repository shows as `dir/`: its files are not ours.
        if (!file.endsWith('/') && !byPath.has(file)) byPath.set(file, { path: file, tracked: false, symlink: false });
      }
      const files = [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { files, gitTop: top, gitUnavailable: null };
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: Buffer };
      gitUnavailable = e.code === 'ENOENT' ? 'git is not installed' : 'not a git repository';
    }
  }
  const files = await walk(root);
  return { files, gitTop: null, gitUnavailable };
}

interface Level {
  dir: string;
  ig: Ignore;
}

async function walk(root: string): Promise<ProjectFile[]> {
  const out: ProjectFile[] = [];
  const visit = async (dir: string, rel: string, levels: Level[]): Promise<void> => {
    if (out.length >= MAX_WALK_FILES) return;
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return;
    }
    let here = levels;
    if (entries.some((e) => e.name === '.gitignore' && e.isFile())) {
      try {
        here = [...levels, { dir: rel, ig: ignore().add(await readFile(path.join(dir, '.gitignore'), 'utf8')) }];
      } catch {
        // unreadable .gitignore: as if absent
      }
    }
    const subdirs: Promise<void>[] = [];
    for (const e of entries) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) {
        if (WALK_SKIP_DIRS.has(e.name) || e.name.endsWith('.egg-info')) continue;
        if (ignored(childRel, true, here)) continue;
        subdirs.push(visit(path.join(dir, e.name), childRel, here));
      } else if (e.isFile() || e.isSymbolicLink()) {
        if (ignored(childRel, false, here)) continue;
        out.push({ path: childRel, tracked: false, symlink: e.isSymbolicLink() });
      }
    }
    await Promise.all(subdirs);
  };
  await visit(root, '', []);
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function ignored(rel: string, isDir: boolean, levels: Level[]): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i] as Level;
    const sub = level.dir === '' ? rel : rel.startsWith(`${level.dir}/`) ? rel.slice(level.dir.length + 1) : null;
    if (sub === null || sub === '') continue;
    try {
      const r = level.ig.test(isDir ? `${sub}/` : sub);
      if (r.ignored) return true;
      if (r.unignored) return false;
    } catch {
      continue;
    }
  }
  return false;
}
