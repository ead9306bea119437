import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { SourceFile, TreeSnapshot, type BackendName, type ParserBackend, type PreparedSource, type SnapshotData } from '@mlops-lint/parser';
import { LintCache, type CacheProbe } from './cache.js';
import type { Severity } from './config.js';
import { compareDiagnostics } from './diagnostic.js';
import { lintFile, lintFiles, type EngineOptions, type FileResult } from './engine.js';
import { lintSource, RuleCrashError, type ConfiguredRule } from './linter.js';
import { PeriodicGc } from './periodic-gc.js';
import { ruleAppliesToPath, rulesForText, type Triggers as RuleTriggers } from './prefilter.js';
import type { AnyRule, ProjectFacts } from './rule.js';

/**
 * Linting many files: on a pool of worker threads (`--jobs N`), through the results cache, or both.
 *
 * Rules split in two. *Portable* rules are the registry's own rule objects, run through `create`: a worker thread
 * imports the registry and runs them itself. The others (a project rule's per-file hook, the audit's collectors)
 * keep state in this thread's closures, so they run here, on the worker's parse: the worker sends back the file's
 * tree as a `TreeSnapshot` (plain arrays, transferred without copying) and this thread lints that with them, then
 * merges both findings in the usual order. The cache holds the portable rules' results only; a file whose result
 * comes from the cache is still parsed when non-portable rules need it.
 *
 * Output does not depend on the number of jobs: every file is linted by the same function with the same rules,
 * results come back in input order, and `--jobs 1` runs that function in this thread.
 */

export interface RunOptions {
  /** Worker threads; 1 (or a run too small to share) lints in this thread. */
  jobs: number;
  /**
   * Module (URL or specifier) whose `rules` export is the rule registry, for worker threads to import. Rules the
   * registry does not hold run in this thread.
   */
  rulesModule?: string;
  /** The results cache; null or absent for none. */
  cache?: LintCache | null;
  /** Tool version, part of every cache key. */
  toolVersion?: string;
  /** Files per message to a worker (default 8). */
  batchSize?: number;
}

/** The number of jobs when `--jobs` is not given: the cores this process may use. */
export function defaultJobs(): number {
  return Math.max(1, availableParallelism());
}

/** A rule configuration as it crosses to a worker: the registry's code, not the object. */
interface RuleSpec {
  code: string;
  severity: Severity;
  options: readonly unknown[];
}

/** Engine options every task shares, as data. */
export interface SharedOptions {
  fix: EngineOptions['fix'];
  write: boolean;
  project: ProjectFacts | null;
  prefilter: boolean;
  projectRules: boolean;
  /** `EngineOptions.maxFileSize`. */
  maxFileSize?: number;
}

/** What a rule's textual pre-filter looks for: its `meta.triggers`, or null for a rule without any. */
type Triggers = RuleTriggers | null;

/** One file for an executor: which rule set (by id), and whether to send the parsed source back. */
export interface Task {
  index: number;
  absPath: string;
  displayPath: string;
  set: number;
  /** Whether this thread needs the file's source and tree back (rules it runs itself apply to the file). */
  wantSource: boolean;
  /**
   * The triggers of those rules: the file is parsed for them when the text holds one of them, even if no rule of
   * `set` is left to run.
   */
  parseFor: Triggers[];
}

export interface TaskOutput {
  index: number;
  result: FileResult;
  /** With `wantSource`: the linted source, when the file could be read as one. */
  prepared?: PreparedSource;
  /** With `wantSource`: the tree, when it had no syntax errors (else this thread parses `prepared` again). */
  snapshot?: SnapshotData | TreeSnapshot | null;
}

/**
 * A rule that never reports, with the triggers of a rule the main thread runs: added to a file's rules when the
 * main thread needs the file's tree, so that the file is parsed whenever that rule may apply, even when no
 * portable rule is left to run on it.
 */
function parseOnly(triggers: Triggers): ConfiguredRule {
  const rule: AnyRule = {
    meta: {
      code: 'ML000',
      name: 'parse-only',
      severity: 'info',
      scope: 'file',
      fix: 'none',
      docs: { description: 'internal: parse the file for rules run in the main thread', url: '' },
      messages: {},
      ...(triggers === null ? {} : { triggers }),
    },
    create: () => ({}),
  };
  return { rule, severity: 'info', options: [] };
}

/** Lints one task with resolved rules; what a worker thread (or this thread, with one job) runs per file. */
export async function runTask(task: Task, rules: readonly ConfiguredRule[], backend: ParserBackend, shared: SharedOptions): Promise<TaskOutput> {
  let last: SourceFile | null = null;
  const list = task.wantSource ? [...rules, ...task.parseFor.map(parseOnly)] : rules;
  const result = await lintFile(
    { absPath: task.absPath, displayPath: task.displayPath },
    {
      backend,
      rulesFor: () => list,
      fix: shared.fix ?? 'none',
      write: shared.write,
      project: shared.project,
      prefilter: shared.prefilter,
      projectRules: shared.projectRules,
      ...(shared.maxFileSize !== undefined ? { maxFileSize: shared.maxFileSize } : {}),
      ...(task.wantSource
        ? {
            onSource: (source: SourceFile) => {
              last = source;
            },
          }
        : {}),
    },
  );
  const output: TaskOutput = { index: task.index, result };
  const source = last as SourceFile | null;
  if (source) {
    output.prepared = { path: source.path, kind: source.kind, code: source.text, notebook: source.notebook, bom: source.bom };
    output.snapshot = source.snapshot;
  }
  return output;
}

interface Executor {
  /** Runs the tasks; each output is handed to `take` as soon as it is there (so trees never pile up). */
  run(tasks: Task[], sets: Map<number, RuleSpec[]>, take: (output: TaskOutput) => void): Promise<void>;
  close(): Promise<void>;
}

/** Lints files, like `lintFiles`, on `run.jobs` threads and through `run.cache`. */
export async function lintFilesWith(
  files: ReadonlyArray<{ absPath: string; displayPath: string }>,
  options: EngineOptions,
  run: RunOptions,
): Promise<FileResult[]> {
  const mode = options.fix ?? 'none';
  const cache = mode === 'none' ? (run.cache ?? null) : null;
  const registry = run.jobs > 1 && run.rulesModule ? await loadRegistry(run.rulesModule) : null;
  const shared: SharedOptions = {
    fix: mode,
    write: options.write ?? false,
    project: options.project ?? null,
    prefilter: options.prefilter !== false,
    projectRules: options.projectRules ?? false,
    ...(options.maxFileSize !== undefined ? { maxFileSize: options.maxFileSize } : {}),
  };

  // Split each file's rules into portable ones (a worker can run them) and the rest (this thread runs them).
  const portableOf = (c: ConfiguredRule): boolean =>
    c.visitors === undefined && (registry === null ? true : registry.get(c.rule.meta.code) === c.rule);
  const setIds = new Map<string, number>();
  const setSpecs = new Map<number, RuleSpec[]>();
  const setRules = new Map<number, ConfiguredRule[]>();
  const plans = files.map((file) => {
    const all = options.rulesFor(file);
    const portable: ConfiguredRule[] = [];
    const local: ConfiguredRule[] = [];
    for (const c of all) (portableOf(c) ? portable : local).push(c);
    const specs = portable.map((c) => ({ code: c.rule.meta.code, severity: c.severity, options: c.options }));
    const key = JSON.stringify(specs);
    let set = setIds.get(key);
    if (set === undefined) {
      set = setIds.size;
      setIds.set(key, set);
      setSpecs.set(set, specs);
      setRules.set(set, portable);
    }
    return { file, portable, local, set, key };
  });
  const needsLocal = plans.some((p) => p.local.length > 0);
  // Fix passes interleave every rule's fixes: with rules that must run here, fix in this thread alone.
  if (needsLocal && mode !== 'none') return lintFiles(files, options);
  if (!cache && (registry === null || files.length < 2) && !needsLocal) return lintFiles(files, options);

  // Cache lookups (a few at a time: each may read and hash the file).
  const probes: Array<CacheProbe | null> = new Array<CacheProbe | null>(files.length).fill(null);
  if (cache) {
    const facts = shared.project;
    const keys = plans.map((p) => LintCache.keyOf([run.toolVersion ?? '', p.key, facts, shared.projectRules, shared.prefilter, p.file.displayPath, shared.maxFileSize ?? null]));
    await forEachLimited(plans, 16, async (plan, i) => {
      probes[i] = await cache.probe(plan.file.absPath, keys[i] as string);
    });
  }

  const tasks: Task[] = [];
  const results: Array<FileResult | null> = new Array<FileResult | null>(files.length).fill(null);
  plans.forEach((plan, index) => {
    const hit = probes[index]?.hit ?? null;
    if (hit) {
      hit.displayPath = plan.file.displayPath;
      results[index] = hit;
    }
    const wantSource = plan.local.length > 0;
    if (hit && !wantSource) return;
    // A cached file still needs its tree for the rules that run here; it is parsed with no portable rule.
    const set = hit ? emptySet(setIds, setSpecs, setRules) : plan.set;
    const parseFor = plan.local.filter((c) => ruleAppliesToPath(c.rule, plan.file.displayPath)).map((c): Triggers => c.rule.meta.triggers ?? null);
    tasks.push({ index, absPath: plan.file.absPath, displayPath: plan.file.displayPath, set, wantSource, parseFor });
  });

  const threads = registry ? Math.min(run.jobs, Math.ceil(tasks.length / MIN_TASKS_PER_WORKER)) : 1;
  const executor: Executor =
    threads > 1 && run.rulesModule
      ? new ThreadExecutor(threads, options.backend.name, run.rulesModule, shared, run.batchSize ?? 8, (list, give) =>
          new LocalExecutor(options.backend, shared, setRules).run(list, setSpecs, give),
        )
      : new LocalExecutor(options.backend, shared, setRules);
  const take = (out: TaskOutput): void => {
    const plan = plans[out.index];
    if (!plan) return;
    const cached = results[out.index];
    let result: FileResult;
    if (cached) result = { ...cached, diagnostics: [...cached.diagnostics] };
    else {
      result = out.result;
      const probe = probes[out.index];
      if (cache && probe) cache.store(probe, portableOnly(plan, out, shared));
    }
    if (plan.local.length > 0) result = runLocal(plan, out, result, cached !== null, options, shared);
    results[out.index] = result;
  };
  try {
    await executor.run(tasks, setSpecs, take);
  } finally {
    await executor.close();
  }
  return results.map((r, i) => r ?? emptyResult(files[i] as { absPath: string; displayPath: string }));
}

const MIN_TASKS_PER_WORKER = 4;

function emptySet(ids: Map<string, number>, specs: Map<number, RuleSpec[]>, rules: Map<number, ConfiguredRule[]>): number {
  const key = '[]';
  let set = ids.get(key);
  if (set === undefined) {
    set = ids.size;
    ids.set(key, set);
    specs.set(set, []);
    rules.set(set, []);
  }
  return set;
}

/**
 * The portable rules' own result, as the cache keeps it: a file parsed only because rules of this thread needed
 * its tree is, for the portable rules, a file they never parsed.
 */
function portableOnly(plan: { portable: ConfiguredRule[]; local: ConfiguredRule[] }, out: TaskOutput, shared: SharedOptions): FileResult {
  if (plan.local.length === 0 || !out.prepared || !shared.prefilter) return out.result;
  if (rulesForText(plan.portable, out.prepared.code, out.result.displayPath).length > 0) return out.result;
  const result: FileResult = { ...out.result, parsed: false };
  delete result.directives;
  return result;
}

function emptyResult(file: { absPath: string; displayPath: string }): FileResult {
  return { displayPath: file.displayPath, absPath: file.absPath, diagnostics: [], problems: [], fixed: 0, parsed: false, lines: 0 };
}

/**
 * Runs the rules that stay in this thread on a file the worker parsed, and merges their findings into the
 * portable rules' result exactly as one `lintText` with every rule would have produced them.
 */
function runLocal(
  plan: { file: { absPath: string; displayPath: string }; portable: ConfiguredRule[]; local: ConfiguredRule[] },
  out: TaskOutput,
  base: FileResult,
  fromCache: boolean,
  options: EngineOptions,
  shared: SharedOptions,
): FileResult {
  const prepared = out.prepared;
  // Not readable as source (read, decode or notebook problems): the worker's result says so, nothing more to run.
  if (!prepared) return fromCache ? base : out.result;
  const result: FileResult = { ...base, diagnostics: [...base.diagnostics], problems: [...base.problems] };
  const local = shared.prefilter ? rulesForText(plan.local, prepared.code, plan.file.displayPath) : plan.local;
  // The portable rules' triggers matter only when no rule of this thread applies (then: was the file parsed?).
  if (local.length === 0 && shared.prefilter && rulesForText(plan.portable, prepared.code, plan.file.displayPath).length === 0) {
    // Parsed only for these rules, which turned out to have nothing to look for: as if never parsed.
    result.parsed = false;
    result.problems = result.problems.filter((p) => p.kind !== 'syntax');
    delete result.directives;
    return result;
  }
  result.parsed = true;
  if (local.length === 0 || result.problems.some((p) => p.kind === 'rule-crash')) return result;
  const snapshot = out.snapshot ? (out.snapshot instanceof TreeSnapshot ? out.snapshot : TreeSnapshot.fromData(out.snapshot)) : null;
  const source = snapshot ? SourceFile.fromSnapshot(prepared, snapshot) : SourceFile.fromPrepared(options.backend, prepared);
  try {
    const lint = lintSource(source, local, {
      filename: plan.file.displayPath,
      absPath: plan.file.absPath,
      project: shared.project,
      projectRules: shared.projectRules,
    });
    result.diagnostics = [...result.diagnostics, ...lint.diagnostics].sort(compareDiagnostics);
    result.directives ??= lint.directives;
    // A cached result has no problems; a file with syntax errors is never cached, so nothing is missing here.
  } catch (error) {
    if (!(error instanceof RuleCrashError)) throw error;
    result.diagnostics = [];
    delete result.directives;
    result.problems.push({ file: plan.file.displayPath, line: error.line, column: null, cell: null, kind: 'rule-crash', message: error.message });
  } finally {
    source.release();
  }
  return result;
}

async function loadRegistry(specifier: string): Promise<Map<string, AnyRule>> {
  const mod = (await import(specifier)) as { rules?: readonly AnyRule[] };
  return new Map((mod.rules ?? []).map((r) => [r.meta.code, r]));
}

async function forEachLimited<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await fn(items[i] as T, i);
    }
  });
  await Promise.all(lanes);
}

/** Runs tasks in this thread, one after another, yielding now and then so the native binding can free trees. */
class LocalExecutor implements Executor {
  private readonly memory: PeriodicGc;

  constructor(
    private readonly backend: ParserBackend,
    private readonly shared: SharedOptions,
    private readonly sets: Map<number, ConfiguredRule[]>,
  ) {
    this.memory = localGc();
  }

  async run(tasks: Task[], _sets: Map<number, RuleSpec[]>, take: (output: TaskOutput) => void): Promise<void> {
    let n = 0;
    for (const task of tasks) {
      take(await runTask(task, this.sets.get(task.set) ?? [], this.backend, this.shared));
      this.memory.fileDone();
      if (++n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
    }
  }

  async close(): Promise<void> {
    // nothing to stop
  }
}

/** How long a worker asked to leave may take before it is terminated. */
const CLOSE_GRACE_MS = 5000;

/** One counter per thread, however many executors run there one after another. */
let threadGc: PeriodicGc | null = null;

function localGc(): PeriodicGc {
  threadGc ??= new PeriodicGc();
  return threadGc;
}

/** How often a thread linting many files yields to its event loop (the native binding frees trees there). */
export const YIELD_EVERY = 8;

/** Messages between this thread and a worker (see `worker.ts`). */
export type ToWorker = { kind: 'batch'; batch: number; tasks: Task[]; sets: Array<[number, RuleSpec[]]> } | { kind: 'close' };
export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'done'; batch: number; outputs: TaskOutput[] }
  | { kind: 'error'; message: string; stack?: string };

export interface WorkerInit {
  backend: BackendName;
  rulesModule: string;
  shared: SharedOptions;
}

/**
 * Heap limits of a worker. V8 grows a heap lazily, so without a limit every worker would hold hundreds of MB of
 * garbage; with one it collects sooner. A file too big for the limit kills its worker, and its batch is linted in
 * the main thread instead. `MLOPS_LINT_WORKER_HEAP_MB` and `MLOPS_LINT_WORKER_YOUNG_MB` override the old (96 MB)
 * and young (8 MB) generation limits.
 */
function workerLimits(): { maxOldGenerationSizeMb: number; maxYoungGenerationSizeMb: number } {
  const mb = Number(process.env['MLOPS_LINT_WORKER_HEAP_MB'] ?? '');
  const young = Number(process.env['MLOPS_LINT_WORKER_YOUNG_MB'] ?? '');
  return { maxOldGenerationSizeMb: Number.isFinite(mb) && mb > 0 ? mb : 96, maxYoungGenerationSizeMb: Number.isFinite(young) && young > 0 ? young : 8 };
}

/** The worker entry's path: next to this module when built, else the built copy (tests run the sources). */
function workerEntry(): URL {
  const here = new URL('./worker.js', import.meta.url);
  if (existsSync(fileURLToPath(here))) return here;
  return new URL('../dist/worker.js', import.meta.url);
}

/**
 * Runs tasks on `count - 1` worker threads, each with its own parser backend and rule registry, and in this
 * thread, which is otherwise idle (and one thread fewer is one heap fewer). Tasks go out in batches to whoever is
 * free (files differ a lot in size); each worker has two batches queued so it never waits for this thread.
 */
class ThreadExecutor implements Executor {
  private readonly workers: Worker[] = [];
  private readonly exited = new WeakSet<Worker>();
  private closing = false;

  constructor(
    /** Threads in all, this one included. */
    private readonly count: number,
    private readonly backend: BackendName,
    private readonly rulesModule: string,
    private readonly shared: SharedOptions,
    private readonly batchSize: number,
    /** Runs a batch in this thread: its share of the work, and the batches of a worker that died. */
    private readonly local: (tasks: Task[], take: (output: TaskOutput) => void) => Promise<void>,
  ) {}

  run(tasks: Task[], sets: Map<number, RuleSpec[]>, take: (output: TaskOutput) => void): Promise<void> {
    const batches: Task[][] = [];
    for (let i = 0; i < tasks.length; i += this.batchSize) batches.push(tasks.slice(i, i + this.batchSize));
    let next = 0;
    let finished = 0;
    return new Promise<void>((resolve, reject) => {
      if (batches.length === 0) {
        resolve();
        return;
      }
      let failed = false;
      const fail = (error: Error): void => {
        if (failed) return;
        failed = true;
        reject(error);
      };
      const complete = (): void => {
        finished++;
        if (finished === batches.length) resolve();
      };
      // This thread's lane: batches nobody took yet, and those of workers that died (out of memory on a huge file).
      const orphans: number[] = [];
      let laneBusy = false;
      const lane = (): void => {
        if (laneBusy || failed) return;
        const batch = orphans.shift() ?? (next < batches.length ? next++ : undefined);
        if (batch === undefined) return;
        laneBusy = true;
        this.local(batches[batch] as Task[], take).then(() => {
          laneBusy = false;
          complete();
          // Let the workers' messages in before the next batch.
          setImmediate(lane);
        }, fail);
      };
      const init: WorkerInit = { backend: this.backend, rulesModule: this.rulesModule, shared: this.shared };
      for (let w = 0; w < this.count - 1; w++) {
        const worker = new Worker(workerEntry(), { workerData: init, resourceLimits: workerLimits() });
        this.workers.push(worker);
        const known = new Set<number>();
        const inFlight = new Set<number>();
        const feed = (): void => {
          if (failed || next >= batches.length) return;
          const batch = next++;
          inFlight.add(batch);
          const list = batches[batch] as Task[];
          const newSets: Array<[number, RuleSpec[]]> = [];
          for (const t of list) {
            if (known.has(t.set)) continue;
            known.add(t.set);
            newSets.push([t.set, sets.get(t.set) ?? []]);
          }
          const message: ToWorker = { kind: 'batch', batch, tasks: list, sets: newSets };
          worker.postMessage(message);
        };
        worker.on('message', (message: FromWorker) => {
          if (message.kind === 'ready') {
            feed();
            feed();
          } else if (message.kind === 'done') {
            inFlight.delete(message.batch);
            feed();
            try {
              for (const out of message.outputs) take(out);
            } catch (error) {
              fail(error as Error);
              return;
            }
            complete();
          } else {
            const error = new Error(message.message);
            if (message.stack) error.stack = message.stack;
            fail(error);
          }
        });
        // A worker that dies hands its batches to this thread, which has no heap limit.
        worker.on('error', () => undefined);
        worker.on('exit', () => {
          this.exited.add(worker);
          if (this.closing) return;
          orphans.push(...[...inFlight].sort((a, b) => a - b));
          inFlight.clear();
          lane();
        });
      }
      lane();
    });
  }

  /**
   * Stops the workers. Each is asked to leave once idle and exits on its own; only one that has not gone after
   * {@link CLOSE_GRACE_MS} is terminated. Terminating a worker while the native binding runs in it (a tree's
   * finalizer, say) makes the binding throw where it cannot, and the whole process aborts.
   */
  async close(): Promise<void> {
    this.closing = true;
    const close: ToWorker = { kind: 'close' };
    const leave = (w: Worker): Promise<void> =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => void w.terminate().then(() => resolve(), () => resolve()), CLOSE_GRACE_MS);
        w.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        try {
          w.postMessage(close);
        } catch {
          // already gone
        }
      });
    await Promise.all(this.workers.filter((w) => !this.exited.has(w)).map(leave));
    this.workers.length = 0;
  }
}
