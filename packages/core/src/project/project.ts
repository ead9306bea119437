/**
 * The `Project` model behind project-scope rules and the audit: the repository root, its files (git index or a
 * walk), Git LFS and DVC storage, `.gitignore`, dependency manifests and lock files, versions installed in a local
 * virtual environment. Everything is read lazily and cached; nothing is executed.
 */
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import picomatch from 'picomatch';
import type { YAMLMap } from 'yaml';
import { yaml } from './yaml.js';
import type { ProjectFacts } from '../rule.js';
import { listProjectFiles, WALK_SKIP_DIRS, type ProjectFile } from './files.js';
import { lockKindOf, parseLockFile, type LockFile } from './locks.js';
import { joinRelative, manifestKindOf, parseManifest, type Dependency, type Manifest, type ManifestProblem } from './manifests.js';
import { compareVersions, normalizeName } from './requirements.js';

export type { ProjectFile } from './files.js';

/** Text files larger than this are not read as manifests, lock files or attributes (they would be data). */
const MAX_TEXT_BYTES = 16 * 1024 * 1024;

export interface LoadProjectOptions {
  /** Use git for the file list (default true); false forces the directory walk. */
  useGit?: boolean;
}

/** A file the project model could not read, as the CLI prints it. */
export interface ProjectProblem {
  /** Project-relative path. */
  file: string;
  line: number | null;
  column: number | null;
  message: string;
}

/** How a file's content is stored. */
export type Storage = 'git' | 'lfs' | 'dvc' | 'untracked';

interface AttributeRule {
  /** Folder of the `.gitattributes`, relative to the git top (or the root without git). */
  dir: string;
  match: (sub: string, base: string) => boolean;
  /** `true` for `filter=lfs`, `false` for another filter or an unset one. */
  lfs: boolean;
}

/** The repository a run looks at. Paths are project-relative with forward slashes unless stated otherwise. */
export class Project {
  private readonly byPath = new Map<string, ProjectFile>();
  private readonly dirSet = new Set<string>();
  private readonly texts = new Map<string, string | null>();
  private readonly overlay = new Map<string, string>();
  private readonly sizes = new Map<string, number | null>();
  private manifestCache: Manifest[] | null = null;
  private lockCache: LockFile[] | null = null;
  private attributeRules: AttributeRule[] | null = null;
  private dvcOuts: string[] | null = null;
  private installedCache: Map<string, string> | null = null;
  private readonly ignoreCache = new Map<string, Ignore>();
  /** The root relative to the git top ('' when they are the same, or without git). */
  private readonly rootPrefix: string;

  constructor(
    /** Absolute path of the project root. */
    readonly root: string,
    /** Every file: the git index and untracked, not ignored files; or the walk. Sorted by path. */
    readonly files: readonly ProjectFile[],
    /** Absolute path of the git work tree's top, or null when the project is not read through git. */
    readonly gitTop: string | null,
    /** Why git was not used (not installed, not a repository), or null. */
    readonly gitUnavailable: string | null = null,
  ) {
    for (const f of files) {
      this.byPath.set(f.path, f);
      for (let i = f.path.indexOf('/'); i !== -1; i = f.path.indexOf('/', i + 1)) this.dirSet.add(f.path.slice(0, i));
    }
    this.rootPrefix = gitTop === null ? '' : toPosix(path.relative(gitTop, root));
  }

  /** Whether the file list comes from git. */
  get isGit(): boolean {
    return this.gitTop !== null;
  }

  /** Files in the git index (empty without git). */
  get trackedFiles(): ProjectFile[] {
    return this.files.filter((f) => f.tracked);
  }

  has(file: string): boolean {
    return this.byPath.has(file);
  }

  file(file: string): ProjectFile | undefined {
    return this.byPath.get(file);
  }

  /** Whether a folder (project-relative) holds any listed file. */
  hasDir(dir: string): boolean {
    return this.dirSet.has(dir);
  }

  /** Every folder holding a listed file. */
  get dirs(): ReadonlySet<string> {
    return this.dirSet;
  }

  absolute(file: string): string {
    return path.join(this.root, ...file.split('/'));
  }

  /** The project-relative path of an absolute path, or null when it lies outside the root. */
  relative(abs: string): string | null {
    const rel = path.relative(this.root, abs);
    if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return rel === '' ? '' : null;
    return toPosix(rel);
  }

  /**
   * A file's text (UTF-8, or UTF-16 with a byte-order mark), from the fix overlay when a fix pass changed it, else
   * from disk; null when it does not exist, is not text (NUL bytes), is larger than 16 MiB or cannot be read.
   */
  readText(file: string): string | null {
    const over = this.overlay.get(file);
    if (over !== undefined) return over;
    if (this.texts.has(file)) return this.texts.get(file) ?? null;
    let text: string | null = null;
    try {
      const abs = this.absolute(file);
      const info = lstatSync(abs);
      if (info.isFile() && info.size <= MAX_TEXT_BYTES) {
        const bytes = readFileSync(abs);
        // UTF-16 with a byte-order mark: what Windows PowerShell's `pip freeze > requirements.txt` writes (pip reads it).
        if (bytes[0] === 0xff && bytes[1] === 0xfe) text = bytes.subarray(2).toString('utf16le');
        else if (bytes[0] === 0xfe && bytes[1] === 0xff) text = Buffer.from(bytes.subarray(2, bytes.length - (bytes.length % 2))).swap16().toString('utf16le');
        else if (!bytes.subarray(0, 8000).includes(0)) text = bytes.toString('utf8').replace(/^\uFEFF/, '');
      }
    } catch {
      text = null;
    }
    this.texts.set(file, text);
    return text;
  }

  /** Replaces a file's text for the rest of the run (fix passes; `--diff` never writes). */
  setText(file: string, text: string): void {
    this.overlay.set(file, text);
    if (path.posix.basename(file) === '.gitignore') this.ignoreCache.clear();
  }

  /** Size in bytes of a file in the work tree (fs.stat), or null (missing, a link, unreadable). */
  sizeOf(file: string): number | null {
    if (this.sizes.has(file)) return this.sizes.get(file) ?? null;
    let size: number | null = null;
    if (!this.byPath.get(file)?.symlink) {
      try {
        const info = statSync(this.absolute(file));
        size = info.isFile() ? info.size : null;
      } catch {
        size = null;
      }
    }
    this.sizes.set(file, size);
    return size;
  }

  // --- dependencies -------------------------------------------------------------------------------------------

  /** Dependency manifests, sorted by path: by file name, plus files pulled in by `-r`/`-c`. */
  get manifests(): readonly Manifest[] {
    if (this.manifestCache) return this.manifestCache;
    const found = new Map<string, Manifest>();
    const queue: Array<{ file: string; kind: ReturnType<typeof manifestKindOf> }> = [];
    for (const f of this.files) {
      if (f.symlink || isVendored(f.path)) continue;
      const kind = manifestKindOf(f.path);
      if (kind) queue.push({ file: f.path, kind });
    }
    while (queue.length > 0) {
      const next = queue.shift();
      if (!next?.kind || found.has(next.file)) continue;
      const text = this.readText(next.file);
      if (text === null) continue;
      const manifest = parseManifest(next.file, next.kind, text);
      found.set(next.file, manifest);
      for (const inc of manifest.includes) if (!found.has(inc.file)) queue.push({ file: inc.file, kind: 'requirements' });
    }
    this.manifestCache = [...found.values()].sort((a, b) => compare(a.file, b.file));
    return this.manifestCache;
  }

  /** Every declared dependency, in manifest order. */
  get dependencies(): Dependency[] {
    return this.manifests.flatMap((m) => m.dependencies);
  }

  /** Lock files (including pip-compile output), each with the manifests it covers. */
  get lockFiles(): readonly LockFile[] {
    if (this.lockCache) return this.lockCache;
    const locks: LockFile[] = [];
    for (const f of this.files) {
      if (f.symlink || isVendored(f.path)) continue;
      const kind = lockKindOf(f.path);
      if (!kind) continue;
      const text = this.readText(f.path);
      if (text === null) continue;
      locks.push(parseLockFile(f.path, kind, text));
    }
    const manifests = this.manifests;
    const existing = new Set(manifests.map((m) => m.file));
    for (const lock of locks) {
      const dir = dirOf(lock.file);
      const inDir = (name: string): string => (dir === '' ? name : `${dir}/${name}`);
      switch (lock.kind) {
        case 'poetry':
        case 'pdm':
        case 'pylock':
        case 'rye':
          if (existing.has(inDir('pyproject.toml'))) lock.covers.push(inDir('pyproject.toml'));
          break;
        case 'uv':
          // A uv workspace locks its members too: every pyproject.toml at or below the lock's folder.
          for (const m of manifests) if (m.kind === 'pyproject' && isUnder(m.file, dir)) lock.covers.push(m.file);
          break;
        case 'pipfile':
          if (existing.has(inDir('Pipfile'))) lock.covers.push(inDir('Pipfile'));
          break;
        case 'conda-lock':
          for (const m of manifests) if (m.kind === 'conda' && dirOf(m.file) === dir) lock.covers.push(m.file);
          break;
        case 'pip-compile':
          break;
      }
    }
    // pip-compile / uv output: a requirements file with a compile header, or hashes on every line.
    for (const m of manifests) {
      if (m.kind !== 'requirements' || (m.compiledFrom === null && !m.fullyHashed)) continue;
      const packages = new Map<string, string>();
      for (const d of m.dependencies) if (d.exact) packages.set(d.normalized, d.exact);
      const covers = (m.compiledFrom ?? []).filter((f) => existing.has(f) && f !== m.file);
      if (covers.length === 0) {
        const stem = m.file.replace(/\.txt$/, '');
        if (existing.has(`${stem}.in`)) covers.push(`${stem}.in`);
      }
      locks.push({ file: m.file, kind: 'pip-compile', packages, covers, problem: null });
    }
    this.lockCache = locks.sort((a, b) => compare(a.file, b.file));
    return this.lockCache;
  }

  /** The lock file that covers a manifest, or null. */
  lockCovering(manifest: string): LockFile | null {
    return this.lockFiles.find((l) => l.covers.includes(manifest)) ?? null;
  }

  /**
   * Whether a dependency installs one known version: pinned where it is declared, pinned by a `-c` constraints file
   * its requirements file names, or declared in a manifest a lock file covers.
   */
  isLocked(dep: Dependency): boolean {
    if (dep.pinned) return true;
    if (this.lockCovering(dep.file)) return true;
    const manifest = this.manifests.find((m) => m.file === dep.file);
    for (const inc of manifest?.includes ?? []) {
      if (inc.kind !== 'constraint') continue;
      const constraints = this.manifests.find((m) => m.file === inc.file);
      if (constraints?.dependencies.some((c) => c.normalized === dep.normalized && c.pinned)) return true;
    }
    return false;
  }

  /**
   * The version of a package the project resolves to, when something records it: a lock file (the one covering
   * `near` first), then a local virtual environment's metadata (`.venv`, `venv`, `env`).
   */
  resolvedVersion(name: string, near?: string): { version: string; source: string } | null {
    const n = normalizeName(name);
    const locks = [...this.lockFiles].sort((a, b) => Number(near !== undefined && b.covers.includes(near)) - Number(near !== undefined && a.covers.includes(near)));
    for (const lock of locks) {
      const v = lock.packages.get(n);
      if (v) return { version: v, source: lock.file };
    }
    const installed = this.installed.get(n);
    return installed ? { version: installed, source: 'installed metadata' } : null;
  }

  /** Versions in a local virtual environment's `*.dist-info` folders (name → version). Read, never imported. */
  get installed(): ReadonlyMap<string, string> {
    if (this.installedCache) return this.installedCache;
    const out = new Map<string, string>();
    for (const venv of ['.venv', 'venv', 'env']) {
      const base = path.join(this.root, venv);
      const candidates: string[] = [path.join(base, 'Lib', 'site-packages')];
      try {
        for (const py of readdirSync(path.join(base, 'lib'))) if (/^python\d/.test(py)) candidates.push(path.join(base, 'lib', py, 'site-packages'));
      } catch {
        // no lib folder
      }
      for (const dir of candidates) {
        let names: string[];
        try {
          names = readdirSync(dir);
        } catch {
          continue;
        }
        for (const n of names) {
          const m = /^(.+?)-(\d[^-]*)\.dist-info$/.exec(n);
          if (m) {
            const key = normalizeName(m[1] as string);
            if (!out.has(key)) out.set(key, m[2] as string);
          }
        }
      }
    }
    this.installedCache = out;
    return out;
  }

  /** Manifests and lock files that could not be read. */
  get problems(): ProjectProblem[] {
    const out: ProjectProblem[] = [];
    const push = (file: string, p: ManifestProblem | null): void => {
      if (p) out.push({ file, line: p.line, column: p.column, message: p.message });
    };
    for (const m of this.manifests) push(m.file, m.problem);
    for (const l of this.lockFiles) push(l.file, l.problem);
    return out;
  }

  // --- storage: Git LFS, DVC, .gitignore -------------------------------------------------------------------------

  /** Whether `.gitattributes` routes a file through Git LFS (`filter=lfs`), or the file is an LFS pointer. */
  isLfs(file: string): boolean {
    const rules = (this.attributeRules ??= this.loadAttributes());
    const top = this.rootPrefix === '' ? file : `${this.rootPrefix}/${file}`;
    const base = top.slice(top.lastIndexOf('/') + 1);
    let lfs = false;
    for (const rule of rules) {
      if (rule.dir !== '' && !top.startsWith(`${rule.dir}/`)) continue;
      const sub = rule.dir === '' ? top : top.slice(rule.dir.length + 1);
      if (rule.match(sub, base)) lfs = rule.lfs;
    }
    if (lfs) return true;
    // A pointer file committed as is (LFS not installed where it was checked out).
    const size = this.sizeOf(file);
    if (size !== null && size < 1024) {
      const text = this.readText(file);
      if (text?.startsWith('version https://git-lfs.github.com/spec/v1')) return true;
    }
    return false;
  }

  /** Whether a DVC pointer (`x.dvc`) or a `dvc.yaml`/`dvc.lock` output covers a file or one of its folders. */
  isDvcTracked(file: string): boolean {
    const outs = (this.dvcOuts ??= this.loadDvcOuts());
    return outs.some((o) => file === o || file.startsWith(`${o}/`));
  }

  /** How a file's content is stored: through LFS, DVC, plain git, or not in git at all. */
  storageOf(file: string): Storage {
    if (this.isDvcTracked(file)) return 'dvc';
    const f = this.byPath.get(file);
    if (!f?.tracked) return this.isLfs(file) ? 'lfs' : 'untracked';
    return this.isLfs(file) ? 'lfs' : 'git';
  }

  /**
   * Whether a `.gitignore` (in the project, or above it up to the git top) ignores a path, reading the project's own
   * `.gitignore` files through the fix overlay, so that a fix pass sees its own edits.
   */
  isGitIgnored(file: string): boolean {
    const parts = file.split('/');
    // Ancestors from the outermost: the git top (or the root) down to the file's folder.
    const chain: Array<{ text: string | null; rel: string }> = [];
    if (this.gitTop !== null && this.rootPrefix !== '') {
      const above = this.rootPrefix.split('/');
      for (let i = 0; i < above.length; i++) {
        const dirAbs = path.join(this.gitTop, ...above.slice(0, i));
        chain.push({ text: readSmall(path.join(dirAbs, '.gitignore')), rel: [...above.slice(i), ...parts].join('/') });
      }
    }
    for (let i = 0; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      chain.push({ text: this.readText(dir === '' ? '.gitignore' : `${dir}/.gitignore`), rel: parts.slice(i).join('/') });
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      const level = chain[i];
      if (!level?.text) continue;
      let ig = this.ignoreCache.get(level.text);
      if (!ig) {
        ig = ignore().add(level.text);
        this.ignoreCache.set(level.text, ig);
      }
      try {
        const r = ig.test(level.rel);
        if (r.ignored) return true;
        if (r.unignored) return false;
      } catch {
        continue;
      }
    }
    return false;
  }

  private loadAttributes(): AttributeRule[] {
    const files: Array<{ dir: string; text: string }> = [];
    if (this.gitTop !== null && this.rootPrefix !== '') {
      const above = this.rootPrefix.split('/');
      for (let i = 0; i < above.length; i++) {
        const text = readSmall(path.join(this.gitTop, ...above.slice(0, i), '.gitattributes'));
        if (text !== null) files.push({ dir: above.slice(0, i).join('/'), text });
      }
    }
    for (const f of this.files) {
      if (!f.path.endsWith('.gitattributes') || path.posix.basename(f.path) !== '.gitattributes') continue;
      const text = this.readText(f.path);
      const dir = dirOf(f.path);
      const topDir = this.rootPrefix === '' ? dir : dir === '' ? this.rootPrefix : `${this.rootPrefix}/${dir}`;
      if (text !== null) files.push({ dir: topDir, text });
    }
    files.sort((a, b) => a.dir.split('/').length - b.dir.split('/').length || compare(a.dir, b.dir));
    const rules: AttributeRule[] = [];
    for (const { dir, text } of files) {
      for (const raw of text.split(/\r?\n/)) {
        const line = raw.trim();
        if (line === '' || line.startsWith('#') || line.startsWith('[attr]')) continue;
        const [pattern, ...attrs] = line.split(/\s+/);
        if (!pattern) continue;
        let lfs: boolean | null = null;
        for (const a of attrs) {
          if (a === 'filter=lfs') lfs = true;
          else if (a.startsWith('filter=') || a === '-filter' || a === '!filter') lfs = false;
        }
        if (lfs === null) continue;
        rules.push({ dir, match: attributeMatcher(pattern), lfs });
      }
    }
    return rules;
  }

  private loadDvcOuts(): string[] {
    const outs: string[] = [];
    for (const f of this.files) {
      const base = path.posix.basename(f.path);
      const dir = dirOf(f.path);
      if (base.endsWith('.dvc') && base !== '.dvc') {
        const doc = this.yamlOf(f.path);
        const list = doc?.get('outs', true);
        if (yaml().isSeq(list)) {
          for (const item of list.items) {
            const p = yaml().isMap(item) ? item.get('path') : null;
            if (typeof p === 'string') pushJoined(outs, dir, p);
          }
        }
        // The pointer's own name also says what it covers: `model.pt.dvc` → `model.pt`.
        pushJoined(outs, dir, base.slice(0, -4));
      } else if (base === 'dvc.yaml' || base === 'dvc.lock') {
        const doc = this.yamlOf(f.path);
        const stages = doc?.get('stages', true);
        if (!yaml().isMap(stages)) continue;
        for (const pair of stages.items) {
          const stage = pair.value;
          if (!yaml().isMap(stage)) continue;
          const wdir = stage.get('wdir');
          const base2 = typeof wdir === 'string' ? (joinRelative(dir, wdir) ?? dir) : dir;
          for (const key of ['outs', 'metrics', 'plots']) {
            const list = stage.get(key, true);
            if (!yaml().isSeq(list)) continue;
            for (const item of list.items) {
              if (yaml().isScalar(item) && typeof item.value === 'string') pushJoined(outs, base2, item.value);
              else if (yaml().isMap(item)) {
                // `- path: model.pt` (dvc.lock) or `- model.pt: {cache: false}` (dvc.yaml)
                const p = item.get('path');
                if (typeof p === 'string') pushJoined(outs, base2, p);
                else for (const k of item.items) if (yaml().isScalar(k.key) && typeof k.key.value === 'string') pushJoined(outs, base2, k.key.value);
              }
            }
          }
        }
      }
    }
    return outs;
  }

  private yamlOf(file: string): YAMLMap | null {
    const text = this.readText(file);
    if (text === null) return null;
    try {
      const doc = yaml().parseDocument(text);
      return yaml().isMap(doc.contents) ? doc.contents : null;
    } catch {
      return null;
    }
  }

  // --- facts for file-scope rules -------------------------------------------------------------------------------

  /** Whether the project keeps prompts in files: a `prompts/` folder, or `*.prompt`, `*.prompt.yaml`, `*.prompty`. */
  get hasPromptFiles(): boolean {
    return this.promptFiles.length > 0;
  }

  /** Prompt files: anything under a `prompts/` (or `prompt_templates/`) folder, `*.prompt(.yaml)`, `*.prompty`. */
  get promptFiles(): string[] {
    return this.files
      .map((f) => f.path)
      .filter((p) => /(^|\/)(prompts|prompt_templates)\/[^/]/.test(p) || /\.prompt(\.ya?ml|\.json)?$|\.prompty$/.test(p));
  }

  /**
   * The lowest torch version the root's manifests require (`torch>=2.6` → "2.6"; a lock covering an unbounded entry
   * counts with its locked version), or null when some entry has no such bound or none names torch.
   */
  get torchMinVersion(): string | null {
    let min: string | null = null;
    let any = false;
    for (const m of this.manifests) {
      if (m.file.includes('/')) continue;
      for (const d of m.dependencies) {
        if (d.normalized !== 'torch') continue;
        any = true;
        const bound = d.minVersion ?? this.lockCovering(m.file)?.packages.get('torch') ?? null;
        if (bound === null) return null;
        if (min === null || compareVersions(bound, min) < 0) min = bound;
      }
    }
    return any ? min : null;
  }

  /** The facts file-scope rules read (see `ProjectFacts`). */
  facts(trackers: readonly string[] = []): ProjectFacts {
    return { root: this.root, torchMinVersion: this.torchMinVersion, trackers, hasPromptFiles: this.hasPromptFiles };
  }
}

/** Loads a project: lists its files (git or walk). Manifests, locks and storage are read on first use. */
export async function loadProject(root: string, opts: LoadProjectOptions = {}): Promise<Project> {
  const abs = path.resolve(root);
  const listing = await listProjectFiles(abs, opts.useGit === false ? { useGit: false } : {});
  return new Project(abs, listing.files, listing.gitTop, listing.gitUnavailable);
}

/** Markers that make a folder a project root by themselves: VCS data or a dependency manifest. */
const ROOT_MARKERS = ['.git', 'pyproject.toml', 'setup.py', 'setup.cfg', 'Pipfile', 'environment.yml', 'environment.yaml', 'requirements.txt', 'requirements.in'];

/**
 * The project root for a path given on the command line: the folder itself when it holds `.git` or a manifest;
 * else the nearest folder up with `.git` or `pyproject.toml`; else the folder itself.
 */
export function resolveProjectRoot(start: string): string {
  let dir = path.resolve(start);
  try {
    if (!statSync(dir).isDirectory()) dir = path.dirname(dir);
  } catch {
    dir = path.dirname(dir);
  }
  if (ROOT_MARKERS.some((m) => existsSync(path.join(dir, m)))) return dir;
  for (let d = dir; ; d = path.dirname(d)) {
    if (existsSync(path.join(d, '.git')) || existsSync(path.join(d, 'pyproject.toml'))) return d;
    if (path.dirname(d) === d) return dir;
  }
}

function pushJoined(out: string[], dir: string, rel: string): void {
  const joined = joinRelative(dir, rel.replace(/\/+$/, ''));
  if (joined) out.push(joined);
}

/**
 * A `.gitattributes` pattern: without a slash it matches the file name at any depth; with one it is anchored to
 * the attributes file's folder (gitignore's syntax, without negation).
 */
function attributeMatcher(pattern: string): (sub: string, base: string) => boolean {
  const anchored = pattern.replace(/^\//, '');
  if (!pattern.replace(/\/$/, '').includes('/')) {
    const m = picomatch(pattern, { dot: true });
    return (_sub, base) => m(base);
  }
  const m = picomatch(anchored, { dot: true });
  return (sub) => m(sub);
}

function readSmall(abs: string): string | null {
  try {
    const info = statSync(abs);
    if (!info.isFile() || info.size > MAX_TEXT_BYTES) return null;
    return readFileSync(abs, 'utf8');
  } catch {
    return null;
  }
}

function isVendored(file: string): boolean {
  return file.split('/').some((seg, i, all) => i < all.length - 1 && (WALK_SKIP_DIRS.has(seg) || seg.endsWith('.egg-info')));
}

function isUnder(file: string, dir: string): boolean {
  return dir === '' || file.startsWith(`${dir}/`);
}

function dirOf(file: string): string {
  const i = file.lastIndexOf('/');
  return i === -1 ? '' : file.slice(0, i);
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
