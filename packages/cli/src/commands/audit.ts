import { statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { computeProjectFacts, discoverFiles, loadConfig, resolveSelection, type ConfiguredRule, type FileProblem } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { createAuditCollector, findRule, rules } from '@mlops-lint/rules';
import { buildReport } from '../audit/report.js';
import { renderMarkdown } from '../audit/markdown.js';
import { EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, UsageError, type CliIO } from '../io.js';
import { lintTargets } from '../project-run.js';
import { createRunner, type RunFlags } from '../run-options.js';
import { VERSION } from '../version.js';
export { AUDIT_OPTIONS } from './audit-options.js';
import { displayPath, problemLine } from './check.js';

/** Options of `mlops-lint audit`. */

export interface AuditFlags extends RunFlags {
  format?: string;
  'output-file'?: string;
  select?: string[];
  'extend-select'?: string[];
  ignore?: string[];
  config?: string;
  'exit-zero'?: boolean;
}

function splitList(values: string[] | undefined): string[] | undefined {
  if (!values) return undefined;
  return values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
}

/**
 * `mlops-lint audit [path]`: one project run with every selected rule plus the audit collector, then the readiness
 * report (Markdown, or JSON with `--format json`). Exit code: 0 when the verdict is READY (or with `--exit-zero`),
 * 1 for NEEDS_ATTENTION and NOT_READY, 2 for usage, configuration or internal errors.
 */
export async function runAudit(paths: string[], flags: AuditFlags, io: CliIO): Promise<number> {
  const format = flags.format ?? 'markdown';
  if (format !== 'markdown' && format !== 'json') throw new UsageError(`unknown format "${format}" for audit (expected markdown or json)`);
  if (paths.length > 1) throw new UsageError('audit takes one project folder');
  const cwd = io.cwd;
  const target = paths[0] ?? '.';
  const abs = resolve(cwd, target);
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    throw new UsageError(`no such folder: ${target}`);
  }
  if (!isDir) throw new UsageError(`audit takes a project folder, not a file (got ${target})`);

  const loaded = loadConfig({ cwd: abs, ...(flags.config ? { configPath: resolve(cwd, flags.config) } : {}) });
  const selection = resolveSelection(
    rules.map((r) => r.meta),
    loaded.config,
    { select: splitList(flags.select), ignore: splitList(flags.ignore), extendSelect: splitList(flags['extend-select']) },
    loaded.file ?? 'configuration',
  );
  const discovery = await discoverFiles([target], {
    cwd,
    root: loaded.root,
    ...(loaded.config.exclude ? { exclude: loaded.config.exclude } : {}),
    ...(loaded.config.extendExclude ? { extendExclude: loaded.config.extendExclude } : {}),
    respectGitignore: loaded.config.respectGitignore ?? true,
  });
  const cache = new Map<string, ConfiguredRule[]>();
  const rulesFor = ({ absPath }: { absPath: string }): ConfiguredRule[] => {
    const enabled = rules.filter((r) => selection.enabled(r.meta, displayPath(loaded.root, absPath)));
    const key = enabled.map((r) => r.meta.code).join(',');
    let configured = cache.get(key);
    if (!configured) {
      configured = enabled.map((r) => {
        const options = selection.options(r.meta);
        return { rule: r, severity: selection.severity(r.meta), options: options ? [options] : [] };
      });
      cache.set(key, configured);
    }
    return configured;
  };

  const backend = await loadBackend();
  // The worker pool and the per-file results cache of `check`; the collector and the project rules' file hooks run
  // in this thread on the trees the workers send back.
  const runner = await createRunner(flags, cwd, loaded.root, loaded.file ?? null);
  const collector = createAuditCollector();
  const run = await lintTargets({
    cwd,
    targets: [target],
    files: discovery.files,
    backend,
    rulesFor,
    fix: 'none',
    write: false,
    facts: computeProjectFacts(abs, discovery.files),
    displayPath: (p) => displayPath(cwd, p),
    extraRules: [collector.rule],
    projectRun: true,
    runner: (list, options) => runner.lint(list, options),
  });
  await runner.finish();
  const discoveryProblems: FileProblem[] = discovery.problems.map((p) => ({ file: displayPath(cwd, p.path), line: null, column: null, cell: null, kind: 'discovery', message: p.message }));
  const problems = [...discoveryProblems, ...run.problems, ...run.results.flatMap((r) => r.problems)];
  for (const p of problems) io.stderr(`${problemLine(p)}\n`);
  const project = run.project;
  if (!project) throw new Error('audit: the project model was not loaded');

  const report = buildReport({
    project,
    results: run.results,
    facts: [...collector.facts.values()],
    display: (file) => displayPath(cwd, project.absolute(file)),
    toolVersion: VERSION,
    describe: (code) => findRule(code)?.meta.docs.description ?? null,
  });
  const text = format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : renderMarkdown(report);
  if (flags['output-file']) {
    try {
      writeFileSync(resolve(cwd, flags['output-file']), text);
    } catch (error) {
      throw new UsageError(`cannot write ${flags['output-file']}: ${(error as Error).message}`);
    }
  } else io.stdout(text);

  if (problems.some((p) => p.kind === 'rule-crash')) return EXIT_USAGE;
  if (flags['exit-zero'] || report.verdict === 'READY') return EXIT_OK;
  return EXIT_FINDINGS;
}
