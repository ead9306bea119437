import { defineRule, type RuleContext, type Visitors } from '@mlops-lint/core';
import { canonicalName, NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { argumentValue, callArguments, definitionOf, keywordValue, literalValue, positionalArguments, stringValue, unparenthesize } from '../utils/args.js';
import {
  importedNames,
  importedRoots,
  isInsideLoop,
  lastName,
  lineEndOf,
  methodCall,
  nameTokens,
  parsedNodesOf,
  ScriptReach,
} from '../utils/training-scripts.js';
import {
  ESTIMATOR_CLASS,
  FASTAI_FIT_METHODS,
  GENERAL_LOGGING_MODULE,
  HF_TRAINER,
  HF_TRAINING_ARGUMENTS,
  LIGHTNING_FABRIC,
  LIGHTNING_TRAINER,
  LOCAL_TRACKER_NAME,
  ML_FIT_LIBRARIES,
  ML_IMPORT_ROOTS,
  MODEL_NAME_TOKENS,
  MORE_TRACKER_MODULES,
  MORE_TRAIN_FUNCTIONS,
  PIPELINE_CONSTRUCTOR,
  PREPROCESSING_CLASS,
  PREPROCESSING_NAME_TOKENS,
  PREPROCESSING_PATH,
  PYTHON_LOGGER_HELPER,
  REPORT_TO_OFF,
  TRACKER_CLASS,
  TRACKER_ENV,
  TRACKER_ENV_OFF,
  TRACKING_METHODS,
  TRAINING_FIT_KEYWORDS,
} from '../vocabulary/experiment-tracking.js';
import { TRAIN_FUNCTIONS, trackerOf } from '../vocabulary/training.js';

type MessageIds = 'untracked' | 'addMlflowAutolog' | 'addWandbInit';
type Context = RuleContext<MessageIds>;

/** What a `.fit(` receiver is: a model, preprocessing, something else (statsmodels, scipy…), or unknown. */
type FitKind = 'train' | 'prep' | 'other' | 'unknown';

/** Project-local module names that wrap a tracker: `utils.wandb_utils`, `src.tracking`. */
const LOCAL_TRACKER_MODULE = /wandb|mlflow|tensorboard|neptune|comet|clearml|dvclive|visdom|tracker|tracking|(^|\.)loggers(\.|$)/i;
/** In a file that does not parse, any of these words may be tracking we cannot see. */
const TRACKING_WORDS = /mlflow|wandb|tensorboard|SummaryWriter|neptune|comet_ml|clearml|dvclive|report_to|logger\s*=/;

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML301',
    name: 'untracked-training',
    severity: 'warning',
    scope: 'file',
    fix: 'suggestion',
    docs: { description: 'Training entry point with no experiment tracking' },
    skipTestFiles: true,
    triggers: ['fit', 'train', 'step', 'apply_', 'fine_tune'],
    messages: {
      untracked:
        '`{{call}}` trains a model, but nothing in this file records the run (no MLflow, W&B, TensorBoard or other tracker): its parameters, metrics and artifacts are lost',
      addMlflowAutolog: 'Add `mlflow.autolog()` after the imports',
      addWandbInit: 'Add `wandb.init()` after the imports',
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
  const roots = importedRoots(context);
  const analysis = new TrainingAnalysis(context, calls, roots);
  let reach: ScriptReach | null = null;
  let found: { node: SyntaxNode; label: string } | null = null;
  for (const call of calls) {
    const label = analysis.trainingLabel(call);
    if (!label) continue;
    reach ??= new ScriptReach(context);
    if (!reach.isReachable(call)) continue;
    found = { node: call, label };
    break;
  }
  if (!found) return;
  if (isTracked(context, calls)) return;

  const trackers = context.project?.trackers ?? [];
  const wandb = !trackers.includes('mlflow') && trackers.includes('wandb');
  const anchor = lastTopLevelImportBefore(context, found.node);
  context.report({
    node: found.node,
    messageId: 'untracked',
    data: { call: found.label },
    suggest: anchor
      ? [
          {
            messageId: wandb ? 'addWandbInit' : 'addMlflowAutolog',
            edits: (f) => f.insertAt(lineEndOf(context.file.text, anchor.endIndex), wandb ? '\nimport wandb\nwandb.init()' : '\nimport mlflow\nmlflow.autolog()'),
          },
        ]
      : [],
  });
}

/** The last import statement at module level before a node (else the first one), where the suggestion inserts. */
function lastTopLevelImportBefore(context: Context, node: SyntaxNode): SyntaxNode | null {
  let first: SyntaxNode | null = null;
  let last: SyntaxNode | null = null;
  for (const stmt of context.file.root.namedChildren) {
    if (stmt.type !== NodeType.ImportStatement && stmt.type !== NodeType.ImportFromStatement && stmt.type !== NodeType.FutureImportStatement) continue;
    if (context.inErrorRegion(stmt)) continue;
    first ??= stmt;
    if (stmt.startIndex < node.startIndex) last = stmt;
  }
  return last ?? first;
}

// ---------------------------------------------------------------------------------------------------------------
// Training calls

class TrainingAnalysis {
  private readonly mlImported: boolean;
  private readonly torch: boolean;
  private readonly tf: boolean;
  private readonly hasBackward: boolean;
  private readonly hasGradientTape: boolean;
  private readonly classes = new Map<string, SyntaxNode>();
  private readonly functions = new Map<string, SyntaxNode>();

  constructor(
    private readonly context: Context,
    calls: readonly SyntaxNode[],
    private readonly roots: ReadonlySet<string>,
  ) {
    this.mlImported = [...roots].some((r) => ML_IMPORT_ROOTS.has(r));
    this.torch = ['torch', 'accelerate', 'lightning', 'pytorch_lightning', 'deepspeed'].some((r) => roots.has(r));
    this.tf = roots.has('tensorflow') || roots.has('keras') || roots.has('tf_keras');
    this.hasBackward = calls.some((c) => methodCall(c)?.method === 'backward' || context.resolve(c) === 'torch.autograd.backward');
    this.hasGradientTape = calls.some((c) => /GradientTape$/.test(context.resolve(c) ?? ''));
    for (const def of context.file.root.descendantsOfType([NodeType.ClassDefinition, NodeType.FunctionDefinition])) {
      const name = def.childForFieldName('name')?.text;
      if (!name) continue;
      const map = def.type === NodeType.ClassDefinition ? this.classes : this.functions;
      if (!map.has(name)) map.set(name, def);
    }
  }

  /** A short label (`model.fit`, `optimizer.step`, `xgb.train`) when a call trains a model, else null. */
  trainingLabel(call: SyntaxNode): string | null {
    const q = this.context.resolve(call);
    const mc = methodCall(call);
    const shown = mc ? unparenthesize(mc.receiver) : null;
    const owner = shown ? `${lastName(shown) ?? '…'}${shown.type === NodeType.Call ? '()' : ''}` : '';
    const label = mc ? `${owner}.${mc.method}` : (lastName(call) ?? 'train');
    if (q && (TRAIN_FUNCTIONS.has(q) || MORE_TRAIN_FUNCTIONS.has(q))) return callArguments(call).length > 0 ? label : null;
    if (!mc) return null;
    const { receiver, method } = mc;
    switch (method) {
      case 'fit':
      case 'partial_fit':
      case 'fit_generator':
        return this.isModelFit(call, receiver, q) ? label : null;
      case 'train':
        return this.isTrainCall(call, receiver, q) ? label : null;
      case 'step':
        return this.isOptimizerStep(call, receiver, q) ? label : null;
      case 'apply_gradients':
        return this.tf && this.isOptimizerLike(receiver, q) && (isInsideLoop(call) || this.hasGradientTape) ? label : null;
      default:
        if (FASTAI_FIT_METHODS.has(method) && this.roots.has('fastai') && callArguments(call).length > 0) {
          const tokens = nameTokens(lastName(receiver) ?? '');
          if (tokens.includes('learn') || tokens.includes('learner') || /learner\(\)$/i.test(q?.replace(/\.\w+$/, '') ?? '')) return label;
        }
        return null;
    }
  }

  // --- .fit(

  private isModelFit(call: SyntaxNode, receiver: SyntaxNode, q: string | null): boolean {
    if (callArguments(call).length === 0) return false;
    let kind: FitKind = 'unknown';
    if (q && !this.isUnboundName(receiver)) {
      const ctorPath = q.slice(0, q.lastIndexOf('.'));
      if (ctorPath.endsWith('()')) {
        const ctor = ctorPath.slice(0, -2);
        if (LIGHTNING_TRAINER.test(ctor)) return this.lightningLoggerOff(this.constructorCall(receiver));
        if (HF_TRAINER.test(ctor)) return false;
        kind = this.classifyConstructor(ctor, this.constructorCall(receiver), 0);
      } else kind = 'other';
    }
    if (kind === 'unknown') kind = this.receiverKind(receiver);
    if (kind === 'train') return this.mlImported;
    if (kind === 'unknown') return this.mlImported && hasTrainingKeyword(call);
    return false;
  }

  /** `model` bound nowhere in the file (a notebook global from a masked cell): the resolver echoes the name. */
  private isUnboundName(receiver: SyntaxNode): boolean {
    const r = unparenthesize(receiver);
    return r.type === NodeType.Identifier && this.context.file.resolver.lookup(r.text, r) === null;
  }

  /** The call that built a receiver: `Ctor(...)` itself, or the value of `name = Ctor(...)`. */
  private constructorCall(receiver: SyntaxNode): SyntaxNode | null {
    const r = unparenthesize(receiver);
    if (r.type === NodeType.Call) return r;
    if (r.type !== NodeType.Identifier) return null;
    const def = definitionOf(this.context.file, r);
    if (def?.kind !== 'value') return null;
    const value = unparenthesize(def.node);
    return value.type === NodeType.Call ? value : null;
  }

  private classifyConstructor(ctor: string, ctorCall: SyntaxNode | null, depth: number): FitKind {
    const parts = ctor.split('.');
    const root = parts[0] ?? '';
    const cls = (parts[parts.length - 1] ?? '').replace(/\(\)$/, '');
    if (root === 'sentence_transformers') return 'train';
    if (PIPELINE_CONSTRUCTOR.test(ctor)) return this.pipelineKind(ctorCall, /make_pipeline$/.test(ctor), depth);
    if (PREPROCESSING_PATH.test(ctor) || PREPROCESSING_CLASS.test(cls)) return 'prep';
    if (parts.length === 1) return ESTIMATOR_CLASS.test(cls) ? 'train' : 'unknown';
    if (ML_FIT_LIBRARIES.has(root)) return 'train';
    return 'other';
  }

  /** A pipeline of preprocessing steps only is preprocessing; one with a model (or an unknown step) trains. */
  private pipelineKind(ctorCall: SyntaxNode | null, isMake: boolean, depth: number): FitKind {
    if (!ctorCall || depth > 3) return 'train';
    let steps: SyntaxNode[] = [];
    if (isMake) steps = positionalArguments(ctorCall);
    else {
      const list = argumentValue(ctorCall, 0, 'steps');
      if (list?.type === NodeType.List) {
        for (const item of list.namedChildren) {
          const parts = item.type === NodeType.Tuple || item.type === NodeType.ParenthesizedExpression ? item.namedChildren.filter((c) => c.type !== NodeType.Comment) : [];
          const step = parts[1];
          if (!step) return 'train';
          steps.push(step);
        }
      }
    }
    if (steps.length === 0) return 'train';
    for (const step of steps) {
      const call = this.constructorCall(step);
      const q = call ? this.context.resolve(call) : null;
      if (!call || !q || this.classifyConstructor(q, call, depth + 1) !== 'prep') return 'train';
    }
    return 'prep';
  }

  private receiverKind(receiver: SyntaxNode): FitKind {
    const ctorCall = this.constructorCall(receiver);
    const fn = ctorCall?.childForFieldName('function');
    if (fn?.type === NodeType.Identifier) {
      const cls = this.classes.get(fn.text);
      if (cls) return this.hasMlBase(cls) ? 'train' : 'other';
    }
    return nameKind(lastName(unparenthesize(receiver)));
  }

  /** A same-file class deriving from a Keras model or a scikit-learn base has a library `.fit`. */
  private hasMlBase(cls: SyntaxNode): boolean {
    const bases = cls.childForFieldName('superclasses');
    if (!bases) return false;
    return bases.namedChildren.some((b) => {
      const q = this.context.resolve(b);
      return q !== null && ML_FIT_LIBRARIES.has(q.split('.')[0] ?? '') && !/LightningModule|nn\.Module/.test(q);
    });
  }

  private lightningLoggerOff(ctorCall: SyntaxNode | null): boolean {
    if (!ctorCall) return false;
    return isFalseLiteral(keywordValue(ctorCall, 'logger'));
  }

  // --- .train(

  private isTrainCall(call: SyntaxNode, receiver: SyntaxNode, q: string | null): boolean {
    if (q?.endsWith('().train')) {
      const ctor = q.slice(0, -'().train'.length);
      if (HF_TRAINER.test(ctor)) return this.hfReportingOff(this.constructorCall(receiver));
      if (/^(h2o|tensorflow\.estimator)\./.test(ctor)) return callArguments(call).length > 0;
    }
    const args = callArguments(call);
    const modeSwitch = args.length === 0 || (args.length === 1 && isTruthyLiteral(args[0]?.type === NodeType.KeywordArgument ? args[0].childForFieldName('value') : (args[0] ?? null)));
    if (!modeSwitch || !this.torch) return false;
    if (nameTokens(lastName(receiver) ?? '').some((t) => t === 'trainer' || t === 'learner')) return false;
    return this.followedByTrainingLoop(call);
  }

  /** `trainer.train()` of a Hugging Face trainer whose `TrainingArguments` say `report_to="none"`. */
  private hfReportingOff(ctorCall: SyntaxNode | null): boolean {
    if (!ctorCall) return false;
    const argsNode = argumentValue(ctorCall, 1, 'args');
    if (!argsNode) return false;
    const ta = this.constructorCall(argsNode);
    if (!ta || !HF_TRAINING_ARGUMENTS.test(this.context.resolve(ta) ?? '')) return false;
    const reportTo = keywordValue(ta, 'report_to');
    return reportTo !== null && reportToOff(reportTo);
  }

  /** `model.train()` followed, in the same block, by a loop that computes a loss or steps an optimizer. */
  private followedByTrainingLoop(call: SyntaxNode): boolean {
    const stmt = call.parent;
    if (stmt?.type !== NodeType.ExpressionStatement) return false;
    for (let s = stmt.nextNamedSibling; s; s = s.nextNamedSibling) {
      if ((s.type === NodeType.ForStatement || s.type === NodeType.WhileStatement) && this.loopTrains(s)) return true;
    }
    return false;
  }

  private loopTrains(loop: SyntaxNode): boolean {
    for (const id of loop.descendantsOfType(NodeType.Identifier)) if (nameTokens(id.text).includes('loss')) return true;
    for (const c of loop.descendantsOfType(NodeType.Call)) {
      const m = methodCall(c)?.method;
      if (m === 'backward' || m === 'step' || m === 'apply_gradients') return true;
      const fn = c.childForFieldName('function');
      const def = fn?.type === NodeType.Identifier ? this.functions.get(fn.text) : undefined;
      if (def && def.descendantsOfType(NodeType.Call).some((d) => ['backward', 'step'].includes(methodCall(d)?.method ?? ''))) return true;
    }
    return false;
  }

  // --- optimizer.step(

  private isOptimizerStep(call: SyntaxNode, receiver: SyntaxNode, q: string | null): boolean {
    if (!this.torch) return false;
    let optimizer = false;
    if (q && !this.isUnboundName(receiver)) {
      if (/sched|lr_scheduler/i.test(q)) return false;
      if (/^torch\.optim\.[\w.]*\(\)\.step$/.test(q) || /GradScaler\(\)\.step$/.test(q)) optimizer = true;
      else if (/^(transformers|bitsandbytes|apex|timm|torch_optimizer|deepspeed|accelerate)\.[\w.]*\(\)\.step$/.test(q)) optimizer = true;
      else return false;
    } else {
      optimizer = this.isOptimizerLike(receiver, null);
      if (!optimizer && nameTokens(lastName(receiver) ?? '').includes('scaler')) {
        const first = positionalArguments(call)[0];
        optimizer = first !== undefined && this.isOptimizerLike(first, null);
      }
    }
    return optimizer && (isInsideLoop(call) || this.hasBackward);
  }

  private isOptimizerLike(receiver: SyntaxNode, q: string | null): boolean {
    if (q && /^(torch\.optim|tensorflow\.keras\.optimizers|keras\.optimizers|tf_keras\.optimizers)\./.test(q)) return true;
    const tokens = nameTokens(lastName(unparenthesize(receiver)) ?? '');
    if (tokens.some((t) => t === 'sched' || t === 'scheduler' || t === 'lr')) return false;
    return tokens.some((t) => t.startsWith('optim') || t === 'opt' || t === 'optimiser');
  }
}

function nameKind(name: string | null): FitKind {
  if (!name) return 'unknown';
  const tokens = nameTokens(name).map((t) => t.replace(/\d+$/, ''));
  if (tokens.some((t) => PREPROCESSING_NAME_TOKENS.has(t))) return 'prep';
  if (tokens.some((t) => MODEL_NAME_TOKENS.has(t))) return 'train';
  return 'unknown';
}

function hasTrainingKeyword(call: SyntaxNode): boolean {
  return callArguments(call).some((a) => a.type === NodeType.KeywordArgument && TRAINING_FIT_KEYWORDS.has(a.childForFieldName('name')?.text ?? ''));
}

function isTruthyLiteral(node: SyntaxNode | null): boolean {
  const v = literalValue(node);
  return v?.kind === 'bool' && v.value;
}

/** `report_to="none"`, `report_to=[]`, `report_to=["none"]`. (`None` meant "all" before transformers v5.) */
function reportToOff(node: SyntaxNode): boolean {
  const n = unparenthesize(node);
  const s = stringValue(n);
  if (s !== null) return REPORT_TO_OFF.has(s);
  if (n.type === NodeType.List || n.type === NodeType.Tuple) {
    const items = n.namedChildren.filter((c) => c.type !== NodeType.Comment);
    return items.every((i) => REPORT_TO_OFF.has(stringValue(i) ?? '?'));
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Tracking

/** Whether anything in the file records runs (precision first: anything that may be tracking counts). */
function isTracked(context: Context, calls: readonly SyntaxNode[]): boolean {
  const { file } = context;
  if (file.root.hasError && TRACKING_WORDS.test(file.text)) return true;

  for (const stmt of file.root.descendantsOfType([NodeType.ImportStatement, NodeType.ImportFromStatement])) {
    for (const { module, name } of importedNames(stmt)) {
      const mod = module.replace(/^\.+/, '');
      const full = canonicalName(name ? `${mod}.${name}` : mod);
      if (trackerOf(full) || trackerOf(canonicalName(mod)) || MORE_TRACKER_MODULES.test(full)) return true;
      if (name && TRACKER_CLASS.test(name)) return true;
      if (GENERAL_LOGGING_MODULE.test(mod)) continue;
      if (name && !PYTHON_LOGGER_HELPER.test(name) && LOCAL_TRACKER_NAME.test(name)) return true;
      if (LOCAL_TRACKER_MODULE.test(mod) && !/object_?track/i.test(mod)) return true;
    }
  }

  for (const call of calls) {
    const q = context.resolve(call);
    if (q) {
      if (trackerOf(q) || MORE_TRACKER_MODULES.test(q)) return true;
      const last = q.slice(q.lastIndexOf('.') + 1);
      if (TRACKER_CLASS.test(last)) return true;
      if (/^accelerate\.Accelerator$/.test(q) && tracksWith(keywordValue(call, 'log_with'))) return true;
      if (LIGHTNING_TRAINER.test(q) && !isFalseLiteral(keywordValue(call, 'logger'))) return true;
      if (LIGHTNING_FABRIC.test(q) && tracksWith(keywordValue(call, 'loggers'))) return true;
      if (HF_TRAINING_ARGUMENTS.test(q)) {
        const reportTo = keywordValue(call, 'report_to');
        if (reportTo && !reportToOff(reportTo) && literalValue(reportTo)?.kind !== 'none') return true;
      }
    }
    const method = methodCall(call)?.method;
    if (method && TRACKING_METHODS.has(method)) return true;
    const name = lastName(call);
    if (name && TRACKER_CLASS.test(name)) return true;
  }

  for (const s of file.root.descendantsOfType(NodeType.String)) {
    const value = stringValue(s);
    if (value && TRACKER_ENV.test(value) && !TRACKER_ENV_OFF.test(value)) return true;
  }
  return false;
}

function tracksWith(node: SyntaxNode | null): boolean {
  if (!node) return false;
  const v = literalValue(node);
  if (v?.kind === 'none' || (v?.kind === 'bool' && !v.value)) return false;
  const n = unparenthesize(node);
  if ((n.type === NodeType.List || n.type === NodeType.Tuple) && n.namedChildren.filter((c) => c.type !== NodeType.Comment).length === 0) return false;
  return true;
}

function isFalseLiteral(node: SyntaxNode | null): boolean {
  const v = literalValue(node);
  return v?.kind === 'bool' && !v.value;
}
