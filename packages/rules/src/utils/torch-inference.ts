/**
 * PyTorch inference analysis shared by ML601 (missing-eval-mode) and ML602 (missing-no-grad): which calls run a
 * torch `nn.Module` for inference, which mode (`train`/`eval`) the module is in when they run, and whether autograd
 * is off around them.
 *
 * Everything is static, per file, and errs on the quiet side: a value whose origin is not recognised is "unknown",
 * and unknown never reports. The mode of a module is followed through
 * - its origin: `Net()` of a same-file `nn.Module` subclass, `torchvision.models.*`, `timm.create_model`, HF
 *   `from_config`/constructors start in training mode; `*.from_pretrained` returns eval mode; `torch.load` keeps the
 *   pickled mode (normally training); `torch.jit.load`/`script`/`trace` are exempt;
 * - mode switches on the same name/attribute (`model.eval()`, `.train()`, `.train(False)`, chained `Net().eval()`),
 *   in source order within a function or the module (loops and `if` branches handled conservatively), and inside
 *   same-file helpers (`set_eval(model)`, `train_one_epoch(model, …)`);
 * - parameters through the same-file call sites of their function, globals through the whole file (a handler runs
 *   after every module-level statement and startup hook), `self.x` through every method of the class.
 */
import type { RuleContext, Triggers } from '@mlops-lint/core';
import { canonicalName, NodeType, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import { callArguments, definitionOfName, keywordValue, literalValue, positionalArguments, stringValue, unparenthesize, type NameDefinition } from './args.js';
import { calledFunction, decoratorsOf, enclosingClass, enclosingFunction, findHandlers, functionKey, HANDLER_TRIGGERS, handlerReach, methodOf, methodsOf, ownNodes, parameterNames, reachOfNode, type Reach } from './handlers.js';
import { isTestPath, nameTokens } from './training-scripts.js';

/**
 * The textual triggers of ML601/ML602: a torch-family library, and one of the three inference contexts
 * {@link TorchAnalysis.inferenceCalls} accepts: a request handler ({@link HANDLER_TRIGGERS}), autograd switched off
 * around the call (`no_grad`, `inference_mode`, `set_grad_enabled`), or a function named for inference
 * (`def predict…`, `def run_inference`, `def evaluate`, `def test(model, …)`; names are matched by token, in any case).
 */
export const TORCH_INFERENCE_TRIGGERS: Triggers = {
  all: [
    /torch|transformers|diffusers|timm|peft|lightning/,
    [
      ...HANDLER_TRIGGERS,
      // Case-sensitive (a case-insensitive scan is several times slower); name tokens in each case they are written.
      /no_grad|inference_mode|set_grad_enabled|def\s+\w*(?:[Pp]redict|PREDICT|[Ii]nfer|INFER|[Vv]al|VAL|[Gg]enerat|GENERAT|[Tt]est|TEST)/,
    ],
  ],
};

/** What the analysis needs from a rule context. */
export type TorchContext = Pick<RuleContext, 'file' | 'filename' | 'resolve' | 'inErrorRegion'>;

export type Mode = 'train' | 'eval' | 'unknown';

/** Why a module is in training mode at an inference call. */
export type TrainReason =
  /** Built by a constructor (`Net()`, `resnet50()`, `timm.create_model`): modules start in training mode. */
  | { kind: 'fresh'; node: SyntaxNode; label: string }
  /** Unpickled by `torch.load`: the module keeps the mode it was saved in. */
  | { kind: 'pickled'; node: SyntaxNode; label: string }
  /** `LightningModule.load_from_checkpoint` returns the module in training mode. */
  | { kind: 'checkpoint'; node: SyntaxNode; label: string }
  /** Switched by `.train()` (or a same-file helper that trains it) and not switched back. */
  | { kind: 'toggled'; node: SyntaxNode; label: string }
  /** A parameter: a same-file caller passes a module in training mode. */
  | { kind: 'caller'; node: SyntaxNode; inner: TrainReason };

export interface ModelState {
  mode: Mode;
  /** Whether the value is known to be a torch `nn.Module` (or a TorchScript module). */
  torch: boolean;
  reason: TrainReason | null;
  /** The call that built the module, when known (for the architecture check). */
  ctor: SyntaxNode | null;
}

const UNKNOWN: ModelState = { mode: 'unknown', torch: false, reason: null, ctor: null };

const RANDOM_INPUT = /^torch\.(randn|rand|randn_like|rand_like|normal|randint|zeros|ones|zeros_like|ones_like|empty)$/;
const NOISE_NAME = /noise|latent|dummy|^z(_\w+)?$/i;

/**
 * Whether a model call's first input is random or dummy data (`torch.randn(...)`, `fixed_noise`, `dummy_input`):
 * a shape check, a tracing run, or a generative model sampling from noise, not inference on real data.
 */
export function hasSyntheticInput(context: TorchContext, call: SyntaxNode): boolean {
  const first = positionalArguments(call)[0];
  if (!first) return false;
  let arg = unparenthesize(first);
  for (let i = 0; i < 3; i++) {
    const m = arg.type === NodeType.Call ? methodName(arg) : null;
    if (m && PASSTHROUGH.has(m.method)) arg = unparenthesize(m.receiver);
    else break;
  }
  if (arg.type === NodeType.Identifier) {
    if (NOISE_NAME.test(arg.text)) return true;
    const def = definitionOfName(context.file, arg.text, arg);
    if (def?.kind !== 'value') return false;
    arg = unparenthesize(def.node);
    for (let i = 0; i < 3; i++) {
      const m = arg.type === NodeType.Call ? methodName(arg) : null;
      if (m && PASSTHROUGH.has(m.method)) arg = unparenthesize(m.receiver);
      else break;
    }
  }
  if (arg.type === NodeType.Attribute) return NOISE_NAME.test(arg.childForFieldName('attribute')?.text ?? '');
  if (arg.type !== NodeType.Call) return false;
  return RANDOM_INPUT.test(q(context, arg.childForFieldName('function')) ?? '');
}

/** A call that runs a model for inference: `model(x)`, `model.forward(x)`, `model.generate(…)`. */
export interface InferenceCall {
  call: SyntaxNode;
  /** The model expression (`model`, `self.model`, `models["clf"]`). */
  receiver: SyntaxNode;
  method: 'call' | 'forward' | 'generate';
  /** The innermost function around the call, or null at module level. */
  fn: SyntaxNode | null;
  /** How a request handler reaches the call, when it does. */
  reach: Reach | null;
  /** An enclosing function is named like inference (`predict`, `evaluate`, `run_inference`, `test`, …). */
  named: SyntaxNode | null;
  /** Lexically under `torch.no_grad()`/`inference_mode()`/`set_grad_enabled(False)` or a grad-disabling decorator. */
  noGrad: boolean;
}

// ---------------------------------------------------------------------------------------------------------------
// Small syntax helpers

function q(context: TorchContext, node: SyntaxNode | null): string | null {
  if (!node) return null;
  const name = context.resolve(node);
  return name === null ? null : canonicalName(name);
}

/** The function whose body holds a node (lambdas looked through), else the module root. */
function scopeNode(context: TorchContext, node: SyntaxNode): SyntaxNode {
  return enclosingFunction(node) ?? context.file.root;
}

const CALL_TYPES = new Set<string>([NodeType.Call]);
const ATTRIBUTE_TYPES = new Set<string>([NodeType.Attribute]);
const WITH_ITEM_TYPES = new Set<string>([NodeType.WithItem]);

/** The deepest node under `root` that spans `offset`. */
function nodeAt(root: SyntaxNode, offset: number): SyntaxNode {
  let current = root;
  for (let guard = 0; guard < 200; guard++) {
    const next = current.children.find((c) => c.startIndex <= offset && offset < c.endIndex);
    if (!next) break;
    current = next;
  }
  return current;
}

function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

function methodName(call: SyntaxNode): { receiver: SyntaxNode; method: string } | null {
  const fn = call.childForFieldName('function');
  if (fn?.type !== NodeType.Attribute) return null;
  const receiver = fn.childForFieldName('object');
  const method = fn.childForFieldName('attribute')?.text;
  return receiver && method ? { receiver, method } : null;
}

function isCapitalised(name: string): boolean {
  return /^_?[A-Z]/.test(name);
}

/** Methods that return the module itself (`model.to(device)` is `model`). */
const PASSTHROUGH = new Set(['to', 'cuda', 'cpu', 'xpu', 'half', 'float', 'double', 'bfloat16', 'requires_grad_', 'share_memory', 'to_empty', 'eval', 'train']);

/**
 * A stable text key for a model expression, with module-returning chains and the `.module` of a
 * `DataParallel`/`DistributedDataParallel` wrapper stripped: `model.to(device)` → `model`, `self.net.module` →
 * `self.net`, `models["clf"]` → `models["clf"]`. Null for anything else.
 */
export function receiverKey(expr: SyntaxNode): string | null {
  let n = unparenthesize(expr);
  for (let i = 0; i < 8 && n.type === NodeType.Call; i++) {
    const m = methodName(n);
    if (!m || !PASSTHROUGH.has(m.method)) return null;
    n = unparenthesize(m.receiver);
  }
  if (n.type === NodeType.Attribute && n.childForFieldName('attribute')?.text === 'module') {
    const object = n.childForFieldName('object');
    if (object) n = unparenthesize(object);
  }
  return keyText(n);
}

function keyText(node: SyntaxNode): string | null {
  // Iterative, so that a pathological `a[0][0]…` cannot exhaust the stack.
  const suffixes: string[] = [];
  let n = node;
  for (let depth = 0; depth < 32; depth++) {
    if (n.type === NodeType.Identifier) return n.text + suffixes.reverse().join('');
    if (n.type === NodeType.Attribute) {
      const object = n.childForFieldName('object');
      const attr = n.childForFieldName('attribute');
      if (!object || !attr) return null;
      suffixes.push(`.${attr.text}`);
      n = unparenthesize(object);
      continue;
    }
    if (n.type === NodeType.Subscript) {
      const value = n.childForFieldName('value');
      const index = n.childForFieldName('subscript');
      if (!value || !index) return null;
      const lit = literalValue(index);
      if (lit?.kind === 'string') suffixes.push(`[${JSON.stringify(lit.value)}]`);
      else if (lit?.kind === 'int') suffixes.push(`[${lit.value}]`);
      else return null;
      n = unparenthesize(value);
      continue;
    }
    return null;
  }
  return null;
}

/** The leftmost identifier of a key expression. */
function rootOf(expr: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = unparenthesize(expr);
  while (n) {
    if (n.type === NodeType.Identifier) return n;
    if (n.type === NodeType.Attribute) n = n.childForFieldName('object');
    else if (n.type === NodeType.Subscript) n = n.childForFieldName('value');
    else if (n.type === NodeType.Call) n = n.childForFieldName('function');
    else if (n.type === NodeType.ParenthesizedExpression) n = n.firstNamedChild;
    else return null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Autograd context

const NO_GRAD_CALLS = new Set(['torch.no_grad', 'torch.autograd.no_grad', 'torch.autograd.grad_mode.no_grad', 'torch.inference_mode', 'torch.autograd.inference_mode', 'torch.autograd.grad_mode.inference_mode']);
const SET_GRAD_ENABLED = new Set(['torch.set_grad_enabled', 'torch.autograd.set_grad_enabled', 'torch.autograd.grad_mode.set_grad_enabled']);

/** Whether an expression (a `with` item or a decorator) turns autograd off: `yes`, `maybe` (`set_grad_enabled(flag)`), or `no`. */
export function gradDisabling(context: TorchContext, expr: SyntaxNode): 'yes' | 'maybe' | 'no' {
  const n = unparenthesize(expr);
  const target = n.type === NodeType.Call ? n.childForFieldName('function') : n;
  const name = q(context, target);
  if (!name) return 'no';
  if (NO_GRAD_CALLS.has(name)) {
    if (n.type !== NodeType.Call) return 'yes';
    const arg = keywordValue(n, 'mode') ?? positionalArguments(n)[0] ?? null;
    if (!arg) return 'yes';
    if (arg.type === NodeType.True) return 'yes';
    if (arg.type === NodeType.False) return 'no';
    return 'maybe';
  }
  if (SET_GRAD_ENABLED.has(name) && n.type === NodeType.Call) {
    const arg = keywordValue(n, 'mode') ?? positionalArguments(n)[0] ?? null;
    if (arg?.type === NodeType.False) return 'yes';
    if (arg?.type === NodeType.True) return 'no';
    return 'maybe';
  }
  return 'no';
}

/** The strongest grad-disabling of the `with` items and decorators around a node, up to its function. */
function lexicalGrad(context: TorchContext, node: SyntaxNode): 'yes' | 'maybe' | 'no' {
  let best: 'yes' | 'maybe' | 'no' = 'no';
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === NodeType.WithStatement) {
      const body = p.childForFieldName('body');
      if (body && contains(body, node)) {
        for (const item of p.descendantsOfType(NodeType.WithItem)) {
          if (!item.parent || item.parent.parent?.startIndex !== p.startIndex) continue;
          const value = item.childForFieldName('value');
          const expr = value?.type === 'as_pattern' ? value.firstNamedChild : value;
          if (!expr) continue;
          const g = gradDisabling(context, expr);
          if (g === 'yes') return 'yes';
          if (g === 'maybe') best = 'maybe';
        }
      }
    }
    if (p.type === NodeType.FunctionDefinition) {
      const body = p.childForFieldName('body');
      if (!body || !contains(body, node)) continue;
      for (const deco of decoratorsOf(p)) {
        const g = gradDisabling(context, deco);
        if (g === 'yes') return 'yes';
        if (g === 'maybe') best = 'maybe';
      }
      // Keep walking: a nested function inherits nothing at run time, but a `with` around a lambda does.
      break;
    }
  }
  return best;
}

// ---------------------------------------------------------------------------------------------------------------
// Classes

const MODULE_BASE = /^(torch\.nn\.(Module|modules\.module\.Module|Sequential|ModuleList|ModuleDict)|lightning\.(pytorch\.)?(core\.(module\.)?)?LightningModule|lightning\.(pytorch\.)?LightningModule|transformers\.(\w+\.)*\w*PreTrainedModel|diffusers\.(\w+\.)*ModelMixin)$/;
/** Bases of classes that are certainly not `nn.Module`s (serving frameworks, ABCs, pydantic, …). */
const NON_MODULE_BASE = /^(object|abc\.ABC|typing\.\w+|ts\.torch_handler\.|kserve\.|mlserver\.|cog\.|ray\.|bentoml\.|django\.|rest_framework\.|flask\.|flask_restful\.|starlette\.|fastapi\.|tornado\.|pydantic\.|enum\.|dataclasses\.|threading\.|Exception$|sagemaker)/;

/** The same-file class a name is bound to. */
function localClass(context: TorchContext, name: SyntaxNode): SyntaxNode | null {
  if (name.type !== NodeType.Identifier) return null;
  const binding = context.file.resolver.lookup(name.text, name);
  if (binding?.kind !== 'local') return null;
  const node = nodeAt(context.file.root, binding.at);
  for (let p: SyntaxNode | null = node; p; p = p.parent) {
    if (p.startIndex !== binding.at) break;
    if (p.type === NodeType.ClassDefinition) return p;
  }
  return null;
}

function baseExpressions(cls: SyntaxNode): SyntaxNode[] {
  return cls.childForFieldName('superclasses')?.namedChildren.filter((c) => c.type === NodeType.Identifier || c.type === NodeType.Attribute) ?? [];
}

/** Whether a class is a torch `nn.Module` (directly, through Lightning/HF bases, or same-file bases). */
export function isModuleClass(context: TorchContext, cls: SyntaxNode, depth = 0): boolean {
  if (depth > 6) return false;
  for (const base of baseExpressions(cls)) {
    const name = q(context, base);
    if (name && MODULE_BASE.test(name)) return true;
    const local = localClass(context, base);
    if (local && isModuleClass(context, local, depth + 1)) return true;
  }
  return false;
}

/** Whether a class may be an `nn.Module`: it is one, or it has a base this file cannot see into. */
function mightBeModuleClass(context: TorchContext, cls: SyntaxNode, depth = 0): boolean {
  if (depth > 6) return true;
  for (const base of baseExpressions(cls)) {
    const local = localClass(context, base);
    if (local) {
      if (mightBeModuleClass(context, local, depth + 1)) return true;
      continue;
    }
    const name = q(context, base) ?? base.text;
    if (MODULE_BASE.test(name)) return true;
    if (!NON_MODULE_BASE.test(name)) return true;
  }
  return false;
}

/** Classes whose methods a framework runs with the right mode and autograd setting (Lightning, HF `Trainer`). */
function isFrameworkManagedClass(context: TorchContext, cls: SyntaxNode, depth = 0): boolean {
  if (depth > 6) return false;
  for (const base of baseExpressions(cls)) {
    const name = q(context, base) ?? base.text;
    if (/LightningModule$|^transformers\.(\w+\.)*\w*Trainer$|^trl\.\w*Trainer$|^accelerate\./.test(name)) return true;
    const local = localClass(context, base);
    if (local && isFrameworkManagedClass(context, local, depth + 1)) return true;
  }
  return false;
}

/** The class and its same-file ancestors. */
function classChain(context: TorchContext, cls: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [cls];
  for (let i = 0; i < out.length && i < 8; i++) {
    for (const base of baseExpressions(out[i] as SyntaxNode)) {
      const local = localClass(context, base);
      if (local && !out.some((c) => c.startIndex === local.startIndex)) out.push(local);
    }
  }
  return out;
}

function isTorchServeHandlerClass(context: TorchContext, cls: SyntaxNode): boolean {
  return classChain(context, cls).some((c) => baseExpressions(c).some((b) => (q(context, b) ?? '').startsWith('ts.torch_handler.')));
}

// ---------------------------------------------------------------------------------------------------------------
// Architecture: does `.eval()` change anything?

const MODE_DEPENDENT_NN = /^torch\.nn\.(?:modules\.\w+\.)?(Dropout\w*|AlphaDropout|FeatureAlphaDropout|\w*BatchNorm\w*|\w*InstanceNorm\w*|Transformer\w*|RReLU)$/;
const DROPOUT_KW_NN = /^torch\.nn\.(RNN|LSTM|GRU|MultiheadAttention)$/;
const MODE_DEPENDENT_FN = /^torch\.nn\.functional\.(dropout\w*|alpha_dropout|feature_alpha_dropout|batch_norm|instance_norm|rrelu)$|^torch\.(dropout|batch_norm|instance_norm)$/;

/** Whether `.eval()` changes what a module computes: `yes`, `no` (every part visible and none does), or `unknown`. */
export type ModeDependence = 'yes' | 'no' | 'unknown';

function worst(a: ModeDependence, b: ModeDependence): ModeDependence {
  if (a === 'yes' || b === 'yes') return 'yes';
  return a === 'unknown' || b === 'unknown' ? 'unknown' : 'no';
}

/**
 * Whether the module a constructor call builds behaves differently in training mode (dropout, batch/instance norm,
 * transformer layers, `self.training` branches): `no` only when every part of it is visible in this file.
 */
export function constructorModeDependence(context: TorchContext, ctor: SyntaxNode): ModeDependence {
  const fn = ctor.childForFieldName('function');
  if (!fn) return 'unknown';
  const m = methodName(ctor);
  if (m && (m.method === 'load_from_checkpoint' || m.method === 'from_config')) {
    const local = m.receiver.type === NodeType.Identifier ? localClass(context, m.receiver) : null;
    return local ? classModeDependence(context, local, new Set()) : m.method === 'from_config' ? 'yes' : 'unknown';
  }
  const local = fn.type === NodeType.Identifier ? localClass(context, fn) : null;
  if (local) return classModeDependence(context, local, new Set());
  const name = q(context, fn);
  if (!name) return 'unknown';
  if (/^torch\.nn\.(Sequential|ModuleList|ModuleDict)$/.test(name)) return subtreeModeDependence(context, ctor, new Set());
  if (name.startsWith('diffusers.')) return dropoutKeyword(ctor);
  return callModeDependence(context, ctor, new Set()) ?? 'unknown';
}

/** `dropout=0.1` makes a layer mode-dependent; no `dropout=` (default 0) or `dropout=0` does not. */
function dropoutKeyword(call: SyntaxNode): ModeDependence {
  const dropout = keywordValue(call, 'dropout');
  if (!dropout) return 'no';
  const lit = literalValue(dropout);
  return lit && (lit.kind === 'int' || lit.kind === 'float') && lit.value === 0 ? 'no' : 'yes';
}

/** The dependence a call inside a module definition adds, or null when the call does not build a part. */
function callModeDependence(context: TorchContext, call: SyntaxNode, seen: Set<number>): ModeDependence | null {
  const fn = call.childForFieldName('function');
  if (!fn) return null;
  const local = fn.type === NodeType.Identifier ? localClass(context, fn) : null;
  if (local) return isModuleClass(context, local) ? classModeDependence(context, local, seen) : null;
  const name = q(context, fn);
  if (name === null) return null;
  if (MODE_DEPENDENT_NN.test(name) || MODE_DEPENDENT_FN.test(name)) return 'yes';
  if (DROPOUT_KW_NN.test(name)) return dropoutKeyword(call);
  if (name.startsWith('torch.')) return 'no';
  const last = name.split('.').pop() ?? name;
  if (/^(torchvision\.models|timm|transformers|segmentation_models_pytorch|efficientnet_pytorch|pretrainedmodels)\b/.test(name)) return 'yes';
  if (name.startsWith('diffusers.')) return dropoutKeyword(call);
  // An imported class (or a name from a star import): its layers are not visible here.
  return isCapitalised(last) ? 'unknown' : null;
}

function subtreeModeDependence(context: TorchContext, root: SyntaxNode, seen: Set<number>): ModeDependence {
  let result: ModeDependence = 'no';
  for (const call of root.descendantsOfType(NodeType.Call)) {
    if (call.startIndex === root.startIndex && call.endIndex === root.endIndex) continue;
    const d = callModeDependence(context, call, seen);
    if (d) result = worst(result, d);
    if (result === 'yes') return result;
  }
  return result;
}

function classModeDependence(context: TorchContext, cls: SyntaxNode, seen: Set<number>): ModeDependence {
  if (seen.has(cls.startIndex)) return 'no';
  if (seen.size > 64) return 'unknown';
  seen.add(cls.startIndex);
  let result: ModeDependence = 'no';
  for (const base of baseExpressions(cls)) {
    const local = localClass(context, base);
    if (local) result = worst(result, classModeDependence(context, local, seen));
    else {
      const name = q(context, base) ?? '';
      if (!/^torch\.nn\.(Module|modules\.module\.Module|Sequential|ModuleList|ModuleDict)$/.test(name) && !/LightningModule$/.test(name)) result = worst(result, 'unknown');
    }
  }
  for (const attr of cls.descendantsOfType(NodeType.Attribute)) {
    if (attr.childForFieldName('attribute')?.text === 'training') return 'yes';
  }
  return worst(result, subtreeModeDependence(context, cls, seen));
}

// ---------------------------------------------------------------------------------------------------------------
// Model origins

const WRAPPERS = /^(torch\.nn\.(DataParallel|parallel\.(DataParallel|DistributedDataParallel|data_parallel\.DataParallel))|torch\.nn\.parallel\.distributed\.DistributedDataParallel|torch\.compile|torch\.(ao\.)?quantization\.quantize_dynamic|torch\.quantization\.quantize_dynamic)$/;
const SCRIPTED = /^torch\.(jit\.(load|script|trace|trace_module|freeze|optimize_for_inference)|export\.load|_C\.import_ir_module)$/;
const FRESH_FACTORY = /^(torchvision\.models\.(\w+\.)*(?!get_weight$|list_models$|get_model_weights$|get_model_builder$)[a-z_]\w*|torchvision\.models\.(\w+\.)*[A-Z]\w*|timm\.create_model|timm\.models\.create_model|segmentation_models_pytorch\.[A-Z]\w*|segmentation_models_pytorch\.create_model)$/;
/** HF classes that are not torch modules, or not models. */
const HF_NOT_MODEL = /^(TF|Flax)|Tokenizer|Processor|Config|FeatureExtractor|Pipeline|Scheduler|Trainer|Dataset|Collator|Args|Arguments/;
const HF_MODULES = /^(transformers|diffusers|peft|trl)\./;
/** Libraries whose classes are not (or do not return) plain torch modules in training mode. */
const NOT_TORCH_LIBRARY = /^(sklearn|xgboost|lightgbm|catboost|keras|tensorflow|tf_keras|jax|flax|numpy|pandas|scipy|statsmodels|onnxruntime|openvino|tritonclient|ultralytics|sentence_transformers|transformers|diffusers|peft|trl|torch|torchvision|timm|lightning|gensim|spacy|fasttext|whisper|openai|anthropic|langchain\w*|llama_index|vllm|llama_cpp|gradio|streamlit|fastapi|flask|starlette|pydantic|bentoml|ray|mlflow|joblib|pickle|PIL|cv2|collections|typing|dataclasses|pathlib|logging|argparse|datetime|threading|queue|concurrent|asyncio|io|os|sys|json|re|functools|itertools|enum|uuid|time|random|math|copy|abc|contextlib|tempfile|shutil|subprocess|requests|httpx|boto3|botocore|sagemaker|google|azure|redis|sqlalchemy|celery|prometheus_client|wandb|tqdm|hydra|omegaconf|accelerate|datasets|tokenizers|evaluate|albumentations|matplotlib|seaborn|plotly|nltk|openpyxl|yaml|h5py|zarr|tensorboard|tensorboardX|einops|huggingface_hub|safetensors|onnx)\b/;

function hubRepoIsPlainModule(call: SyntaxNode): boolean {
  const repo = stringValue(positionalArguments(call)[0] ?? keywordValue(call, 'repo_or_dir'));
  return repo !== null && /^(pytorch|facebookresearch|NVIDIA)\//.test(repo);
}

// ---------------------------------------------------------------------------------------------------------------
// The analysis

interface ModeEvent {
  /** The `.eval()`/`.train()` call, or the helper call that switches the mode. */
  node: SyntaxNode;
  key: string;
  mode: Mode;
  /** The mode switch is part of a training step (a helper that trains the module). */
  training: boolean;
}

interface Summary {
  /** Parameter name → the mode it leaves its argument in. */
  params: Map<string, { mode: Mode; training: boolean }>;
  /** Keys of names/attributes the function does not bind (module globals, `self.x`) → the mode it leaves them in. */
  outer: Map<string, { mode: Mode; training: boolean }>;
  /** Whether the function runs a training step (`loss.backward()`, `optimizer.step()`). */
  training: boolean;
}

const MAX_DEPTH = 5;

/** Per-file analysis; one instance per source file, shared by the rules that ask. */
export class TorchAnalysis {
  private readonly context: TorchContext;
  private readonly events = new Map<string, ModeEvent[]>();
  private readonly summaries = new Map<string, Summary | null>();
  private readonly training = new Map<string, boolean>();
  private callSitesIndex: Map<string, SyntaxNode[]> | null = null;
  private allFunctions: SyntaxNode[] | null = null;
  private reachMap: Map<string, Reach> | null = null;

  constructor(context: TorchContext) {
    this.context = context;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Inference calls

  /** Every call that runs a model for inference in an inference context (handler, named function, no-grad block). */
  inferenceCalls(): InferenceCall[] {
    const context = this.context;
    if (isTestPath(context.filename)) return [];
    const out: InferenceCall[] = [];
    for (const call of context.file.root.descendantsOfType(NodeType.Call)) {
      if (context.inErrorRegion(call)) continue;
      const shape = inferenceShape(call);
      if (!shape) continue;
      const { receiver, method } = shape;
      const rootId = rootOf(receiver);
      if (!rootId || (rootId.text === 'self' && receiver.type === NodeType.Identifier)) continue;
      if (rootId.text === 'super' || rootId.text === 'cls') continue;
      // Preprocessing modules (`transform = torch.jit.load("transform.pt")`) are not the model.
      if (NOT_A_MODEL_NAME.test(lastSegment(receiver))) continue;
      // Functions and classes are not models: `helper(x)`, `torch.relu(x)`, `F.softmax(x)`.
      if (receiver.type === NodeType.Identifier && this.isDefinitionName(receiver)) continue;
      const resolved = method === 'call' ? q(context, receiver) : null;
      if (resolved !== null && !resolved.includes('()')) continue;
      const fn = enclosingFunction(call);
      if (fn && this.isFrameworkManaged(fn)) continue;
      if (fn && rootId.text === 'self') {
        const cls = enclosingClass(fn);
        if (!cls || mightBeModuleClass(context, cls)) continue;
      }
      const reach = this.reachOf(call);
      const named = namedInferenceFunction(context, call);
      const noGrad = lexicalGrad(context, call) === 'yes';
      if (!reach && !named && !noGrad) continue;
      out.push({ call, receiver, method, fn, reach, named, noGrad });
    }
    return out.sort((a, b) => a.call.startIndex - b.call.startIndex);
  }

  private isDefinitionName(id: SyntaxNode): boolean {
    const binding = this.context.file.resolver.lookup(id.text, id);
    if (binding?.kind !== 'local') return false;
    const node = nodeAt(this.context.file.root, binding.at);
    for (let p: SyntaxNode | null = node; p; p = p.parent) {
      if (p.startIndex !== binding.at) break;
      if (p.type === NodeType.FunctionDefinition || p.type === NodeType.ClassDefinition || p.type === NodeType.DecoratedDefinition) return true;
    }
    return false;
  }

  /** Lightning hooks, HF `Trainer` methods and `nn.Module` methods run under the framework's control. */
  private isFrameworkManaged(fn: SyntaxNode): boolean {
    const name = fn.childForFieldName('name')?.text ?? '';
    for (let f: SyntaxNode | null = fn; f; f = enclosingFunction(f)) {
      const cls = enclosingClass(f);
      if (!cls) continue;
      if (isFrameworkManagedClass(this.context, cls) || isModuleClass(this.context, cls)) return true;
      const fname = f.childForFieldName('name')?.text ?? '';
      if (/^(training|validation|test|predict)_step$|_epoch_end$|^on_(validation|test|predict)_/.test(fname)) return true;
    }
    return name === 'forward';
  }

  private reachOf(node: SyntaxNode): Reach | null {
    if (!this.reachMap) {
      const handlers = findHandlers(this.context);
      this.reachMap = handlers.length > 0 ? handlerReach(this.context, handlers) : new Map();
    }
    return this.reachMap.size > 0 ? (reachOfNode(this.reachMap, node)?.entry ?? null) : null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Autograd

  /**
   * Whether autograd may be off where a node runs: lexically (a `with`, a decorator), through every same-file
   * caller of its function, or globally (`torch.set_grad_enabled(False)` anywhere in the file).
   */
  gradMayBeOff(node: SyntaxNode): boolean {
    if (lexicalGrad(this.context, node) !== 'no') return true;
    if (this.setsGradGlobally()) return true;
    const fn = enclosingFunction(node);
    return fn ? this.functionRunsWithoutGrad(fn, 0, new Set()) : false;
  }

  private globalGrad: boolean | null = null;

  private setsGradGlobally(): boolean {
    if (this.globalGrad === null) {
      this.globalGrad = this.context.file.root.descendantsOfType(NodeType.Call).some((c) => {
        const name = q(this.context, c.childForFieldName('function'));
        if (!name || !SET_GRAD_ENABLED.has(name)) return false;
        return c.parent?.type === NodeType.ExpressionStatement && gradDisabling(this.context, c) !== 'no';
      });
    }
    return this.globalGrad;
  }

  private functionRunsWithoutGrad(fn: SyntaxNode, depth: number, seen: Set<string>): boolean {
    const key = functionKey(fn);
    if (depth > 4 || seen.has(key)) return false;
    seen.add(key);
    for (const deco of decoratorsOf(fn)) if (gradDisabling(this.context, deco) !== 'no') return true;
    for (const site of this.callSitesOf(fn)) {
      if (lexicalGrad(this.context, site) !== 'no') return true;
      const outer = enclosingFunction(site);
      if (outer && this.functionRunsWithoutGrad(outer, depth + 1, seen)) return true;
    }
    return false;
  }

  /** Whether a function needs gradients itself (`.backward()`, `torch.autograd.grad`, `requires_grad_`, `.grad`) or trains. */
  needsGrad(fn: SyntaxNode): boolean {
    for (const call of ownNodes(fn, CALL_TYPES)) {
      const m = methodName(call);
      if (m && /^(backward|requires_grad_|retain_grad)$/.test(m.method)) return true;
      const name = q(this.context, call.childForFieldName('function'));
      if (name && /^torch\.(autograd\.(grad|backward|functional\.\w+)|enable_grad|func\.\w*grad\w*)$/.test(name)) return true;
    }
    for (const attr of ownNodes(fn, ATTRIBUTE_TYPES)) {
      const a = attr.childForFieldName('attribute')?.text;
      if (a === 'grad' || a === 'requires_grad') return true;
    }
    for (const item of ownNodes(fn, WITH_ITEM_TYPES)) {
      if (/\benable_grad\b|set_grad_enabled\(\s*True/.test(item.text)) return true;
    }
    return this.hasTraining(fn);
  }

  // -------------------------------------------------------------------------------------------------------------
  // Call graph

  private functions(): SyntaxNode[] {
    if (!this.allFunctions) this.allFunctions = this.context.file.root.descendantsOfType(NodeType.FunctionDefinition).filter((f) => !this.context.inErrorRegion(f));
    return this.allFunctions;
  }

  /** Same-file calls of a function (direct, through `self.`, or an instance of its class). */
  callSitesOf(fn: SyntaxNode): SyntaxNode[] {
    if (!this.callSitesIndex) {
      const index = new Map<string, SyntaxNode[]>();
      for (const call of this.context.file.root.descendantsOfType(NodeType.Call)) {
        if (this.context.inErrorRegion(call)) continue;
        const target = calledFunction(this.context, call);
        if (!target) continue;
        const key = functionKey(target);
        const list = index.get(key);
        if (list) list.push(call);
        else index.set(key, [call]);
      }
      this.callSitesIndex = index;
    }
    return this.callSitesIndex.get(functionKey(fn)) ?? [];
  }

  /** The argument a call passes for a parameter (by keyword or position; `self` skipped for method calls). */
  private argumentFor(fn: SyntaxNode, call: SyntaxNode, param: string): SyntaxNode | null {
    const byKeyword = keywordValue(call, param);
    if (byKeyword) return byKeyword;
    const params = parameterNames(fn);
    let index = params.indexOf(param);
    if (index < 0) return null;
    const isMethod = enclosingClass(fn) !== null && (params[0] === 'self' || params[0] === 'cls');
    const callee = call.childForFieldName('function');
    if (isMethod) {
      if (callee?.type !== NodeType.Attribute) return null;
      index -= 1;
    }
    if (index < 0) return null;
    for (const arg of callArguments(call)) if (arg.type === NodeType.ListSplat || arg.type === NodeType.DictionarySplat) return null;
    return positionalArguments(call)[index] ?? null;
  }

  // -------------------------------------------------------------------------------------------------------------
  // Mode events

  /** Nesting of the recursive helpers below (summaries, training checks), bounded against pathological call chains. */
  private nesting = 0;

  private hasTraining(scope: SyntaxNode): boolean {
    const key = functionKey(scope);
    const cached = this.training.get(key);
    if (cached !== undefined) return cached;
    if (this.nesting > 64) return false;
    this.nesting++;
    try {
      return this.computeHasTraining(scope, key);
    } finally {
      this.nesting--;
    }
  }

  private computeHasTraining(scope: SyntaxNode, key: string): boolean {
    this.training.set(key, false);
    let found = false;
    for (const call of ownNodes(scope, CALL_TYPES)) {
      if (isTrainingCall(this.context, call)) {
        found = true;
        break;
      }
      const target = calledFunction(this.context, call);
      if (target && target.type === NodeType.FunctionDefinition && (target.childForFieldName('name')?.text ?? '') !== '__init__' && this.hasTraining(target)) {
        found = true;
        break;
      }
    }
    this.training.set(key, found);
    return found;
  }

  /** Training steps in a scope between two offsets. */
  private trainingBetween(scope: SyntaxNode, from: number, to: number): boolean {
    for (const call of ownNodes(scope, CALL_TYPES)) {
      if (call.startIndex < from || call.startIndex >= to) continue;
      if (isTrainingCall(this.context, call)) return true;
      const target = calledFunction(this.context, call);
      if (target && (target.childForFieldName('name')?.text ?? '') !== '__init__' && this.hasTraining(target)) return true;
    }
    return false;
  }

  /** The mode switches a scope makes, in source order (its own calls and the effect of same-file helpers). */
  private modeEvents(scope: SyntaxNode): ModeEvent[] {
    const key = functionKey(scope);
    const cached = this.events.get(key);
    if (cached) return cached;
    this.events.set(key, []);
    const out: ModeEvent[] = [];
    for (const call of ownNodes(scope, CALL_TYPES)) {
      const m = methodName(call);
      if (m && (m.method === 'eval' || m.method === 'train')) {
        const k = receiverKey(m.receiver);
        if (!k) continue;
        const args = callArguments(call);
        let mode: Mode = 'unknown';
        if (m.method === 'eval') mode = args.length === 0 ? 'eval' : 'unknown';
        else if (args.length === 0) mode = 'train';
        else if (args.length === 1) {
          const arg = unparenthesize(args[0]?.type === NodeType.KeywordArgument ? (args[0].childForFieldName('value') ?? args[0]) : (args[0] as SyntaxNode));
          if (args[0]?.type === NodeType.KeywordArgument && args[0].childForFieldName('name')?.text !== 'mode') continue;
          mode = arg.type === NodeType.True ? 'train' : arg.type === NodeType.False ? 'eval' : 'unknown';
        } else continue;
        out.push({ node: call, key: k, mode, training: false });
        // `for m in (encoder, decoder): m.eval()` switches each element.
        for (const element of loopElements(m.receiver, scope)) out.push({ node: call, key: element, mode, training: false });
        continue;
      }
      if (m && ((m.method === 'apply' && /eval|train/.test(call.text)) || (m.method === 'freeze' && callArguments(call).length === 0))) {
        // `model.apply(set_bn_eval)`, Lightning's `model.freeze()` (which calls `.eval()`): some mode, not known.
        const k = receiverKey(m.receiver);
        if (k) out.push({ node: call, key: k, mode: 'unknown', training: false });
        continue;
      }
      const target = calledFunction(this.context, call);
      if (!target || target.type !== NodeType.FunctionDefinition) continue;
      if ((target.childForFieldName('name')?.text ?? '') === '__init__') continue;
      const summary = this.summaryOf(target);
      if (!summary) continue;
      for (const [param, effect] of summary.params) {
        const arg = this.argumentFor(target, call, param);
        const k = arg ? receiverKey(arg) : null;
        if (k) out.push({ node: call, key: k, mode: effect.mode, training: effect.training });
      }
      const viaSelf = call.childForFieldName('function')?.type === NodeType.Attribute && rootOf(call.childForFieldName('function') as SyntaxNode)?.text === 'self';
      for (const [k, effect] of summary.outer) {
        if (k.startsWith('self.') && !viaSelf) continue;
        out.push({ node: call, key: k, mode: effect.mode, training: effect.training });
      }
    }
    this.events.set(key, out);
    return out;
  }

  /** What a function leaves its parameters and outer names in. */
  private summaryOf(fn: SyntaxNode): Summary | null {
    const key = functionKey(fn);
    if (this.summaries.has(key)) return this.summaries.get(key) ?? null;
    if (this.nesting > 64) return null;
    this.nesting++;
    try {
      return this.computeSummary(fn, key);
    } finally {
      this.nesting--;
    }
  }

  private computeSummary(fn: SyntaxNode, key: string): Summary | null {
    this.summaries.set(key, null);
    const events = this.modeEvents(fn);
    const params = new Set(parameterNames(fn));
    const byKey = new Map<string, ModeEvent[]>();
    for (const e of events) {
      const list = byKey.get(e.key);
      if (list) list.push(e);
      else byKey.set(e.key, [e]);
    }
    const summary: Summary = { params: new Map(), outer: new Map(), training: this.hasTraining(fn) };
    for (const [k, list] of byKey) {
      const last = list[list.length - 1] as ModeEvent;
      const conditional = isConditional(last.node, fn);
      const mode: Mode = conditional ? 'unknown' : last.mode;
      const training = last.training || (last.mode === 'train' && summary.training);
      const root = k.split(/[.[]/)[0] ?? k;
      if (params.has(root)) {
        if (root === k) summary.params.set(k, { mode, training });
        else if (root === 'self') summary.outer.set(k, { mode, training });
        continue;
      }
      if (!this.bindsLocally(fn, root)) summary.outer.set(k, { mode, training });
    }
    this.summaries.set(key, summary);
    return summary;
  }

  private bindsLocally(fn: SyntaxNode, name: string): boolean {
    const body = fn.childForFieldName('body');
    if (!body) return false;
    const binding = this.context.file.resolver.lookup(name, body);
    if (!binding || binding.kind === 'import') return false;
    const fnBody = fn.childForFieldName('body');
    const params = fn.childForFieldName('parameters');
    const inside = (fnBody !== null && fnBody.startIndex <= binding.at && binding.at < fnBody.endIndex) || (params !== null && params.startIndex <= binding.at && binding.at < params.endIndex);
    if (!inside) return false;
    // `global name` makes an assignment rebind the module's name.
    return !this.declaresGlobal(fn, name);
  }

  private declaresGlobal(fn: SyntaxNode, name: string): boolean {
    return ownNodes(fn, new Set([NodeType.GlobalStatement])).some((g) => g.namedChildren.some((c) => c.text === name));
  }

  // -------------------------------------------------------------------------------------------------------------
  // Mode at a point

  /**
   * The state of the model an expression names, where `at` runs (in `scope`: its function, or the module).
   * Follows mode switches before `at` in the scope, then the value's origin.
   */
  stateAt(expr: SyntaxNode, at: SyntaxNode, depth = 0): ModelState {
    return this.stateAtOffset(expr, at.startIndex, scopeNode(this.context, at), depth);
  }

  private stateAtOffset(expr: SyntaxNode, offset: number, scope: SyntaxNode, depth: number): ModelState {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const n = unparenthesize(expr);
    if (n.type === NodeType.Call) return this.valueState(n, depth + 1);
    const key = receiverKey(n);
    const root = rootOf(n);
    if (!key || !root) return UNKNOWN;
    return this.keyState(key, n.type === NodeType.Identifier, root.text, root, offset, scope, depth);
  }

  /**
   * The state of the model stored under `key` (a name when `plain`, else an attribute/subscript path rooted at
   * `rootName`) where `offset` runs in `scope`; `lookupAt` is a node where the root name is read.
   */
  private keyState(key: string, plain: boolean, rootName: string, lookupAt: SyntaxNode, offset: number, scope: SyntaxNode, depth: number): ModelState {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const memoKey = `${key}|${plain}|${lookupAt.startIndex}|${offset}|${scope.startIndex}`;
    const memo = this.memo.get(memoKey);
    if (memo) return memo;
    this.memo.set(memoKey, UNKNOWN);
    const result = this.computeKeyState(key, plain, rootName, lookupAt, offset, scope, depth);
    this.memo.set(memoKey, result);
    return result;
  }

  private readonly memo = new Map<string, ModelState>();

  private computeKeyState(key: string, plain: boolean, rootName: string, lookupAt: SyntaxNode, offset: number, scope: SyntaxNode, depth: number): ModelState {
    const def = rootName === 'self' ? null : this.definitionAt(rootName, lookupAt, scope);
    const entry = this.entryState(key, plain, rootName, def, scope, depth);
    // Mode switches in this scope since the binding the expression reads.
    const cutoff = def?.kind === 'value' && scopeNode(this.context, def.site).startIndex === scope.startIndex ? def.site.startIndex : -1;
    const keys = this.aliasGroup(key, scope);
    const events = this.modeEvents(scope).filter((e) => keys.has(e.key) && e.node.startIndex >= cutoff);
    const torch = entry.torch || events.length > 0 || (entry.reason !== null && this.usedAsModule(key));
    const before = events.filter((e) => e.node.endIndex <= offset);
    const loop = innermostLoop(scope, offset);
    const back = loop ? events.filter((e) => e.node.startIndex > offset && contains(loop, e.node)) : [];
    const last = before[before.length - 1];
    const lastInLoop = last !== undefined && loop !== null && contains(loop, last.node);
    let mode: Mode;
    if (last && (lastInLoop || back.length === 0)) {
      mode = isConditionalAt(last.node, scope, offset) ? 'unknown' : last.mode;
    } else if (last) {
      const modes = new Set<Mode>([isConditionalAt(last.node, scope, offset) ? 'unknown' : last.mode, ...back.map((e) => e.mode)]);
      mode = modes.size === 1 ? last.mode : 'unknown';
    } else if (back.length > 0) {
      // Only later iterations see these; the first one runs in the entry mode.
      return back.every((e) => e.mode === entry.mode) ? { ...entry, torch } : { ...entry, mode: 'unknown', reason: null, torch };
    } else {
      return { ...entry, torch };
    }
    if (mode !== 'train' || !last) return { mode, torch, reason: null, ctor: entry.ctor };
    // A `.train()` right before inference with no training step in between is deliberate (MC dropout, BN
    // recalibration); one followed by a training step belongs to the training loop, and inference after it forgot
    // to switch back.
    const trained = last.training || this.trainingBetween(scope, last.node.endIndex, offset) || (back.length > 0 && loop !== null && this.trainingBetween(scope, offset, loop.endIndex));
    if (!trained) return { mode: 'unknown', torch, reason: null, ctor: entry.ctor };
    return { mode: 'train', torch, reason: { kind: 'toggled', node: last.node, label: last.node.text }, ctor: entry.ctor };
  }

  private readonly aliases = new Map<string, Array<[string, string]>>();

  /**
   * Keys that name the same module in a scope: `model = DataParallel(net)`, `model = net.to(device)`,
   * `model = accelerator.prepare(net)`; a mode switch on one is a switch on the other.
   */
  private aliasGroup(key: string, scope: SyntaxNode): Set<string> {
    const scopeKey = functionKey(scope);
    let pairs = this.aliases.get(scopeKey);
    if (!pairs) {
      pairs = [];
      for (const assign of ownNodes(scope, new Set([NodeType.Assignment]))) {
        const left = assign.childForFieldName('left');
        const right = assign.childForFieldName('right');
        if (!left || !right) continue;
        const a = keyText(left);
        const b = this.aliasedKey(right);
        if (a && b && a !== b) pairs.push([a, b]);
      }
      this.aliases.set(scopeKey, pairs);
    }
    const group = new Set([key]);
    for (let grew = true; grew; ) {
      grew = false;
      for (const [a, b] of pairs) {
        if (group.has(a) !== group.has(b)) {
          group.add(a);
          group.add(b);
          grew = true;
        }
      }
    }
    return group;
  }

  /** The key a value is the same module as: `net`, `net.to(device)`, `DataParallel(net)`, `torch.compile(net)`. */
  private aliasedKey(value: SyntaxNode): string | null {
    const n = unparenthesize(value);
    if (n.type !== NodeType.Call) return receiverKey(n);
    const direct = receiverKey(n);
    if (direct) return direct;
    const name = q(this.context, n.childForFieldName('function'));
    const m = methodName(n);
    const wraps = (name !== null && WRAPPERS.test(name)) || (m !== null && /^(prepare|setup|prepare_model)$/.test(m.method) && callArguments(n).length === 1);
    const arg = wraps ? positionalArguments(n)[0] : undefined;
    return arg ? receiverKey(arg) : null;
  }

  /** Whether the code around a node (its function, or the module) runs a training step. */
  scopeTrains(node: SyntaxNode): boolean {
    return this.hasTraining(scopeNode(this.context, node));
  }

  /**
   * Whether the file freezes a key's parameters (`model.requires_grad_(False)`, `for p in model.parameters():
   * p.requires_grad = False`), so that a forward pass records no graph.
   */
  freezesParameters(key: string): boolean {
    const id = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const direct = new RegExp(String.raw`(?<![\w.])${id}(\s*\.\s*\w+\([^()]*\))*\s*\.\s*requires_grad_\(\s*(requires_grad\s*=\s*)?False\s*\)`);
    const loop = new RegExp(String.raw`for\s+(\w+)\s+in\s+${id}\s*\.\s*parameters\(\s*\)\s*:\s*\n?\s*\1\s*\.\s*(requires_grad\s*=\s*False|requires_grad_\(\s*False\s*\))`);
    return direct.test(this.context.file.text) || loop.test(this.context.file.text);
  }

  /** Whether the file loads trained weights into a key: `model.load_state_dict(...)`. */
  loadsWeights(key: string): boolean {
    const id = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    return new RegExp(String.raw`(?<![\w.])${id}\s*\.\s*load_state_dict\s*\(`).test(this.context.file.text);
  }

  /** Whether the file calls `nn.Module`-only methods on a key: `load_state_dict`, `parameters`, `state_dict`, `.to(device)`, … */
  private usedAsModule(key: string): boolean {
    const id = key.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const re = new RegExp(String.raw`(?<![\w.])${id}\s*\.\s*(load_state_dict|parameters|named_parameters|state_dict|modules|named_modules|children|zero_grad|cuda|to|half|requires_grad_|apply)\s*\(|(?:DataParallel|DistributedDataParallel|torch\.compile)\(\s*${id}\b`);
    return re.test(this.context.file.text);
  }

  /**
   * What a name is bound to where `lookupAt` reads it. A read on the right of its own assignment
   * (`model = model.to(device)`) sees the previous binding.
   */
  private definitionAt(name: string, lookupAt: SyntaxNode, scope: SyntaxNode): NameDefinition | null {
    const def = definitionOfName(this.context.file, name, lookupAt);
    if (!def) {
      // A plain parameter (`def predict(model, x)`) has no assignment site; it may be an enclosing function's.
      const binding = this.context.file.resolver.lookup(name, lookupAt);
      if (binding?.kind !== 'local') return null;
      for (let fn: SyntaxNode | null = enclosingFunction(lookupAt); fn; fn = enclosingFunction(fn)) {
        const params = fn.childForFieldName('parameters');
        if (params && params.startIndex <= binding.at && binding.at < params.endIndex) return { kind: 'parameter', site: fn, defaultValue: null, annotation: null };
      }
      return null;
    }
    if (def.kind !== 'value' || !contains(def.site, lookupAt) || lookupAt.type !== NodeType.Identifier) return def;
    let previous: SyntaxNode | null = null;
    for (const assign of ownNodes(scope, new Set([NodeType.Assignment]))) {
      if (assign.startIndex >= def.site.startIndex) break;
      const left = assign.childForFieldName('left');
      if (left?.type === NodeType.Identifier && left.text === name) previous = assign;
    }
    if (previous) {
      let right = previous.childForFieldName('right');
      while (right?.type === NodeType.Assignment) right = right.childForFieldName('right');
      return right ? { kind: 'value', node: right, site: previous } : null;
    }
    if (scope.type === NodeType.FunctionDefinition && parameterNames(scope).includes(name)) {
      return { kind: 'parameter', site: scope, defaultValue: null, annotation: null };
    }
    return null;
  }

  /** The state of a model on entry to its scope, or right after the binding its root name reads. */
  private entryState(key: string, plain: boolean, rootName: string, def: NameDefinition | null, scope: SyntaxNode, depth: number): ModelState {
    if (rootName === 'self') {
      const cls = scope.type === NodeType.FunctionDefinition ? enclosingClass(scope) : null;
      return cls && parameterNames(scope)[0] === 'self' ? this.attributeState(cls, key, depth) : UNKNOWN;
    }
    // `app.state.model`, `ml_models["clf"]`, `args.model`: every assignment to that target in the file.
    if (!plain) return this.targetState(key, depth);
    if (!def) return this.globalAssignedState(key, depth);
    if (def.kind === 'parameter') {
      if (scope.type !== NodeType.FunctionDefinition) return UNKNOWN;
      const owner = def.site.type === NodeType.FunctionDefinition ? def.site : enclosingFunction(def.site) ?? def.site;
      const params = scope.childForFieldName('parameters');
      const own = owner.startIndex === scope.startIndex || (params !== null && contains(params, def.site));
      // A closure reads the enclosing function's parameter: what it is where the inner function is called.
      return own ? this.parameterState(scope, key, depth) : this.callersView(key, scope, depth);
    }
    if (def.kind === 'loop') return UNKNOWN;
    const defScope = scopeNode(this.context, def.site);
    if (defScope.startIndex === scope.startIndex) return this.valueState(def.node, depth + 1, def.site);
    // A module global read in a function.
    if (defScope.type === NodeType.Module) {
      // `model = None` at module level only reserves the name for what a loader assigns under `global model`.
      const placeholder = unparenthesize(def.node).type === NodeType.None;
      return this.globalState(key, scope, placeholder ? UNKNOWN : this.valueState(def.node, depth + 1, def.site), depth);
    }
    return scope.type === NodeType.FunctionDefinition ? this.callersView(key, scope, depth) : UNKNOWN;
  }

  /** A name a function reads from an outer scope, as it is at the function's same-file call sites. */
  private callersView(name: string, fn: SyntaxNode, depth: number): ModelState {
    const sites = this.callSitesOf(fn);
    const states = sites.map((site) => this.keyState(name, true, name, site, site.startIndex, scopeNode(this.context, site), depth + 1));
    // The same object as at the call site: its reason stands as it is.
    const merged = mergeSites(states, sites);
    return merged.reason?.kind === 'caller' ? { ...merged, reason: merged.reason.inner } : merged;
  }

  /** A global read inside a function: the callers' view when the function has callers, else the whole file's. */
  private globalState(name: string, fn: SyntaxNode, atModule: ModelState, depth: number): ModelState {
    const sites = this.callSitesOf(fn);
    if (sites.length > 0 && !this.reachOfFunction(fn)) return this.callersView(name, fn, depth);
    // Serving: every module-level statement and startup hook ran before the request.
    const events = this.eventsAnywhere(name);
    if (events.length > 0) return { ...atModule, torch: true, mode: events.every((e) => e.mode === 'eval') ? 'eval' : 'unknown', reason: null };
    const assigned = this.globalAssignedState(name, depth);
    if (assigned === UNKNOWN) return atModule;
    return mergeValues(atModule === UNKNOWN ? [assigned] : [atModule, assigned]);
  }

  private reachOfFunction(fn: SyntaxNode): boolean {
    if (!this.reachMap) this.reachOf(fn);
    return this.reachMap?.get(functionKey(fn))?.depth === 0;
  }

  /** Mode switches on a module-level name anywhere in the file (module code and functions that do not rebind it). */
  private eventsAnywhere(key: string): ModeEvent[] {
    const keys = this.aliasGroup(key, this.context.file.root);
    const out: ModeEvent[] = [];
    for (const scope of [this.context.file.root, ...this.functions()]) {
      for (const e of this.modeEvents(scope)) {
        if (!keys.has(e.key)) continue;
        const root = e.key.split(/[.[]/)[0] ?? e.key;
        if (scope.type === NodeType.FunctionDefinition && this.bindsLocally(scope, root)) continue;
        out.push(e);
      }
    }
    return out;
  }

  /** Values functions assign to a name they declare `global`. */
  private globalAssignedState(name: string, depth: number): ModelState {
    const states: ModelState[] = [];
    for (const fn of this.functions()) {
      if (!this.declaresGlobal(fn, name)) continue;
      for (const assign of ownNodes(fn, new Set([NodeType.Assignment]))) {
        const left = assign.childForFieldName('left');
        const right = assign.childForFieldName('right');
        if (left?.type !== NodeType.Identifier || left.text !== name || !right) continue;
        if (unparenthesize(right).type === NodeType.None) continue;
        const body = fn.childForFieldName('body');
        const state = this.stateAtOffset(left, body ? body.endIndex : assign.endIndex, fn, depth + 1);
        states.push(state.torch || state.mode !== 'unknown' ? state : this.assignedInFunction(fn, name, assign, right, depth));
      }
    }
    return states.length > 0 ? mergeValues(states) : UNKNOWN;
  }

  /**
   * A `global` name as a function leaves it: the value it assigns, then the function's later mode switches on it
   * (the name's reads inside the function resolve to the module binding, so they cannot tell).
   */
  private assignedInFunction(fn: SyntaxNode, name: string, assign: SyntaxNode, value: SyntaxNode, depth: number): ModelState {
    const state = this.valueState(value, depth + 1, assign);
    const events = this.modeEvents(fn).filter((e) => e.key === name && e.node.startIndex >= assign.endIndex);
    if (events.length === 0) return state;
    return { ...state, torch: true, mode: events.every((e) => e.mode === 'eval') ? 'eval' : 'unknown', reason: null };
  }

  /** A parameter: what its same-file callers pass (SageMaker's `predict_fn` gets `model_fn`'s return value). */
  private parameterState(fn: SyntaxNode, param: string, depth: number): ModelState {
    const name = fn.childForFieldName('name')?.text ?? '';
    if ((name === 'predict_fn' || name === 'transform_fn') && parameterNames(fn)[1] === param) {
      const modelFn = this.functions().find((f) => f.childForFieldName('name')?.text === 'model_fn' && f.parent?.type === NodeType.Module);
      if (modelFn) return this.returnState(modelFn, depth + 1);
    }
    const sites: SyntaxNode[] = [];
    const states: ModelState[] = [];
    for (const call of this.callSitesOf(fn)) {
      const arg = this.argumentFor(fn, call, param);
      if (!arg) continue;
      sites.push(call);
      states.push(this.stateAtOffset(arg, call.startIndex, scopeNode(this.context, call), depth + 1));
    }
    const merged = mergeSites(states, sites);
    return !merged.torch && this.annotatedAsModule(fn, param) ? { ...merged, torch: true } : merged;
  }

  /** `def predict(model: nn.Module, …)`, `model: Net`, `model: PreTrainedModel`. */
  private annotatedAsModule(fn: SyntaxNode, param: string): boolean {
    for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
      if (p.type !== NodeType.TypedParameter && p.type !== NodeType.TypedDefaultParameter) continue;
      const id = p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === NodeType.Identifier);
      if (id?.text !== param) continue;
      const type = p.childForFieldName('type')?.firstNamedChild ?? null;
      if (!type) return false;
      const name = q(this.context, type);
      if (name && (MODULE_BASE.test(name) || /^transformers\.(\w+\.)*(PreTrainedModel|\w+For[A-Z]\w*)$/.test(name))) return true;
      const local = type.type === NodeType.Identifier ? localClass(this.context, type) : null;
      return local !== null && isModuleClass(this.context, local);
    }
    return false;
  }

  /** `self.x` in a method: every assignment and mode switch of `self.x` in the class and its same-file bases. */
  private attributeState(cls: SyntaxNode, key: string, depth: number): ModelState {
    const chain = classChain(this.context, cls);
    const methods = chain.flatMap((c) => methodsOf(c));
    // TorchServe's BaseHandler.initialize loads `self.model` and calls `.eval()` on it.
    if (key === 'self.model' && isTorchServeHandlerClass(this.context, cls)) {
      const init = methodOf(this.context, cls, 'initialize');
      if (!init || /\bsuper\(\s*(\w+\s*,\s*self\s*)?\)\s*\.\s*initialize\s*\(|BaseHandler\.initialize\s*\(/.test(init.text)) {
        return { mode: 'eval', torch: true, reason: null, ctor: null };
      }
    }
    let torchHint = false;
    for (const m of methods) {
      for (const e of this.modeEvents(m)) {
        if (e.key !== key) continue;
        torchHint = true;
        if (e.mode !== 'train') return { mode: e.mode, torch: true, reason: null, ctor: null };
        return { mode: 'unknown', torch: true, reason: null, ctor: null };
      }
    }
    const states: ModelState[] = [];
    for (const { assign, value } of this.targetIndex().get(key) ?? []) {
      const m = enclosingFunction(assign);
      if (!m || !methods.some((x) => x.startIndex === m.startIndex)) continue;
      if (unparenthesize(value).type === NodeType.None) continue;
      states.push(this.aliasedValueState(value, assign, m, depth));
    }
    const merged = states.length > 0 ? mergeValues(states) : UNKNOWN;
    return torchHint ? { ...merged, torch: true } : merged;
  }

  /** Any other attribute or subscript target (`app.state.model`, `ml_models["clf"]`): the file's assignments to it. */
  private targetState(key: string, depth: number): ModelState {
    const targets = this.targetIndex().get(key);
    if (!targets) return UNKNOWN;
    for (const scope of [this.context.file.root, ...this.functions()]) {
      for (const e of this.modeEvents(scope)) if (e.key === key) return { mode: e.mode === 'train' ? 'unknown' : e.mode, torch: true, reason: null, ctor: null };
    }
    const states: ModelState[] = [];
    for (const { assign, value } of targets) {
      if (unparenthesize(value).type === NodeType.None) continue;
      states.push(this.aliasedValueState(value, assign, scopeNode(this.context, assign), depth));
    }
    return states.length > 0 ? mergeValues(states) : UNKNOWN;
  }

  private targets: Map<string, Array<{ assign: SyntaxNode; value: SyntaxNode }>> | null = null;

  /** Assignments to attribute and subscript targets, by target key. */
  private targetIndex(): Map<string, Array<{ assign: SyntaxNode; value: SyntaxNode }>> {
    if (this.targets) return this.targets;
    const index = new Map<string, Array<{ assign: SyntaxNode; value: SyntaxNode }>>();
    for (const assign of this.context.file.root.descendantsOfType(NodeType.Assignment)) {
      const left = assign.childForFieldName('left');
      let right = assign.childForFieldName('right');
      while (right?.type === NodeType.Assignment) right = right.childForFieldName('right');
      if (!left || !right || left.type === NodeType.Identifier) continue;
      const key = keyText(left);
      if (!key) continue;
      const list = index.get(key);
      if (list) list.push({ assign, value: right });
      else index.set(key, [{ assign, value: right }]);
    }
    this.targets = index;
    return index;
  }

  /**
   * The state of a value stored into another name (`self.model = model`): the value at the assignment, unless the
   * stored name is switched later in the same scope (`self.model = model; model.eval()` is the same object).
   */
  private aliasedValueState(value: SyntaxNode, assign: SyntaxNode, scope: SyntaxNode, depth: number): ModelState {
    const state = this.stateAtOffset(value, assign.startIndex, scope, depth + 1);
    const key = receiverKey(value);
    if (!key || unparenthesize(value).type === NodeType.Call) return state;
    const later = this.modeEvents(scope).filter((e) => e.key === key && e.node.startIndex > assign.startIndex);
    if (later.length === 0) return state;
    return { ...state, mode: later.some((e) => e.mode === 'eval') ? 'eval' : 'unknown', reason: null, torch: true };
  }

  /** The state of a function's return values. */
  private returnState(fn: SyntaxNode, depth: number): ModelState {
    const states: ModelState[] = [];
    for (const ret of ownNodes(fn, new Set([NodeType.ReturnStatement]))) {
      const value = ret.namedChildren.find((c) => c.type !== NodeType.Comment);
      if (!value || unparenthesize(value).type === NodeType.None) continue;
      states.push(this.stateAtOffset(value, ret.startIndex, fn, depth + 1));
    }
    return states.length > 0 ? mergeValues(states) : UNKNOWN;
  }

  /**
   * The state of a freshly computed value: a model constructor, a load, a chain of module methods, a wrapper, a
   * same-file function's return value, or another name (an alias).
   */
  private valueState(value: SyntaxNode, depth: number, site?: SyntaxNode): ModelState {
    if (depth > MAX_DEPTH) return UNKNOWN;
    const n = unparenthesize(value);
    if (n.type === NodeType.Identifier || n.type === NodeType.Attribute || n.type === NodeType.Subscript) {
      const at = site ?? n;
      return this.stateAtOffset(n, at.startIndex, scopeNode(this.context, at), depth + 1);
    }
    if (n.type === NodeType.ConditionalExpression) return UNKNOWN;
    if (n.type !== NodeType.Call) return UNKNOWN;
    const context = this.context;
    const callee = n.childForFieldName('function');
    if (!callee) return UNKNOWN;
    const m = methodName(n);
    if (m && PASSTHROUGH.has(m.method)) {
      const inner = this.valueState(m.receiver, depth + 1, site);
      if (m.method === 'eval') return callArguments(n).length === 0 ? { ...inner, mode: 'eval', reason: null, torch: true } : { ...inner, mode: 'unknown', reason: null };
      if (m.method === 'train') {
        const arg = callArguments(n)[0];
        if (arg?.type === NodeType.False) return { ...inner, mode: 'eval', reason: null, torch: true };
        return { ...inner, mode: 'unknown', reason: null, torch: true };
      }
      return inner;
    }
    const name = q(context, callee);
    if (name && WRAPPERS.test(name)) {
      const arg = positionalArguments(n)[0] ?? keywordValue(n, 'module') ?? keywordValue(n, 'model');
      return arg ? this.stateAtOffset(arg, n.startIndex, scopeNode(context, n), depth + 1) : UNKNOWN;
    }
    if (m && (m.method === 'prepare' || m.method === 'setup' || m.method === 'prepare_model') && callArguments(n).length === 1) {
      // `accelerator.prepare(model)`, `fabric.setup(model)`: the same module, wrapped.
      const arg = positionalArguments(n)[0];
      return arg ? this.stateAtOffset(arg, n.startIndex, scopeNode(context, n), depth + 1) : UNKNOWN;
    }
    if (name && SCRIPTED.test(name)) return { mode: 'unknown', torch: true, reason: null, ctor: null };
    if (name === 'torch.load') return { mode: 'train', torch: true, reason: { kind: 'pickled', node: n, label: 'torch.load' }, ctor: null };
    if (name === 'torch.hub.load') return { mode: 'unknown', torch: hubRepoIsPlainModule(n), reason: null, ctor: null };
    if (m && (m.method === 'from_pretrained' || m.method === 'from_config' || m.method === 'from_single_file')) {
      const cls = q(context, m.receiver) ?? m.receiver.text;
      const last = cls.split('.').pop() ?? cls;
      const localCls = m.receiver.type === NodeType.Identifier ? localClass(context, m.receiver) : null;
      const isHf = (HF_MODULES.test(cls) && !HF_NOT_MODEL.test(last)) || (localCls !== null && isModuleClass(context, localCls));
      if (!isHf) return UNKNOWN;
      if (m.method === 'from_pretrained' || m.method === 'from_single_file') return { mode: 'eval', torch: true, reason: null, ctor: null };
      return { mode: 'train', torch: true, reason: { kind: 'fresh', node: n, label: `${last}.from_config` }, ctor: n };
    }
    if (m?.method === 'load_from_checkpoint') {
      const localCls = m.receiver.type === NodeType.Identifier ? localClass(context, m.receiver) : null;
      const lightning = localCls ? isFrameworkManagedClass(context, localCls) : context.file.resolver.importsModule('lightning') || context.file.resolver.importsModule('lightning.pytorch');
      if (!lightning) return UNKNOWN;
      return { mode: 'train', torch: true, reason: { kind: 'checkpoint', node: n, label: `${m.receiver.text}.load_from_checkpoint` }, ctor: localCls ? n : null };
    }
    if (name && FRESH_FACTORY.test(name)) {
      const label = name.startsWith('timm') ? 'timm.create_model' : (name.split('.').slice(-1)[0] ?? name);
      return { mode: 'train', torch: true, reason: { kind: 'fresh', node: n, label: `${label}(…)` }, ctor: n };
    }
    if (name && /^torch\.nn\.(Sequential|Transformer\w*|LSTM|GRU|RNN)$/.test(name)) {
      const label = name.split('.').pop() ?? name;
      return { mode: 'train', torch: true, reason: { kind: 'fresh', node: n, label: `nn.${label}(…)` }, ctor: n };
    }
    if (name && HF_MODULES.test(name) && /^[A-Z]\w*(Model|For[A-Z]\w*|LMHeadModel)$/.test(name.split('.').pop() ?? '') && !HF_NOT_MODEL.test(name.split('.').pop() ?? '')) {
      const label = name.split('.').pop() ?? name;
      return { mode: 'train', torch: true, reason: { kind: 'fresh', node: n, label: `${label}(…)` }, ctor: n };
    }
    if (callee.type === NodeType.Identifier) {
      const cls = localClass(context, callee);
      if (cls) {
        if (!isModuleClass(context, cls)) return UNKNOWN;
        return { mode: 'train', torch: true, reason: { kind: 'fresh', node: n, label: `${callee.text}(…)` }, ctor: n };
      }
    }
    // A class imported from the project (`from model import Net`): a module only when the file treats it as one.
    const last = (name ?? '').split('.').pop() ?? '';
    if (name && isCapitalised(last) && !NOT_TORCH_LIBRARY.test(name) && (callee.type === NodeType.Identifier || callee.type === NodeType.Attribute)) {
      return { mode: 'train', torch: false, reason: { kind: 'fresh', node: n, label: `${callee.text}(…)` }, ctor: n };
    }
    const target = calledFunction(context, n);
    if (target && target.type === NodeType.FunctionDefinition && (target.childForFieldName('name')?.text ?? '') !== '__init__') {
      return this.returnState(target, depth + 1);
    }
    return UNKNOWN;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Helpers of the analysis

/** The element keys of a `for x in (a, b, self.c)` loop that binds `receiver`, within a scope. */
function loopElements(receiver: SyntaxNode, scope: SyntaxNode): string[] {
  const n = unparenthesize(receiver);
  if (n.type !== NodeType.Identifier) return [];
  for (let p = n.parent; p && p.startIndex !== scope.startIndex; p = p.parent) {
    let loop: SyntaxNode | null = p.type === NodeType.ForStatement ? p : null;
    if (/comprehension|generator_expression/.test(p.type)) loop = p.namedChildren.find((c) => c.type === 'for_in_clause') ?? null;
    if (!loop) continue;
    const left = loop.childForFieldName('left');
    if (left?.type !== NodeType.Identifier || left.text !== n.text) continue;
    const right = loop.childForFieldName('right');
    const iterable = right ? unparenthesize(right) : null;
    if (!iterable || (iterable.type !== NodeType.List && iterable.type !== NodeType.Tuple && iterable.type !== 'set')) return [];
    return iterable.namedChildren.map((c) => receiverKey(c)).filter((k): k is string => k !== null);
  }
  return [];
}

/** Names of callables that prepare inputs or outputs rather than predict. */
const NOT_A_MODEL_NAME = /transform|preprocess|postprocess|tokeni[sz]er|processor|augment|normali[sz]|feature_extractor|collat|criterion|loss|metric/i;

function lastSegment(expr: SyntaxNode): string {
  let n = unparenthesize(expr);
  for (let depth = 0; depth < 32 && n.type === NodeType.Subscript; depth++) n = unparenthesize(n.childForFieldName('value') ?? n);
  if (n.type === NodeType.Attribute) return n.childForFieldName('attribute')?.text ?? '';
  return n.type === NodeType.Identifier ? n.text : '';
}

/** An inference call's receiver and kind, or null for other calls. */
function inferenceShape(call: SyntaxNode): { receiver: SyntaxNode; method: InferenceCall['method'] } | null {
  const fn = call.childForFieldName('function');
  if (!fn) return null;
  const callee = unparenthesize(fn);
  if (callee.type === NodeType.Identifier) return { receiver: callee, method: 'call' };
  if (callee.type === NodeType.Subscript) return keyText(callee) ? { receiver: callee, method: 'call' } : null;
  if (callee.type !== NodeType.Attribute) return null;
  const attr = callee.childForFieldName('attribute')?.text ?? '';
  const object = callee.childForFieldName('object');
  if (!object) return null;
  if (attr === 'forward') return receiverKey(object) ? { receiver: object, method: 'forward' } : null;
  if (attr === 'generate') return receiverKey(object) ? { receiver: object, method: 'generate' } : null;
  // `self.model(x)`, `app.state.model(x)`, `models.encoder(x)`; not `x.view(…)(…)` chains.
  return keyText(callee) ? { receiver: callee, method: 'call' } : null;
}

const INFERENCE_TOKENS = new Set(['predict', 'prediction', 'predictions', 'infer', 'inference', 'evaluate', 'evaluation', 'eval', 'validate', 'validation', 'val', 'valid', 'generate']);

/** The nearest enclosing function named like inference: `predict`, `run_inference`, `evaluate`, `validate`, `test`, … */
function namedInferenceFunction(context: TorchContext, node: SyntaxNode): SyntaxNode | null {
  for (let fn = enclosingFunction(node); fn; fn = enclosingFunction(fn)) {
    const name = fn.childForFieldName('name')?.text ?? '';
    const tokens = nameTokens(name);
    if (tokens.some((t) => INFERENCE_TOKENS.has(t))) return fn;
    // `def test(model, device, loader)` evaluates; a parameterless `def test():` is a smoke test of the module.
    if (tokens[0] === 'test' && !isTestPath(context.filename) && parameterNames(fn).some((p) => p !== 'self' && p !== 'cls')) return fn;
  }
  return null;
}

const CONDITIONAL_PARENTS = new Set<string>([NodeType.IfStatement, NodeType.ElifClause, NodeType.ElseClause, NodeType.ExceptClause, NodeType.ConditionalExpression, NodeType.BooleanOperator, 'case_clause', 'list_comprehension', 'generator_expression']);

/** Whether a node only runs on some paths to `offset`: inside a branch (or handler) that does not hold `offset`. */
function isConditionalAt(node: SyntaxNode, scope: SyntaxNode, offset: number): boolean {
  for (let p = node.parent; p && p.startIndex !== scope.startIndex; p = p.parent) {
    if (!CONDITIONAL_PARENTS.has(p.type)) continue;
    if (p.type === NodeType.IfStatement) {
      // The condition always runs; a branch of it only sometimes.
      const cond = p.childForFieldName('condition');
      if (cond && contains(cond, node)) continue;
    }
    if (p.startIndex <= offset && offset < p.endIndex) continue;
    return true;
  }
  return false;
}

function isConditional(node: SyntaxNode, scope: SyntaxNode): boolean {
  return isConditionalAt(node, scope, -1);
}

function innermostLoop(scope: SyntaxNode, offset: number): SyntaxNode | null {
  const at = nodeAt(scope, offset);
  for (let p: SyntaxNode | null = at; p && p.startIndex !== scope.startIndex; p = p.parent) {
    if (p.type === NodeType.ForStatement || p.type === NodeType.WhileStatement) {
      const body = p.childForFieldName('body');
      if (body && body.startIndex <= offset && offset < body.endIndex) return p;
    }
  }
  return null;
}

/** A training step: `loss.backward()`, `optimizer.step()`, `accelerator.backward(loss)`, `scaler.step(opt)`. */
function isTrainingCall(context: TorchContext, call: SyntaxNode): boolean {
  const m = methodName(call);
  if (m?.method === 'backward') return true;
  if (m?.method === 'step') {
    const recv = (keyText(unparenthesize(m.receiver)) ?? '').toLowerCase();
    if (/opt|scaler/.test(recv)) return true;
    if (/^torch\.optim\./.test(q(context, m.receiver) ?? '')) return true;
  }
  if (m?.method === 'fit' || m?.method === 'train_step') return false;
  const name = q(context, call.childForFieldName('function'));
  return name === 'torch.autograd.backward';
}

/** Values of a name assigned in several places: training mode only when every one is. */
function mergeValues(states: ModelState[]): ModelState {
  if (states.length === 0) return UNKNOWN;
  const torch = states.some((s) => s.torch);
  const ctor = states.find((s) => s.ctor)?.ctor ?? null;
  if (states.every((s) => s.mode === 'train')) return { mode: 'train', torch, reason: states[0]?.reason ?? null, ctor };
  if (states.every((s) => s.mode === 'eval')) return { mode: 'eval', torch, reason: null, ctor };
  return { mode: 'unknown', torch, reason: null, ctor };
}

/** Call sites of a function: training mode when one passes a module in training mode and none in eval mode. */
function mergeSites(states: ModelState[], sites: SyntaxNode[]): ModelState {
  if (states.length === 0) return UNKNOWN;
  const torch = states.some((s) => s.torch);
  const ctor = states.find((s) => s.ctor)?.ctor ?? null;
  if (states.some((s) => s.mode === 'eval')) return { mode: states.every((s) => s.mode === 'eval') ? 'eval' : 'unknown', torch, reason: null, ctor };
  const i = states.findIndex((s) => s.mode === 'train' && s.reason);
  if (i < 0) return { mode: 'unknown', torch, reason: null, ctor };
  const s = states[i] as ModelState;
  return { mode: 'train', torch, reason: { kind: 'caller', node: sites[i] as SyntaxNode, inner: s.reason as TrainReason }, ctor: s.ctor ?? ctor };
}

// ---------------------------------------------------------------------------------------------------------------
// Public entry

const analyses = new WeakMap<SourceFile, TorchAnalysis>();

/** The torch analysis of a file (built once, shared by the rules). */
export function torchAnalysis(context: TorchContext): TorchAnalysis {
  let analysis = analyses.get(context.file);
  if (!analysis) {
    analysis = new TorchAnalysis(context);
    analyses.set(context.file, analysis);
  }
  return analysis;
}

/** The innermost reason of a training-mode state (through parameter call sites). */
export function rootReason(reason: TrainReason): Exclude<TrainReason, { kind: 'caller' }> {
  let r: TrainReason = reason;
  while (r.kind === 'caller') r = r.inner;
  return r;
}
