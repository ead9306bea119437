import { defineRule, type Edit, type RuleContext } from '@mlops-lint/core';
import { canonicalName, NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { definitionOf, keywordNames, keywordValue, positionalArguments, resolvedLiteral, stringValue, unparenthesize } from '../utils/args.js';
import {
  decoratorsOf,
  enclosingClass,
  findHandlers,
  functionKey,
  HANDLER_TRIGGERS,
  handlerReach,
  isCachedFunction,
  parameterNames,
  reachOfNode,
  type Handler,
  type Reach,
} from '../utils/handlers.js';
import { modelLoadOf, type ModelLoad } from '../vocabulary/model-loads.js';

type MessageIds = 'loadInHandler' | 'loadInHelper' | 'hoistToModule';
type Context = RuleContext<MessageIds>;

/**
 * ML101: a model load that runs on every request, inside a request handler or a same-file function a handler
 * calls, and not behind a cache (a memoising decorator, or a module-level `if _model is None:` guard).
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML101',
    name: 'model-load-in-handler',
    severity: 'error',
    scope: 'file',
    fix: 'suggestion',
    docs: { description: 'Model loaded on every request inside a request handler' },
    // A model load, in a file that has request handlers.
    triggers: { all: [/load|from_pretrained|from_single_file|pipeline|InferenceSession|SentenceTransformer|CrossEncoder|YOLO|Interpreter|Booster|LLM|Llama|KerasLayer|create_model|pretrained|weights|Reader|applications|WhisperModel|GPT4All|Embeddings|readNet/, HANDLER_TRIGGERS] },
    messages: {
      loadInHandler: '`{{call}}` runs on every request to `{{handler}}` ({{reason}}); load the model once {{where}}',
      loadInHelper: '`{{call}}` in `{{helper}}` runs on every request: `{{handler}}` ({{reason}}) calls it{{through}}; load the model once {{where}}',
      hoistToModule: 'Hoist the load to module scope as `{{name}}`',
    },
  },
  create(context) {
    const loads: Array<{ call: SyntaxNode; load: ModelLoad }> = [];
    return {
      call(node) {
        const load = loadOf(context, node);
        if (load) loads.push({ call: node, load });
      },
      'module:exit'() {
        if (loads.length === 0) return;
        const handlers = findHandlers(context);
        if (handlers.length === 0) return;
        const reach = handlerReach(context, handlers, { followCall: (call, from) => !isGuarded(context, call, from) });
        for (const { call, load } of loads) check(context, reach, call, load);
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------------------------
// What is a model load

/** Loads RULES.md implies that the shared vocabulary does not list. */
function extraLoadOf(name: string, keywords: ReadonlySet<string>): ModelLoad | null {
  if (name === 'torch.hub.load') return { library: 'torch', label: 'torch.hub.load' };
  if (name === 'transformers.pipelines.pipeline') return { library: 'transformers', label: 'transformers.pipeline' };
  if (name === 'xgboost.Booster' && keywords.has('model_file')) return { library: 'xgboost', label: 'xgboost.Booster' };
  if (/^bentoml\.\w+\.load_model$/.test(name)) return { library: 'bentoml', label: name };
  if (/^fastai(\.\w+)*\.load_learner$/.test(name)) return { library: 'fastai', label: 'load_learner' };
  if (name === 'clip.load') return { library: 'clip', label: 'clip.load' };
  if (name === 'easyocr.Reader') return { library: 'easyocr', label: 'easyocr.Reader' };
  if (name === 'faster_whisper.WhisperModel') return { library: 'faster-whisper', label: name };
  if (name === 'gpt4all.GPT4All') return { library: 'gpt4all', label: name };
  // OpenCV's DNN module reads Caffe/TensorFlow/ONNX/Darknet weights from disk.
  if (/^cv2\.dnn\.readNet(From\w+)?$/.test(name)) return { library: 'opencv', label: name };
  // LangChain's wrappers build a sentence-transformers model.
  if (/^langchain(_\w+)?(\.\w+)*\.HuggingFace(Bge|Instruct)?Embeddings$/.test(name)) return { library: 'langchain', label: name.split('.').pop() ?? name };
  return null;
}

/** Architecture constructors that also fetch and load pretrained weights when asked to. */
function pretrainedConstructorOf(name: string, call: SyntaxNode): ModelLoad | null {
  const pretrained = keywordValue(call, 'pretrained');
  const weights = keywordValue(call, 'weights');
  const asked = (pretrained !== null && pretrained.type === NodeType.True) || (weights !== null && weights.type !== NodeType.None);
  if (/^torchvision\.models\.[a-z]\w*$/.test(name) && asked) return { library: 'torchvision', label: name };
  if (name === 'timm.create_model' && pretrained?.type === NodeType.True) return { library: 'timm', label: name };
  // Keras applications default to `weights="imagenet"`.
  if (/^(tensorflow\.)?keras\.applications\.(\w+\.)?[A-Z]\w*$/.test(name) && weights?.type !== NodeType.None) return { library: 'keras', label: name };
  return null;
}

function loadOf(context: Context, call: SyntaxNode): ModelLoad | null {
  const callee = call.childForFieldName('function');
  if (!callee) return null;
  const raw = context.resolve(call);
  const name = raw === null ? null : canonicalName(raw);
  const method = callee.type === NodeType.Attribute ? (callee.childForFieldName('attribute')?.text ?? null) : null;
  const keywords = keywordNames(call);
  const load = modelLoadOf(name, method, keywords) ?? (name ? (extraLoadOf(name, keywords) ?? pretrainedConstructorOf(name, call)) : null);
  if (load) return load;
  const fresh = freshObjectLoadOf(context, call, callee, method);
  if (fresh) return fresh;
  const offloaded = executorLoadOf(context, call, callee, name, method);
  if (offloaded) return offloaded;
  // `from fastai.vision.all import *` leaves `load_learner` unresolved.
  if (name === 'load_learner' && /^\s*(from|import)\s+fastai\b/m.test(context.file.text)) return { library: 'fastai', label: 'load_learner' };
  return null;
}

/** Calls that run a function on a worker thread, by the position of the function among their arguments. */
const EXECUTOR_CALLS: ReadonlyMap<string, number> = new Map([
  ['asyncio.to_thread', 0],
  ['starlette.concurrency.run_in_threadpool', 0],
  ['fastapi.concurrency.run_in_threadpool', 0],
  ['anyio.to_thread.run_sync', 0],
]);

/** Whether a call hands a function to a worker thread (`asyncio.to_thread`, `loop.run_in_executor`, …). */
function executorPosition(name: string | null, method: string | null): number | null {
  if (name && EXECUTOR_CALLS.has(name)) return EXECUTOR_CALLS.get(name) ?? null;
  return method === 'run_in_executor' ? 1 : null;
}

/**
 * `await asyncio.to_thread(joblib.load, path)`, `await loop.run_in_executor(None, torch.load, path)`,
 * `await run_in_threadpool(pipeline, "sentiment-analysis")`: an async handler moves the load off the event loop,
 * but it still runs on every request.
 */
function executorLoadOf(context: Context, call: SyntaxNode, callee: SyntaxNode, name: string | null, method: string | null): ModelLoad | null {
  const position = executorPosition(name, callee.type === NodeType.Attribute ? method : null);
  if (position === null) return null;
  const arg = positionalArguments(call)[position];
  const ref = arg ? unparenthesize(arg) : null;
  if (!ref || (ref.type !== NodeType.Identifier && ref.type !== NodeType.Attribute)) return null;
  const raw = context.resolve(ref);
  const refName = raw === null ? null : canonicalName(raw);
  const refMethod = ref.type === NodeType.Attribute ? (ref.childForFieldName('attribute')?.text ?? null) : null;
  const keywords = keywordNames(call);
  return modelLoadOf(refName, refMethod, keywords) ?? (refName ? extraLoadOf(refName, keywords) : null);
}

/**
 * `detector = SSDDetector(); detector._load_model()` in one function: the object is built there, so its own
 * `load_model`/`load_weights` method reads the weights again on every call, whatever class defines it.
 */
function freshObjectLoadOf(context: Context, call: SyntaxNode, callee: SyntaxNode, method: string | null): ModelLoad | null {
  if (!method || !/^_?load_(model|weights)$/.test(method)) return null;
  const receiver = callee.childForFieldName('object');
  if (receiver?.type !== NodeType.Identifier) return null;
  const def = definitionOf(context.file, receiver);
  if (def?.kind !== 'value') return null;
  const value = unparenthesize(def.node);
  if (value.type !== NodeType.Call) return null;
  const ctor = value.childForFieldName('function');
  const ctorName = ctor?.type === NodeType.Attribute ? ctor.childForFieldName('attribute')?.text : ctor?.type === NodeType.Identifier ? ctor.text : null;
  if (!ctorName || !/^[A-Z]/.test(ctorName)) return null;
  const fn = enclosingFunctionOf(call);
  if (!fn || !within(def.node, fn) || enclosingFunctionOf(def.node)?.startIndex !== fn.startIndex) return null;
  return { library: 'model', label: `${receiver.text}.${method}` };
}

/** Names that hold a model id or path rather than a model object. */
const MODEL_ID_NAME = /(name|id|path|dir|checkpoint|ckpt|repo|uri|url)$/i;

/**
 * `pipeline("translation", model=model, tokenizer=tokenizer)` with a model object already loaded wraps it
 * without reading weights; only a model id or path (or no model: the task's default) makes it a load.
 */
function wrapsLoadedModel(context: Context, call: SyntaxNode): boolean {
  const model = keywordValue(call, 'model') ?? positionalArguments(call)[1] ?? null;
  if (!model) return false;
  const n = unparenthesize(model);
  if (n.type === NodeType.Attribute) return !MODEL_ID_NAME.test(n.childForFieldName('attribute')?.text ?? '');
  if (n.type !== NodeType.Identifier || MODEL_ID_NAME.test(n.text)) return false;
  const def = definitionOf(context.file, n);
  // A parameter (a Gradio dropdown value, a route argument) is a model id.
  if (def?.kind === 'parameter' || def?.kind === 'loop') return false;
  const fn = enclosingFunctionOf(n);
  if (!def && fn && parameterNode(fn, n.text)) return false;
  if (def?.kind === 'value') {
    const value = unparenthesize(def.node);
    if (resolvedLiteral(context.file, value)?.kind === 'string') return false;
    if (value.type === NodeType.String || value.type === NodeType.ConcatenatedString || value.type === NodeType.BinaryOperator) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// The check

function check(context: Context, reach: ReadonlyMap<string, Reach>, call: SyntaxNode, load: ModelLoad): void {
  const found = reachOfNode(reach, call);
  if (!found) return;
  const { fn, entry } = found;
  const handler = entry.handler;
  // A function the parser could not fully read (a broken signature, Python 2 syntax) is no ground for a finding.
  if (context.inErrorRegion(fn) || context.inErrorRegion(handler.node)) return;
  if (isLoadEndpoint(handler)) return;
  if (load.label === 'transformers.pipeline' && wrapsLoadedModel(context, call)) return;
  if (isCachedFunction(context, fn)) return;
  if (isGuarded(context, call, fn)) return;
  const source = new SourceTracer(context, reach).ofLoad(call, found);
  if (source === 'payload' || source === 'copy') return;

  const where = startupAdvice(handler);
  const handlerName = displayName(handler.node);
  // Hoisting `asyncio.to_thread(joblib.load, …)` as written would keep a coroutine, not the model.
  const offloaded = executorLoadOf(context, call, call.childForFieldName('function') ?? call, canonicalOrNull(context.resolve(call)), calleeMethod(call)) !== null;
  const hoist = offloaded ? null : hoistEdits(context, call, load);
  const suggest = hoist
    ? [{ messageId: 'hoistToModule' as const, data: { name: hoist.name }, edits: () => hoist.edits }]
    : [];
  if (entry.depth === 0) {
    context.report({
      node: call,
      messageId: 'loadInHandler',
      data: { call: load.label, handler: handlerName, reason: handler.reason, where },
      suggest,
    });
    return;
  }
  const related: Array<{ node: SyntaxNode; message: string }> = [
    { node: handler.node.childForFieldName('name') ?? handler.node, message: `\`${handlerName}\` serves requests (${handler.reason})` },
  ];
  // The call chain, handler first: `predict` → `preprocess()` → `load_keras()`.
  const chain: Array<{ node: SyntaxNode; message: string }> = [];
  const intermediates: string[] = [];
  let step: { fn: SyntaxNode; entry: Reach } | null = { fn, entry };
  for (let i = 0; step?.entry.via && i < 8; i++) {
    const target = displayName(step.fn);
    if (i > 0) intermediates.unshift(`\`${target}\``);
    const isInit = step.fn.childForFieldName('name')?.text === '__init__';
    const message = isInit ? `builds \`${target.replace(/\.__init__$/, '')}\` here, running \`${target}\`` : `calls \`${target}\` here`;
    chain.unshift({ node: step.entry.via, message });
    const caller: SyntaxNode | null = step.entry.caller;
    const callerEntry: Reach | undefined = caller ? reach.get(functionKey(caller)) : undefined;
    step = caller && callerEntry ? { fn: caller, entry: callerEntry } : null;
  }
  related.push(...chain);
  context.report({
    node: call,
    messageId: 'loadInHelper',
    data: {
      call: load.label,
      helper: displayName(fn),
      handler: handlerName,
      reason: handler.reason,
      through: intermediates.length > 0 ? ` through ${intermediates.join(', ')}` : '',
      where,
    },
    suggest,
    related,
  });
}

function canonicalOrNull(raw: string | null): string | null {
  return raw === null ? null : canonicalName(raw);
}

function calleeMethod(call: SyntaxNode): string | null {
  const callee = call.childForFieldName('function');
  return callee?.type === NodeType.Attribute ? (callee.childForFieldName('attribute')?.text ?? null) : null;
}

function displayName(fn: SyntaxNode): string {
  if (fn.type === NodeType.Lambda) return 'lambda';
  const name = fn.childForFieldName('name')?.text ?? '?';
  const cls = enclosingClass(fn);
  const clsName = cls?.childForFieldName('name')?.text;
  return clsName ? `${clsName}.${name}` : name;
}

function startupAdvice(handler: Handler): string {
  const cls = handler.node.type === NodeType.FunctionDefinition ? enclosingClass(handler.node) : null;
  // Ray Serve / BentoML classes (and FastAPI ingress classes on them) are built once per replica; web views per request.
  const builtOnce = cls !== null && (handler.kind === 'deployment' || handler.kind === 'api' || decoratorsOf(cls).some((d) => /deployment|service|ingress/.test(d.text)));
  switch (handler.framework) {
    case 'TorchServe':
    case 'Triton Python backend':
      return 'in `initialize()`';
    case 'SageMaker':
      return 'in `model_fn()`';
    case 'Cog':
      return 'in `setup()`';
    case 'KServe':
    case 'MLServer':
    case 'Truss':
      return 'in `load()`';
    case 'Modal':
      return 'in a `@modal.enter()` method';
    case 'AWS Lambda':
    case 'Azure Functions':
    case 'Cloud Functions':
      return 'at module scope, outside the handler (warm invocations reuse it)';
    case 'Streamlit':
      return 'in a `@st.cache_resource` function';
    case 'Django':
    case 'Django REST framework':
      // Class-based views are instantiated per request: `__init__` is no better.
      return 'at startup (module scope or `AppConfig.ready()`)';
    default:
      break;
  }
  if (builtOnce) return "in the class's `__init__`";
  switch (handler.framework) {
    case 'FastAPI':
    case 'Starlette':
      return 'at startup (module scope or a FastAPI lifespan handler)';
    case 'Flask':
    case 'Quart':
      return 'at startup (module scope or the app factory)';
    default:
      return 'at startup (module scope or a cached loader)';
  }
}

/** Word tokens of an identifier or path: `reloadModel` / `/models/reload` → ["reload", "model"]. */
function tokens(text: string): string[] {
  return text
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** Words that make an endpoint's purpose loading or replacing a model. */
const LOAD_PURPOSE = new Set([
  'reload', 'preload', 'unload', 'switch', 'swap', 'hotswap', 'refresh', 'train', 'retrain', 'finetune', 'deploy',
  'init', 'initialize', 'initialise', 'setup', 'warmup', 'download', 'startup',
]);
/** `load` alone is weaker: `load_model` is a loading endpoint, `load_and_predict` is not. */
const LOAD_WORDS = new Set(['load', 'loader', 'loading']);
const MODEL_ACTIONS = new Set(['change', 'select', 'set', 'update', 'register', 'use', 'pick', 'choose', 'upload']);
const MODEL_WORDS = new Set(['model', 'models', 'weights', 'checkpoint', 'ckpt', 'adapter', 'adapters', 'lora', 'version']);
const SERVING_WORDS = new Set([
  'predict', 'prediction', 'predictions', 'infer', 'inference', 'classify', 'classification', 'detect', 'detection',
  'generate', 'generation', 'score', 'scoring', 'embed', 'embedding', 'embeddings', 'transcribe', 'translate',
  'summarize', 'summarise', 'chat', 'run', 'process', 'analyze', 'analyse', 'recognize', 'segment', 'caption',
  'answer', 'complete', 'completion', 'forecast', 'recommend', 'search', 'query', 'ask', 'respond', 'image', 'img',
  'data', 'file', 'text', 'audio', 'video', 'document', 'pdf', 'csv',
]);

/**
 * Handlers whose job is to (re)load or switch a model: `/reload`, `load_model` bound to a Gradio dropdown,
 * `/models/{name}/load`, `/train`. Loading there is the request's purpose, not an accident.
 */
function isLoadEndpoint(handler: Handler): boolean {
  const words = [...tokens(handler.name === 'lambda' ? '' : handler.name), ...tokens(handler.routePath ?? '')];
  if (words.some((w) => LOAD_PURPOSE.has(w))) return true;
  if (words.some((w) => LOAD_WORDS.has(w)) && !words.some((w) => SERVING_WORDS.has(w))) return true;
  return words.some((w) => MODEL_ACTIONS.has(w)) && words.some((w) => MODEL_WORDS.has(w));
}

// ---------------------------------------------------------------------------------------------------------------
// Cache guards

function within(node: SyntaxNode, outer: SyntaxNode | null): boolean {
  return !!outer && outer.startIndex <= node.startIndex && node.endIndex <= outer.endIndex;
}

function same(a: SyntaxNode, b: SyntaxNode): boolean {
  return a.startIndex === b.startIndex && a.endIndex === b.endIndex && a.type === b.type;
}

/**
 * Whether a node only runs when a cache is empty: inside `if _model is None:` (or `not _model`, `key not in
 * _models`, `not hasattr(self, "model")`), in the `else` of `if _model is not None`, after an early
 * `if _model is not None: return _model`, on the right of `_model or …`, or in the `except` of a `try:` that reads
 * a cache. The cache must outlive the call: a module-level name, an attribute of `self`/`cls`/a module object, or
 * a local read from one.
 */
function isGuarded(context: Context, node: SyntaxNode, fn: SyntaxNode): boolean {
  let child = node;
  for (let p = node.parent; p && !same(p, fn); child = p, p = p.parent) {
    switch (p.type) {
      case NodeType.IfStatement:
      case NodeType.ElifClause: {
        const cond = p.childForFieldName('condition');
        if (cond && within(node, p.childForFieldName('consequence')) && checksEmpty(context, cond, fn)) return true;
        break;
      }
      case NodeType.ElseClause: {
        const owner = p.parent;
        const cond = owner?.type === NodeType.IfStatement ? owner.childForFieldName('condition') : null;
        if (cond && checksPresent(context, cond, fn)) return true;
        break;
      }
      case NodeType.ConditionalExpression: {
        const [whenTrue, cond, whenFalse] = p.namedChildren.filter((c) => c.type !== NodeType.Comment);
        if (cond && whenTrue && within(node, whenTrue) && checksEmpty(context, cond, fn)) return true;
        if (cond && whenFalse && within(node, whenFalse) && checksPresent(context, cond, fn)) return true;
        break;
      }
      case NodeType.BooleanOperator: {
        const left = p.childForFieldName('left');
        const op = p.childForFieldName('operator')?.type ?? p.children.find((c) => !c.isNamed)?.type;
        if (op === 'or' && left && !within(node, left) && checksPresent(context, left, fn)) return true;
        break;
      }
      case NodeType.ExceptClause: {
        const body = p.parent?.type === NodeType.TryStatement ? p.parent.childForFieldName('body') : null;
        if (body && readsCache(context, body, fn)) return true;
        break;
      }
      case NodeType.Block: {
        for (const stmt of p.namedChildren) {
          if (stmt.startIndex >= child.startIndex) break;
          if (stmt.type !== NodeType.IfStatement) continue;
          const cond = stmt.childForFieldName('condition');
          const cons = stmt.childForFieldName('consequence');
          if (cond && cons && cons.namedChildren.some((s) => s.type === NodeType.ReturnStatement) && checksPresent(context, cond, fn)) return true;
        }
        break;
      }
      default:
        break;
    }
  }
  return false;
}

function comparisonParts(node: SyntaxNode): { operands: SyntaxNode[]; ops: string[] } {
  return {
    operands: node.namedChildren.filter((c) => c.type !== NodeType.Comment),
    ops: node.children.filter((c) => !c.isNamed).map((c) => c.type.replace(/\s+/g, ' ')),
  };
}

/** `X is None`, `not X`, `k not in X`, `X == None`, `not hasattr(X, …)`, combined with `and`/`or`. */
function checksEmpty(context: Context, cond: SyntaxNode, fn: SyntaxNode): boolean {
  const n = unparenthesize(cond);
  switch (n.type) {
    case NodeType.BooleanOperator: {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      return (!!left && checksEmpty(context, left, fn)) || (!!right && checksEmpty(context, right, fn));
    }
    case NodeType.NotOperator: {
      const arg = n.childForFieldName('argument');
      return !!arg && checksPresent(context, arg, fn);
    }
    case NodeType.ComparisonOperator: {
      const { operands, ops } = comparisonParts(n);
      const [left, right] = operands;
      if (!left || !right || ops.length !== 1) return false;
      if ((ops[0] === 'is' || ops[0] === '==') && right.type === NodeType.None) return outlivesCall(context, left, fn);
      if (ops[0] === 'not in') return outlivesCall(context, right, fn);
      return false;
    }
    default:
      return false;
  }
}

/** `X is not None`, `X`, `k in X`, `hasattr(X, …)`, `X.get(k)`, combined with `and`/`or`. */
function checksPresent(context: Context, cond: SyntaxNode, fn: SyntaxNode): boolean {
  const n = unparenthesize(cond);
  switch (n.type) {
    case NodeType.BooleanOperator: {
      const left = n.childForFieldName('left');
      const right = n.childForFieldName('right');
      return (!!left && checksPresent(context, left, fn)) || (!!right && checksPresent(context, right, fn));
    }
    case NodeType.NotOperator: {
      const arg = n.childForFieldName('argument');
      return !!arg && checksEmpty(context, arg, fn);
    }
    case NodeType.ComparisonOperator: {
      const { operands, ops } = comparisonParts(n);
      const [left, right] = operands;
      if (!left || !right || ops.length !== 1) return false;
      if ((ops[0] === 'is not' || ops[0] === '!=') && right.type === NodeType.None) return outlivesCall(context, left, fn);
      if (ops[0] === 'in') return outlivesCall(context, right, fn);
      return false;
    }
    case NodeType.Identifier:
    case NodeType.Attribute:
    case NodeType.Subscript:
    case NodeType.Call:
      return outlivesCall(context, n, fn);
    default:
      return false;
  }
}

/** Whether a `try:` body reads a cache (`return _models[name]`, `self._cache[key]`). */
function readsCache(context: Context, body: SyntaxNode, fn: SyntaxNode): boolean {
  for (const sub of body.descendantsOfType(NodeType.Subscript)) {
    const value = sub.childForFieldName('value');
    if (value && outlivesCall(context, value, fn)) return true;
  }
  return false;
}

/** The name an expression is rooted at: `self._cache[k]` → `self`, `CACHE.get(k)` → `CACHE`, `hasattr(app, "m")` → `app`. */
function rootName(node: SyntaxNode): SyntaxNode | null {
  let n: SyntaxNode | null = unparenthesize(node);
  for (let i = 0; n && i < 16; i++) {
    switch (n.type) {
      case NodeType.Identifier:
        return n;
      case NodeType.Attribute:
        n = n.childForFieldName('object');
        break;
      case NodeType.Subscript:
        n = n.childForFieldName('value');
        break;
      case NodeType.Call: {
        // Only calls that read a container: `hasattr(X, …)`, `getattr(X, …)`, `X.get(k)`, `globals()`.
        // `os.path.exists(p)` or `len(text)` say nothing about a cache.
        const callee = n.childForFieldName('function');
        if (callee?.type === NodeType.Identifier && /^(hasattr|getattr)$/.test(callee.text)) n = positionalArguments(n)[0] ?? null;
        else if (callee?.type === NodeType.Identifier && /^(globals|vars)$/.test(callee.text)) return callee;
        else if (callee?.type === NodeType.Attribute && /^(get|keys|__contains__)$/.test(callee.childForFieldName('attribute')?.text ?? '')) {
          n = callee.childForFieldName('object');
        } else return null;
        break;
      }
      case NodeType.Await:
        n = n.firstNamedChild;
        break;
      default:
        return null;
    }
  }
  return null;
}

/** Whether the value an expression reads outlives one call of `fn` (so a check on it is a cache check). */
function outlivesCall(context: Context, expr: SyntaxNode, fn: SyntaxNode, depth = 0): boolean {
  const root = rootName(expr);
  if (!root || depth > 3) return false;
  if (root.text === 'self' || root.text === 'cls') return true;
  if (declaresGlobal(fn, root.text)) return true;
  const binding = context.file.resolver.lookup(root.text, root);
  // The request is new on every call: `if request.json:` is no cache check.
  const name = context.resolve(root);
  if (name && REQUEST_OBJECTS.test(canonicalName(name))) return false;
  if (!binding || binding.kind === 'import') return true;
  if (binding.at < fn.startIndex || binding.at >= fn.endIndex) return true;
  const def = definitionOf(context.file, root);
  if (!def) return false;
  // A parameter defaulting to None (`def predict(x, model=None)`): its caller may hold the model; stay quiet.
  if (def.kind === 'parameter') return def.defaultValue?.type === NodeType.None;
  if (def.kind !== 'value') return false;
  const value = unparenthesize(def.node);
  if (value.type === NodeType.None || value.type === NodeType.False || value.type === NodeType.Dictionary || value.type === NodeType.List) return false;
  // `model = _models.get(name)` / `model = getattr(app.state, "model", None)`: a local read from a cache.
  for (const id of [value, ...value.descendantsOfType(NodeType.Identifier)]) {
    if (id.type !== NodeType.Identifier || id.text === root.text) continue;
    if (id.parent?.type === NodeType.Attribute && id.parent.childForFieldName('attribute')?.startIndex === id.startIndex) continue;
    if (id.parent?.type === NodeType.KeywordArgument && id.parent.childForFieldName('name')?.startIndex === id.startIndex) continue;
    if (isBuiltinCall(id)) continue;
    if (outlivesCall(context, id, fn, depth + 1) && !isModuleImport(context, id)) return true;
  }
  return false;
}

function isBuiltinCall(id: SyntaxNode): boolean {
  return /^(getattr|hasattr|len|bool|str|int|dict|list|isinstance)$/.test(id.text) && id.parent?.type === NodeType.Call;
}

/** A name bound by `import x` (a module, not a module-level object): reading it proves nothing about a cache. */
function isModuleImport(context: Context, id: SyntaxNode): boolean {
  const binding = context.file.resolver.lookup(id.text, id);
  if (binding?.kind !== 'import') return false;
  // `from flask import g` / `import streamlit as st` are objects that hold state; `import joblib` is a loader.
  return !/^(flask\.g|flask\.current_app|streamlit|quart\.g)$/.test(binding.name);
}

function declaresGlobal(fn: SyntaxNode, name: string): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  for (const stmt of body.descendantsOfType([NodeType.GlobalStatement, 'nonlocal_statement'])) {
    if (stmt.namedChildren.some((c) => c.text === name)) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------------------------------------------
// Loads of request data

/** `copy`: bytes this function itself just serialized (`pickle.loads(pickle.dumps(obj))`), an in-memory deep copy. */
type SourceKind = 'payload' | 'path' | 'copy' | 'other';

/** Serializers whose result is the bytes a `loads` reads back. */
const IN_MEMORY_DUMPS = new Set(['pickle.dumps', 'cloudpickle.dumps', 'dill.dumps']);

/** Functions that wrap bytes without reading anything else: `io.BytesIO(body)`, `base64.b64decode(s)`. */
const BUFFER_WRAPPERS = new Set([
  'io.BytesIO', 'io.StringIO', 'io.BufferedReader', 'base64.b64decode', 'base64.decodebytes', 'base64.urlsafe_b64decode',
  'base64.standard_b64decode', 'base64.decodestring', 'zlib.decompress', 'gzip.decompress', 'bz2.decompress',
  'lzma.decompress', 'codecs.decode', 'binascii.a2b_base64', 'bytes', 'bytearray', 'memoryview',
]);
/** Methods that give the bytes or content of the object they are called on. */
const CONTENT_METHODS = new Set([
  'read', 'getvalue', 'getbuffer', 'get_data', 'get_json', 'json', 'body', 'encode', 'decode', 'tobytes', 'stream', 'form', 'content',
]);
/** Attributes of a request that hold uploaded data. */
const UPLOAD_ATTRIBUTES = new Set(['files', 'FILES', 'file', 'data', 'body', 'stream', 'raw', 'content']);
const PATHISH = /(^|_)(path|paths|dir|directory|name|model|models|id|version|ckpt|checkpoint|uri|url|repo|tag|key|lang|language|variant|size|type|kind)$/i;
const REQUEST_OBJECTS = /^(flask|quart|bottle|sanic|werkzeug|starlette|fastapi)(\.\w+)*\.request$/;

/** Keywords under which loaders take what they read (when it is not passed positionally). */
const SOURCE_KEYWORDS = [
  'f', 'file', 'fp', 'data', 'path', 'model_file', 'model_path', 'model_uri', 'filename', 'path_or_fileobj', 'buffer',
  'model', 'pretrained_model_name_or_path', 'name', 'path_or_buffer',
];

/** A function that runs per request, with how it is reached (to follow a helper's parameter to its caller). */
interface Frame {
  fn: SyntaxNode;
  entry: Reach;
}

/**
 * Classifies what a load reads: request data (a payload decoded per request: `pickle.loads(request.data)`,
 * `torch.load(io.BytesIO(request_body))` in a SageMaker `input_fn`), a path or name (possibly from the request:
 * still a per-request model load), or something else.
 */
class SourceTracer {
  constructor(
    private readonly context: Context,
    private readonly reach: ReadonlyMap<string, Reach>,
  ) {}

  ofLoad(call: SyntaxNode, frame: Frame): SourceKind {
    const source = positionalArguments(call)[0] ?? SOURCE_KEYWORDS.map((k) => keywordValue(call, k)).find((v) => v !== null) ?? null;
    return source ? this.kindOf(source, frame, 0, false) : 'other';
  }

  /** `asBytes`: under `io.BytesIO(…)`/`.read()` the value is content, so a key like `"model"` names uploaded bytes. */
  private kindOf(expr: SyntaxNode, frame: Frame, depth: number, asBytes: boolean): SourceKind {
    if (depth > 6) return 'other';
    const n = unparenthesize(expr);
    const recurse = (e: SyntaxNode | null, bytes = asBytes): SourceKind => (e ? this.kindOf(e, frame, depth + 1, bytes) : 'other');
    const pathKey = (key: string | null): boolean => !asBytes && key !== null && PATHISH.test(key);
    switch (n.type) {
      case NodeType.Await:
        return recurse(n.firstNamedChild);
      case NodeType.String:
      case NodeType.ConcatenatedString:
      case NodeType.BinaryOperator:
        return 'path';
      case NodeType.Call: {
        const callee = n.childForFieldName('function');
        if (!callee) return 'other';
        const name = this.context.resolve(n);
        if (name && IN_MEMORY_DUMPS.has(canonicalName(name))) return 'copy';
        if (name && BUFFER_WRAPPERS.has(canonicalName(name))) return recurse(positionalArguments(n)[0] ?? null, true);
        if (callee.type !== NodeType.Attribute) return 'other';
        const method = callee.childForFieldName('attribute')?.text ?? '';
        const object = callee.childForFieldName('object');
        if (CONTENT_METHODS.has(method)) return recurse(object, true);
        if (method !== 'get' && method !== 'getlist') return 'other';
        const inner = recurse(object);
        const key = stringValue(positionalArguments(n)[0] ?? null);
        return inner === 'payload' && pathKey(key) && !(object && isUploadContainer(object)) ? 'path' : inner;
      }
      case NodeType.Attribute: {
        const attr = n.childForFieldName('attribute')?.text ?? '';
        const inner = recurse(n.childForFieldName('object'));
        return inner === 'payload' && pathKey(attr) && !UPLOAD_ATTRIBUTES.has(attr) ? 'path' : inner;
      }
      case NodeType.Subscript: {
        const value = n.childForFieldName('value');
        const inner = recurse(value);
        const key = stringValue(n.childForFieldName('subscript'));
        return inner === 'payload' && pathKey(key) && !(value && isUploadContainer(value)) ? 'path' : inner;
      }
      case NodeType.Identifier:
        return this.identifierKind(n, frame, depth, asBytes);
      case NodeType.BooleanOperator:
      case NodeType.ConditionalExpression: {
        // `row.get("data") or row.get("body")`: request data when any branch is; `a if cond else b`: not the condition.
        const operands = n.namedChildren.filter((c) => c.type !== NodeType.Comment);
        const values = n.type === NodeType.ConditionalExpression ? [operands[0], operands[2]] : operands;
        const kinds = values.map((c) => recurse(c ?? null));
        return kinds.includes('payload') ? 'payload' : kinds.includes('path') ? 'path' : kinds.every((k) => k === 'copy') ? 'copy' : 'other';
      }
      default:
        return 'other';
    }
  }

  private identifierKind(id: SyntaxNode, frame: Frame, depth: number, asBytes: boolean): SourceKind {
    const { context } = this;
    const { fn, entry } = frame;
    const name = context.resolve(id);
    if (name && REQUEST_OBJECTS.test(canonicalName(name))) return 'payload';
    // `[torch.load(io.BytesIO(row["body"])) for row in data]`: the resolver does not scope comprehensions.
    const iterable = comprehensionSource(id);
    if (iterable) return this.kindOf(iterable, frame, depth + 1, asBytes);
    const binding = context.file.resolver.lookup(id.text, id);
    if (!binding) return id.text === 'request' ? 'payload' : 'other';
    if (binding.kind === 'import') return 'other';
    const param = parameterNode(fn, id.text);
    if (param && binding.kind === 'local' && param.startIndex <= binding.at && binding.at < param.endIndex) {
      // A handler's parameters are the request; a helper's are whatever its caller passes.
      if (entry.depth === 0) return !asBytes && pathishParameter(id.text, param.childForFieldName('type')) ? 'path' : 'payload';
      return this.argumentKind(id.text, frame, depth, asBytes);
    }
    const def = definitionOf(context.file, id);
    if (def?.kind === 'value') return within(def.node, fn) ? this.kindOf(def.node, frame, depth + 1, asBytes) : 'other';
    if (def?.kind === 'loop') return this.kindOf(def.site.childForFieldName('right') ?? def.site, frame, depth + 1, asBytes);
    // `with open(path, "rb") as f` or `with io.BytesIO(body) as buf`.
    const value = def === null && binding.kind === 'local' ? withValue(fn, id.text) : null;
    return value ? this.kindOf(value, frame, depth + 1, asBytes) : 'other';
  }

  /** What the caller passes for a helper's parameter (through the call that reaches the helper). */
  private argumentKind(param: string, frame: Frame, depth: number, asBytes: boolean): SourceKind {
    const { via, caller } = frame.entry;
    if (!via || !caller || via.type !== NodeType.Call) return 'other';
    const names = parameterNames(frame.fn);
    let index = names.indexOf(param);
    const callee = via.childForFieldName('function');
    if (callee?.type === NodeType.Attribute && (names[0] === 'self' || names[0] === 'cls')) index -= 1;
    const arg = keywordValue(via, param) ?? (index >= 0 ? (positionalArguments(via)[index] ?? null) : null);
    const callerEntry = this.reach.get(functionKey(caller));
    if (!arg || !callerEntry) return 'other';
    return this.kindOf(arg, { fn: caller, entry: callerEntry }, depth + 1, asBytes);
  }
}

function isUploadContainer(node: SyntaxNode): boolean {
  const n = unparenthesize(node);
  return n.type === NodeType.Attribute && UPLOAD_ATTRIBUTES.has(n.childForFieldName('attribute')?.text ?? '');
}

/** The parameter node of a function (or lambda) that binds a name. */
function parameterNode(fn: SyntaxNode, name: string): SyntaxNode | null {
  const params = fn.childForFieldName('parameters');
  if (!params) return null;
  for (const p of params.namedChildren) {
    const id = p.type === NodeType.Identifier ? p : (p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === NodeType.Identifier) ?? null);
    if (id?.type === NodeType.Identifier && id.text === name) return p;
  }
  return null;
}

/** The iterable of the comprehension clause that binds an identifier, if any. */
function comprehensionSource(id: SyntaxNode): SyntaxNode | null {
  for (let p = id.parent; p; p = p.parent) {
    if (p.type === NodeType.FunctionDefinition || p.type === NodeType.Lambda || p.type === NodeType.Module) return null;
    if (!/comprehension$|^generator_expression$/.test(p.type)) continue;
    for (const clause of p.namedChildren) {
      if (clause.type !== 'for_in_clause') continue;
      const left = clause.childForFieldName('left');
      if (left && left.descendantsOfType(NodeType.Identifier).concat(left.type === NodeType.Identifier ? [left] : []).some((n) => n.text === id.text)) {
        return clause.childForFieldName('right');
      }
    }
  }
  return null;
}

function withValue(fn: SyntaxNode, name: string): SyntaxNode | null {
  const body = fn.childForFieldName('body');
  if (!body) return null;
  for (const item of body.descendantsOfType(NodeType.WithItem)) {
    const value = item.childForFieldName('value');
    if (value?.type !== 'as_pattern') continue;
    const alias = value.childForFieldName('alias');
    const target = alias?.firstNamedChild ?? alias;
    if (target?.type === NodeType.Identifier && target.text === name) return value.firstNamedChild;
  }
  return null;
}

function pathishParameter(name: string, annotation: SyntaxNode | null): boolean {
  if (annotation) {
    const text = annotation.text.replace(/\s+/g, '');
    if (/^(str|Path|pathlib\.Path|Optional\[str\]|str\|None|Literal\[.*\])$/.test(text)) return true;
    if (/bytes|UploadFile|File|Request|dict|Dict|Any|BytesIO|IO/.test(text)) return false;
  }
  return PATHISH.test(name);
}

// ---------------------------------------------------------------------------------------------------------------
// Suggestion: hoist to module scope

const UNSAFE_TO_HOIST = new Set([
  NodeType.Lambda, NodeType.Await, 'list_comprehension', 'dictionary_comprehension', 'set_comprehension', 'generator_expression',
  'named_expression', 'yield', NodeType.Error,
]);
const PREP_METHODS = new Set(['eval', 'to', 'cuda', 'cpu', 'half', 'float', 'bfloat16']);

/**
 * Edits that move a load whose arguments are all literals or module-level names to a module constant defined
 * after the imports (and after the module-level names it reads), and use the constant in its place.
 */
function hoistEdits(context: Context, call: SyntaxNode, load: ModelLoad): { name: string; edits: Edit[] } | null {
  const root = context.file.root;
  let top: SyntaxNode = call;
  while (top.parent && top.parent.type !== NodeType.Module) top = top.parent;
  if (!top.parent) return null;
  const needed: SyntaxNode[] = [];
  if (!hoistable(context, call, needed)) return null;
  if (preparedEarlier(context, call)) return null;

  let anchor: SyntaxNode | null = null;
  for (const stmt of root.namedChildren) {
    if (stmt.startIndex >= top.startIndex) break;
    if (isImportStatement(stmt)) anchor = stmt;
  }
  for (const stmt of needed) {
    if (stmt.startIndex >= top.startIndex) return null;
    if (isMainGuard(stmt)) return null;
    if (!anchor || stmt.startIndex > anchor.startIndex) anchor = stmt;
  }
  if (!anchor) return null;

  const text = context.file.text;
  const newline = text.indexOf('\n', anchor.endIndex);
  let at = newline === -1 ? text.length : newline;
  let eol = '\n';
  if (at > 0 && text[at - 1] === '\r') {
    at -= 1;
    eol = '\r\n';
  }
  const name = freeName(context, baseName(call, load));
  const callText = dedent(text, call);
  return {
    name,
    edits: [
      { start: at, end: at, text: `${eol}${name} = ${callText}` },
      { start: call.startIndex, end: call.endIndex, text: name },
    ],
  };
}

function isImportStatement(stmt: SyntaxNode): boolean {
  if (stmt.type === NodeType.ImportStatement || stmt.type === NodeType.ImportFromStatement || stmt.type === NodeType.FutureImportStatement) return true;
  // `try: import cPickle as pickle` / `except ImportError: import pickle`.
  if (stmt.type === NodeType.TryStatement) {
    const first = stmt.childForFieldName('body')?.namedChildren[0];
    return first?.type === NodeType.ImportStatement || first?.type === NodeType.ImportFromStatement;
  }
  return false;
}

function isMainGuard(stmt: SyntaxNode): boolean {
  return stmt.type === NodeType.IfStatement && /__name__/.test(stmt.childForFieldName('condition')?.text ?? '');
}

/** Whether every name the call reads is module-level (collecting the top-level statements that bind them). */
function hoistable(context: Context, call: SyntaxNode, needed: SyntaxNode[]): boolean {
  const stack: SyntaxNode[] = [call];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    if (UNSAFE_TO_HOIST.has(node.type)) return false;
    if (node.type === NodeType.Identifier) {
      const parent = node.parent;
      if (parent?.type === NodeType.Attribute && parent.childForFieldName('attribute')?.startIndex === node.startIndex) continue;
      if (parent?.type === NodeType.KeywordArgument && parent.childForFieldName('name')?.startIndex === node.startIndex) continue;
      const binding = context.file.resolver.lookup(node.text, node);
      if (!binding) continue;
      const stmt = topLevelStatementAt(context, binding.at);
      if (!stmt) return false;
      // Bound inside a function (a local or a parameter) cannot be read at module scope.
      for (let p = node.parent; p; p = p.parent) {
        if ((p.type === NodeType.FunctionDefinition || p.type === NodeType.Lambda) && p.startIndex < binding.at && binding.at < p.endIndex) return false;
      }
      needed.push(stmt);
      continue;
    }
    for (const child of node.namedChildren) stack.push(child);
  }
  return true;
}

/**
 * Whether a call before the load in its function is given what the load reads (`s3.download_file(…, LOCAL_PATH)`
 * then `joblib.load(LOCAL_PATH)`): at module scope the load would run before that preparation. Other model loads
 * reading the same checkpoint (`AutoTokenizer.from_pretrained(CKPT)`) prepare nothing.
 */
function preparedEarlier(context: Context, call: SyntaxNode): boolean {
  const fn = enclosingFunctionOf(call);
  const body = fn?.childForFieldName('body');
  if (!fn || !body) return false;
  const args = call.childForFieldName('arguments');
  if (!args) return false;
  const names = new Set<string>();
  for (const id of args.descendantsOfType(NodeType.Identifier)) {
    const parent = id.parent;
    if (parent?.type === NodeType.Attribute && parent.childForFieldName('attribute')?.startIndex === id.startIndex) continue;
    if (parent?.type === NodeType.KeywordArgument && parent.childForFieldName('name')?.startIndex === id.startIndex) continue;
    names.add(id.text);
  }
  const strings = new Set(args.descendantsOfType(NodeType.String).map((s) => stringValue(s)).filter((v): v is string => v !== null && v.length > 0));
  for (const earlier of body.descendantsOfType(NodeType.Call)) {
    if (earlier.startIndex >= call.startIndex) break;
    if (earlier.endIndex > call.startIndex || loadOf(context, earlier)) continue;
    const earlierArgs = earlier.childForFieldName('arguments');
    if (!earlierArgs) continue;
    if (earlierArgs.descendantsOfType(NodeType.Identifier).some((id) => names.has(id.text))) return true;
    if (earlierArgs.descendantsOfType(NodeType.String).some((str) => strings.has(stringValue(str) ?? ''))) return true;
  }
  return false;
}

function enclosingFunctionOf(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) if (p.type === NodeType.FunctionDefinition) return p;
  return null;
}

function topLevelStatementAt(context: Context, offset: number): SyntaxNode | null {
  for (const stmt of context.file.root.namedChildren) {
    if (stmt.startIndex <= offset && offset < stmt.endIndex) return stmt;
  }
  return null;
}

function baseName(call: SyntaxNode, load: ModelLoad): string {
  let n = call;
  let p = n.parent;
  for (;;) {
    if (!p) break;
    if (p.type === NodeType.Await || p.type === NodeType.ParenthesizedExpression) {
      n = p;
      p = p.parent;
      continue;
    }
    if (p.type === NodeType.Attribute && p.childForFieldName('object')?.startIndex === n.startIndex && PREP_METHODS.has(p.childForFieldName('attribute')?.text ?? '')) {
      const outer = p.parent;
      if (outer?.type === NodeType.Call && outer.childForFieldName('function')?.startIndex === p.startIndex) {
        n = outer;
        p = outer.parent;
        continue;
      }
    }
    break;
  }
  let variable: string | null = null;
  if (p?.type === NodeType.Assignment && p.childForFieldName('right')?.startIndex === n.startIndex) {
    const left = p.childForFieldName('left');
    if (left?.type === NodeType.Identifier) variable = left.text;
    else if (left?.type === NodeType.Attribute) variable = left.childForFieldName('attribute')?.text ?? null;
  }
  if (!variable) variable = /Tokenizer/.test(load.label) ? 'tokenizer' : /Processor/.test(load.label) ? 'processor' : 'model';
  const upper = variable
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/^_+/, '')
    .toUpperCase();
  return /^[A-Z][A-Z0-9_]*$/.test(upper) ? `_${upper}` : '_MODEL';
}

/** `base`, or `base_2`, … : a name no identifier of the file uses, ignoring case (`_MODEL` next to `_model` misleads). */
function freeName(context: Context, base: string): string {
  const taken = new Set(context.file.root.descendantsOfType(NodeType.Identifier).map((n) => n.text.toUpperCase()));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** The call's text with its continuation lines dedented by the indentation of the line it starts on. */
function dedent(text: string, call: SyntaxNode): string {
  const lineStart = text.lastIndexOf('\n', call.startIndex - 1) + 1;
  const indent = /^[ \t]*/.exec(text.slice(lineStart, call.startIndex))?.[0] ?? '';
  const body = text.slice(call.startIndex, call.endIndex);
  if (!indent || !body.includes('\n')) return body;
  // Continuation lines inside a multi-line string are content, not indentation.
  if (call.descendantsOfType(NodeType.String).some((s) => s.startPosition.row !== s.endPosition.row)) return body;
  return body
    .split('\n')
    .map((line, i) => (i > 0 && line.startsWith(indent) ? line.slice(indent.length) : line))
    .join('\n');
}
