/**
 * The audit's fact collector: a visitor set that rides along the same tree walk as the rules (no second parse) and
 * records what each Python file or notebook does for the readiness report — imports, training, tracking, seeding,
 * registry use, metrics, LLM calls and inline prompts, serving apps and routes, data loading, monitoring and
 * orchestration. It never reports.
 */
import type { ConfiguredRule, RuleContext, Visitors } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { argumentValue, keywordValue, stringValue } from '../utils/args.js';
import { isHealthPath, routePath } from '../utils/health.js';
import { inlinePromptLiterals, isPromptTemplateConstructor } from '../utils/prompts.js';
import { isTestPath } from '../utils/training-scripts.js';
import { llmCallOf } from '../vocabulary/llm.js';
import { SEED_ALL, SEEDERS } from '../vocabulary/reproducibility.js';
import { APP_FACTORIES, MORE_APP_FACTORIES, ROUTE_DECORATOR_METHODS } from '../vocabulary/serving.js';
import { trackerOf, TRACKING_REPORT_TO, TRAIN_FUNCTIONS } from '../vocabulary/training.js';

/** A place in a file: 1-based line, and the notebook cell (1-based among all cells) or null. */
export interface FactSite {
  line: number;
  cell: number | null;
}

export interface RouteFact extends FactSite {
  /** The route path, when it is a literal (or a same-file constant). */
  path: string | null;
  /** Lines of the handler function, to attribute findings inside it to the route. */
  handlerStart: number;
  handlerEnd: number;
  framework: string;
  /**
   * For a route on an object imported from another module (`from app.main import app`), that object's qualified
   * name (`app.main.app`); the report keeps the route when the name is one of the project's apps. Else null.
   */
  receiver: string | null;
}

/** What one file does, as far as the readiness report is concerned. */
export interface FileFacts {
  /** As given to the linter (relative to the working directory). */
  file: string;
  notebook: boolean;
  test: boolean;
  /** Modules imported (dotted, as written; relative imports left out). */
  imports: string[];
  /** Training calls: `.fit(`, `trainer.train()`, `optimizer.step()`, `xgb.train`, … */
  training: Array<FactSite & { call: string }>;
  /** Experiment-tracking calls, by tracker (`mlflow`, `wandb`, …). */
  tracking: Array<FactSite & { tracker: string }>;
  seeds: Array<FactSite & { call: string }>;
  /** Model registry use: `mlflow.register_model`, stage transitions, `wandb.Artifact`, `RegisterModel`, `push_to_hub`. */
  registry: Array<FactSite & { call: string }>;
  /** Metric names computed or logged (`accuracy`, `f1`, `roc_auc`, …). */
  metrics: string[];
  llmCalls: Array<FactSite & { provider: string }>;
  /** Long prompt literals passed to LLM calls or template constructors (ML403's definition). */
  inlinePrompts: Array<FactSite & { chars: number; lines: number }>;
  /** Serving apps, with the module-level name each is bound to (`app = FastAPI()`), if any. */
  apps: Array<FactSite & { framework: string; name: string | null }>;
  routes: RouteFact[];
  dataLoads: Array<FactSite & { call: string }>;
  /** Model saves and exports (`torch.save`, `joblib.dump`, `save_pretrained`, `mlflow.*.log_model`). */
  modelSaves: Array<FactSite & { call: string }>;
  /** An `if __name__ == "__main__":` block. */
  mainGuard: boolean;
}

/** Import prefixes that mean production monitoring. */
export const MONITORING_MODULES: readonly string[] = [
  'prometheus_client',
  'prometheus_fastapi_instrumentator',
  'starlette_exporter',
  'evidently',
  'whylogs',
  'nannyml',
  'alibi_detect',
  'deepchecks',
  'arize',
  'fiddler',
  'opentelemetry',
  'ddtrace',
  'sentry_sdk',
  'langfuse',
  'langsmith',
  'phoenix',
];

/** Import prefixes that mean scheduled or orchestrated (re)training. */
export const ORCHESTRATION_MODULES: readonly string[] = [
  'airflow',
  'prefect',
  'dagster',
  'kfp',
  'zenml',
  'metaflow',
  'flytekit',
  'sagemaker.workflow',
  'azure.ai.ml',
  'apscheduler',
  'ray.workflow',
];

const REGISTRY_EXACT: ReadonlySet<string> = new Set([
  'mlflow.register_model',
  'mlflow.MlflowClient().create_registered_model',
  'mlflow.MlflowClient().create_model_version',
  'mlflow.MlflowClient().transition_model_version_stage',
  'mlflow.MlflowClient().set_registered_model_alias',
  'mlflow.tracking.MlflowClient().create_registered_model',
  'mlflow.tracking.MlflowClient().create_model_version',
  'mlflow.tracking.MlflowClient().transition_model_version_stage',
  'mlflow.tracking.MlflowClient().set_registered_model_alias',
  'wandb.Artifact',
  'wandb.log_model',
  'wandb.link_model',
  'sagemaker.workflow.step_collections.RegisterModel',
  'huggingface_hub.upload_folder',
  'huggingface_hub.HfApi().upload_folder',
  'bentoml.models.create',
]);

const SAVE_CALLS = /^(?:torch\.save|torch\.jit\.save|torch\.onnx\.export|joblib\.dump|pickle\.dump|cloudpickle\.dump|safetensors\.torch\.save_file|mlflow\.\w+\.(?:log_model|save_model)|bentoml\.\w+\.save_model|tensorflow\.saved_model\.save|skl2onnx\.convert_sklearn)$/;
const DATA_CALLS = /^(?:pandas\.read_\w+|polars\.(?:read|scan)_\w+|datasets\.load_dataset|datasets\.load_from_disk|torch\.utils\.data\.DataLoader|tensorflow\.data\.\w+|tensorflow\.keras\.utils\.image_dataset_from_directory|numpy\.(?:load|loadtxt|genfromtxt)|sklearn\.datasets\.\w+|dvc\.api\.\w+|pyarrow\.parquet\.read_table|torchvision\.datasets\.\w+)/;
const METRIC_LOGGERS = new Set(['log_metric', 'log_metrics', 'log']);
const ROUTE_OBJECTS: ReadonlySet<string> = new Set(['starlette.routing.Route', 'starlette.routing.WebSocketRoute', 'fastapi.routing.APIRoute']);
const REGISTER_METHODS: ReadonlySet<string> = new Set(['add_url_rule', 'add_api_route', 'add_route']);

/**
 * A configured pseudo-rule that collects {@link FileFacts} for every file it walks, plus the map it fills (keyed by
 * the file as given to the linter; a file walked again in a fix pass replaces its entry). Hand the rule to the
 * engine next to the real rules (`lintProject`'s `extraRules`).
 */
export function createAuditCollector(): { rule: ConfiguredRule; facts: Map<string, FileFacts> } {
  const facts = new Map<string, FileFacts>();
  const rule: ConfiguredRule = {
    rule: {
      meta: {
        code: 'ML000',
        name: 'audit-collector',
        severity: 'info',
        scope: 'file',
        fix: 'none',
        docs: { description: 'Collects facts for the readiness report; never reports', url: '' },
        messages: {},
      },
      create: () => ({}),
    },
    severity: 'info',
    options: [],
    visitors: (context) => collect(context, facts),
  };
  return { rule, facts };
}

function collect(context: RuleContext, all: Map<string, FileFacts>): Visitors {
  const f: FileFacts = {
    file: context.filename,
    notebook: context.isNotebook,
    test: isTestPath(context.filename),
    imports: [],
    training: [],
    tracking: [],
    seeds: [],
    registry: [],
    metrics: [],
    llmCalls: [],
    inlinePrompts: [],
    apps: [],
    routes: [],
    dataLoads: [],
    modelSaves: [],
    mainGuard: false,
  };
  all.set(context.filename, f);
  const site = (node: SyntaxNode): FactSite => {
    const at = context.locate(node);
    return { line: at.line, cell: at.cell };
  };
  const metric = (name: string): void => {
    const n = name.trim().toLowerCase();
    if (n.length > 1 && !f.metrics.includes(n)) f.metrics.push(n);
  };
  const promptSeen = new Set<number>();
  const importsModule = (m: string): boolean => context.file.resolver.importsModule(m);

  return {
    [NodeType.ImportStatement](node) {
      for (const child of node.namedChildren) {
        const name = child.type === NodeType.AliasedImport ? child.childForFieldName('name') : child.type === NodeType.DottedName ? child : null;
        if (name) f.imports.push(name.text);
      }
    },
    [NodeType.ImportFromStatement](node) {
      const module = node.childForFieldName('module_name');
      if (module && module.type === NodeType.DottedName) f.imports.push(module.text);
    },
    [NodeType.IfStatement](node) {
      const condition = node.childForFieldName('condition')?.text.replace(/\s+/g, '') ?? '';
      if (/^__name__==["']__main__["']$|^["']__main__["']==__name__$/.test(condition)) f.mainGuard = true;
    },
    [NodeType.Call](node) {
      const callee = node.childForFieldName('function');
      if (!callee) return;
      const qualified = context.resolve(node);
      const method = callee.type === NodeType.Attribute ? (callee.childForFieldName('attribute')?.text ?? '') : callee.text;
      const receiverText = callee.type === NodeType.Attribute ? (callee.childForFieldName('object')?.text ?? '') : '';
      const label = (qualified ?? callee.text).replace(/\(\)/g, '');

      // Training.
      if (
        (qualified !== null && TRAIN_FUNCTIONS.has(qualified)) ||
        method === 'fit' ||
        method === 'fit_generator' ||
        (method === 'train' && (/trainer/i.test(receiverText) || /Trainer\(\)\.train$/.test(qualified ?? ''))) ||
        (method === 'step' && /optim/i.test(receiverText)) ||
        // Mixed precision: `scaler.step(optimizer)` (torch.cuda.amp.GradScaler) steps the optimizer.
        (method === 'step' && /scaler/i.test(receiverText) && /optim/i.test(node.childForFieldName('arguments')?.namedChildren[0]?.text ?? ''))
      ) {
        f.training.push({ ...site(node), call: label });
      }
      // Tracking.
      const tracker = qualified !== null ? trackerOf(qualified) : null;
      if (tracker) f.tracking.push({ ...site(node), tracker });
      const reportTo = stringValue(keywordValue(node, 'report_to'));
      if (reportTo !== null && TRACKING_REPORT_TO.has(reportTo)) f.tracking.push({ ...site(node), tracker: reportTo === 'all' ? 'tensorboard' : reportTo });
      // Seeds.
      if (qualified !== null && (SEEDERS.has(qualified) || SEED_ALL.has(qualified))) f.seeds.push({ ...site(node), call: label });
      // Registry.
      if (
        (qualified !== null && REGISTRY_EXACT.has(qualified)) ||
        method === 'push_to_hub' ||
        method === 'link_model' ||
        (method === 'log_model' && keywordValue(node, 'registered_model_name') !== null) ||
        method === 'transition_model_version_stage'
      ) {
        f.registry.push({ ...site(node), call: method === 'push_to_hub' ? 'push_to_hub' : label });
      }
      // Saves.
      if ((qualified !== null && SAVE_CALLS.test(qualified)) || method === 'save_pretrained') f.modelSaves.push({ ...site(node), call: label });
      // Data.
      if (qualified !== null && DATA_CALLS.test(qualified)) f.dataLoads.push({ ...site(node), call: label });
      // Metrics.
      if (qualified !== null && qualified.startsWith('sklearn.metrics.')) metric(qualified.slice('sklearn.metrics.'.length).replace(/_score$/, ''));
      if (qualified !== null && /^torchmetrics\.(?:classification\.)?(\w+)$/.test(qualified)) metric((qualified.split('.').pop() ?? '').replace(/^(?:Binary|Multiclass|Multilabel)/, ''));
      if (qualified === 'evaluate.load') {
        const name = stringValue(argumentValue(node, 0, 'path'));
        if (name) metric(name);
      }
      // Logged metrics: `mlflow.log_metric("f1", …)`, `mlflow.log_metrics({…})`, `wandb.log({…})`, `run.log_metric(…)`.
      if (METRIC_LOGGERS.has(method) && (tracker !== null || (method !== 'log' && /\brun\b|mlflow|wandb/i.test(receiverText)))) {
        const first = argumentValue(node, 0, 'key');
        const name = stringValue(first);
        if (name && method === 'log_metric') metric(name);
        else if (first?.type === NodeType.Dictionary && method !== 'log_metric') {
          for (const pair of first.namedChildren) {
            const key = stringValue(pair.childForFieldName('key'));
            if (key) metric(key);
          }
        }
      }
      const metricsKw = keywordValue(node, 'metrics');
      if (metricsKw?.type === NodeType.List && method === 'compile') {
        for (const item of metricsKw.namedChildren) {
          const name = stringValue(item);
          if (name) metric(name);
        }
      }
      // LLM calls and prompts.
      const llm = llmCallOf(qualified, callee.text, importsModule);
      if (llm) f.llmCalls.push({ ...site(node), provider: llm.provider });
      const sink = llm !== null || isPromptTemplateConstructor(qualified);
      for (const hit of inlinePromptLiterals(context.file, node, sink)) {
        if (promptSeen.has(hit.literal.startIndex)) continue;
        promptSeen.add(hit.literal.startIndex);
        f.inlinePrompts.push({ ...site(hit.literal), chars: hit.chars, lines: hit.lines });
      }
      // Serving apps and routes.
      if (qualified !== null) {
        const framework = APP_FACTORIES.get(qualified) ?? MORE_APP_FACTORIES.get(qualified);
        if (framework && !/Blueprint|Router|Namespace|RouteTableDef/.test(qualified)) f.apps.push({ ...site(node), framework, name: boundName(node) });
        if (/^ray\.serve\.(?:run|deployment)$/.test(qualified)) f.apps.push({ ...site(node), framework: 'Ray Serve', name: null });
        if (/^gradio\.(?:Interface|ChatInterface|Blocks)$/.test(qualified)) f.apps.push({ ...site(node), framework: 'Gradio', name: boundName(node) });
      }
      // Routes registered without a decorator: `Route("/x", endpoint)`, `app.add_url_rule("/x", …)`.
      if (qualified !== null && ROUTE_OBJECTS.has(qualified)) {
        const at = site(node);
        f.routes.push({ ...at, path: routePath(context.file, node, 0, 'path'), handlerStart: at.line, handlerEnd: at.line, framework: 'Starlette', receiver: null });
      } else if (REGISTER_METHODS.has(method) && qualified !== null && (/\(\)\.\w+$/.test(qualified) || ['flask', 'fastapi', 'starlette', 'quart'].some(importsModule))) {
        const at = site(node);
        f.routes.push({ ...at, path: routePath(context.file, node, 0, 'rule', 'path'), handlerStart: at.line, handlerEnd: at.line, framework: 'web', receiver: null });
      }
      // A router created or attached under a health prefix is a probe, as ML102 counts it: `APIRouter(prefix="/healthz")`,
      // `include_router(health.router, prefix="/health")`, `register_blueprint(probes, url_prefix="/ping")`, `mount("/livez", …)`.
      if (
        (qualified !== null && /^(?:fastapi|flask|quart|starlette)\b.*\b(?:APIRouter|Blueprint|Router)$/.test(qualified)) ||
        (['include_router', 'register_blueprint', 'mount'].includes(method) && ['flask', 'fastapi', 'starlette', 'quart'].some(importsModule))
      ) {
        const prefix = routePath(context.file, node, method === 'mount' ? 0 : null, 'prefix', 'url_prefix', 'path');
        if (prefix !== null && isHealthPath(prefix)) {
          const at = site(node);
          f.routes.push({ ...at, path: prefix, handlerStart: at.line, handlerEnd: at.line, framework: 'web', receiver: null });
        }
      }
      if (node.parent?.type === NodeType.Decorator && ROUTE_DECORATOR_METHODS.has(method)) {
        const instance = qualified !== null ? /^(.*)\(\)\.\w+$/.exec(qualified) : null;
        const ctor = instance?.[1] ?? null;
        const framework = ctor !== null ? (APP_FACTORIES.get(ctor) ?? MORE_APP_FACTORIES.get(ctor) ?? null) : null;
        const imported = instance === null && qualified !== null && qualified.endsWith(`.${method}`) ? qualified.slice(0, -method.length - 1).replace(/^\.+/, '') : null;
        if (framework !== null || imported !== null || ['flask', 'fastapi', 'starlette', 'quart', 'sanic', 'litestar'].some(importsModule)) {
          const definition = node.parent.parent;
          const fn = definition?.type === NodeType.DecoratedDefinition ? definition.childForFieldName('definition') : null;
          const path = routePath(context.file, node, 0, 'path', 'rule', 'route') ?? (method === 'api' && fn ? `/${fn.childForFieldName('name')?.text ?? ''}` : null);
          const start = fn ? context.locate(fn).line : site(node).line;
          const end = fn ? context.locate(fn).endLine : start;
          f.routes.push({ ...site(node), path, handlerStart: start, handlerEnd: end, framework: framework ?? 'web', receiver: framework === null ? imported : null });
        }
      }
    },
    [NodeType.Decorator](node) {
      // `@bentoml.service` (BentoML 1.2+) and `@serve.deployment` classes are serving apps too.
      const expr = node.namedChildren.find((c) => c.type !== NodeType.Comment);
      if (!expr) return;
      const qualified = context.resolve(expr);
      if (qualified === 'bentoml.service') f.apps.push({ ...site(node), framework: 'BentoML', name: null });
      if (qualified === 'ray.serve.deployment') f.apps.push({ ...site(node), framework: 'Ray Serve', name: null });
    },
  };
}

/** The name a call's result is assigned to (`app = FastAPI()`), or null. */
function boundName(call: SyntaxNode): string | null {
  const parent = call.parent;
  if (parent?.type !== NodeType.Assignment) return null;
  const left = parent.childForFieldName('left');
  return left?.type === NodeType.Identifier ? left.text : null;
}
