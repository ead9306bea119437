import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Directives, Suppression } from '@mlops-lint/parser';
import type { FileResult } from './engine.js';

/**
 * The results cache (`--cache`, on by default; `.mlops-lint-cache/`). A file's findings are reused when nothing
 * they depend on changed: the file's bytes (SHA-1 of the content), the rules that apply to it with their severity
 * and options, the project facts the rules read, the path it is shown under, and the tool version (the cache file
 * is per version). Files that had problems (read errors, syntax errors, rule crashes) are never cached, nor are
 * runs that fix.
 *
 * A file whose size and modification time are those recorded is not even read (Ruff and ESLint do the same);
 * otherwise its content hash decides, so a touched but unchanged file still hits. The cache is one JSON file,
 * written atomically (temporary file, then rename) at the end of a run; a missing, corrupt or foreign file is
 * treated as empty.
 */

const FORMAT = 1;

interface StoredResult {
  diagnostics: FileResult['diagnostics'];
  lines: number;
  parsed: boolean;
  directives: { lines: Array<[number, Suppression]>; file: Suppression[] } | null;
}

interface Entry {
  size: number;
  mtimeMs: number;
  hash: string;
  /** Hash of everything else the result depends on (rules, options, facts, shown path). */
  key: string;
  result: StoredResult;
}

interface CacheFile {
  format: number;
  version: string;
  entries: Record<string, Entry>;
}

/** What a lookup learnt about a file: the cached result on a hit, and the file's identity for `store`. */
export interface CacheProbe {
  absPath: string;
  key: string;
  /** Null when the file could not be read (the run reports that; nothing is cached). */
  size: number | null;
  mtimeMs: number;
  hash: string | null;
  hit: FileResult | null;
}

export class LintCache {
  private dirty = false;

  private constructor(
    readonly location: string,
    private readonly version: string,
    private readonly entries: Map<string, Entry>,
  ) {}

  /** Opens (reads) the cache kept in `location` for a tool version. */
  static async open(location: string, version: string): Promise<LintCache> {
    const entries = new Map<string, Entry>();
    try {
      const parsed = JSON.parse(await readFile(cacheFilePath(location, version), 'utf8')) as CacheFile;
      if (parsed.format === FORMAT && parsed.version === version && parsed.entries && typeof parsed.entries === 'object') {
        for (const [file, entry] of Object.entries(parsed.entries)) entries.set(file, entry);
      }
    } catch {
      // no cache yet, or unreadable: start empty
    }
    return new LintCache(location, version, entries);
  }

  /** A key for the inputs other than the file's bytes (callers pass a canonical string; it is hashed). */
  static keyOf(parts: unknown): string {
    return createHash('sha1').update(JSON.stringify(parts)).digest('hex');
  }

  /** Looks a file up. Reads and hashes the file unless its size and mtime match the entry's. */
  async probe(absPath: string, key: string): Promise<CacheProbe> {
    const probe: CacheProbe = { absPath, key, size: null, mtimeMs: 0, hash: null, hit: null };
    let info;
    try {
      info = await stat(absPath);
    } catch {
      return probe;
    }
    probe.size = info.size;
    probe.mtimeMs = info.mtimeMs;
    const entry = this.entries.get(absPath);
    if (entry && entry.size === info.size && entry.mtimeMs === info.mtimeMs) {
      probe.hash = entry.hash;
    } else {
      try {
        probe.hash = createHash('sha1').update(await readFile(absPath)).digest('hex');
      } catch {
        probe.size = null;
        return probe;
      }
      if (entry && entry.hash === probe.hash) {
        // Touched, not changed: remember the new stat so the next run need not read it.
        entry.size = info.size;
        entry.mtimeMs = info.mtimeMs;
        this.dirty = true;
      }
    }
    if (entry && entry.hash === probe.hash && entry.key === key) probe.hit = restore(entry.result, absPath);
    return probe;
  }

  /** Records a file's result (skipped when the file had problems or fixes, or could not be probed). */
  store(probe: CacheProbe, result: FileResult): void {
    if (probe.size === null || probe.hash === null) return;
    if (result.problems.length > 0 || result.output !== undefined || result.fixed > 0) return;
    this.entries.set(probe.absPath, {
      size: probe.size,
      mtimeMs: probe.mtimeMs,
      hash: probe.hash,
      key: probe.key,
      result: {
        diagnostics: result.diagnostics,
        lines: result.lines,
        parsed: result.parsed,
        directives: result.directives ? { lines: [...result.directives.lines], file: result.directives.file } : null,
      },
    });
    this.dirty = true;
  }

  /** Writes the cache if anything changed (temporary file + rename, so readers never see half a file). */
  async save(): Promise<void> {
    if (!this.dirty) return;
    const body: CacheFile = { format: FORMAT, version: this.version, entries: Object.fromEntries(this.entries) };
    await writeCacheFile(this.location, cacheFilePath(this.location, this.version), body);
    this.dirty = false;
  }
}

function cacheFilePath(location: string, version: string): string {
  return path.join(location, `results-${version.replace(/[^\w.-]/g, '_')}.json`);
}

/**
 * Writes one cache file into the cache folder (created with its `.gitignore` and `CACHEDIR.TAG`): a temporary file,
 * then a rename, so readers never see half a file. Then removes stale files of other versions.
 */
async function writeCacheFile(location: string, file: string, body: unknown): Promise<void> {
  await mkdir(location, { recursive: true });
  await writeIfAbsent(path.join(location, '.gitignore'), '# Created by mlops-lint\n*\n');
  await writeIfAbsent(path.join(location, 'CACHEDIR.TAG'), 'Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by mlops-lint.\n');
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    await writeFile(temp, JSON.stringify(body));
    await rename(temp, file);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await pruneStale(location);
}

async function writeIfAbsent(file: string, content: string): Promise<void> {
  try {
    await writeFile(file, content, { flag: 'wx' });
  } catch {
    // already there
  }
}

/** A stored result as a `FileResult`; the caller sets `displayPath` (it is part of the key, so it is the same). */
function restore(stored: StoredResult, absPath: string): FileResult {
  const directives: Directives | undefined = stored.directives
    ? { lines: new Map(stored.directives.lines), file: stored.directives.file }
    : undefined;
  const result: FileResult = {
    displayPath: '',
    absPath,
    diagnostics: stored.diagnostics,
    problems: [],
    fixed: 0,
    parsed: stored.parsed,
    lines: stored.lines,
  };
  if (directives) result.directives = directives;
  return result;
}

/** A path with the size and modification time it had (size -1: it did not exist). */
type InputStat = [path: string, size: number, mtimeMs: number];

interface RunEntry {
  key: string;
  inputs: InputStat[];
  output: unknown;
}

interface RunFile {
  format: number;
  version: string;
  runs: RunEntry[];
}

/** Runs remembered per tool version (different paths, selections or shards). */
const MAX_RUNS = 8;

/**
 * The run cache: a whole run's output (findings, problems), reused when the run's parameters are the same and
 * none of the paths it depended on changed: the folders it walked (a new or removed file changes its folder's
 * modification time), the ignore files and configuration it read, every linted file, and for a project run
 * every project file and the git index. Checking those is a `stat` per path, where a run reads and parses every
 * file; project rules (whose findings depend on every file at once) are covered too, which the per-file cache
 * cannot do.
 */
export class RunCache {
  private dirty = false;

  private constructor(
    readonly location: string,
    private readonly version: string,
    private runs: RunEntry[],
  ) {}

  static async open(location: string, version: string): Promise<RunCache> {
    let runs: RunEntry[] = [];
    try {
      const parsed = JSON.parse(await readFile(runFilePath(location, version), 'utf8')) as RunFile;
      if (parsed.format === FORMAT && parsed.version === version && Array.isArray(parsed.runs)) runs = parsed.runs;
    } catch {
      // none yet
    }
    return new RunCache(location, version, runs);
  }

  /** The stored output of a run with this key, when none of its inputs changed since. */
  async lookup(key: string): Promise<unknown> {
    const entry = this.runs.find((r) => r.key === key);
    if (!entry) return null;
    const now = await statAll(entry.inputs.map((i) => i[0]));
    for (let i = 0; i < now.length; i++) {
      const a = now[i] as InputStat;
      const b = entry.inputs[i] as InputStat;
      if (a[1] !== b[1] || a[2] !== b[2]) return null;
    }
    return entry.output;
  }

  /** Stats paths now, for `store` (take them before the run reads the files, so a change during the run counts). */
  static stat(paths: readonly string[]): Promise<InputStat[]> {
    return statAll(paths);
  }

  store(key: string, inputs: InputStat[], output: unknown): void {
    this.runs = [{ key, inputs, output }, ...this.runs.filter((r) => r.key !== key)].slice(0, MAX_RUNS);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const body: RunFile = { format: FORMAT, version: this.version, runs: this.runs };
    await writeCacheFile(this.location, runFilePath(this.location, this.version), body);
    this.dirty = false;
  }
}

/** How long a cache file no run has written stays: a week covers two tool versions used side by side. */
export const STALE_CACHE_MS = 7 * 24 * 3600 * 1000;

/**
 * Deletes the cache files no run has written for {@link STALE_CACHE_MS} (those of tool versions no longer used: each
 * version, and each rebuild of a development copy, writes its own files) and temporary files left by a killed run.
 * The files of versions in use are rewritten by their runs, so they stay. Best effort: a file that cannot be listed
 * or removed is left.
 */
export async function pruneStale(location: string, now = Date.now()): Promise<void> {
  let names: string[];
  try {
    names = await readdir(location);
  } catch {
    return;
  }
  for (const name of names) {
    if (!/^(?:results|runs)-.+\.json(?:\.\d+\.\d+\.tmp)?$/.test(name)) continue;
    const file = path.join(location, name);
    try {
      const info = await stat(file);
      const limit = name.endsWith('.tmp') ? 3600 * 1000 : STALE_CACHE_MS;
      if (now - info.mtimeMs > limit) await unlink(file);
    } catch {
      // gone already, or not ours to remove
    }
  }
}

function runFilePath(location: string, version: string): string {
  return path.join(location, `runs-${version.replace(/[^\w.-]/g, '_')}.json`);
}

/**
 * Stats paths (a missing one gets size -1). Synchronous on purpose: thousands of `statSync` calls take a third of
 * the time of the same calls through the thread pool, and nothing else runs meanwhile.
 */
async function statAll(paths: readonly string[]): Promise<InputStat[]> {
  const out: InputStat[] = new Array<InputStat>(paths.length);
  for (let i = 0; i < paths.length; i++) {
    const p = paths[i] as string;
    let s;
    try {
      s = statSync(p, { throwIfNoEntry: false });
    } catch {
      s = undefined;
    }
    out[i] = s ? [p, s.isDirectory() ? 0 : s.size, s.mtimeMs] : [p, -1, 0];
  }
  return out;
}
