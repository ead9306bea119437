/**
 * Request-handler detection (RULES.md, "Handler"): which functions of a file serve requests, and which same-file
 * functions run because a handler calls them. Shared by the serving rules (ML101, ML103, ML601, ML602).
 *
 * Everything here is static and per file: a handler is recognised from its decorator, its class, its signature
 * or the call that registers it; the call graph follows plain calls to same-file functions (`helper()`),
 * methods of the enclosing class (`self.helper()`), classes built in the handler (`Predictor()` runs
 * `Predictor.__init__`) and FastAPI dependencies (`Depends(get_model)`).
 */
import type { RuleContext } from '@mlops-lint/core';
import { canonicalName, NodeType, type ImportResolver, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import { keywordValue, positionalArguments, stringValue, unparenthesize } from './args.js';
import {
  APP_FACTORIES,
  CACHE_DECORATOR_NAMES,
  CACHE_DECORATORS,
  CALLBACK_EVENT_METHODS,
  CALLBACK_REGISTRARS,
  CONVENTIONAL_HANDLER_CLASSES,
  DJANGO_VIEW_DECORATORS,
  HANDLER_BASE_CLASS_PREFIXES,
  HANDLER_BASE_CLASSES,
  HANDLER_DECORATORS,
  MORE_APP_FACTORIES,
  REQUEST_HOOK_DECORATOR_METHODS,
  ROUTE_DECORATOR_METHODS,
  SAGEMAKER_REQUEST_FUNCTIONS,
  STREAMLIT_CALLBACK_KEYWORDS,
} from '../vocabulary/serving.js';

/** What handler detection needs from a rule context (any rule's context fits). */
export type HandlerContext = Pick<RuleContext, 'file' | 'filename' | 'resolve'>;

/**
 * How a handler is invoked: `route` (an HTTP/websocket route of a web app), `view` (Django), `api` (BentoML),
 * `deployment` (Ray Serve), `callback` (Gradio, Streamlit, Dash UI events), `model-server` (TorchServe, SageMaker,
 * KServe, Triton, …), `serverless` (Lambda, Azure Functions, Cloud Functions), `middleware` (code every request
 * passes through without being routed to it: Flask `before_request`, FastAPI `@app.middleware("http")`).
 */
export type HandlerKind = 'route' | 'view' | 'api' | 'deployment' | 'callback' | 'model-server' | 'serverless' | 'middleware';

/** A function that serves requests. */
export interface Handler {
  /** The `function_definition`; for an inline callback (`gr.Interface(fn=lambda x: …)`), the `lambda`. */
  node: SyntaxNode;
  /** The function's name (`lambda` for a lambda). */
  name: string;
  /** "Flask", "FastAPI", "Django", "BentoML", "Ray Serve", "Gradio", "Streamlit", "TorchServe", "SageMaker", "AWS Lambda", … */
  framework: string;
  kind: HandlerKind;
  /** The route path when the registration names one (`/predict`), else null. */
  routePath: string | null;
  /** Upper-case HTTP methods when known (`["POST"]`; `["WEBSOCKET"]` for websocket routes), else empty. */
  httpMethods: readonly string[];
  /** A short description for messages: "FastAPI route POST /predict", "Gradio callback", "TorchServe handler method". */
  reason: string;
  /** What makes it a handler: the decorator, the registering call, the class, or the function itself. */
  site: SyntaxNode;
}

/** How a function is reached from a handler. */
export interface Reach {
  handler: Handler;
  /** The call that reaches this function from `caller` (null for the handler itself). */
  via: SyntaxNode | null;
  /** The function containing `via` (null for the handler itself). */
  caller: SyntaxNode | null;
  /** 0 for the handler, 1 for a function it calls, … */
  depth: number;
}

export interface ReachOptions {
  /** How many calls deep to follow (default 4). */
  maxDepth?: number;
  /** Whether to enter memoised functions (`@lru_cache`, `@st.cache_resource`, …), whose bodies run once; default false. */
  followCached?: boolean;
  /** A filter on the calls followed (`from` is the function containing the call). */
  followCall?: (call: SyntaxNode, from: SyntaxNode) => boolean;
}

type Binding = NonNullable<ReturnType<ImportResolver['lookup']>>;

/** The map key of a function (or lambda) node: nodes are compared by position, never by identity. */
export function functionKey(fn: SyntaxNode): string {
  return `${fn.startIndex}:${fn.endIndex}`;
}

// ---------------------------------------------------------------------------------------------------------------
// File index

interface FileIndex {
  functions: SyntaxNode[];
  calls: SyntaxNode[];
  /** Function and class definitions by start offset (the resolver's binding positions for `def`/`class`). */
  definitions: Map<number, SyntaxNode>;
}

const FILE_INDEX = Symbol('handlers.fileIndex');

function indexOf(file: SourceFile): FileIndex {
  return file.memo(FILE_INDEX, () => {
    const index: FileIndex = { functions: [], calls: [], definitions: new Map() };
    for (const node of parsedDescendants(file, [NodeType.FunctionDefinition, NodeType.ClassDefinition, NodeType.Call])) {
      if (node.type === NodeType.FunctionDefinition) {
        index.functions.push(node);
        index.definitions.set(node.startIndex, node);
      } else if (node.type === NodeType.ClassDefinition) index.definitions.set(node.startIndex, node);
      else index.calls.push(node);
    }
    return index;
  });
}

/** Nodes of some types in source order, leaving out those inside unparsable (ERROR) regions. */
function parsedDescendants(file: SourceFile, types: string[]): SyntaxNode[] {
  const root = file.root;
  const found = root.descendantsOfType(types);
  if (!root.hasError) return found;
  const errors = root.descendantsOfType(NodeType.Error);
  return found.filter((n) => !errors.some((e) => e.startIndex <= n.startIndex && n.endIndex <= e.endIndex && !(e.startIndex === n.startIndex && e.endIndex === n.endIndex && e.type === n.type)));
}

// ---------------------------------------------------------------------------------------------------------------
// Small syntax helpers

/** The decorator expressions of a function or class definition, outermost first. */
export function decoratorsOf(def: SyntaxNode): SyntaxNode[] {
  const parent = def.parent;
  if (parent?.type !== NodeType.DecoratedDefinition) return [];
  const out: SyntaxNode[] = [];
  for (const child of parent.namedChildren) {
    if (child.type !== NodeType.Decorator) continue;
    const expr = child.namedChildren.find((c) => c.type !== NodeType.Comment);
    if (expr) out.push(expr);
  }
  return out;
}

/** The class a function is a method of (defined directly in the class body), or null. */
export function enclosingClass(fn: SyntaxNode): SyntaxNode | null {
  let p = fn.parent;
  if (p?.type === NodeType.DecoratedDefinition) p = p.parent;
  if (p?.type !== NodeType.Block) return null;
  return p.parent?.type === NodeType.ClassDefinition ? p.parent : null;
}

/** Whether a function is defined at module level (directly, or decorated). */
function isModuleLevel(fn: SyntaxNode): boolean {
  let p = fn.parent;
  if (p?.type === NodeType.DecoratedDefinition) p = p.parent;
  return p?.type === NodeType.Module;
}

/** The innermost `function_definition` whose body holds a node (lambdas and classes are looked through). */
export function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== NodeType.FunctionDefinition) continue;
    const body = p.childForFieldName('body');
    if (body && body.startIndex <= node.startIndex && node.endIndex <= body.endIndex) return p;
  }
  return null;
}

/** Parameter names of a function or lambda, in order (`*args`/`**kwargs` included by name). */
export function parameterNames(fn: SyntaxNode): string[] {
  const params = fn.childForFieldName('parameters');
  if (!params) return [];
  const out: string[] = [];
  for (const p of params.namedChildren) {
    const id = parameterIdentifier(p);
    if (id) out.push(id.text);
  }
  return out;
}

function parameterIdentifier(p: SyntaxNode): SyntaxNode | null {
  if (p.type === NodeType.Identifier) return p;
  if (p.type === NodeType.DefaultParameter || p.type === NodeType.TypedDefaultParameter) {
    const name = p.childForFieldName('name');
    return name?.type === NodeType.Identifier ? name : null;
  }
  if (p.type === NodeType.TypedParameter || p.type === NodeType.ListSplatPattern || p.type === NodeType.DictionarySplatPattern) {
    return p.namedChildren.find((c) => c.type === NodeType.Identifier) ?? null;
  }
  return null;
}

/** The parameter nodes of a function, comments and separators left out. */
function parameterNodes(fn: SyntaxNode): SyntaxNode[] {
  return fn.childForFieldName('parameters')?.namedChildren.filter((p) => parameterIdentifier(p) !== null) ?? [];
}

function functionName(fn: SyntaxNode): string {
  return fn.type === NodeType.Lambda ? 'lambda' : (fn.childForFieldName('name')?.text ?? '?');
}

/** A qualified name with drop-in modules mapped (`sklearn.externals.joblib.load` → `joblib.load`). */
function qualified(context: HandlerContext, node: SyntaxNode): string | null {
  const name = context.resolve(node);
  return name === null ? null : canonicalName(name);
}

/** The qualified name of a decorator or registrar, without the call: `@serve.deployment(num_replicas=2)` → `ray.serve.deployment`. */
function calleeName(context: HandlerContext, expr: SyntaxNode): string | null {
  const target = expr.type === NodeType.Call ? expr.childForFieldName('function') : expr;
  return target ? qualified(context, target) : null;
}

/** The framework of an app/router object (`app = FastAPI()` → "FastAPI"), or null. */
function appFramework(context: HandlerContext, object: SyntaxNode): string | null {
  const name = qualified(context, object);
  if (!name?.endsWith('()')) return null;
  const ctor = name.slice(0, -2);
  return APP_FACTORIES.get(ctor) ?? MORE_APP_FACTORIES.get(ctor) ?? null;
}

function guessWebFramework(context: HandlerContext): string {
  const r = context.file.resolver;
  for (const [module, name] of [
    ['fastapi', 'FastAPI'],
    ['flask', 'Flask'],
    ['quart', 'Quart'],
    ['starlette', 'Starlette'],
    ['sanic', 'Sanic'],
    ['aiohttp', 'aiohttp'],
  ] as const) {
    if (r.importsModule(module)) return name;
  }
  return 'web';
}

function stringList(node: SyntaxNode | null): string[] {
  if (!node) return [];
  const n = unparenthesize(node);
  if (n.type !== NodeType.List && n.type !== NodeType.Tuple && n.type !== 'set') {
    const single = stringValue(n);
    return single === null ? [] : [single];
  }
  const out: string[] = [];
  for (const item of n.namedChildren) {
    const s = stringValue(item);
    if (s !== null) out.push(s);
  }
  return out;
}

function describeRoute(framework: string, methods: readonly string[], path: string | null, websocket: boolean): string {
  const parts = [`${framework} ${websocket ? 'websocket' : 'route'}`];
  if (methods.length > 0 && !websocket) parts.push(methods.join(', '));
  if (path !== null) parts.push(path || '""');
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------------------------
// Function references

/**
 * The same-file function an expression names: `predict`, `self.predict`, `Predictor.predict`,
 * `functools.partial(predict, …)`, or an inline `lambda`. Null for anything else (imported functions included).
 */
export function functionReference(context: HandlerContext, expr: SyntaxNode | null, depth = 0): SyntaxNode | null {
  if (!expr || depth > 4) return null;
  const index = indexOf(context.file);
  const n = unparenthesize(expr);
  if (n.type === NodeType.Lambda) return n;
  if (n.type === NodeType.Identifier) {
    const binding = context.file.resolver.lookup(n.text, n);
    if (!binding) return null;
    if (binding.kind === 'alias') return functionReference(context, binding.value, depth + 1);
    const def = binding.kind === 'local' ? index.definitions.get(binding.at) : undefined;
    return def?.type === NodeType.FunctionDefinition ? def : null;
  }
  if (n.type === NodeType.Attribute) {
    const cls = classOfReceiver(context, n.childForFieldName('object'), n);
    const attr = n.childForFieldName('attribute');
    return cls && attr ? methodOf(context, cls, attr.text) : null;
  }
  if (n.type === NodeType.Call) {
    const fn = n.childForFieldName('function');
    if (fn && qualified(context, fn) === 'functools.partial') return functionReference(context, positionalArguments(n)[0] ?? null, depth + 1);
  }
  return null;
}

/** The same-file class a receiver stands for: `self`/`cls` inside a method, or a name bound to a class. */
function classOfReceiver(context: HandlerContext, receiver: SyntaxNode | null, at: SyntaxNode): SyntaxNode | null {
  if (receiver?.type !== NodeType.Identifier) return null;
  const fn = enclosingFunction(at);
  if (fn && (receiver.text === 'self' || receiver.text === 'cls')) {
    const cls = enclosingClass(fn);
    if (cls && parameterNames(fn)[0] === receiver.text) return cls;
    return null;
  }
  const cls = localClass(context, receiver);
  if (cls) return cls;
  // An instance built from a same-file class: `service = FraudService()` … `service.score(x)`.
  const binding = context.file.resolver.lookup(receiver.text, receiver);
  if (binding?.kind !== 'alias') return null;
  const value = unparenthesize(binding.value);
  const ctor = value.type === NodeType.Call ? value.childForFieldName('function') : null;
  return ctor?.type === NodeType.Identifier ? localClass(context, ctor) : null;
}

/** The class definition a name is bound to in this file, or null. */
function localClass(context: HandlerContext, name: SyntaxNode): SyntaxNode | null {
  if (name.type !== NodeType.Identifier) return null;
  const binding = context.file.resolver.lookup(name.text, name);
  if (binding?.kind !== 'local') return null;
  const def = indexOf(context.file).definitions.get(binding.at);
  return def?.type === NodeType.ClassDefinition ? def : null;
}

/** A method of a class by name, looking through same-file base classes; the last definition wins. */
export function methodOf(context: HandlerContext, cls: SyntaxNode, name: string, depth = 0): SyntaxNode | null {
  if (depth > 4) return null;
  let found: SyntaxNode | null = null;
  for (const method of methodsOf(cls)) if (method.childForFieldName('name')?.text === name) found = method;
  if (found) return found;
  for (const base of baseExpressions(cls)) {
    const baseClass = localClass(context, base);
    if (baseClass) {
      const m = methodOf(context, baseClass, name, depth + 1);
      if (m) return m;
    }
  }
  return null;
}

/** The methods defined directly in a class body. */
export function methodsOf(cls: SyntaxNode): SyntaxNode[] {
  const body = cls.childForFieldName('body');
  if (!body) return [];
  const out: SyntaxNode[] = [];
  for (const stmt of body.namedChildren) {
    if (stmt.type === NodeType.FunctionDefinition) out.push(stmt);
    else if (stmt.type === NodeType.DecoratedDefinition) {
      const def = stmt.childForFieldName('definition');
      if (def?.type === NodeType.FunctionDefinition) out.push(def);
    }
  }
  return out;
}

function baseExpressions(cls: SyntaxNode): SyntaxNode[] {
  return cls.childForFieldName('superclasses')?.namedChildren.filter((c) => c.type === NodeType.Identifier || c.type === NodeType.Attribute) ?? [];
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers from definitions

interface ClassRole {
  framework: string;
  kind: HandlerKind;
  methods: ReadonlySet<string>;
  reason: string;
  site: SyntaxNode;
  /** gRPC servicers: every method taking `(self, request, context)`. */
  grpc?: boolean;
  /** DRF viewsets: methods decorated with `@action` too. */
  actions?: boolean;
}

const TORCHSERVE_METHODS: ReadonlySet<string> = new Set(['handle', 'inference', 'preprocess', 'postprocess']);

function classRole(context: HandlerContext, cls: SyntaxNode, depth = 0): ClassRole | null {
  if (depth > 4) return null;
  for (const deco of decoratorsOf(cls)) {
    const name = calleeName(context, deco);
    if (name === 'ray.serve.deployment') {
      return { framework: 'Ray Serve', kind: 'deployment', methods: new Set(['__call__']), reason: 'Ray Serve deployment', site: deco };
    }
  }
  for (const base of baseExpressions(cls)) {
    const name = qualified(context, base);
    if (name) {
      const exact = HANDLER_BASE_CLASSES.get(name);
      if (exact) return roleFromBase(exact.framework, exact.methods, base, name);
      for (const entry of HANDLER_BASE_CLASS_PREFIXES) {
        if (name.startsWith(`${entry.prefix}.`)) return roleFromBase(entry.framework, entry.methods, base, name);
      }
      if (/_pb2_grpc\.\w*Servicer$/.test(name)) {
        return { framework: 'gRPC', kind: 'route', methods: new Set(), reason: 'gRPC servicer method', site: base, grpc: true };
      }
    }
    const local = localClass(context, base);
    if (local) {
      const inherited = classRole(context, local, depth + 1);
      if (inherited) return inherited;
    }
  }
  const className = cls.childForFieldName('name')?.text ?? '';
  const conventional = CONVENTIONAL_HANDLER_CLASSES.get(className);
  if (conventional) {
    return { framework: conventional.framework, kind: 'model-server', methods: conventional.methods, reason: `${conventional.framework} model`, site: cls };
  }
  const names = new Set(methodsOf(cls).map((m) => m.childForFieldName('name')?.text ?? ''));
  // Truss (Baseten): `class Model` with `load(self)` (once) and `predict(self, model_input)` (per request).
  if (className === 'Model' && names.has('load') && names.has('predict')) {
    return { framework: 'Truss', kind: 'model-server', methods: new Set(['predict', 'preprocess', 'postprocess']), reason: 'Truss model method', site: cls };
  }
  // A custom TorchServe handler written without BaseHandler: `initialize(self, context)` + `handle(self, data, context)`.
  if (names.has('initialize') && names.has('handle')) {
    const handle = methodsOf(cls).find((m) => m.childForFieldName('name')?.text === 'handle');
    const params = handle ? parameterNames(handle) : [];
    if (params.length === 3 && /^(context|ctx|_context)$/.test(params[2] ?? '')) {
      return { framework: 'TorchServe', kind: 'model-server', methods: TORCHSERVE_METHODS, reason: 'TorchServe handler method', site: cls };
    }
  }
  return null;
}

function roleFromBase(framework: string, methods: ReadonlySet<string>, base: SyntaxNode, name: string): ClassRole {
  const web = new Set(['Flask', 'Tornado', 'Starlette', 'Sanic', 'aiohttp']);
  const kind: HandlerKind = framework.startsWith('Django') ? 'view' : web.has(framework) ? 'route' : 'model-server';
  const reason =
    framework === 'TorchServe'
      ? 'TorchServe handler method'
      : kind === 'view'
        ? `${framework} view`
        : kind === 'route'
          ? `${framework} class-based view`
          : `${framework} model method`;
  return { framework, kind, methods, reason, site: base, actions: name.startsWith('rest_framework.viewsets.') };
}

const HTTP_METHOD_NAMES = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

function handlersOfDefinition(context: HandlerContext, fn: SyntaxNode): Handler[] {
  const out: Handler[] = [];
  const name = functionName(fn);
  const params = parameterNames(fn);
  const make = (h: Omit<Handler, 'node' | 'name'>): Handler => ({ node: fn, name, ...h });
  /** A handler with no route path or HTTP methods. */
  const plain = (framework: string, kind: HandlerKind, reason: string, site: SyntaxNode): Handler =>
    make({ framework, kind, routePath: null, httpMethods: [], reason, site });

  for (const deco of decoratorsOf(fn)) {
    const target = deco.type === NodeType.Call ? deco.childForFieldName('function') : deco;
    if (!target) continue;
    if (target.type === NodeType.Attribute) {
      const object = target.childForFieldName('object');
      const method = target.childForFieldName('attribute')?.text ?? '';
      if (object && deco.type === NodeType.Call && ROUTE_DECORATOR_METHODS.has(method)) {
        const route = routeDecorator(context, deco, object, method);
        if (route) {
          out.push(make(route));
          continue;
        }
      }
      if (object && REQUEST_HOOK_DECORATOR_METHODS.has(method)) {
        const framework = appFramework(context, object);
        const httpMiddleware = method !== 'middleware' || (deco.type === NodeType.Call && stringValue(positionalArguments(deco)[0] ?? null) === 'http');
        if (framework && httpMiddleware) {
          out.push(plain(framework, 'middleware', `${framework} ${method === 'middleware' ? 'HTTP middleware' : 'before_request hook'}`, deco));
        }
        continue;
      }
      if (object && method === 'callback' && deco.type === NodeType.Call && qualified(context, object) === 'dash.Dash()') {
        out.push(plain('Dash', 'callback', 'Dash callback', deco));
        continue;
      }
      if (object && deco.type === NodeType.Call && CALLBACK_EVENT_METHODS.has(method) && isGradioReceiver(context, object, deco)) {
        out.push(plain('Gradio', 'callback', 'Gradio callback', deco));
        continue;
      }
    }
    const resolved = calleeName(context, deco);
    if (!resolved) continue;
    const framework = HANDLER_DECORATORS.get(resolved);
    if (framework) {
      const path = deco.type === NodeType.Call ? stringValue(positionalArguments(deco)[0] ?? keywordValue(deco, 'path')) : null;
      const httpMethods =
        resolved === 'rest_framework.decorators.api_view' && deco.type === NodeType.Call
          ? stringList(positionalArguments(deco)[0] ?? keywordValue(deco, 'http_method_names')).map((m) => m.toUpperCase())
          : /^litestar\.(get|post|put|delete)$/.test(resolved)
            ? [resolved.slice('litestar.'.length).toUpperCase()]
            : [];
      const kind: HandlerKind = framework === 'BentoML' ? 'api' : framework.startsWith('Django') ? 'view' : framework === 'Litestar' ? 'route' : 'serverless';
      const reason =
        kind === 'route'
          ? describeRoute(framework, httpMethods, path, false)
          : kind === 'api'
            ? 'BentoML API'
            : kind === 'view'
              ? `${framework} view`
              : `${framework} endpoint`;
      out.push(make({ framework, kind, routePath: path, httpMethods, reason, site: deco }));
      continue;
    }
    if (resolved === 'modal.method') {
      out.push(plain('Modal', 'serverless', 'Modal method', deco));
      continue;
    }
    if (resolved === 'dash.callback') {
      out.push(plain('Dash', 'callback', 'Dash callback', deco));
      continue;
    }
    if (DJANGO_VIEW_DECORATORS.has(resolved) && params[0] === 'request') {
      out.push(plain('Django', 'view', 'Django view', deco));
      continue;
    }
    if (resolved === 'ray.serve.deployment' && fn.type === NodeType.FunctionDefinition && !enclosingClass(fn)) {
      out.push(plain('Ray Serve', 'deployment', 'Ray Serve deployment', deco));
    }
  }
  if (out.length > 0) return out;

  const cls = enclosingClass(fn);
  if (cls) {
    const role = classRole(context, cls);
    if (role) {
      const isAction = role.actions && decoratorsOf(fn).some((d) => calleeName(context, d) === 'rest_framework.decorators.action');
      const isGrpc = role.grpc && params.length === 3 && params[0] === 'self' && /^(request|req)$/.test(params[1] ?? '') && /context|ctx/.test(params[2] ?? '');
      if (role.methods.has(name) || isAction || isGrpc) {
        const httpMethods = HTTP_METHOD_NAMES.has(name) && role.kind !== 'model-server' ? [name.toUpperCase()] : [];
        out.push(make({ framework: role.framework, kind: role.kind, routePath: null, httpMethods, reason: role.reason, site: role.site }));
        return out;
      }
    }
    // Falcon resources: `on_get(self, req, resp)`.
    if (/^on_(get|post|put|patch|delete)$/.test(name) && context.file.resolver.importsModule('falcon')) {
      const httpMethods = [name.slice(3).toUpperCase()];
      out.push(make({ framework: 'Falcon', kind: 'route', routePath: null, httpMethods, reason: 'Falcon resource method', site: fn }));
    }
    return out;
  }

  if (!isModuleLevel(fn)) return out;
  const site = fn;
  // AWS Lambda: `def handler(event, context)`.
  if (params.length === 2 && /^_?event$/.test(params[0] ?? '') && /^(_?context|_)$/.test(params[1] ?? '')) {
    out.push(plain('AWS Lambda', 'serverless', 'AWS Lambda handler', site));
    return out;
  }
  // TorchServe module-level entry point: `def handle(data, context)`.
  if (name === 'handle' && params.length === 2 && /^(context|ctx|_context)$/.test(params[1] ?? '')) {
    out.push(plain('TorchServe', 'model-server', 'TorchServe entry point', site));
    return out;
  }
  // SageMaker inference toolkit hooks (model_fn is the load-once hook).
  if (SAGEMAKER_REQUEST_FUNCTIONS.has(name) && isSageMakerScript(context)) {
    out.push(plain('SageMaker', 'model-server', `SageMaker ${name}`, site));
    return out;
  }
  // Azure Functions (v1 programming model): `def main(req: func.HttpRequest)`.
  const first = parameterNodes(fn)[0];
  const typed = first?.type === NodeType.TypedParameter || first?.type === NodeType.TypedDefaultParameter;
  const annotation = typed ? first.childForFieldName('type')?.firstNamedChild : null;
  if (annotation && qualified(context, annotation) === 'azure.functions.HttpRequest') {
    out.push(plain('Azure Functions', 'serverless', 'Azure Functions HTTP trigger', site));
    return out;
  }
  // Django function views: in `views.py` or a `views/` package, taking `request` first.
  if (params[0] === 'request' && isDjangoViewsFile(context.filename)) {
    out.push(plain('Django', 'view', 'Django view', site));
  }
  return out;
}

function isDjangoViewsFile(filename: string): boolean {
  const path = filename.replace(/\\/g, '/');
  return /(^|\/)views\.py$/.test(path) || /(^|\/)views\/[^/]+\.py$/.test(path);
}

/** A file that defines SageMaker inference hooks: `model_fn` or two of the per-request hooks, or that imports the toolkit. */
function isSageMakerScript(context: HandlerContext): boolean {
  const r = context.file.resolver;
  if (r.importsModule('sagemaker_inference') || r.importsModule('sagemaker_containers') || r.importsModule('sagemaker')) return true;
  let hooks = 0;
  for (const fn of indexOf(context.file).functions) {
    if (!isModuleLevel(fn)) continue;
    const n = fn.childForFieldName('name')?.text ?? '';
    if (n === 'model_fn') return true;
    if (SAGEMAKER_REQUEST_FUNCTIONS.has(n)) hooks++;
  }
  return hooks >= 2;
}

function routeDecorator(context: HandlerContext, deco: SyntaxNode, object: SyntaxNode, method: string): Omit<Handler, 'node' | 'name'> | null {
  const known = appFramework(context, object);
  const pathNode = positionalArguments(deco)[0] ?? keywordValue(deco, 'path') ?? keywordValue(deco, 'rule') ?? keywordValue(deco, 'route');
  const path = stringValue(pathNode);
  if (method === 'api') {
    return known === 'BentoML' ? { framework: 'BentoML', kind: 'api', routePath: null, httpMethods: [], reason: 'BentoML API', site: deco } : null;
  }
  if (method === 'view' && !known) return null;
  // An object not known to be an app counts when the decorator names a path, as routes do: `@bp.get("/predict")`.
  if (!known && !(path !== null && path.startsWith('/'))) return null;
  if (known === 'BentoML') return null;
  const framework = known ?? guessWebFramework(context);
  const websocket = method.startsWith('websocket');
  let httpMethods: string[];
  if (websocket) httpMethods = ['WEBSOCKET'];
  else if (HTTP_METHOD_NAMES.has(method)) httpMethods = [method.toUpperCase()];
  else {
    const listed = stringList(keywordValue(deco, 'methods')).map((m) => m.toUpperCase());
    httpMethods = listed.length > 0 ? listed : ['GET'];
  }
  return { framework, kind: 'route', routePath: path, httpMethods, reason: describeRoute(framework, httpMethods, path, websocket), site: deco };
}

// ---------------------------------------------------------------------------------------------------------------
// Handlers registered by calls

/** Whether an object is a Gradio component or Blocks (for `.click(fn, …)`, `.load(fn, …)`). */
function isGradioReceiver(context: HandlerContext, receiver: SyntaxNode, call: SyntaxNode): boolean {
  const name = qualified(context, receiver);
  if (name?.startsWith('gradio.')) return true;
  if (!context.file.resolver.importsModule('gradio')) return false;
  // `with gr.Blocks() as demo:` binds `demo` in a way the resolver does not follow.
  if (receiver.type === NodeType.Identifier) {
    for (const item of context.file.root.descendantsOfType(NodeType.WithItem)) {
      const value = item.childForFieldName('value');
      if (value?.type !== 'as_pattern') continue;
      const alias = value.childForFieldName('alias');
      const target = alias?.firstNamedChild ?? alias;
      const ctx = value.firstNamedChild;
      if (target?.text === receiver.text && ctx?.type === NodeType.Call && calleeName(context, ctx)?.startsWith('gradio.')) return true;
    }
  }
  // An event wiring call names its inputs/outputs: `btn.click(fn, inputs=[…], outputs=[…])`.
  return keywordValue(call, 'inputs') !== null || keywordValue(call, 'outputs') !== null;
}

interface Registration {
  fn: SyntaxNode | null;
  framework: string;
  kind: HandlerKind;
  routePath: string | null;
  httpMethods: string[];
  reason: string;
}

function callback(fn: SyntaxNode | null, framework: string): Registration {
  return { fn, framework, kind: 'callback', routePath: null, httpMethods: [], reason: `${framework} callback` };
}

/** Methods whose call registers a route (`app.add_url_rule(…)`, aiohttp's `router.add_get(…)`, …). */
const REGISTRATION_METHODS: ReadonlySet<string> = new Set([
  'add_url_rule',
  'add_api_route',
  'add_api_websocket_route',
  'add_route',
  'add_get',
  'add_post',
  'add_put',
  'add_patch',
  'add_delete',
]);

function registration(context: HandlerContext, call: SyntaxNode): Registration | null {
  const callee = call.childForFieldName('function');
  if (!callee) return null;
  const positional = positionalArguments(call);
  if (callee.type === NodeType.Attribute) {
    const object = callee.childForFieldName('object');
    const method = callee.childForFieldName('attribute')?.text ?? '';
    if (object && (REGISTRATION_METHODS.has(method) || CALLBACK_EVENT_METHODS.has(method))) {
      // Resolved only for the methods that register routes: most calls are none of them.
      const known = appFramework(context, object);
      const routeOk = (path: string | null): boolean => known !== null || (path !== null && path.startsWith('/'));
      const route = (path: string | null, fn: SyntaxNode | null, methods: string[], framework: string | null): Registration | null => {
        if (!routeOk(path)) return null;
        const fw = framework ?? known ?? guessWebFramework(context);
        const httpMethods = methods.length > 0 ? methods : ['GET'];
        return { fn, framework: fw, kind: 'route', routePath: path, httpMethods, reason: describeRoute(fw, httpMethods, path, false) };
      };
      const methodsKw = stringList(keywordValue(call, 'methods')).map((m) => m.toUpperCase());
      switch (method) {
        case 'add_url_rule': {
          const path = stringValue(positional[0] ?? keywordValue(call, 'rule'));
          return route(path, positional[2] ?? keywordValue(call, 'view_func'), methodsKw, null);
        }
        case 'add_api_route':
        case 'add_api_websocket_route': {
          const path = stringValue(positional[0] ?? keywordValue(call, 'path'));
          const r = route(path, positional[1] ?? keywordValue(call, 'endpoint'), method === 'add_api_websocket_route' ? ['WEBSOCKET'] : methodsKw, null);
          return r;
        }
        case 'add_route': {
          const first = stringValue(positional[0] ?? null);
          if (first?.startsWith('/')) return route(first, positional[1] ?? keywordValue(call, 'route') ?? keywordValue(call, 'endpoint'), methodsKw, null);
          const second = stringValue(positional[1] ?? null);
          if (first && second?.startsWith('/')) return route(second, positional[2] ?? null, [first.toUpperCase()], 'aiohttp');
          return null;
        }
        case 'add_get':
        case 'add_post':
        case 'add_put':
        case 'add_patch':
        case 'add_delete': {
          const path = stringValue(positional[0] ?? null);
          return route(path, positional[1] ?? null, [method.slice(4).toUpperCase()], 'aiohttp');
        }
        default:
          break;
      }
      if (CALLBACK_EVENT_METHODS.has(method) && isGradioReceiver(context, object, call)) {
        return callback(keywordValue(call, 'fn') ?? positional[0] ?? null, 'Gradio');
      }
    }
  }
  const resolved = qualified(context, callee);
  if (resolved) {
    const registrar = CALLBACK_REGISTRARS.get(resolved);
    if (registrar && registrar.positional !== null) {
      const fn = registrar.keywords.map((k) => keywordValue(call, k)).find((v) => v !== null) ?? positional[registrar.positional] ?? null;
      return callback(fn, registrar.framework);
    }
    if (resolved === 'gradio.on') {
      return callback(keywordValue(call, 'fn') ?? positional[1] ?? null, 'Gradio');
    }
    if (/^(starlette\.routing\.(Route|WebSocketRoute)|fastapi\.routing\.APIRoute)$/.test(resolved)) {
      const path = stringValue(positional[0] ?? keywordValue(call, 'path'));
      const websocket = resolved.endsWith('WebSocketRoute');
      const methods = websocket ? ['WEBSOCKET'] : stringList(keywordValue(call, 'methods')).map((m) => m.toUpperCase());
      const httpMethods = methods.length > 0 ? methods : ['GET'];
      const framework = resolved.startsWith('fastapi') ? 'FastAPI' : 'Starlette';
      const reason = describeRoute(framework, httpMethods, path, websocket);
      return { fn: positional[1] ?? keywordValue(call, 'endpoint'), framework, kind: 'route', routePath: path, httpMethods, reason };
    }
    // aiohttp route definitions: `app.add_routes([web.post("/predict", predict)])`, `web.route("POST", "/p", h)`.
    const aiohttpRoute = /^aiohttp\.web(?:_routedef)?\.(get|post|put|patch|delete|route)$/.exec(resolved);
    if (aiohttpRoute) {
      const verb = aiohttpRoute[1] as string;
      const offset = verb === 'route' ? 1 : 0;
      const path = stringValue(positional[offset] ?? null);
      if (path?.startsWith('/')) {
        const method = verb === 'route' ? (stringValue(positional[0] ?? null) ?? 'GET').toUpperCase() : verb.toUpperCase();
        const httpMethods = method === '*' ? [] : [method];
        const reason = describeRoute('aiohttp', httpMethods, path, false);
        return { fn: positional[offset + 1] ?? keywordValue(call, 'handler'), framework: 'aiohttp', kind: 'route', routePath: path, httpMethods, reason };
      }
    }
    if (resolved === 'django.urls.path' || resolved === 'django.urls.re_path') {
      const routePath = stringValue(positional[0] ?? null);
      return { fn: positional[1] ?? keywordValue(call, 'view'), framework: 'Django', kind: 'view', routePath, httpMethods: [], reason: 'Django view' };
    }
  }
  const streamlit = resolved?.startsWith('streamlit.') || (resolved === null && context.file.resolver.importsModule('streamlit'));
  if (streamlit) {
    for (const kw of STREAMLIT_CALLBACK_KEYWORDS) {
      const fn = keywordValue(call, kw);
      if (fn) return callback(fn, 'Streamlit');
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Public API

const HANDLERS = Symbol('handlers.findHandlers');

/**
 * Every request handler of the file, in source order (one entry per function, the first reason found). Computed
 * once per file: several rules ask (ML101, ML103, ML601, ML602).
 */
export function findHandlers(context: HandlerContext): Handler[] {
  return [...context.file.memo(HANDLERS, () => computeHandlers(context))];
}

function computeHandlers(context: HandlerContext): Handler[] {
  const index = indexOf(context.file);
  const found = new Map<string, Handler>();
  const add = (h: Handler): void => {
    const key = functionKey(h.node);
    if (!found.has(key)) found.set(key, h);
  };
  for (const fn of index.functions) for (const h of handlersOfDefinition(context, fn)) add(h);
  for (const call of index.calls) {
    const reg = registration(context, call);
    if (!reg?.fn) continue;
    const fn = functionReference(context, reg.fn);
    if (!fn) continue;
    const { framework, kind, routePath, httpMethods, reason } = reg;
    add({ node: fn, name: functionName(fn), framework, kind, routePath, httpMethods, reason, site: call });
  }
  return [...found.values()].sort((a, b) => a.node.startIndex - b.node.startIndex);
}

/**
 * Whether a function is memoised by a decorator (`@lru_cache`, `@functools.cache`, `@st.cache_resource`, …), so its
 * body runs once per distinct arguments.
 */
export function isCachedFunction(context: HandlerContext, fn: SyntaxNode): boolean {
  if (fn.type !== NodeType.FunctionDefinition) return false;
  for (const deco of decoratorsOf(fn)) {
    const target = deco.type === NodeType.Call ? deco.childForFieldName('function') : deco;
    if (!target) continue;
    const name = qualified(context, target);
    const last = (name ?? target.text).split('.').pop() ?? '';
    if (!(name !== null && CACHE_DECORATORS.has(name)) && !CACHE_DECORATOR_NAMES.has(last)) continue;
    // `@lru_cache(maxsize=0)` caches nothing.
    if (deco.type === NodeType.Call) {
      const size = keywordValue(deco, 'maxsize') ?? positionalArguments(deco)[0] ?? null;
      if (size?.type === NodeType.Integer && Number(size.text) === 0) continue;
    }
    return true;
  }
  return false;
}

/** The same-file function a call runs: a function, a method through `self`/`cls`/a class name, or `__init__` of a class it builds. */
export function calledFunction(context: HandlerContext, call: SyntaxNode): SyntaxNode | null {
  const callee = call.childForFieldName('function');
  if (!callee) return null;
  const n = unparenthesize(callee);
  if (n.type === NodeType.Identifier) {
    const binding: Binding | null = context.file.resolver.lookup(n.text, n);
    if (binding?.kind !== 'local') return null;
    const def = indexOf(context.file).definitions.get(binding.at);
    if (def?.type === NodeType.FunctionDefinition) return def;
    if (def?.type === NodeType.ClassDefinition) return methodOf(context, def, '__init__');
    return null;
  }
  if (n.type === NodeType.Attribute) {
    const cls = classOfReceiver(context, n.childForFieldName('object'), n);
    const attr = n.childForFieldName('attribute');
    return cls && attr ? methodOf(context, cls, attr.text) : null;
  }
  return null;
}

const NESTED_SCOPES: ReadonlySet<string> = new Set([NodeType.FunctionDefinition, NodeType.ClassDefinition, NodeType.DecoratedDefinition]);

/**
 * Nodes of some types that a scope (a function, or the module) runs itself, in source order: nested `def`s and
 * classes are not entered (lambdas are), nor ERROR nodes.
 */
export function ownNodes(scope: SyntaxNode, types: ReadonlySet<string>): SyntaxNode[] {
  const start = scope.type === NodeType.Module ? scope : scope.childForFieldName('body');
  if (!start) return [];
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [start];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    if (node.type === NodeType.Error) continue;
    if (types.has(node.type)) out.push(node);
    for (const child of node.namedChildren) if (!NESTED_SCOPES.has(child.type)) stack.push(child);
  }
  return out.sort((a, b) => a.startIndex - b.startIndex);
}

const CALL_TYPE: ReadonlySet<string> = new Set([NodeType.Call]);

/** The calls a function's body makes itself (nested `def`s and classes are not entered; lambdas are). */
export function callsIn(fn: SyntaxNode): SyntaxNode[] {
  return ownNodes(fn, CALL_TYPE);
}

/** FastAPI dependencies of a handler's parameters: `model = Depends(get_model)`, `Annotated[M, Depends(get_model)]`. */
function dependencyCalls(context: HandlerContext, fn: SyntaxNode): SyntaxNode[] {
  const params = fn.childForFieldName('parameters');
  if (!params || fn.type !== NodeType.FunctionDefinition) return [];
  return params.descendantsOfType(NodeType.Call).filter((c) => {
    const callee = c.childForFieldName('function');
    return callee !== null && /^fastapi\.(params\.)?Depends$/.test(qualified(context, callee) ?? '');
  });
}

/**
 * Every function that runs per request, keyed by `functionKey`: the handlers themselves (`via` null) and the
 * same-file functions they call, breadth first (the shortest chain wins), up to `maxDepth` calls deep.
 * Memoised functions are not entered unless `followCached`.
 */
export function handlerReach(context: HandlerContext, handlers: readonly Handler[] = findHandlers(context), options: ReachOptions = {}): Map<string, Reach> {
  const maxDepth = options.maxDepth ?? 4;
  const reach = new Map<string, Reach>();
  const queue: Array<{ fn: SyntaxNode; entry: Reach }> = [];
  for (const handler of handlers) {
    const key = functionKey(handler.node);
    if (reach.has(key)) continue;
    const entry: Reach = { handler, via: null, caller: null, depth: 0 };
    reach.set(key, entry);
    queue.push({ fn: handler.node, entry });
  }
  for (let i = 0; i < queue.length; i++) {
    const { fn, entry } = queue[i] as { fn: SyntaxNode; entry: Reach };
    if (entry.depth >= maxDepth) continue;
    const targets: Array<{ call: SyntaxNode; target: SyntaxNode | null }> = [];
    if (entry.depth === 0) {
      for (const dep of dependencyCalls(context, fn)) {
        targets.push({ call: dep, target: functionReference(context, positionalArguments(dep)[0] ?? keywordValue(dep, 'dependency')) });
      }
    }
    for (const call of callsIn(fn)) targets.push({ call, target: calledFunction(context, call) });
    for (const { call, target } of targets) {
      if (!target) continue;
      const key = functionKey(target);
      if (reach.has(key)) continue;
      if (!options.followCached && isCachedFunction(context, target)) continue;
      if (options.followCall && !options.followCall(call, fn)) continue;
      const next: Reach = { handler: entry.handler, via: call, caller: fn, depth: entry.depth + 1 };
      reach.set(key, next);
      queue.push({ fn: target, entry: next });
    }
  }
  return reach;
}

/**
 * The reached function a node runs in: its innermost enclosing function, or a lambda that is itself a handler.
 * Lambdas inside a reached function count as part of it. Null when the node does not run per request.
 */
export function reachOfNode(reach: ReadonlyMap<string, Reach>, node: SyntaxNode): { fn: SyntaxNode; entry: Reach } | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type !== NodeType.FunctionDefinition && p.type !== NodeType.Lambda) continue;
    if (p.type === NodeType.FunctionDefinition) {
      const body = p.childForFieldName('body');
      if (!body || body.startIndex > node.startIndex || node.endIndex > body.endIndex) continue;
    }
    const entry = reach.get(functionKey(p));
    if (entry) return { fn: p, entry };
    if (p.type === NodeType.FunctionDefinition) return null;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Pre-filter

/**
 * Text that every file with a request handler contains: a sound textual trigger (`meta.triggers`) for rules that
 * only report in or around handlers (ML101, ML103; part of ML601/ML602's). Each way {@link findHandlers} recognises
 * a handler needs one of these in the text:
 * - a name resolved through imports (`flask.Flask`, `bentoml.api`, `ts.torch_handler.base_handler.BaseHandler`,
 *   `django.urls.path`, …): its module is named, as a whole word, in an import (the first segment, or the second when
 *   the first is as short as `ts`);
 * - a route path literal as a decorator's or registration's argument (`@router.post("/predict")` on an app object
 *   from another module, `path="/predict"`, `bp.add_url_rule(…)`);
 * - conventional names: `_pb2_grpc` servicers, `TritonPythonModel`, Truss `def predict`, TorchServe `def handle`,
 *   SageMaker `*_fn` hooks, Lambda `(event, context)`, Django views `(request, …)` (Gradio event wiring needs
 *   `gradio` imported).
 * Over-matching only costs a parse; under-matching would lose findings, so when in doubt a term is added.
 */
/** Module names that are also parts of common words (`array`, `dashboard`, `multimodal`, `bottleneck`). */
const WHOLE_WORD_ONLY = /^(?:\w{1,5}|bottle)$/;

export const HANDLER_TRIGGERS: ReadonlyArray<string | RegExp> = handlerTriggers();

function handlerTriggers(): ReadonlyArray<string | RegExp> {
  const qualifiedNames = [
    ...APP_FACTORIES.keys(),
    ...MORE_APP_FACTORIES.keys(),
    ...HANDLER_DECORATORS.keys(),
    ...HANDLER_BASE_CLASSES.keys(),
    ...HANDLER_BASE_CLASS_PREFIXES.map((p) => p.prefix),
    ...CALLBACK_REGISTRARS.keys(),
    ...DJANGO_VIEW_DECORATORS,
    // Names this file matches by hand.
    'ray.serve.deployment',
    'dash.Dash',
    'dash.callback',
    'modal.method',
    'gradio.on',
    'starlette.routing.Route',
    'fastapi.routing.APIRoute',
    'django.urls.path',
    'azure.functions.HttpRequest',
    'rest_framework.decorators.action',
    // Modules whose import alone makes handlers (`importsModule`).
    'falcon',
    'streamlit',
    'gradio',
    'sagemaker',
  ];
  const modules = new Set<string>();
  for (const name of qualifiedNames) {
    const [first = '', second] = name.split('.');
    modules.add(first.length < 3 && second ? second : first);
  }
  const sorted = [...modules].sort();
  const path = String.raw`[rRfFbBuU]{0,2}["']/`;
  const terms = [
    String.raw`\b(?:${sorted.filter((m) => WHOLE_WORD_ONLY.test(m)).join('|')})\b`,
    ...CONVENTIONAL_HANDLER_CLASSES.keys(),
    String.raw`@[\w.]+\(\s*${path}`,
    String.raw`\b(?:path|rule|route)\s*=\s*${path}`,
    String.raw`\.add_(?:url_rule|api_route|api_websocket_route|route|get|post|put|patch|delete)\b`,
    '_pb2_grpc',
    String.raw`def\s+(?:predict|handle)\b`,
    ...SAGEMAKER_REQUEST_FUNCTIONS,
    String.raw`\(\s*_?event\b`,
    String.raw`\(\s*request\b`,
  ];
  // One RegExp: a file without a handler is scanned once, not once per module name.
  return [new RegExp([String.raw`${sorted.filter((m) => !WHOLE_WORD_ONLY.test(m)).join('|')}`, ...terms].join('|'))];
}
