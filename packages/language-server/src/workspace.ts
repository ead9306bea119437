import path from 'node:path';
import {
  computeProjectFacts,
  ConfigError,
  discoverFiles,
  findProjectRoot,
  lintProject,
  loadConfig,
  loadProject,
  projectFactsOf,
  resolveSelection,
  type AnyRule,
  type ConfiguredRule,
  type Diagnostic,
  type FileProblem,
  type LoadedConfig,
  type ProjectFacts,
  type RuleSelection,
} from '@mlops-lint/core';
import type { ParserBackend } from '@mlops-lint/parser';

/** What a workspace needs from the server around it. */
export interface WorkspaceHost {
  readonly rules: readonly AnyRule[];
  backend(): ParserBackend;
  /** A configuration that does not load: shown to the user once per message. */
  configError(root: string, message: string | null): void;
  log(message: string): void;
}

interface ConfigState {
  loaded: LoadedConfig;
  /** Select, ignore and per-file ignores: which rules run on a file. */
  selection: RuleSelection;
  /** The same without per-file ignores: which project rules take part in a scan at all. */
  runSelection: RuleSelection;
}

/** The result of a workspace scan. */
export interface ScanResult {
  /** Project-scope findings by absolute path (Python files, notebooks, manifests, `.gitignore`, artifacts). */
  findings: Map<string, Diagnostic[]>;
  problems: FileProblem[];
  facts: ProjectFacts;
}

/**
 * A workspace folder (or, for a file outside every folder, the project around it): its configuration, the rules
 * each file gets, the project facts file rules read, and the project-scope findings of the last scan.
 */
export class Workspace {
  private state: ConfigState | null = null;
  private readonly configured = new Map<string, ConfiguredRule[]>();
  private factsCache: ProjectFacts | null = null;
  /** Project-scope findings of the last scan, by absolute path. */
  findings = new Map<string, Diagnostic[]>();

  constructor(
    /** Absolute path; display paths (`Diagnostic.file`, `RuleContext.filename`) are relative to it, like the CLI's to its working directory. */
    readonly root: string,
    private readonly host: WorkspaceHost,
  ) {}

  /** Whether an absolute path lies in this workspace. */
  contains(abs: string): boolean {
    const rel = path.relative(this.root, abs);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }

  /** The path shown for a file: relative to the root with forward slashes, as the CLI shows it run from the root. */
  display(abs: string): string {
    return toPosix(relativeOrAbsolute(this.root, abs));
  }

  /** The absolute path of a display path. */
  absolute(display: string): string {
    return path.resolve(this.root, display);
  }

  /** Forgets the configuration (it changed on disk); the next use reloads it. */
  reload(): void {
    this.state = null;
    this.configured.clear();
    this.factsCache = null;
  }

  /** The rules that run on a file, per the configuration (per-file ignores included), with severities and options. */
  rulesFor(abs: string): ConfiguredRule[] {
    const { loaded, selection } = this.config();
    const rel = toPosix(relativeOrAbsolute(loaded.root, abs));
    const enabled = this.host.rules.filter((r) => selection.enabled(r.meta, rel));
    const key = enabled.map((r) => r.meta.code).join(',');
    let list = this.configured.get(key);
    if (!list) {
      list = enabled.map((rule) => {
        const options = selection.options(rule.meta);
        return { rule, severity: selection.severity(rule.meta), options: options ? [options] : [] };
      });
      this.configured.set(key, list);
    }
    return list;
  }

  /**
   * Facts about the project that file rules read (torch version, trackers, prompt files). Until a scan has seen
   * every file they come from the root's manifests alone, without the trackers.
   */
  get facts(): ProjectFacts {
    this.factsCache ??= computeProjectFacts(findProjectRoot(this.root), [], { trackers: false });
    return this.factsCache;
  }

  /**
   * Runs the project-scope rules over the workspace as `mlops-lint check` does on the folder (files on disk, so
   * unsaved edits are not seen), and keeps their findings. This is the one place project findings come from.
   */
  async scan(): Promise<ScanResult> {
    const { loaded, runSelection } = this.config();
    const discovery = await discoverFiles([this.root], {
      cwd: this.root,
      root: loaded.root,
      ...(loaded.config.exclude ? { exclude: loaded.config.exclude } : {}),
      ...(loaded.config.extendExclude ? { extendExclude: loaded.config.extendExclude } : {}),
      respectGitignore: loaded.config.respectGitignore ?? true,
    });
    const project = await loadProject(findProjectRoot(this.root));
    const facts = projectFactsOf(project, discovery.files);
    const projectRules = (list: readonly ConfiguredRule[]): ConfiguredRule[] => list.filter((c) => c.rule.meta.scope === 'project');
    // File rules' findings on files that are not open are not shown, so the scan runs the project rules only.
    const rulesFor = ({ absPath }: { absPath: string }): ConfiguredRule[] => projectRules(this.rulesFor(absPath));
    const enabled = this.host.rules.filter((r) => r.meta.scope === 'project' && runSelection.enabled(r.meta, '')).map((rule) => this.configuredFor(rule));
    const run = await lintProject({
      project,
      files: discovery.files.map((absPath) => ({ absPath, displayPath: this.display(absPath) })),
      backend: this.host.backend(),
      rulesFor,
      enabled,
      displayPath: (abs) => this.display(abs),
      facts,
    });
    const findings = new Map<string, Diagnostic[]>();
    for (const result of run.results) {
      const mine = result.diagnostics.filter((d) => this.host.rules.some((r) => r.meta.code === d.code && r.meta.scope === 'project'));
      if (mine.length > 0) findings.set(path.resolve(result.absPath), mine);
    }
    const problems = [...run.problems, ...run.results.flatMap((r) => r.problems)];
    this.findings = findings;
    this.factsCache = facts;
    return { findings, problems, facts };
  }

  /** A rule with the severity and options the configuration gives it. */
  private configuredFor(rule: AnyRule): ConfiguredRule {
    const { selection } = this.config();
    const options = selection.options(rule.meta);
    return { rule, severity: selection.severity(rule.meta), options: options ? [options] : [] };
  }

  private config(): ConfigState {
    if (this.state) return this.state;
    const metas = this.host.rules.map((r) => r.meta);
    try {
      const loaded = loadConfig({ cwd: this.root });
      const label = loaded.file ?? 'configuration';
      this.state = {
        loaded,
        selection: resolveSelection(metas, loaded.config, {}, label),
        runSelection: resolveSelection(metas, { ...loaded.config, perFileIgnores: {} }, {}, label),
      };
      this.host.configError(this.root, null);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      this.host.configError(this.root, error.message);
      // Keep serving with the defaults rather than going silent.
      const loaded: LoadedConfig = { file: null, root: this.root, config: {} };
      const selection = resolveSelection(metas, {}, {});
      this.state = { loaded, selection, runSelection: selection };
    }
    return this.state;
  }
}

function relativeOrAbsolute(from: string, abs: string): string {
  const rel = path.relative(from, abs);
  return rel === '' ? '.' : rel.startsWith('..') || path.isAbsolute(rel) ? abs : rel;
}

function toPosix(p: string): string {
  return path.sep === '/' ? p : p.split(path.sep).join('/');
}
