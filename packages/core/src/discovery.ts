import type { Dirent, Stats } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';

/** Where and how to look for files. */
export interface DiscoveryOptions {
  /** Directory that the given paths are relative to. */
  cwd: string;
  /** The config root: `exclude` globs that contain "/" are anchored here. */
  root: string;
  /** Replaces {@link DEFAULT_EXCLUDES} (Ruff's `exclude`). */
  exclude?: string[];
  /** Added to the excludes in effect (Ruff's `extend-exclude`). */
  extendExclude?: string[];
  /** Honour `.gitignore` files and `.git/info/exclude`; on unless `false`. */
  respectGitignore?: boolean;
}

/** A path that could not be linted or walked, with a one-line reason. The run goes on. */
export interface DiscoveryProblem {
  /** Absolute path. */
  path: string;
  message: string;
}

/** The files to lint and the problems met while finding them. */
export interface DiscoveryResult {
  /** Absolute paths, sorted by code unit order, each file once. */
  files: string[];
  /** Sorted by path, then message. */
  problems: DiscoveryProblem[];
  /**
   * Every directory read and ignore file consulted (absolute, sorted): while none of them changes (their
   * modification times), the same walk finds the same files. The run cache checks them instead of walking.
   */
  inputs: string[];
}

/**
 * Directories and files never worth linting: VCS data, environments, build output, caches. Globs without "/",
 * so each matches an entry of that name at any depth. `exclude` replaces this list; `extend-exclude` adds to it.
 */
export const DEFAULT_EXCLUDES: string[] = [
  '.git',
  'node_modules',
  '.venv',
  'venv',
  '__pycache__',
  'build',
  'dist',
  'site-packages',
  '.mlops-lint-cache',
  '.tox',
  '.nox',
  '.mypy_cache',
  '.ruff_cache',
  '.pytest_cache',
  '.ipynb_checkpoints',
  '.eggs',
  '*.egg-info',
];

/** Whether a path names a file this tool lints: Python sources (`.py`) and Jupyter notebooks (`.ipynb`). */
export function isLintable(file: string): boolean {
  return file.endsWith('.py') || file.endsWith('.ipynb');
}

/**
 * Expands `paths` (files and directories, relative to `opts.cwd`) into the files to lint.
 *
 * A file named explicitly is returned whatever the excludes and `.gitignore` say (the user asked for it) when it
 * is lintable. Directories are walked recursively, skipping excluded and git-ignored entries. Symbolic links are
 * followed only to targets inside the walked directory's real path, so that a link can never make the tool read
 * outside the roots it was given. A file reachable by several paths (a link, or overlapping arguments) is
 * returned once, under its link-free path when there is one, so that fixes never write one file twice.
 */
export async function discoverFiles(paths: string[], opts: DiscoveryOptions): Promise<DiscoveryResult> {
  const cwd = path.resolve(opts.cwd);
  const ctx: WalkContext = {
    cwd,
    configRoot: path.resolve(cwd, opts.root),
    excludes: [...(opts.exclude ?? DEFAULT_EXCLUDES), ...(opts.extendExclude ?? [])].map(compileExclude),
    respectGitignore: opts.respectGitignore !== false,
    found: new Map(),
    problems: [],
    inputs: new Set(),
  };
  await Promise.all(paths.map((p) => discoverPath(path.resolve(cwd, p), ctx)));

  const files = [...ctx.found.values()].map((f) => f.path).sort(compare);
  const seen = new Set<string>();
  const problems = ctx.problems
    .filter((p) => {
      const key = `${p.path}\0${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => compare(a.path, b.path) || compare(a.message, b.message));
  return { files, problems, inputs: [...ctx.inputs].sort(compare) };
}

/** Plain code unit order: locale-independent, so output is identical on every machine. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface FoundFile {
  path: string;
  /** Reached without following a symbolic link; such a path is preferred when deduplicating. */
  direct: boolean;
}

interface WalkContext {
  cwd: string;
  configRoot: string;
  excludes: ExcludeMatcher[];
  respectGitignore: boolean;
  /** Real path → the path we report for it. */
  found: Map<string, FoundFile>;
  problems: DiscoveryProblem[];
  /** See `DiscoveryResult.inputs`. */
  inputs: Set<string>;
}

function addFile(ctx: WalkContext, file: string, real: string, direct: boolean): void {
  const previous = ctx.found.get(real);
  // Deterministic whichever walk finishes first: prefer a direct path, then the smaller one.
  if (previous === undefined || (direct && !previous.direct) || (direct === previous.direct && compare(file, previous.path) < 0)) {
    ctx.found.set(real, { path: file, direct });
  }
}

function problem(ctx: WalkContext, file: string, message: string): void {
  ctx.problems.push({ path: file, message });
}

/** A one-line reason for a failed filesystem call. */
function describeError(error: unknown): string {
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'symbolic link loop; skipped';
    default:
      return typeof code === 'string' ? `cannot read (${code})` : 'cannot read';
  }
}

async function discoverPath(abs: string, ctx: WalkContext): Promise<void> {
  let info: Stats;
  try {
    info = await lstat(abs);
  } catch (error) {
    problem(ctx, abs, describeError(error));
    return;
  }
  const direct = !info.isSymbolicLink();
  if (!direct) {
    // A link named on the command line is followed: the user chose it, and its target becomes the root.
    try {
      info = await stat(abs);
    } catch (error) {
      problem(ctx, abs, isMissing(error) ? 'broken symbolic link; skipped' : describeError(error));
      return;
    }
  }
  let real: string;
  try {
    real = await realpath(abs);
  } catch (error) {
    problem(ctx, abs, describeError(error));
    return;
  }
  if (info.isDirectory()) {
    await walkRoot(abs, real, ctx);
  } else if (info.isFile() && isLintable(abs)) {
    addFile(ctx, abs, real, direct);
  } else {
    problem(ctx, abs, 'not a Python file or notebook');
  }
}

function isMissing(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && (error.code === 'ENOENT' || error.code === 'ENOTDIR');
}

/** The `.gitignore` rules of one directory; paths are tested relative to `dir`. */
interface IgnoreLevel {
  dir: string;
  ig: Ignore;
}

/** A directory symlink found during a walk, followed after the link-free tree so the outcome never depends on timing. */
interface PendingLink {
  link: string;
  parentReal: string;
  levels: IgnoreLevel[];
}

interface RootWalk {
  root: string;
  rootReal: string;
  /** Shown in problems: the root relative to cwd when inside it, else absolute. */
  rootLabel: string;
  /** Real paths of the directories walked so far. */
  visited: Set<string>;
  links: PendingLink[];
}

async function walkRoot(root: string, rootReal: string, ctx: WalkContext): Promise<void> {
  const relToCwd = path.relative(ctx.cwd, root);
  const rootLabel = relToCwd === '' ? '.' : relToCwd.startsWith('..') || path.isAbsolute(relToCwd) ? root : toPosix(relToCwd);
  const walk: RootWalk = { root, rootReal, rootLabel, visited: new Set([rootReal]), links: [] };
  const levels = ctx.respectGitignore ? await ancestorIgnoreLevels(root, ctx) : [];
  await walkDir(root, rootReal, levels, walk, ctx);
  // Directory links, breadth first and in sorted order, each after everything reachable without links is known:
  // then a link to an already walked directory is skipped no matter how the parallel reads interleaved.
  while (walk.links.length > 0) {
    const batch = walk.links.sort((a, b) => compare(a.link, b.link));
    walk.links = [];
    for (const pending of batch) await followDirLink(pending, walk, ctx);
  }
}

async function followDirLink(pending: PendingLink, walk: RootWalk, ctx: WalkContext): Promise<void> {
  const { link, parentReal } = pending;
  const real = await realpath(link).catch((error: unknown) => error);
  if (typeof real !== 'string') {
    problem(ctx, link, isMissing(real) ? 'broken symbolic link; skipped' : describeError(real));
    return;
  }
  if (!isInside(real, walk.rootReal)) {
    problem(ctx, link, `symbolic link points outside ${walk.rootLabel}; skipped`);
    return;
  }
  // A link to the directory it sits in, or to one above it, would make the walk endless.
  if (isInside(parentReal, real)) {
    problem(ctx, link, 'symbolic link loop; skipped');
    return;
  }
  if (walk.visited.has(real)) return; // already linted under its own path or another link
  walk.visited.add(real);
  await walkDir(link, real, pending.levels, walk, ctx);
}

function isInside(child: string, parent: string): boolean {
  if (child === parent) return true;
  const prefix = parent.endsWith(path.sep) ? parent : parent + path.sep;
  return child.startsWith(prefix);
}

async function walkDir(dir: string, dirReal: string, parentLevels: IgnoreLevel[], walk: RootWalk, ctx: WalkContext): Promise<void> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    problem(ctx, dir, describeError(error));
    return;
  }
  ctx.inputs.add(dir);
  let levels = parentLevels;
  if (ctx.respectGitignore && entries.some((e) => e.name === '.gitignore' && !e.isDirectory())) {
    const level = await readIgnoreFile(path.join(dir, '.gitignore'), dir, ctx);
    if (level !== null) levels = [...parentLevels, level];
  }
  const subdirs: Promise<void>[] = [];
  for (const entry of entries) {
    const abs = path.join(dir, entry.name);
    const isSymlink = entry.isSymbolicLink();
    const isDir = entry.isDirectory();
    if (!isDir && !isSymlink && !entry.isFile()) continue; // sockets, FIFOs, devices
    if (isExcluded(abs, entry.name, isDir, ctx)) continue;
    if (isGitIgnored(abs, isDir, levels)) continue;
    if (isSymlink) {
      subdirs.push(handleLink(abs, dirReal, levels, walk, ctx));
    } else if (isDir) {
      const real = path.join(dirReal, entry.name);
      walk.visited.add(real);
      subdirs.push(walkDir(abs, real, levels, walk, ctx));
    } else if (isLintable(entry.name)) {
      addFile(ctx, abs, path.join(dirReal, entry.name), true);
    }
  }
  await Promise.all(subdirs);
}

async function handleLink(link: string, parentReal: string, levels: IgnoreLevel[], walk: RootWalk, ctx: WalkContext): Promise<void> {
  let info: Stats;
  try {
    info = await stat(link);
  } catch (error) {
    problem(ctx, link, isMissing(error) ? 'broken symbolic link; skipped' : describeError(error));
    return;
  }
  if (info.isDirectory()) {
    walk.links.push({ link, parentReal, levels });
    return;
  }
  // A link to a non-lintable file is as uninteresting as the file itself; checking its target would only add noise.
  if (!info.isFile() || !isLintable(link)) return;
  let real: string;
  try {
    real = await realpath(link);
  } catch (error) {
    problem(ctx, link, describeError(error));
    return;
  }
  if (!isInside(real, walk.rootReal)) {
    problem(ctx, link, `symbolic link points outside ${walk.rootLabel}; skipped`);
    return;
  }
  addFile(ctx, link, real, false);
}

interface ExcludeMatcher {
  (abs: string, name: string, isDir: boolean, ctx: WalkContext): boolean;
}

/**
 * Compiles an exclude glob, with Ruff's and gitignore's reading of it: without "/" it matches an entry's name at
 * any depth; with "/" it is anchored at the config root (or absolute); a trailing "/" restricts it to directories.
 * An excluded directory is not entered, so its whole subtree is excluded.
 */
function compileExclude(glob: string): ExcludeMatcher {
  const dirOnly = glob.endsWith('/');
  let pattern = glob.replace(/\/+$/, '');
  const byName = !pattern.includes('/');
  pattern = pattern.replace(/^(\.\/)+/, '');
  const absolute = path.isAbsolute(pattern);
  const isMatch = picomatch(pattern, { dot: true });
  return (abs, name, isDir, ctx) => {
    if (dirOnly && !isDir) return false;
    if (byName) return isMatch(name);
    return isMatch(absolute ? toPosix(abs) : toPosix(path.relative(ctx.configRoot, abs)));
  };
}

function isExcluded(abs: string, name: string, isDir: boolean, ctx: WalkContext): boolean {
  return ctx.excludes.some((matches) => matches(abs, name, isDir, ctx));
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

/**
 * Git's precedence: the deepest `.gitignore` with a rule matching the path decides, and within one file the last
 * matching rule (which `ignore` implements); `.git/info/exclude` ranks below every `.gitignore`.
 */
function isGitIgnored(abs: string, isDir: boolean, levels: IgnoreLevel[]): boolean {
  for (let i = levels.length - 1; i >= 0; i--) {
    const level = levels[i];
    if (level === undefined) continue;
    const rel = toPosix(path.relative(level.dir, abs));
    if (rel === '' || rel.startsWith('../') || rel === '..' || path.isAbsolute(rel)) continue;
    let result: ReturnType<Ignore['test']>;
    try {
      result = level.ig.test(isDir ? `${rel}/` : rel);
    } catch {
      // `ignore` rejects some legal names (a file called "..."); git could not track those either, so no rule applies.
      continue;
    }
    if (result.ignored) return true;
    if (result.unignored) return false;
  }
  return false;
}

async function readIgnoreFile(file: string, dir: string, ctx: WalkContext): Promise<IgnoreLevel | null> {
  // Its folder too: a new ignore file changes the folder's modification time.
  ctx.inputs.add(path.dirname(file));
  ctx.inputs.add(file);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (!isMissing(error)) problem(ctx, file, describeError(error));
    return null;
  }
  return { dir, ig: ignore().add(text) };
}

/**
 * The ignore rules that apply to `dir` from above it: `.git/info/exclude` of its repository and the `.gitignore`
 * files of its ancestors, so that checking `src/` honours the repository's top-level `.gitignore`. Outside a git
 * repository the ancestors from the config root down are used, which lets a plain project directory's
 * `.gitignore` count too.
 */
async function ancestorIgnoreLevels(dir: string, ctx: WalkContext): Promise<IgnoreLevel[]> {
  const repoRoot = await findRepoRoot(dir);
  const base = repoRoot ?? (isInside(dir, ctx.configRoot) ? ctx.configRoot : dir);
  const chain: string[] = [];
  for (let d = path.dirname(dir); isInside(d, base) && d !== dir; d = path.dirname(d)) {
    chain.unshift(d);
    if (d === base) break;
  }
  const levels: IgnoreLevel[] = [];
  if (repoRoot !== null) {
    const exclude = await readIgnoreFile(path.join(repoRoot, '.git', 'info', 'exclude'), repoRoot, ctx);
    if (exclude !== null) levels.push(exclude);
  }
  for (const d of chain) {
    const level = await readIgnoreFile(path.join(d, '.gitignore'), d, ctx);
    if (level !== null) levels.push(level);
  }
  // The walked directory's own .gitignore is read by walkDir, together with those below it.
  return levels;
}

async function findRepoRoot(start: string): Promise<string | null> {
  for (let d = start; ; d = path.dirname(d)) {
    try {
      await lstat(path.join(d, '.git'));
      return d;
    } catch {
      // not here; keep looking upwards
    }
    if (path.dirname(d) === d) return null;
  }
}
