import { defineRule, type RuleContext, type Visitors } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { callArguments, definitionOf, keywordValue, literalValue, mayMutateDict, positionalArguments, stringValue, unparenthesize } from '../utils/args.js';
import {
  lineEndOf,
  methodCall,
  ownLineIndent,
  parsedNodesOf,
  rootIdentifier,
  endsItsLine,
  lineStartOf,
} from '../utils/training-scripts.js';
import { GPU_DEVICE_STRING, RUN_METADATA } from '../vocabulary/experiment-tracking.js';

type MessageIds = 'missingMetadata' | 'logEnvironment';
type Context = RuleContext<MessageIds>;

/** What the evidence for recorded metadata says: recorded, not recorded, or cannot tell (counts as recorded). */
type Evidence = 'yes' | 'no' | 'unknown';

const RUN_STARTS = new Set(['mlflow.start_run', 'wandb.init']);
/** Tracker calls that record parameters, tags, config or files: any mention of metadata in them counts. */
const PARAM_METHODS = new Set(['log_param', 'log_params', 'set_tag', 'set_tags', 'log_dict', 'log_text', 'log_artifact', 'log_artifacts', 'update', 'setdefaults', 'save', 'log_input']);
/** Tracker calls that record metrics: only their keys count (`wandb.log({"gpu_mem": …})`). */
const METRIC_METHODS = new Set(['log', 'log_metric', 'log_metrics']);
/** Names under which scripts keep their parsed command line. */
const ARGPARSE_NAMES = /^(args|opt|opts|options|flags|FLAGS|hparams|hp|cli_args|arguments|cfg_args)$/;
/** Calls that turn a config object into a dict without adding keys. */
const CONFIG_UNWRAP = /^(vars|dict|asdict|dataclasses\.asdict|omegaconf\.OmegaConf\.to_container|omegaconf\.OmegaConf\.to_object)$/;

const MLFLOW_FIX = (mlflow: string): string =>
  `${mlflow}.log_params({"gpu_type": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu", "torch_version": torch.__version__})`;
const WANDB_FIX = (target: string): string =>
  `${target}.config.update({"gpu_type": torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu", "torch_version": torch.__version__}, allow_val_change=True)`;

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML303',
    name: 'missing-run-metadata',
    severity: 'info',
    scope: 'file',
    fix: 'safe',
    docs: { description: 'GPU experiment run that records no hardware or environment metadata' },
    skipTestFiles: true,
    triggers: ['mlflow', 'wandb'],
    messages: {
      missingMetadata:
        'This {{tracker}} run uses CUDA but records no hardware or environment metadata (GPU type, library versions, git commit): results cannot be compared across machines',
      logEnvironment: 'Log the GPU type and torch version right after the run starts',
    },
  },
  create(context): Visitors {
    return {
      'module:exit'() {
        check(context);
      },
    };
  },
});

function check(context: Context): void {
  const calls = parsedNodesOf(context, NodeType.Call);
  const starts = calls.filter((c) => RUN_STARTS.has(context.resolve(c) ?? ''));
  const start = starts[0];
  if (!start) return;
  if (!usesCuda(context, calls)) return;
  if (recordsMetadata(context, calls, starts)) return;

  const tracker = context.resolve(start) === 'wandb.init' ? 'W&B' : 'MLflow';
  const edit = fixFor(context, start);
  context.report({
    node: start,
    messageId: 'missingMetadata',
    data: { tracker },
    fix: edit ? { messageId: 'logEnvironment', applicability: 'safe', edits: (f) => f.insertAt(edit.at, edit.text) } : null,
  });
}

// ---------------------------------------------------------------------------------------------------------------
// CUDA

/** `torch.cuda.*`, `.cuda()`, a `"cuda"`/`"gpu"` device string, `torch.backends.cudnn`, TensorFlow GPU config. */
function usesCuda(context: Context, calls: readonly SyntaxNode[]): boolean {
  for (const call of calls) {
    if (methodCall(call)?.method === 'cuda') return true;
    const q = context.resolve(call);
    if (q && /^(torch\.cuda\.|torch\.backends\.cudnn\.|tensorflow\.test\.(is_gpu_available|gpu_device_name)|tensorflow\.config\.experimental\.set_memory_growth|cupy\.|numba\.cuda\.)/.test(q)) return true;
  }
  for (const attr of parsedNodesOf(context, NodeType.Attribute)) {
    if (attr.parent?.type === NodeType.Attribute) continue;
    const q = context.resolve(attr);
    if (q && /^torch\.(cuda|backends\.cudnn)(\.|$)/.test(q)) return true;
  }
  for (const s of parsedNodesOf(context, NodeType.String)) {
    const v = stringValue(s);
    if (v !== null && GPU_DEVICE_STRING.test(v)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Metadata

/**
 * Whether any tracker call records hardware/environment metadata: a logged key or value mentioning GPU, CUDA,
 * device, versions or git; MLflow autologging or system metrics; a config object whose content cannot be seen.
 */
function recordsMetadata(context: Context, calls: readonly SyntaxNode[], starts: readonly SyntaxNode[]): boolean {
  const runNames = new Set<string>();
  for (const start of starts) {
    const name = boundRunName(start);
    if (name) runNames.add(name);
  }
  const argparse = argparseMentionsMetadata(context, calls);

  for (const call of calls) {
    const q = context.resolve(call) ?? '';
    const root = rootIdentifier(call.childForFieldName('function'));
    const onRun = root !== null && runNames.has(root.text) && q === '';
    if (!q.startsWith('mlflow.') && !q.startsWith('wandb.') && !onRun) continue;
    if (/^mlflow\.(\w+\.)?autolog$/.test(q) && !isTrue(keywordValue(call, 'disable'))) return true;
    if (q === 'mlflow.enable_system_metrics_logging' || isTrue(keywordValue(call, 'log_system_metrics'))) return true;
    const method = methodCall(call)?.method ?? q.slice(q.lastIndexOf('.') + 1);
    if (PARAM_METHODS.has(method)) {
      for (const arg of callArguments(call)) {
        if (RUN_METADATA.test(arg.text)) return true;
        const value = arg.type === NodeType.KeywordArgument ? arg.childForFieldName('value') : arg.type === NodeType.DictionarySplat ? arg.namedChildren[0] : arg;
        if (value && isConfigBag(call, arg) && bagEvidence(context, value, argparse, 0) !== 'no') return true;
      }
    } else if (method === 'init' || method === 'start_run') {
      for (const name of ['config', 'tags']) {
        const value = keywordValue(call, name);
        if (value && bagEvidence(context, value, argparse, 0) !== 'no') return true;
      }
    } else if (METRIC_METHODS.has(method)) {
      if (loggedKeys(call).some((k) => RUN_METADATA.test(k))) return true;
    }
  }

  // `wandb.config.device = "cuda"`, `run.config["gpu"] = …`
  for (const assignment of parsedNodesOf(context, NodeType.Assignment)) {
    const left = assignment.childForFieldName('left');
    if (!left || (left.type !== NodeType.Attribute && left.type !== NodeType.Subscript)) continue;
    const root = rootIdentifier(left);
    const q = root ? context.resolve(root) : null;
    if (!root || !(q === 'wandb' || runNames.has(root.text))) continue;
    if (/\bconfig\b/.test(left.text) && RUN_METADATA.test(assignment.text)) return true;
  }
  return false;
}

/** The string keys a metric-logging call records: its first string argument and the keys of dict literals. */
function loggedKeys(call: SyntaxNode): string[] {
  const out: string[] = [];
  for (const arg of callArguments(call)) {
    const v = unparenthesize(arg.type === NodeType.KeywordArgument ? (arg.childForFieldName('value') ?? arg) : arg);
    const s = stringValue(v);
    if (s !== null) out.push(s);
    if (v.type === NodeType.Dictionary) {
      for (const pair of v.namedChildren) {
        const key = pair.type === NodeType.Pair ? stringValue(pair.childForFieldName('key')) : null;
        if (key !== null) out.push(key);
      }
    }
  }
  return out;
}

/** `run` of `run = wandb.init(…)` or `with mlflow.start_run() as run:`. */
function boundRunName(start: SyntaxNode): string | null {
  const p = start.parent;
  if (p?.type === NodeType.Assignment && p.childForFieldName('right')?.startIndex === start.startIndex) {
    const left = p.childForFieldName('left');
    return left?.type === NodeType.Identifier ? left.text : null;
  }
  if (p?.type === 'as_pattern') {
    const alias = p.childForFieldName('alias');
    const target = alias?.firstNamedChild ?? alias;
    return target?.type === NodeType.Identifier ? target.text : null;
  }
  return null;
}

/** Arguments that carry a whole parameter set: `log_params(x)`, `set_tags(x)`, `init(config=x)`, `config.update(x)`, `start_run(tags=x)`. */
function isConfigBag(call: SyntaxNode, arg: SyntaxNode): boolean {
  const method = methodCall(call)?.method ?? '';
  if (arg.type === NodeType.KeywordArgument) {
    const name = arg.childForFieldName('name')?.text ?? '';
    return name === 'config' || name === 'tags' || (name === 'params' && method === 'log_params');
  }
  if (arg.type === NodeType.DictionarySplat) return true;
  const first = positionalArguments(call)[0];
  return first?.startIndex === arg.startIndex && ['log_params', 'set_tags', 'update', 'setdefaults', 'log_dict'].includes(method);
}

/**
 * What a parameter set passed to a tracker holds: a dict literal (already scanned), a name bound to one, the
 * parsed command line (`vars(args)`: the `add_argument` names tell), a same-file config class, or unknown.
 */
function bagEvidence(context: Context, node: SyntaxNode, argparse: Evidence, depth: number): Evidence {
  if (depth > 4) return 'unknown';
  const n = unparenthesize(node);
  if (RUN_METADATA.test(n.text)) return 'yes';
  switch (n.type) {
    case NodeType.Dictionary: {
      // `{"lr": lr, **extra}`: the splatted dict may hold anything.
      let evidence: Evidence = 'no';
      for (const splat of n.namedChildren.filter((c) => c.type === NodeType.DictionarySplat)) {
        const inner = splat.namedChildren.find((c) => c.type !== NodeType.Comment);
        const e = inner ? bagEvidence(context, inner, argparse, depth + 1) : 'unknown';
        if (e === 'yes') return 'yes';
        if (e === 'unknown') evidence = 'unknown';
      }
      return evidence;
    }
    case NodeType.List:
    case NodeType.Tuple:
    case NodeType.String:
      return 'no';
    case NodeType.Call: {
      const q = context.resolve(n) ?? '';
      const fn = n.childForFieldName('function');
      if (CONFIG_UNWRAP.test(q) || fn?.text === 'vars' || fn?.text === 'dict') {
        const inner = positionalArguments(n)[0];
        return inner ? bagEvidence(context, inner, argparse, depth + 1) : 'no';
      }
      if (/\.(parse_args|parse_known_args)$/.test(fn?.text ?? '')) return argparse;
      const method = methodCall(n);
      if (method && ['to_dict', 'dict', 'model_dump', 'as_dict', 'copy'].includes(method.method)) return bagEvidence(context, method.receiver, argparse, depth + 1);
      if (fn?.type === NodeType.Identifier) {
        const cls = context.file.root.descendantsOfType(NodeType.ClassDefinition).find((c) => c.childForFieldName('name')?.text === fn.text);
        if (cls) return RUN_METADATA.test(cls.text) ? 'yes' : 'no';
      }
      return 'unknown';
    }
    case NodeType.Subscript:
      return /\.parse_known_args\(/.test(n.text) ? argparse : 'unknown';
    case NodeType.Attribute:
      return n.childForFieldName('attribute')?.text === '__dict__' ? bagEvidence(context, n.childForFieldName('object') ?? n, argparse, depth + 1) : 'unknown';
    case NodeType.Identifier: {
      const def = definitionOf(context.file, n);
      if (def?.kind === 'value') {
        const value = unparenthesize(def.node);
        if (value.type === NodeType.Dictionary && mayMutateDict(context.file, n.text)) return mutationsMention(context, n.text) ? 'yes' : 'unknown';
        return bagEvidence(context, value, argparse, depth + 1);
      }
      if (ARGPARSE_NAMES.test(n.text) && argparse !== 'unknown') return argparse;
      return 'unknown';
    }
    default:
      return 'unknown';
  }
}

/** Whether the lines that add keys to a dict name metadata (`config["device"] = …`). */
function mutationsMention(context: Context, name: string): boolean {
  const id = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(String.raw`(?<![\w.])${id}\s*(\[[^\]\n]*\]\s*=|\.(update|setdefault)\s*\()[^\n]*`, 'g');
  for (const m of context.file.text.matchAll(re)) if (RUN_METADATA.test(m[0])) return true;
  return false;
}

/** `yes` when a command-line option names metadata (`--device`, `--gpus`), `no` when none does, `unknown` without argparse. */
function argparseMentionsMetadata(context: Context, calls: readonly SyntaxNode[]): Evidence {
  let seen = false;
  for (const call of calls) {
    if (methodCall(call)?.method !== 'add_argument') continue;
    seen = true;
    const names = positionalArguments(call).map((a) => stringValue(a) ?? '');
    const dest = stringValue(keywordValue(call, 'dest'));
    if (names.some((s) => RUN_METADATA.test(s)) || (dest !== null && RUN_METADATA.test(dest))) return 'yes';
  }
  return seen ? 'no' : 'unknown';
}

function isTrue(node: SyntaxNode | null): boolean {
  const v = literalValue(node);
  return v?.kind === 'bool' && v.value;
}

// ---------------------------------------------------------------------------------------------------------------
// Fix

/**
 * Where and what to insert: as the first statement of `with mlflow.start_run(…):` / `with wandb.init(…) as run:`,
 * or on the line after a `run = wandb.init(…)` / `mlflow.start_run()` statement, at its indentation. Only when
 * `torch` is imported under that name (the inserted code reads `torch.cuda` and `torch.__version__`, both safe on
 * CPU-only machines) and the tracker module is reached through a plain name. Never for an MLflow run that may be
 * resumed (`run_id`), whose params are immutable; W&B config updates pass `allow_val_change=True` for resumed runs.
 */
function fixFor(context: Context, start: SyntaxNode): { at: number; text: string } | null {
  const text = context.file.text;
  const torch = context.file.resolver.lookup('torch', start);
  if (torch?.kind !== 'import' || torch.name !== 'torch') return null;
  const fn = start.childForFieldName('function');
  const moduleName = fn?.type === NodeType.Attribute ? fn.childForFieldName('object') : null;
  if (moduleName?.type !== NodeType.Identifier) return null;
  const isWandb = context.resolve(start) === 'wandb.init';
  // Resuming an MLflow run that already has these params on another machine would make `log_params` raise.
  if (!isWandb && (positionalArguments(start).length > 0 || keywordValue(start, 'run_id') !== null || callArguments(start).some((a) => a.type === NodeType.DictionarySplat))) return null;
  const runName = boundRunName(start);
  const code = isWandb ? WANDB_FIX(runName ?? moduleName.text) : MLFLOW_FIX(moduleName.text);

  // `with mlflow.start_run() as run:` → first statement of the block.
  let item: SyntaxNode | null = start.parent;
  if (item?.type === 'as_pattern') item = item.parent;
  if (item?.type === NodeType.WithItem) {
    const clause = item.parent;
    const stmt = clause?.type === NodeType.WithClause ? clause.parent : clause;
    if (stmt?.type !== NodeType.WithStatement) return null;
    const body = stmt.childForFieldName('body');
    const first = body?.namedChildren.find((c) => c.type !== NodeType.Comment);
    if (!body || !first) return null;
    if (first.startPosition.row === stmt.startPosition.row) return null;
    const indent = ownLineIndent(text, first);
    if (indent === null) return null;
    return { at: lineStartOf(text, first.startIndex), text: `${indent}${code}\n` };
  }

  // `mlflow.start_run()` / `run = wandb.init(…)` as a statement of its own.
  let stmt: SyntaxNode | null = start.parent;
  if (stmt?.type === NodeType.Assignment) {
    if (stmt.childForFieldName('right')?.startIndex !== start.startIndex) return null;
    stmt = stmt.parent;
  }
  if (stmt?.type !== NodeType.ExpressionStatement || stmt.namedChildren.length !== 1) return null;
  const container = stmt.parent;
  if (container?.type !== NodeType.Block && container?.type !== NodeType.Module) return null;
  const indent = ownLineIndent(text, stmt);
  if (indent === null || !endsItsLine(context.file, stmt)) return null;
  return { at: lineEndOf(text, stmt.endIndex), text: `\n${indent}${code}` };
}
