import { writeFileSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import {
  computeProjectFacts,
  discoverFiles,
  findProjectRoot,
  loadConfig,
  resolveSelection,
  type AnyRule,
  type ConfiguredRule,
  type FileProblem,
  type FileResult,
  type FixMode,
} from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { runBaseline } from '../baseline.js';
import type { CheckFlags } from '../cli.js';
import { exitCodeFor, parseMaxWarnings } from '../exit-code.js';
import { computeIdentities, fingerprintsOf } from '../fingerprint.js';
import { formatters } from '../formatters/index.js';
import { summarize } from '../formatters/summary.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CliIO } from '../io.js';
import { computeNotebookLines } from '../notebook-lines.js';
import { lintTargets } from '../project-run.js';
import { loadRuleMetas } from '../rule-metas.js';
import { createRunner } from '../run-options.js';
import { inShard, parseShard } from '../shard.js';
import { VERSION } from '../version.js';

/** A path for output: relative to the working directory, with forward slashes. */
export function displayPath(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  const shown = rel === '' ? '.' : isAbsolute(rel) ? abs : rel;
  return sep === '/' ? shown : shown.split(sep).join('/');
}

function splitList(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/** One line for a file-level problem, as printed on stderr. */
export function problemLine(p: FileProblem): string {
  const where = p.line === null ? p.file : p.cell === null ? `${p.file}:${p.line}:${p.column ?? 1}` : `${p.file}:cell ${p.cell}:${p.line}:${p.column ?? 1}`;
  return `mlops-lint: ${where}: ${p.message}`;
}

/** `mlops-lint check`: discover, lint, fix, report. */
export async function runCheck(paths: string[], flags: CheckFlags, io: CliIO): Promise<number> {
  const format = flags.format ?? 'stylish';
  const formatter = formatters[format];
  if (!formatter) throw new UsageError(`unknown format "${format}" (expected ${Object.keys(formatters).join(', ')})`);
  if (flags['unsafe-fixes'] && !flags.fix && !flags.diff) throw new UsageError('--unsafe-fixes needs --fix or --diff');
  const fixMode: FixMode = flags.fix || flags.diff ? (flags['unsafe-fixes'] ? 'unsafe' : 'safe') : 'none';
  const write = Boolean(flags.fix) && !flags.diff;
  const shard = flags.shard !== undefined ? parseShard(flags.shard) : null;
  const maxWarnings = flags['max-warnings'] !== undefined ? parseMaxWarnings(flags['max-warnings']) : undefined;
  if (flags['update-baseline'] && !flags.baseline) throw new UsageError('--update-baseline needs --baseline <file>');
  if (flags['update-baseline'] && shard) throw new UsageError('--update-baseline cannot be combined with --shard; record the baseline in one full run');

  const cwd = io.cwd;
  const targets = paths.length > 0 ? paths : ['.'];
  const loaded = loadConfig({ cwd, ...(flags.config ? { configPath: resolve(cwd, flags.config) } : {}) });
  // Rule metadata only: a run the run cache answers never loads the rules' code (see rule-metas.ts).
  const metas = await loadRuleMetas();
  const selection = resolveSelection(
    metas,
    loaded.config,
    { select: splitList(flags.select), ignore: splitList(flags.ignore), extendSelect: splitList(flags['extend-select']) },
    loaded.file ?? 'configuration',
  );

  const enabledCodes = ({ absPath }: { absPath: string }): string[] => {
    const rel = displayPath(loaded.root, absPath);
    return metas.filter((m) => selection.enabled(m, rel)).map((m) => m.code);
  };
  // The rules themselves, loaded when a run has to lint.
  let ruleByCode: Map<string, AnyRule> | null = null;
  const cacheByKey = new Map<string, ConfiguredRule[]>();
  const rulesFor = (file: { absPath: string }): ConfiguredRule[] => {
    if (!ruleByCode) throw new Error('rules are not loaded');
    const codes = enabledCodes(file);
    const key = codes.join(',');
    let configured = cacheByKey.get(key);
    if (!configured) {
      const byCode = ruleByCode;
      configured = codes.map((code) => {
        const r = byCode.get(code) as AnyRule;
        const options = selection.options(r.meta);
        return { rule: r, severity: selection.severity(r.meta), options: options ? [options] : [] };
      });
      cacheByKey.set(key, configured);
    }
    return configured;
  };

  const runner = await createRunner(flags, cwd, loaded.root, loaded.file ?? null);
  // The run cache: the same command over unchanged files, configuration and project gives the same output.
  const memoKey = fixMode === 'none' ? runner.memoKey({ cwd, targets: targets.map((t) => resolve(cwd, t)), select: flags.select ?? null, ignore: flags.ignore ?? null, extendSelect: flags['extend-select'] ?? null, shard: flags.shard ?? null }) : null;
  const fresh = async () => {
  const { rules } = await import('@mlops-lint/rules');
  ruleByCode = new Map(rules.map((r) => [r.meta.code, r]));
  const discovery = await discoverFiles(targets, {
    cwd,
    root: loaded.root,
    ...(loaded.config.exclude ? { exclude: loaded.config.exclude } : {}),
    ...(loaded.config.extendExclude ? { extendExclude: loaded.config.extendExclude } : {}),
    respectGitignore: loaded.config.respectGitignore ?? true,
  });
  // Stat the walk's inputs before linting reads them, so that a change during the run invalidates the run cache.
  const inputStats = runner.runCache ? await runner.statInputs([...discovery.inputs, ...discovery.files, ...runner.configInputs]) : [];
  const discoveryProblems: FileProblem[] = discovery.problems.map((p) => ({
    file: displayPath(cwd, p.path),
    line: null,
    column: null,
    cell: null,
    kind: 'discovery',
    message: p.message,
  }));

  const backend = await loadBackend();
  const projectRoot = findProjectRoot(resolve(cwd, targets[0] as string));
  const wantsTrackers = metas.some((m) => m.code === 'ML301');
  const project = computeProjectFacts(projectRoot, discovery.files, { trackers: wantsTrackers });

  // Project facts above see every file, so a shard's findings are exactly its files' findings in a full run.
  // A directory argument makes this a project run, where project-scope rules take part (project-run.ts).
  const run = await lintTargets({
    cwd,
    targets,
    files: discovery.files,
    backend,
    rulesFor,
    fix: fixMode,
    write,
    facts: project,
    displayPath: (abs) => displayPath(cwd, abs),
    ...(shard ? { inShard: (abs: string) => inShard(displayPath(loaded.root, abs), shard) } : {}),
    // `max-file-size` reaches the engine through the runner, whichever path (project run or not) calls it.
    runner: (list, options) => runner.lint(list, loaded.config.maxFileSize !== undefined ? { ...options, maxFileSize: loaded.config.maxFileSize } : options),
  });
  return { discoveryProblems, results: run.results, runProblems: run.problems, project: run.project, inputs: discovery.inputs, files: discovery.files, inputStats };
  };
  const memo = memoKey !== null ? await runner.recall(memoKey) : null;
  let discoveryProblems: FileProblem[];
  let results: FileResult[];
  let runProblems: FileProblem[];
  if (memo) ({ discoveryProblems, results, runProblems } = memo);
  else {
    const out = await fresh();
    ({ discoveryProblems, results, runProblems } = out);
    if (memoKey !== null) await runner.remember(memoKey, out);
  }
  await runner.finish();

  const problems = [...discoveryProblems, ...runProblems, ...results.flatMap((r) => r.problems)];
  for (const p of problems) io.stderr(`${problemLine(p)}\n`);

  if (flags.diff) {
    // Loaded here: only --diff needs it, and every import is start-up time of a cached run.
    const { createTwoFilesPatch } = await import('diff');
    let patch = '';
    for (const r of results) {
      if (r.output !== undefined && r.original !== undefined) {
        patch += createTwoFilesPatch(`a/${r.displayPath}`, `b/${r.displayPath}`, r.original, r.output, '', '', { context: 3 });
      }
    }
    io.stdout(patch);
    const changed = results.some((r) => r.output !== undefined);
    if (problems.some((p) => p.kind === 'rule-crash')) return EXIT_USAGE;
    return changed && !flags['exit-zero'] ? EXIT_FINDINGS : EXIT_OK;
  }

  // Fingerprints re-read the files with findings (~5% of a run): only for the baseline and formats that carry them.
  const identities = flags.baseline || format === 'sarif' || format === 'gitlab' ? computeIdentities(results) : new Map();
  const reported = flags.baseline
    ? runBaseline(flags.baseline, Boolean(flags['update-baseline']), results, identities, (absPath) => enabledCodes({ absPath }), io)
    : results;
  const color = flags['no-color'] ? false : flags.color ? true : io.isTTY && !io.env['NO_COLOR'];
  const report = formatter({
    results: reported,
    problems,
    color: Boolean(color) && !flags['output-file'],
    toolVersion: VERSION,
    fixMode: write ? fixMode : 'none',
    rules: metas,
    fingerprints: fingerprintsOf(identities),
    // GitHub and GitLab place findings on the file as stored: a notebook's on the line of its JSON.
    ...(format === 'github' || format === 'gitlab' ? { notebookLines: computeNotebookLines(reported, problems) } : {}),
  });
  if (flags['output-file']) {
    try {
      writeFileSync(resolve(cwd, flags['output-file']), report);
    } catch (error) {
      throw new UsageError(`cannot write ${flags['output-file']}: ${(error as Error).message}`);
    }
  } else io.stdout(report);

  if (problems.some((p) => p.kind === 'rule-crash')) return EXIT_USAGE;
  return exitCodeFor(summarize(reported), { maxWarnings, exitZero: flags['exit-zero'] });
}
