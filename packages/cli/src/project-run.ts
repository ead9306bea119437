import { statSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import {
  lintFiles,
  lintProject,
  loadProject,
  resolveProjectRoot,
  type ConfiguredRule,
  type EngineOptions,
  type FileProblem,
  type FileResult,
  type FixMode,
  type Project,
  type ProjectFacts,
} from '@mlops-lint/core';
import type { ParserBackend } from '@mlops-lint/parser';

export interface LintTargetsOptions {
  cwd: string;
  /** The paths given on the command line. */
  targets: readonly string[];
  /** Every discovered file (absolute). */
  files: readonly string[];
  /** Whether a file (absolute) belongs to this run's shard; all do without `--shard`. */
  inShard?: (absPath: string) => boolean;
  backend: ParserBackend;
  rulesFor(file: { absPath: string }): readonly ConfiguredRule[];
  fix: FixMode;
  write: boolean;
  /** Facts computed for file-scope rules (single-file runs use them as they are). */
  facts: ProjectFacts;
  displayPath(abs: string): string;
  /** Rules run on every file of a project run and never pre-filtered (the audit's collectors). */
  extraRules?: readonly ConfiguredRule[];
  /** Force a project run whatever the targets are (the audit). */
  projectRun?: boolean;
  /** Lints the files (default `lintFiles`): the worker pool and the results cache (`lintFilesWith`). */
  runner?: (files: ReadonlyArray<{ absPath: string; displayPath: string }>, options: EngineOptions) => Promise<FileResult[]>;
}

export interface LintTargetsResult {
  results: FileResult[];
  /** Problems of the project run itself (manifests that do not parse, crashed project hooks); per-file ones stay on the results. */
  problems: FileProblem[];
  /** The project model, for project runs. */
  project: Project | null;
}

/** Whether the command line names a directory: then the run is a project run and project-scope rules take part. */
export function isProjectRun(cwd: string, targets: readonly string[]): boolean {
  return targets.some((t) => {
    try {
      return statSync(resolve(cwd, t)).isDirectory();
    } catch {
      return false;
    }
  });
}

/**
 * Lints the discovered files. With a directory among the targets this is a project run (RULES.md: `check <dir>`
 * runs project-scope rules, `check file.py` does not): the project model is loaded from the first directory's
 * project root, project rules' hooks run, and their findings (on manifests, artifacts, any file) are merged in.
 * With `--shard`, project rules still see every file (their findings can depend on any of them), every other rule
 * only the shard's files, and only findings on the shard's files are kept. Findings outside the given paths are
 * dropped (the project rules still read the whole project).
 */
export async function lintTargets(opts: LintTargetsOptions): Promise<LintTargetsResult> {
  const inShard = opts.inShard ?? (() => true);
  const toFile = (absPath: string) => ({ absPath, displayPath: opts.displayPath(absPath) });
  const projectRun = opts.projectRun ?? isProjectRun(opts.cwd, opts.targets);
  if (!projectRun) {
    const results = await (opts.runner ?? lintFiles)(opts.files.filter(inShard).map(toFile), {
      backend: opts.backend,
      rulesFor: opts.rulesFor,
      fix: opts.fix,
      write: opts.write,
      project: opts.facts,
    });
    return { results, problems: [], project: null };
  }

  const firstDir = opts.targets.find((t) => isProjectRun(opts.cwd, [t])) ?? opts.targets[0] ?? '.';
  const root = resolveProjectRoot(resolve(opts.cwd, firstDir));
  const project = await loadProject(root);
  const sharded = opts.inShard !== undefined;
  const rulesFor = sharded
    ? (file: { absPath: string }): readonly ConfiguredRule[] => {
        const all = opts.rulesFor(file);
        return inShard(file.absPath) ? all : all.filter((c) => c.rule.meta.scope === 'project');
      }
    : opts.rulesFor;
  const { results, problems } = await lintProject({
    project,
    files: opts.files.map(toFile),
    backend: opts.backend,
    rulesFor,
    enabled: opts.rulesFor({ absPath: root }),
    displayPath: opts.displayPath,
    fix: opts.fix,
    write: opts.write,
    facts: { ...project.facts(opts.facts.trackers) },
    ...(opts.extraRules ? { extraRules: opts.extraRules } : {}),
    ...(opts.runner ? { runner: opts.runner } : {}),
  });
  // Findings are reported for files under the paths given, as for file rules: `check src/` in a repository does not
  // report the repository's top-level requirements.txt, although the project rules read it.
  const given = opts.targets.map((t) => resolve(opts.cwd, t));
  const within = (abs: string): boolean => given.some((t) => abs === t || abs.startsWith(t.endsWith(sep) ? t : t + sep));
  // A file a project fix changed stays, wherever it is (ML501's fix edits the root's .gitignore).
  const kept = results.filter((r) => r.output !== undefined || (within(r.absPath) && (!sharded || inShard(r.absPath))));
  return { results: kept, problems, project };
}
