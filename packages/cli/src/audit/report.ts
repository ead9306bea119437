/**
 * The readiness report: the detected stack, models, tracking, reproducibility, evaluation, serving, prompts, the
 * lifecycle stages present and missing, every finding by severity, the verdict and numbered recommendations. Built
 * from one project run (the rules' findings), the audit collector's per-file facts and the project model.
 */
import { isTestPath, type Diagnostic, type FileResult, type Project } from '@mlops-lint/core';
import { HEALTH_LIBRARIES, isHealthPath, MONITORING_MODULES, ORCHESTRATION_MODULES, vocabulary, type FileFacts } from '@mlops-lint/rules';
import { detectStack, importersByPrefix, itemLabel, type StackItem } from './stack.js';

export type Verdict = 'READY' | 'NEEDS_ATTENTION' | 'NOT_READY';
export type Stage = 'data' | 'training' | 'tracking' | 'evaluation' | 'registry' | 'serving' | 'monitoring' | 'retraining';
export const STAGES: readonly Stage[] = ['data', 'training', 'tracking', 'evaluation', 'registry', 'serving', 'monitoring', 'retraining'];

export interface Location {
  file: string;
  line: number | null;
  cell?: number | null;
}

export interface AuditFinding {
  code: string;
  name: string;
  severity: 'error' | 'warning' | 'info';
  message: string;
  file: string;
  cell: number | null;
  line: number;
  column: number;
}

export interface Recommendation {
  rank: number;
  severity: 'error' | 'warning' | 'info';
  /** The rule the recommendation comes from, or null for a missing lifecycle stage. */
  code: string | null;
  text: string;
  locations: string[];
}

export interface AuditReport {
  version: 1;
  tool: { name: 'mlops-lint'; version: string };
  root: string;
  git: boolean;
  verdict: Verdict;
  summary: { files: number; errors: number; warnings: number; infos: number };
  stack: StackItem[];
  notebooks: string[];
  models: {
    artifacts: Array<{ file: string; bytes: number | null; storage: string }>;
    trackedInGit: number;
    registered: Array<Location & { call: string }>;
  };
  tracking: { entryPoints: string[]; tracked: string[]; trackers: string[] };
  reproducibility: {
    status: 'OK' | 'PARTIAL' | 'MISSING';
    /** Dependency manifests found (requirements files, pyproject.toml, …). */
    manifests: string[];
    scripts: string[];
    seeded: string[];
    /** Entry points that seed some generators but not all they use (ML201 findings). */
    incompleteSeeds: string[];
    unpinned: Array<{ package: string; specifier: string; file: string; line: number }>;
    lockFiles: string[];
  };
  evaluation: {
    goldenSets: Array<{ file: string; rows: number | null }>;
    configs: string[];
    metrics: string[];
    accuracyOnly: boolean;
  };
  serving: {
    apps: Array<Location & { framework: string }>;
    routes: Array<Location & { path: string | null }>;
    health: string[];
    unvalidatedInputs: string[];
    modelLoadedPerRequest: string[];
  };
  prompts: { llmCalls: number; inline: Array<Location & { chars: number; lines: number }>; files: string[] };
  lifecycle: Record<Stage, { present: boolean; evidence: string[] }>;
  findings: AuditFinding[];
  recommendations: Recommendation[];
}

const TRACKER_NAMES: Readonly<Record<string, string>> = {
  mlflow: 'MLflow',
  wandb: 'Weights & Biases',
  neptune: 'Neptune',
  comet_ml: 'Comet',
  clearml: 'ClearML',
  aim: 'Aim',
  dvclive: 'DVCLive',
  tensorboard: 'TensorBoard',
  sacred: 'Sacred',
  guild: 'Guild',
  polyaxon: 'Polyaxon',
  'lightning-logger': 'a Lightning logger',
};

/** What to do about each rule's findings, as an imperative line (the locations follow). */
const ADVICE: Readonly<Record<string, string>> = {
  ML101: 'Load the model once at startup (FastAPI lifespan, Flask app factory or module scope), not on every request',
  ML102: 'Add a health-check route (`/health` or `/healthz`) to the serving app so orchestrators can probe it',
  ML103: 'Validate request bodies with a schema (a pydantic model) before they reach the model',
  ML104: 'Turn off debug mode and auto-reload in the served app',
  ML201: 'Seed every random number generator the training code uses',
  ML202: 'Pin the ML packages to exact versions, or commit a lock file',
  ML203: 'Re-run the notebook top to bottom before committing it',
  ML204: 'Pass `random_state=` to scikit-learn splitters and estimators',
  ML205: 'Pin Hugging Face Hub downloads to a commit sha with `revision=`',
  ML301: 'Log training runs to the experiment tracker',
  ML302: 'Report precision, recall, F1 or AUC next to accuracy',
  ML303: 'Record hardware and library versions with each run',
  ML401: 'Build prompts from templates with named variables instead of splicing user input into strings',
  ML402: 'Bound every LLM call with `max_tokens`',
  ML403: 'Move inline prompts to a `prompts/` folder where they can be reviewed and evaluated',
  ML501: 'Take model and data files out of git (`git rm --cached`) and store them with Git LFS, DVC or an artifact store',
  ML502: 'Stop unpickling files that may not be yours: use `weights_only=True`, safetensors or ONNX',
  ML503: 'Drop `trust_remote_code=True`, or review the code and pin `revision=` to a commit',
  ML601: 'Call `.eval()` on PyTorch models before inference',
  ML602: 'Wrap PyTorch inference in `torch.inference_mode()`',
};

const SEVERITY_RANK = { error: 0, warning: 1, info: 2 } as const;

export interface BuildInput {
  project: Project;
  results: readonly FileResult[];
  facts: readonly FileFacts[];
  /** Project-relative path → the report's path (relative to the working directory). */
  display: (projectFile: string) => string;
  toolVersion: string;
  /** Descriptions of rules, for advice on codes without a line in ADVICE. */
  describe: (code: string) => string | null;
}

/** Builds the report. Pure apart from reading small eval files through the project model. */
export function buildReport(input: BuildInput): AuditReport {
  const { project, results, display } = input;
  const facts = [...input.facts].sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const byPrefix = importersByPrefix(facts);
  const diagnostics = results.flatMap((r) => r.diagnostics);
  const findings: AuditFinding[] = diagnostics.map((d) => ({
    code: d.code,
    name: d.name,
    severity: d.severity,
    message: d.message,
    file: d.file,
    cell: d.cell,
    line: d.line,
    column: d.column,
  }));
  const summary = {
    files: results.length,
    errors: findings.filter((f) => f.severity === 'error').length,
    warnings: findings.filter((f) => f.severity === 'warning').length,
    infos: findings.filter((f) => f.severity === 'info').length,
  };
  const verdict: Verdict = summary.errors > 0 ? 'NOT_READY' : summary.warnings > 0 ? 'NEEDS_ATTENTION' : 'READY';
  const code = (f: FileFacts): FileFacts[] => (f.test ? [] : [f]);
  const app = facts.flatMap(code);

  // Stack and notebooks.
  const stack = detectStack(project, facts, display);
  const notebooks = facts.filter((f) => f.notebook).map((f) => f.file);

  // Models.
  const artifacts = project.files
    .filter((f) => !f.symlink && vocabulary.artifactKindOf(f.path, { archives: true }) === 'model')
    .map((f) => ({ file: display(f.path), bytes: project.sizeOf(f.path), storage: project.storageOf(f.path) }));
  const registered = app.flatMap((f) => f.registry.map((r) => ({ file: f.file, line: r.line, cell: r.cell, call: r.call })));

  // Tracking: training entry points are scripts and notebooks with training calls.
  const entry = app.filter((f) => f.training.length > 0);
  const tracked = entry.filter((f) => f.tracking.length > 0);
  const trackers = [...new Set(tracked.flatMap((f) => f.tracking.map((t) => TRACKER_NAMES[t.tracker] ?? t.tracker)))].sort();

  // Reproducibility.
  const seeded = entry.filter((f) => f.seeds.length > 0);
  const unseededFiles = new Set(diagnostics.filter((d) => d.code === 'ML201').map((d) => d.file));
  const incompleteSeeds = seeded.filter((f) => unseededFiles.has(f.file));
  const unpinned: AuditReport['reproducibility']['unpinned'] = [];
  const seenPackages = new Set<string>();
  for (const d of project.dependencies) {
    // As ML202: test fixtures' manifests do not install the project.
    if (d.direct || isTestPath(d.file) || !vocabulary.isMlCriticalPackage(d.normalized) || project.isLocked(d) || seenPackages.has(d.normalized)) continue;
    seenPackages.add(d.normalized);
    unpinned.push({ package: d.name, specifier: d.specifier, file: display(d.file), line: d.line });
  }
  const lockFiles = project.lockFiles.map((l) => display(l.file));
  const hasManifest = project.manifests.length > 0;
  const seedsOk = entry.length === 0 || (seeded.length === entry.length && incompleteSeeds.length === 0);
  const pinsOk = hasManifest && unpinned.length === 0;
  const noSeeds = entry.length > 0 && seeded.length === 0;
  const status = seedsOk && pinsOk ? 'OK' : (noSeeds || entry.length === 0) && (!hasManifest || unpinned.length > 0) && !(entry.length === 0 && hasManifest) ? 'MISSING' : 'PARTIAL';

  // Evaluation.
  const evalFiles = project.files.map((f) => f.path).filter((p) => isEvalData(p));
  const goldenSets = evalFiles.map((p) => ({ file: display(p), rows: rowsOf(project, p) }));
  const configs = project.files.map((f) => f.path).filter(isEvalConfig).map(display);
  const metrics = [...new Set(app.flatMap((f) => f.metrics))].sort();
  const accuracyOnly = metrics.length > 0 && metrics.every((m) => vocabulary.ACCURACY_METRICS.test(m) && !vocabulary.RICH_METRICS.test(m));

  // Serving.
  const apps = app.flatMap((f) => f.apps.map((a) => ({ file: f.file, line: a.line, cell: a.cell, framework: a.framework })));
  // Routes on an app imported from another module count when that module and name are one of the apps.
  const appRefs = new Set(
    app.flatMap((f) => f.apps.filter((a) => a.name !== null).flatMap((a) => moduleNames(f.file).map((m) => `${m}.${a.name as string}`))),
  );
  const isRoute = (r: FileFacts['routes'][number]): boolean => r.receiver === null || [...appRefs].some((ref) => ref === r.receiver || ref.endsWith(`.${r.receiver}`));
  const routes = app.flatMap((f) => f.routes.filter(isRoute).map((r) => ({ file: f.file, line: r.line, cell: r.cell, path: r.path })));
  const healthLibrary = HEALTH_LIBRARIES.some((m) => byPrefix.has(m));
  const health = [...new Set(routes.filter((r) => r.path !== null && isHealthPath(r.path)).map((r) => r.path as string))];
  if (healthLibrary && health.length === 0) health.push('(health-check library)');
  // A finding inside a route handler (or in a helper whose `related` location is in one) names the route's path.
  const factsByFile = new Map(facts.map((f) => [f.file, f]));
  const routeOf = (d: Diagnostic): string | null => {
    const f = factsByFile.get(d.file);
    for (const line of [d.line, ...d.related.map((r) => r.line)]) {
      const r = f?.routes.find((x) => line >= x.handlerStart && line <= x.handlerEnd);
      if (r?.path) return r.path;
    }
    return null;
  };
  const pathsOf = (codeName: string): string[] => {
    const found = diagnostics.filter((d) => d.code === codeName);
    const paths = [...new Set(found.map(routeOf).filter((p): p is string => p !== null))];
    return paths.length > 0 || found.length === 0 ? paths : [...new Set(found.map((d) => `${d.file}:${d.line}`))];
  };

  // Prompts.
  const llmCalls = app.reduce((n, f) => n + f.llmCalls.length, 0);
  const inline = app.flatMap((f) => f.inlinePrompts.map((p) => ({ file: f.file, line: p.line, cell: p.cell, chars: p.chars, lines: p.lines })));
  const promptFiles = project.promptFiles.map(display);

  // Lifecycle.
  const evidence = (list: Array<string | null | undefined>): string[] => [...new Set(list.filter((x): x is string => Boolean(x)))].slice(0, 5);
  const importers = (prefixes: readonly string[]): string[] => [...new Set(prefixes.flatMap((p) => [...(byPrefix.get(p) ?? [])]))].sort();
  const dataDirs = ['data', 'datasets'].filter((d) => project.hasDir(d)).map((d) => `${display(d)}/`);
  const dataFiles = project.files.filter((f) => vocabulary.artifactKindOf(f.path) === 'data' || f.path.endsWith('.dvc')).map((f) => display(f.path));
  const trackingDirs = stack.filter((s) => s.category === 'tracking' && s.package === null).flatMap((s) => s.evidence);
  const lifecycle: AuditReport['lifecycle'] = {
    data: { present: false, evidence: evidence([...app.flatMap((f) => (f.dataLoads.length > 0 ? [f.file] : [])), ...dataDirs, ...dataFiles]) },
    training: { present: false, evidence: evidence(entry.map((f) => f.file)) },
    tracking: { present: false, evidence: evidence([...app.flatMap((f) => (f.tracking.length > 0 ? [f.file] : [])), ...trackingDirs]) },
    evaluation: {
      present: false,
      evidence: evidence([...goldenSets.map((g) => g.file), ...configs, ...app.flatMap((f) => (f.metrics.some((m) => vocabulary.RICH_METRICS.test(m) || vocabulary.ACCURACY_METRICS.test(m)) ? [f.file] : []))]),
    },
    registry: { present: false, evidence: evidence(registered.map((r) => `${r.file}:${r.line}`)) },
    serving: { present: false, evidence: evidence([...apps.map((a) => `${a.file}:${a.line}`), ...stack.filter((s) => s.category === 'serving' && s.package === null).flatMap((s) => s.evidence)]) },
    monitoring: { present: false, evidence: evidence([...importers(MONITORING_MODULES), ...routes.filter((r) => r.path === '/metrics').map((r) => `${r.file}:${r.line}`)]) },
    retraining: {
      present: false,
      evidence: evidence([...importers(ORCHESTRATION_MODULES), ...scheduledWorkflows(project).map(display), ...project.files.map((f) => f.path).filter((p) => /(^|\/)retrain\w*\.py$/.test(p)).map(display)]),
    },
  };
  for (const stage of STAGES) lifecycle[stage].present = lifecycle[stage].evidence.length > 0;

  const report: AuditReport = {
    version: 1,
    tool: { name: 'mlops-lint', version: input.toolVersion },
    root: display(''),
    git: project.isGit,
    verdict,
    summary,
    stack,
    notebooks,
    models: { artifacts, trackedInGit: artifacts.filter((a) => a.storage === 'git').length, registered },
    tracking: { entryPoints: entry.map((f) => f.file), tracked: tracked.map((f) => f.file), trackers },
    reproducibility: { status, manifests: project.manifests.map((m) => display(m.file)), scripts: entry.map((f) => f.file), seeded: seeded.map((f) => f.file), incompleteSeeds: incompleteSeeds.map((f) => f.file), unpinned, lockFiles },
    evaluation: { goldenSets, configs, metrics, accuracyOnly },
    serving: { apps, routes, health, unvalidatedInputs: pathsOf('ML103'), modelLoadedPerRequest: pathsOf('ML101') },
    prompts: { llmCalls, inline, files: promptFiles },
    lifecycle,
    findings,
    recommendations: [],
  };
  report.recommendations = recommend(report, diagnostics, input.describe);
  return report;
}

/** Recommendations: one per rule with findings (most severe, then most frequent first), then missing stages. */
function recommend(report: AuditReport, diagnostics: readonly Diagnostic[], describe: (code: string) => string | null): Recommendation[] {
  const byCode = new Map<string, Diagnostic[]>();
  for (const d of diagnostics) {
    let list = byCode.get(d.code);
    if (!list) byCode.set(d.code, (list = []));
    list.push(d);
  }
  const groups = [...byCode.entries()].sort(
    ([ca, a], [cb, b]) => SEVERITY_RANK[worst(a)] - SEVERITY_RANK[worst(b)] || b.length - a.length || (ca < cb ? -1 : ca > cb ? 1 : 0),
  );
  const out: Recommendation[] = [];
  for (const [code, list] of groups) {
    const text = ADVICE[code] ?? describe(code) ?? code;
    out.push({ rank: 0, severity: worst(list), code, text, locations: list.map((d) => (d.cell === null ? `${d.file}:${d.line}` : `${d.file}:cell ${d.cell}:${d.line}`)) });
  }
  const firstApp = report.serving.apps[0];
  // The training script the gaps point at: one named like one (`train.py`, `scripts/train_lora.py`), over `bench.py`.
  const firstTraining = report.tracking.entryPoints.find((f) => /(^|\/)train[\w-]*\.(py|ipynb)$/i.test(f)) ?? report.tracking.entryPoints[0];
  const at = (l: { file: string; line: number | null } | undefined): string[] => (l ? [l.line === null ? l.file : `${l.file}:${l.line}`] : []);
  const gap = (stage: Stage, text: string, locations: string[]): void => {
    if (!report.lifecycle[stage].present) out.push({ rank: 0, severity: 'info', code: null, text, locations });
  };
  const trainingLoc = firstTraining ? [firstTraining] : [];
  if (firstTraining || firstApp) {
    gap('tracking', 'Track experiments (MLflow, Weights & Biases) so every model can be traced to its run', trainingLoc);
    gap('evaluation', 'Keep a versioned evaluation set (`evals/`) and score every candidate model on it', trainingLoc);
    gap('registry', 'Register trained models (`mlflow.register_model`, W&B artifacts) instead of passing files around', trainingLoc);
  }
  if (firstApp) gap('monitoring', 'Monitor the served model: request metrics, latency and input drift (Prometheus, Evidently)', at(firstApp));
  if (firstTraining) gap('retraining', 'Automate retraining with a scheduled pipeline (a CI schedule, Airflow, Prefect)', trainingLoc);
  out.forEach((r, i) => {
    r.rank = i + 1;
  });
  return out;
}

function worst(list: readonly Diagnostic[]): 'error' | 'warning' | 'info' {
  return list.reduce<'error' | 'warning' | 'info'>((w, d) => (SEVERITY_RANK[d.severity] < SEVERITY_RANK[w] ? d.severity : w), 'info');
}

/** `x/app/main.py` → `x.app.main`, `app.main`, `main`; a package's `__init__.py` is the package. */
function moduleNames(file: string): string[] {
  const parts = file.replace(/\.(py|ipynb)$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.map((_, i) => parts.slice(i).join('.'));
}

/** Golden sets and eval data: data files under `evals/`, `eval/`, `evaluation/`, or named like a golden set. */
function isEvalData(path: string): boolean {
  if (!/\.(jsonl|json|csv|tsv|parquet|yaml|yml)$/i.test(path)) return false;
  if (isEvalConfig(path)) return false;
  return /(^|\/)(evals?|evaluations?|golden)(\/|$)/i.test(path) || /(^|\/)[^/]*golden[^/]*$/i.test(path);
}

/** Eval configurations: `eval_config.yaml`, promptfoo configs, `*.eval.yaml`. */
function isEvalConfig(path: string): boolean {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  return /^eval[_-]?config\.(ya?ml|json|toml)$/.test(base) || /^promptfoo(config)?[\w.-]*\.(ya?ml|json)$/.test(base) || /\.eval\.ya?ml$/.test(base);
}

/** Rows of a small eval file: JSON Lines records, CSV/TSV data rows, a JSON array's length. */
function rowsOf(project: Project, path: string): number | null {
  const size = project.sizeOf(path);
  if (size === null || size > 64 * 1024 * 1024) return null;
  const text = project.readText(path);
  if (text === null) return null;
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== '');
  if (/\.jsonl$/i.test(path)) return lines.length;
  if (/\.(csv|tsv)$/i.test(path)) return Math.max(0, lines.length - 1);
  if (/\.json$/i.test(path)) {
    try {
      const value: unknown = JSON.parse(text);
      return Array.isArray(value) ? value.length : null;
    } catch {
      return null;
    }
  }
  return null;
}

/** CI workflows on a schedule that mention training (`.github/workflows/*.yml`, `.gitlab-ci.yml`). */
function scheduledWorkflows(project: Project): string[] {
  return project.files
    .map((f) => f.path)
    .filter((p) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(p) || p === '.gitlab-ci.yml')
    .filter((p) => {
      const text = project.readText(p) ?? '';
      return /^\s*(?:schedule|cron)\s*:/m.test(text) && /train/i.test(text);
    });
}

/** The stack line's text: frameworks joined by `+`, then LLM, tracking, serving and orchestration. */
export function stackLine(stack: readonly StackItem[], notebooks: number): string {
  const of = (c: StackItem['category']) => stack.filter((s) => s.category === c);
  const parts: string[] = [];
  const frameworks = of('framework');
  if (frameworks.length > 0) parts.push(frameworks.map(itemLabel).join(' + '));
  for (const [category, label] of [
    ['llm', 'LLM'],
    ['tracking', 'tracking'],
    ['serving', 'serving'],
    ['orchestration', 'orchestration'],
  ] as const) {
    const items = of(category);
    if (items.length > 0) parts.push(`${items.map(itemLabel).join(', ')} (${label})`);
  }
  if (notebooks > 0) parts.push(`${notebooks} notebook${notebooks === 1 ? '' : 's'}`);
  return parts.length > 0 ? parts.join(' · ') : 'nothing ML-specific detected';
}
