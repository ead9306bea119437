import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultJobs, LintCache, lintFilesWith, RunCache, type EngineOptions, type FileProblem, type FileResult, type Project } from '@mlops-lint/core';
import { UsageError } from './io.js';
import { VERSION } from './version.js';

/** The cache and parallelism flags of `check`. */
export interface RunFlags {
  jobs?: string;
  cache?: boolean;
  'no-cache'?: boolean;
  'cache-location'?: string;
}

/** What a `check` run produced, as the run cache keeps it. */
export interface RunOutput {
  discoveryProblems: FileProblem[];
  results: FileResult[];
  runProblems: FileProblem[];
}

/** A fresh run's output with what the run cache needs to know about its inputs. */
export interface FreshRun extends RunOutput {
  project: Project | null;
  /** The folders and ignore files the walk read. */
  inputs: readonly string[];
  /** The linted files. */
  files: readonly string[];
  /** `statInputs` of inputs, files and configuration, taken before linting. */
  inputStats: Awaited<ReturnType<typeof RunCache.stat>>;
}

export interface Runner {
  lint(files: ReadonlyArray<{ absPath: string; displayPath: string }>, options: EngineOptions): Promise<FileResult[]>;
  /** The run cache, when caching is on. */
  runCache: RunCache | null;
  /** Paths the configuration was read from (part of every run's inputs). */
  configInputs: string[];
  statInputs(paths: readonly string[]): ReturnType<typeof RunCache.stat>;
  /** The run cache key of a command's parameters. */
  memoKey(parameters: Record<string, unknown>): string;
  /** The output of an identical earlier run over unchanged inputs, or null. */
  recall(key: string): Promise<RunOutput | null>;
  remember(key: string, run: FreshRun): Promise<void>;
  /** Writes the caches (call once the run is over). */
  finish(): Promise<void>;
}

/** `--jobs`: a positive integer; absent means the available cores. */
export function parseJobs(value: string | undefined): number {
  if (value === undefined) return defaultJobs();
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw new UsageError(`--jobs must be a positive integer, not "${value}"`);
  return Number(value);
}

/**
 * The file runner of a `check`: the worker pool (`--jobs`) and the results cache (`--cache`, on unless
 * `--no-cache`; in `.mlops-lint-cache` under the configuration root unless `--cache-location`).
 */
export async function createRunner(flags: RunFlags, cwd: string, configRoot: string, configFile: string | null): Promise<Runner> {
  const jobs = parseJobs(flags.jobs);
  if (flags.cache && flags['no-cache']) throw new UsageError('--cache and --no-cache contradict each other');
  const useCache = !flags['no-cache'];
  const location = flags['cache-location'] !== undefined ? resolve(cwd, flags['cache-location']) : join(configRoot, '.mlops-lint-cache');
  const toolVersion = buildId();
  // The results cache is read only when a run has to lint: a run the run cache answers never needs it.
  let cache: LintCache | null = null;
  const openCache = async (): Promise<LintCache | null> => {
    if (useCache) cache ??= await LintCache.open(location, toolVersion);
    return cache;
  };
  const runCache = useCache ? await RunCache.open(location, toolVersion) : null;
  const rulesModule = import.meta.resolve('@mlops-lint/rules');
  const configInputs = configFile ? [configFile] : [];
  const inCache = (p: string): boolean => p === location || p.startsWith(location + sep);
  return {
    lint: async (files, options) => lintFilesWith(files, options, { jobs, rulesModule, cache: await openCache(), toolVersion }),
    runCache,
    configInputs,
    statInputs: (paths) => RunCache.stat(paths.filter((p) => !inCache(p))),
    memoKey(parameters) {
      let config: string | null = null;
      try {
        config = configFile ? readFileSync(configFile, 'utf8') : null;
      } catch {
        config = null;
      }
      return LintCache.keyOf({ toolVersion, config, parameters });
    },
    async recall(key) {
      if (!runCache) return null;
      return (await runCache.lookup(key)) as RunOutput | null;
    },
    async remember(key, run) {
      if (!runCache) return;
      // Runs that met a problem that may go away on its own (an unreadable path, a crash) are done again next time.
      const transient = (p: FileProblem): boolean => !['syntax', 'decode', 'notebook', 'limit'].includes(p.kind);
      if (run.discoveryProblems.length > 0 || run.runProblems.some(transient) || run.results.some((r) => r.problems.some(transient))) return;
      const project = run.project;
      const projectPaths: string[] = [];
      if (project) {
        projectPaths.push(project.root);
        for (const dir of project.dirs) projectPaths.push(project.absolute(dir));
        for (const f of project.files) projectPaths.push(project.absolute(f.path));
        if (project.gitTop) projectPaths.push(join(project.gitTop, '.git', 'index'), join(project.gitTop, '.git', 'HEAD'));
      }
      const later = await RunCache.stat(projectPaths.filter((p) => !inCache(p)));
      const results = run.results.map(({ directives: _directives, ...rest }) => rest);
      runCache.store(key, [...run.inputStats, ...later], { discoveryProblems: run.discoveryProblems, results, runProblems: run.runProblems } satisfies RunOutput);
    },
    async finish() {
      // A cache that cannot be written (read-only checkout) costs speed, never the run.
      await (cache as LintCache | null)?.save().catch(() => undefined);
      await runCache?.save().catch(() => undefined);
    },
  };
}

let cachedBuildId: string | null = null;

/**
 * The tool version as the cache sees it: the release version plus a digest of the built packages' code, so that a
 * development copy rebuilt with other code never reads results of its previous build (a rebuild of the same code
 * keeps the caches).
 */
export function buildId(): string {
  if (cachedBuildId !== null) return cachedBuildId;
  const hash = createHash('sha1');
  for (const pkg of ['@mlops-lint/parser', '@mlops-lint/core', '@mlops-lint/rules']) {
    let dir: string;
    try {
      dir = dirname(fileURLToPath(import.meta.resolve(pkg)));
    } catch {
      continue;
    }
    hashTree(dir, hash);
  }
  hashTree(dirname(fileURLToPath(import.meta.url)), hash);
  cachedBuildId = `${VERSION}-${hash.digest('hex').slice(0, 12)}`;
  return cachedBuildId;
}

function hashTree(dir: string, hash: ReturnType<typeof createHash>): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) hashTree(p, hash);
    else if (e.name.endsWith('.js')) {
      try {
        hash.update(`${e.name}\0`).update(readFileSync(p));
      } catch {
        // vanished while looking: ignore
      }
    }
  }
}
