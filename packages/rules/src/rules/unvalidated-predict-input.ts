import { defineRule, type RuleContext } from '@mlops-lint/core';
import { canonicalName, NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { callArguments, definitionOf, keywordValue, literalValue, positionalArguments, stringValue, unparenthesize } from '../utils/args.js';
import { decoratorsOf, enclosingClass, enclosingFunction, findHandlers, functionKey, HANDLER_TRIGGERS, handlerReach, ownNodes, parameterNames, type Handler } from '../utils/handlers.js';
import { nameTokens } from '../utils/training-scripts.js';
import { PREDICT_PATH } from '../vocabulary/serving.js';

type MessageIds = 'rawRead' | 'rawBody';
type Context = RuleContext<MessageIds>;

/**
 * ML103: a request handler on a predict-like path (`/predict`, `/invocations`, `/generate`, …) that reads the
 * request body raw (`request.get_json()`, `await request.json()`, `json.loads(request.body)`, a `dict`/`Any` body
 * parameter) and validates it against no schema (pydantic, marshmallow, jsonschema, DRF serializers, `isinstance`
 * or key checks that reject bad input).
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML103',
    name: 'unvalidated-predict-input',
    severity: 'warning',
    scope: 'file',
    fix: 'none',
    docs: { description: 'Prediction endpoint reads request input without schema validation' },
    triggers: { all: [/request|req\b|Body|dict|Dict|Any|list|List|bentoml|json|JSON/, HANDLER_TRIGGERS] },
    messages: {
      rawRead: '`{{read}}` in {{reason}} feeds the model unvalidated input; parse it with a schema (a pydantic model, marshmallow, jsonschema) and return 422/400 on bad payloads',
      rawBody: 'Body parameter `{{param}}` of {{reason}} accepts any JSON without a schema; declare a pydantic model with typed fields instead',
    },
  },
  create(context) {
    return {
      'module:exit'() {
        const handlers = findHandlers(context).filter((h) => isPredictEndpoint(context, h));
        // Two endpoints may share the helper that reads the body: one finding per place.
        const reported = new Set<number>();
        for (const handler of handlers) check(context, handler, reported);
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------------------------
// Which handlers serve predictions

const RAW_KINDS = new Set(['route', 'view', 'api']);

function isPredictEndpoint(context: Context, handler: Handler): boolean {
  if (!RAW_KINDS.has(handler.kind)) return false;
  if (handler.httpMethods.includes('WEBSOCKET')) return false;
  const path = fullPath(context, handler);
  if (path !== null) return predictLike(path);
  // BentoML serves an API at `/<function name>`; Django views and class-based views are named after what they do.
  if (handler.kind === 'api' || handler.kind === 'view') {
    if (predictLike(`/${nameTokens(handler.name).join('/')}`)) return true;
    // A class-based Django/DRF view is named after what it does (`PredictView.post`), its methods after HTTP verbs.
    if (handler.kind === 'api') return false;
  }
  if (handler.node.type === NodeType.FunctionDefinition) {
    const cls = enclosingClass(handler.node);
    const className = cls?.childForFieldName('name')?.text;
    if (className) return predictLike(`/${nameTokens(className).join('/')}`);
  }
  return false;
}

function predictLike(path: string): boolean {
  return PREDICT_PATH.test(path) || PREDICT_PATH.test(path.replace(/[-_.]/g, '/'));
}

/** The route path with the prefix of its router/blueprint when this file sets one. */
function fullPath(context: Context, handler: Handler): string | null {
  if (handler.routePath === null) return null;
  const site = handler.site;
  const callee = site.type === NodeType.Call ? site.childForFieldName('function') : null;
  const object = callee?.type === NodeType.Attribute ? callee.childForFieldName('object') : null;
  const prefix = object ? routerPrefix(context, object) : '';
  return `${prefix}${handler.routePath}`;
}

/** `APIRouter(prefix="/v1/predict")`, `Blueprint(..., url_prefix="/predict")`, `app.include_router(router, prefix=…)`. */
function routerPrefix(context: Context, object: SyntaxNode): string {
  if (object.type !== NodeType.Identifier) return '';
  const def = definitionOf(context.file, object);
  if (def?.kind === 'value') {
    const value = unparenthesize(def.node);
    if (value.type === NodeType.Call) {
      const prefix = stringValue(keywordValue(value, 'prefix') ?? keywordValue(value, 'url_prefix'));
      if (prefix) return prefix.replace(/\/$/, '');
    }
  }
  for (const call of context.file.root.descendantsOfType(NodeType.Call)) {
    const fn = call.childForFieldName('function');
    const method = fn?.type === NodeType.Attribute ? fn.childForFieldName('attribute')?.text : null;
    if (method !== 'include_router' && method !== 'register_blueprint') continue;
    if (positionalArguments(call)[0]?.text !== object.text) continue;
    const prefix = stringValue(keywordValue(call, 'prefix') ?? keywordValue(call, 'url_prefix'));
    if (prefix) return prefix.replace(/\/$/, '');
  }
  return '';
}

// ---------------------------------------------------------------------------------------------------------------
// The check

function check(context: Context, handler: Handler, reported: Set<number>): void {
  if (handler.node.type !== NodeType.FunctionDefinition) return;
  if (validatedByDecorator(context, handler.node)) return;
  const reach = handlerReach(context, [handler], { maxDepth: 2, followCached: true });
  const byKey = new Map(context.file.root.descendantsOfType(NodeType.FunctionDefinition).map((f) => [functionKey(f), f] as const));
  const functions: SyntaxNode[] = [handler.node];
  for (const key of reach.keys()) {
    const fn = byKey.get(key);
    if (fn && fn.startIndex !== handler.node.startIndex) functions.push(fn);
  }

  const bodyParams = rawBodyParameters(context, handler);
  const reads: SyntaxNode[] = [];
  for (const fn of functions) reads.push(...rawReads(context, fn, fn.startIndex === handler.node.startIndex ? handler : null));
  if (bodyParams.length === 0 && reads.length === 0) return;

  const tainted = new Set<string>(bodyParams.map((p) => p.name));
  for (const fn of functions) {
    // A helper the handler calls may get the payload under any parameter name.
    const seed = fn.startIndex === handler.node.startIndex ? tainted : new Set([...tainted, ...parameterNames(fn)]);
    for (const name of taintedNames(context, fn, reads, seed)) tainted.add(name);
  }
  if (functions.some((fn) => validates(context, fn, tainted, reads))) return;

  const first = bodyParams.find((p) => isUsed(handler.node, p.name, -1));
  if (first) {
    const name = handler.node.childForFieldName('name') ?? handler.node;
    if (reported.has(name.startIndex)) return;
    reported.add(name.startIndex);
    context.report({ node: name, messageId: 'rawBody', data: { param: first.label, reason: handler.reason } });
    return;
  }
  const read = reads.filter((r) => !isUploadForm(r, enclosingFunction(r) ?? handler.node) && valueIsUsed(r)).sort((a, b) => a.startIndex - b.startIndex)[0];
  if (!read || reported.has(read.startIndex)) return;
  reported.add(read.startIndex);
  const related = [];
  const inHelper = enclosingFunction(read);
  if (inHelper && inHelper.startIndex !== handler.node.startIndex) {
    const name = handler.node.childForFieldName('name');
    if (name) related.push({ node: name, message: `serves requests (${handler.reason})` });
  }
  context.report({ node: read, messageId: 'rawRead', data: { read: shortText(read.text), reason: handler.reason }, related });
}

/** Whether a function reads `name` after an offset (a stub that ignores its payload validates nothing, but feeds nothing either). */
function isUsed(fn: SyntaxNode, name: string, after: number): boolean {
  const body = fn.childForFieldName('body');
  if (!body) return false;
  return body.descendantsOfType(NodeType.Identifier).some((id) => {
    if (id.text !== name || id.startIndex <= after) return false;
    const p = id.parent;
    if (p?.type === NodeType.Attribute && p.childForFieldName('attribute')?.startIndex === id.startIndex) return false;
    if (p?.type === NodeType.KeywordArgument && p.childForFieldName('name')?.startIndex === id.startIndex) return false;
    return !(p?.type === NodeType.Assignment && p.childForFieldName('left')?.startIndex === id.startIndex);
  });
}

/** Whether a raw read's value goes anywhere: used inline, or assigned to a name that is read later. */
function valueIsUsed(read: SyntaxNode): boolean {
  let expr: SyntaxNode = read;
  while (expr.parent && (expr.parent.type === NodeType.Await || expr.parent.type === NodeType.ParenthesizedExpression)) expr = expr.parent;
  const parent = expr.parent;
  if (parent?.type === NodeType.ExpressionStatement) return false;
  if (parent?.type !== NodeType.Assignment || parent.childForFieldName('right')?.startIndex !== expr.startIndex) return true;
  const left = parent.childForFieldName('left');
  const fn = enclosingFunction(read);
  if (left?.type !== NodeType.Identifier || !fn) return true;
  return isUsed(fn, left.text, parent.endIndex - 1);
}

const UPLOAD_KEY = /file|image|img|photo|picture|audio|video|upload|document|pdf|attachment/i;

/**
 * A form read used only for uploaded files (`form = await request.form(); form["image"]`, `request.form.get("file")`):
 * an upload endpoint, not a JSON payload.
 */
function isUploadForm(read: SyntaxNode, handler: SyntaxNode): boolean {
  const callee = read.type === NodeType.Call ? read.childForFieldName('function') : read;
  const attr = callee?.type === NodeType.Attribute ? callee.childForFieldName('attribute')?.text : null;
  if (attr !== 'form' && attr !== 'values') return false;
  let expr: SyntaxNode = read.parent?.type === NodeType.Await ? read.parent : read;
  while (expr.parent?.type === NodeType.ParenthesizedExpression) expr = expr.parent;
  const keyOf = (use: SyntaxNode): string | null => {
    const p = use.parent;
    if (p?.type === NodeType.Subscript && p.childForFieldName('value')?.startIndex === use.startIndex) return stringValue(p.childForFieldName('subscript'));
    if (p?.type === NodeType.Attribute && p.childForFieldName('attribute')?.text === 'get' && p.parent?.type === NodeType.Call) {
      return stringValue(positionalArguments(p.parent)[0] ?? null);
    }
    return null;
  };
  const direct = keyOf(expr);
  if (direct !== null) return UPLOAD_KEY.test(direct);
  const assign = expr.parent;
  if (assign?.type !== NodeType.Assignment || assign.childForFieldName('right')?.startIndex !== expr.startIndex) return false;
  const name = assign.childForFieldName('left');
  if (name?.type !== NodeType.Identifier) return false;
  const uses = handler
    .descendantsOfType(NodeType.Identifier)
    .filter((id) => id.text === name.text && id.startIndex > name.startIndex && !(id.parent?.type === NodeType.Attribute && id.parent.childForFieldName('attribute')?.startIndex === id.startIndex));
  if (uses.length === 0) return false;
  return uses.every((use) => {
    const key = keyOf(use);
    return key !== null && UPLOAD_KEY.test(key);
  });
}

function shortText(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}…` : one;
}

// ---------------------------------------------------------------------------------------------------------------
// Raw reads

const FLASK_REQUESTS = new Set(['flask.request', 'quart.request', 'flask.globals.request', 'quart.globals.request', 'werkzeug.local.request']);
const REQUEST_TYPES = /^(starlette\.requests\.Request|fastapi\.(requests\.)?Request|aiohttp\.web\.(Request|BaseRequest)|aiohttp\.web_request\.(Request|BaseRequest)|django\.http\.(request\.)?HttpRequest|rest_framework\.request\.Request|sanic\.(request\.)?Request|falcon\.(request\.)?Request|litestar\.Request|quart\.Request|flask\.Request)$/;
const REQUEST_PARAM_NAMES = /^(request|req|http_request)$/;
/** Attributes of a request object that hold the parsed body (Flask/Quart/Sanic `json`/`form`, Django `POST`, DRF `data`, Falcon `media`). */
const RAW_ATTRIBUTES = new Set(['json', 'form', 'values', 'POST', 'data', 'media']);
/** Methods that parse the body (`get_json()`, Starlette/aiohttp `json()`/`form()`/`body()`, Falcon `get_media()`). */
const RAW_METHODS = new Set(['get_json', 'json', 'form', 'body', 'get_media', 'post']);

/** The request parameter of a handler or helper: named `request`/`req`, or annotated with a request class. */
function requestParameters(context: Context, fn: SyntaxNode): Set<string> {
  const out = new Set<string>();
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    let name: SyntaxNode | null = null;
    let type: SyntaxNode | null = null;
    if (p.type === NodeType.Identifier) name = p;
    else if (p.type === NodeType.TypedParameter || p.type === NodeType.TypedDefaultParameter) {
      name = p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === NodeType.Identifier) ?? null;
      type = p.childForFieldName('type')?.firstNamedChild ?? null;
    } else if (p.type === NodeType.DefaultParameter) name = p.childForFieldName('name');
    if (!name || name.type !== NodeType.Identifier) continue;
    if (type) {
      const resolved = context.resolve(type);
      if (resolved && REQUEST_TYPES.test(canonicalName(resolved))) out.add(name.text);
      continue;
    }
    if (REQUEST_PARAM_NAMES.test(name.text)) out.add(name.text);
  }
  return out;
}

/** Whether an expression is the request object: Flask's global `request`, a request parameter, or `self.request`. */
function isRequestObject(context: Context, expr: SyntaxNode, params: ReadonlySet<string>): boolean {
  const n = unparenthesize(expr);
  if (n.type === NodeType.Identifier) {
    if (params.has(n.text)) return true;
    const resolved = context.resolve(n);
    return resolved !== null && FLASK_REQUESTS.has(canonicalName(resolved));
  }
  if (n.type !== NodeType.Attribute) return false;
  // Tornado / Django class-based views: `self.request`.
  if (n.text.replace(/\s+/g, '') === 'self.request') return true;
  // `import flask` … `flask.request.get_json()`.
  const resolved = context.resolve(n);
  return resolved !== null && FLASK_REQUESTS.has(canonicalName(resolved));
}

/** Raw body reads in a function, in source order. */
function rawReads(context: Context, fn: SyntaxNode, handler: Handler | null): SyntaxNode[] {
  const params = requestParameters(context, fn);
  const flaskLike = handler === null || handler.framework !== 'FastAPI' || params.size > 0;
  const out: SyntaxNode[] = [];
  for (const node of ownNodes(fn, new Set([NodeType.Attribute, NodeType.Call]))) {
    if (node.type === NodeType.Call) {
      const callee = node.childForFieldName('function');
      const resolved = callee ? context.resolve(callee) : null;
      // `json.loads(request.body)`, `json.loads(request.get_data())`, `json.loads(self.request.body)`.
      if (resolved === 'json.loads' || resolved === 'orjson.loads' || resolved === 'ujson.loads') {
        const arg = positionalArguments(node)[0];
        if (arg && readsBodyBytes(context, arg, params)) out.push(node);
        continue;
      }
      if (callee?.type !== NodeType.Attribute) continue;
      const object = callee.childForFieldName('object');
      const method = callee.childForFieldName('attribute')?.text ?? '';
      if (!object || !RAW_METHODS.has(method) || !isRequestObject(context, object, params)) continue;
      if (method === 'body' && !isAwaited(node)) continue;
      if (method === 'post' || method === 'form' || method === 'json') {
        // Starlette/aiohttp/Quart: awaited coroutine methods; Flask's `request.json` is an attribute.
        if (callArguments(node).length > 0) continue;
      }
      out.push(node);
      continue;
    }
    const parent = node.parent;
    // `request.json` read as an attribute, not the callee of `request.json()`.
    if (parent?.type === NodeType.Call && parent.childForFieldName('function')?.startIndex === node.startIndex) continue;
    const object = node.childForFieldName('object');
    const attr = node.childForFieldName('attribute')?.text ?? '';
    if (!object || !RAW_ATTRIBUTES.has(attr) || !flaskLike) continue;
    if (!isRequestObject(context, object, params)) continue;
    // DRF's `request.data` and Django's `request.POST` are dicts; Flask's `request.data` is bytes (counted through `json.loads`).
    if (attr === 'data' && !isDrf(context)) continue;
    if (attr === 'POST' && !isDjango(context)) continue;
    // `request.values` of a GET route holds query arguments.
    if (attr === 'values' && handler !== null && handler.httpMethods.length > 0 && handler.httpMethods.every((m) => m === 'GET')) continue;
    out.push(node);
  }
  return out;
}

function isAwaited(call: SyntaxNode): boolean {
  return call.parent?.type === NodeType.Await;
}

function readsBodyBytes(context: Context, expr: SyntaxNode, params: ReadonlySet<string>, depth = 0): boolean {
  if (depth > 6) return false;
  let n = unparenthesize(expr);
  if (n.type === NodeType.Await) n = unparenthesize(n.namedChildren[0] ?? n);
  // `request.body.decode("utf-8")`
  if (n.type === NodeType.Call) {
    const callee = n.childForFieldName('function');
    const method = callee?.type === NodeType.Attribute ? callee.childForFieldName('attribute')?.text : null;
    const object = callee?.type === NodeType.Attribute ? callee.childForFieldName('object') : null;
    if (method === 'decode' && object) return readsBodyBytes(context, object, params, depth + 1);
    if ((method === 'get_data' || method === 'body' || method === 'read') && object) return isRequestObject(context, object, params);
    return false;
  }
  if (n.type === NodeType.Attribute) {
    const object = n.childForFieldName('object');
    const attr = n.childForFieldName('attribute')?.text ?? '';
    return object !== null && (attr === 'body' || attr === 'data') && isRequestObject(context, object, params);
  }
  if (n.type === NodeType.Identifier) {
    const def = definitionOf(context.file, n);
    return def?.kind === 'value' && def.node.startIndex !== n.startIndex && readsBodyBytes(context, def.node, params, depth + 1);
  }
  return false;
}

function isDrf(context: Context): boolean {
  return context.file.resolver.importsModule('rest_framework');
}

function isDjango(context: Context): boolean {
  return context.file.resolver.importsModule('django') || context.file.resolver.importsModule('rest_framework');
}

// ---------------------------------------------------------------------------------------------------------------
// Raw body parameters (FastAPI, Django Ninja, Litestar, BentoML)

const BODY_FRAMEWORKS = new Set(['FastAPI', 'Django Ninja', 'Litestar', 'BentoML']);
const NOT_BODY_DEFAULTS = /^(fastapi\.(params\.)?(Depends|Query|Path|Header|Cookie|File|Form|Security)|ninja\.(Query|Path|Header|Cookie|File|Form)|litestar\.params\.\w+)$/;

interface BodyParameter {
  name: string;
  /** The parameter as written, shortened for messages. */
  label: string;
}

function rawBodyParameters(context: Context, handler: Handler): BodyParameter[] {
  if (!BODY_FRAMEWORKS.has(handler.framework)) return [];
  const out: BodyParameter[] = [];
  if (handler.framework === 'BentoML') {
    const legacy = legacyBentoInput(context, handler);
    if (legacy) return [legacy];
  }
  for (const p of handler.node.childForFieldName('parameters')?.namedChildren ?? []) {
    if (p.type !== NodeType.TypedParameter && p.type !== NodeType.TypedDefaultParameter && p.type !== NodeType.DefaultParameter) continue;
    const name = p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === NodeType.Identifier) ?? null;
    if (name?.type !== NodeType.Identifier || name.text === 'self') continue;
    const type = p.childForFieldName('type')?.firstNamedChild ?? null;
    const value = p.childForFieldName('value');
    const defaultName = value?.type === NodeType.Call ? resolvedName(context, value.childForFieldName('function')) : null;
    if (defaultName && NOT_BODY_DEFAULTS.test(defaultName)) continue;
    const explicitBody = defaultName !== null && /(^|\.)Body$/.test(defaultName);
    if (handler.framework === 'Litestar' && name.text !== 'data') continue;
    // An optional extra (`options: dict = None`, `base_margin: Optional[list] = None`) is not the payload.
    if (value && !explicitBody) continue;
    if (!type) {
      if (explicitBody) out.push({ name: name.text, label: shortText(p.text) });
      continue;
    }
    const annotated = annotatedBody(context, type);
    if (annotated === 'not-body') continue;
    if (isWeakType(context, annotated, 0)) out.push({ name: name.text, label: shortText(p.text) });
  }
  return out;
}

/** `Annotated[dict, Body()]` → `dict`; `Annotated[M, Depends(f)]` → not a body. */
function annotatedBody(context: Context, type: SyntaxNode): SyntaxNode | 'not-body' {
  const n = unparenthesize(type);
  if (n.type !== NodeType.Subscript && n.type !== 'generic_type') return n;
  const base = subscriptBase(n);
  if (!base || !/(^|\.)Annotated$/.test(resolvedName(context, base) ?? base.text)) return n;
  const args = subscriptArguments(n);
  for (const extra of args.slice(1)) {
    if (extra.type !== NodeType.Call) continue;
    const fn = resolvedName(context, extra.childForFieldName('function'));
    if (fn && NOT_BODY_DEFAULTS.test(fn)) return 'not-body';
  }
  return args[0] ?? n;
}

/** BentoML 1.x: `@svc.api(input=JSON(), output=…)` with no `pydantic_model=`. */
function legacyBentoInput(context: Context, handler: Handler): BodyParameter | null {
  const site = handler.site;
  if (site.type !== NodeType.Call) return null;
  const input = keywordValue(site, 'input');
  if (input?.type !== NodeType.Call) return null;
  const name = resolvedName(context, input.childForFieldName('function')) ?? '';
  if (!/^bentoml\.io\.JSON$/.test(name)) return null;
  if (keywordValue(input, 'pydantic_model')) return null;
  const param = parameterNames(handler.node).find((p) => p !== 'self' && p !== 'ctx' && p !== 'context');
  return param ? { name: param, label: `${param}` + ` (${shortText(input.text)})` } : null;
}

function resolvedName(context: Context, node: SyntaxNode | null): string | null {
  if (!node) return null;
  const name = context.resolve(node);
  return name === null ? null : canonicalName(name);
}

function subscriptBase(n: SyntaxNode): SyntaxNode | null {
  if (n.type === NodeType.Subscript) return n.childForFieldName('value');
  return n.namedChildren[0] ?? null;
}

function subscriptArguments(n: SyntaxNode): SyntaxNode[] {
  if (n.type === NodeType.Subscript) return n.childrenForFieldName('subscript');
  // `generic_type`: identifier + type_parameter
  const params = n.namedChildren.find((c) => c.type === 'type_parameter');
  return params ? params.namedChildren.map((c) => (c.type === NodeType.Type ? (c.firstNamedChild ?? c) : c)) : [];
}

const WEAK_NAMES = new Set(['Any', 'object', 'dict', 'Dict', 'Mapping', 'MutableMapping', 'list', 'List', 'Json', 'JSON', 'Sequence']);
const CONTAINER_NAMES = new Set(['dict', 'Dict', 'Mapping', 'MutableMapping', 'list', 'List', 'Sequence', 'Optional', 'Union']);

/** Whether a type annotation accepts any JSON: `dict`, `Any`, `Dict[str, Any]`, `List[dict]`, `Optional[dict]`, a model with only such fields. */
function isWeakType(context: Context, type: SyntaxNode, depth: number): boolean {
  if (depth > 4) return false;
  const n = unparenthesize(type.type === NodeType.Type ? (type.firstNamedChild ?? type) : type);
  if (n.type === NodeType.None) return true;
  if (n.type === NodeType.BinaryOperator) {
    // `dict | None`
    const left = n.childForFieldName('left');
    const right = n.childForFieldName('right');
    return left !== null && right !== null && isWeakType(context, left, depth + 1) && isWeakType(context, right, depth + 1);
  }
  if (n.type === NodeType.Identifier || n.type === NodeType.Attribute) {
    const last = n.type === NodeType.Identifier ? n.text : (n.childForFieldName('attribute')?.text ?? '');
    if (WEAK_NAMES.has(last)) return true;
    const cls = n.type === NodeType.Identifier ? localClass(context, n) : null;
    return cls !== null && modelHasOnlyWeakFields(context, cls, depth + 1);
  }
  if (n.type === NodeType.Subscript || n.type === 'generic_type') {
    const base = subscriptBase(n);
    const last = base ? (base.type === NodeType.Attribute ? (base.childForFieldName('attribute')?.text ?? '') : base.text) : '';
    const args = subscriptArguments(n);
    if (last === 'Annotated') return args[0] !== undefined && isWeakType(context, args[0], depth + 1);
    if (!CONTAINER_NAMES.has(last)) return false;
    if (last === 'dict' || last === 'Dict' || last === 'Mapping' || last === 'MutableMapping') {
      const value = args[1];
      return value === undefined || isWeakType(context, value, depth + 1);
    }
    return args.length > 0 && args.every((a) => isWeakType(context, a, depth + 1));
  }
  if (n.type === NodeType.String) return false;
  return false;
}

function localClass(context: Context, name: SyntaxNode): SyntaxNode | null {
  if (name.type !== NodeType.Identifier) return null;
  const def = context.file.root.descendantsOfType(NodeType.ClassDefinition).filter((c) => c.childForFieldName('name')?.text === name.text);
  if (def.length !== 1) return null;
  const binding = context.file.resolver.lookup(name.text, name);
  return binding?.kind === 'local' ? (def[0] ?? null) : null;
}

/** A same-file pydantic model / dataclass / TypedDict whose fields are all `Any`/`dict`/untyped (or that has none). */
function modelHasOnlyWeakFields(context: Context, cls: SyntaxNode, depth: number): boolean {
  if (depth > 4) return false;
  let sawBase = false;
  for (const base of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
    if (base.type === NodeType.KeywordArgument) continue;
    sawBase = true;
    const local = localClass(context, base);
    if (local) {
      if (!modelHasOnlyWeakFields(context, local, depth + 1)) return false;
      continue;
    }
    const name = resolvedName(context, base) ?? '';
    // Only pydantic's own base (or a TypedDict) is known to add no fields.
    if (!/^(pydantic\.(v1\.)?(main\.)?BaseModel|pydantic\.RootModel|typing\.TypedDict|typing_extensions\.TypedDict)$/.test(name)) return false;
  }
  const dataclass = decoratorsOf(cls).some((d) => /dataclass/.test(d.text));
  if (!sawBase && !dataclass) return false;
  const body = cls.childForFieldName('body');
  for (const stmt of body?.namedChildren ?? []) {
    if (stmt.type !== NodeType.ExpressionStatement) continue;
    for (const assign of stmt.namedChildren) {
      if (assign.type !== NodeType.Assignment) continue;
      const left = assign.childForFieldName('left');
      const type = assign.childForFieldName('type');
      if (left?.type !== NodeType.Identifier || left.text === 'model_config' || left.text.startsWith('_')) continue;
      if (!type) continue;
      if (/ClassVar/.test(type.text)) continue;
      if (!isWeakType(context, type, depth + 1)) return false;
    }
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------
// Validation

/** Decorators that validate the body before the handler runs (flask-pydantic, webargs, flask-smorest, quart-schema, flask-expects-json, spectree, flask-restx `validate=True`). */
function validatedByDecorator(context: Context, fn: SyntaxNode): boolean {
  for (const deco of decoratorsOf(fn)) {
    const target = deco.type === NodeType.Call ? deco.childForFieldName('function') : deco;
    const name = (target ? resolvedName(context, target) : null) ?? target?.text ?? '';
    const last = name.split('.').pop() ?? '';
    if (/^(validate|validate_request|validate_json|expects_json|use_args|use_kwargs|arguments|input|body|json_schema|marshal_with_schema|doc_input)$/.test(last)) return true;
    if (last === 'expect' && deco.type === NodeType.Call && keywordValue(deco, 'validate')?.type === NodeType.True) return true;
    if (/^(flask_pydantic|webargs|flask_smorest|quart_schema|flask_expects_json|spectree|flask_inputs|pydantic)\b/.test(name)) return true;
  }
  return false;
}

/** Names that hold raw input in a function: bound from a raw read, a raw body parameter, or data derived from them. */
function taintedNames(context: Context, fn: SyntaxNode, reads: readonly SyntaxNode[], seed: ReadonlySet<string>): Set<string> {
  const names = new Set<string>();
  for (const p of fn.childForFieldName('parameters')?.namedChildren ?? []) {
    const id = p.type === NodeType.Identifier ? p : (p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === NodeType.Identifier));
    if (id?.type === NodeType.Identifier && seed.has(id.text)) names.add(id.text);
  }
  const assigns = ownNodes(fn, new Set([NodeType.Assignment]));
  const inReads = (n: SyntaxNode): boolean => reads.some((r) => r.startIndex >= n.startIndex && r.endIndex <= n.endIndex);
  for (let round = 0; round < 4; round++) {
    let grew = false;
    for (const assign of assigns) {
      const left = assign.childForFieldName('left');
      const right = assign.childForFieldName('right');
      if (!left || !right) continue;
      const uses = inReads(right) || right.descendantsOfType(NodeType.Identifier).some((id) => names.has(id.text)) || (right.type === NodeType.Identifier && names.has(right.text));
      if (!uses) continue;
      for (const id of left.type === NodeType.Identifier ? [left] : left.descendantsOfType(NodeType.Identifier)) {
        if (!names.has(id.text)) {
          names.add(id.text);
          grew = true;
        }
      }
    }
    if (!grew) break;
  }
  return names;
}

const VALIDATING_METHODS = new Set(['model_validate', 'model_validate_json', 'parse_obj', 'parse_raw', 'validate', 'validate_python', 'validate_json', 'is_valid', 'iter_errors', 'validate_call']);
const VALIDATING_FUNCTIONS = /^(jsonschema\.\w+|fastjsonschema\.\w+|pydantic\.(parse_obj_as|TypeAdapter|validate_call)|pydantic\.tools\.parse_obj_as|cerberus\.\w+|voluptuous\.\w+|schema\.\w+|marshmallow\.\w+|trafaret\.\w+|attrs\.validators\.\w+)$/;
const HELPER_NAME = /valid|sanitiz|schema|check_(input|payload|request|data|features|params|body|fields|keys)|parse_(input|request|payload|body)|require_(fields|keys)/i;
/** A condition that inspects content: key membership, `None` checks of fields, types, lengths. */
const CHECK_OPERATORS = /\bnot\s+in\b|\bin\b|[\])]\s*is\s+(not\s+)?None\b|isinstance|\blen\s*\(|\btype\s*\(|\bhas_key\b|\.keys\s*\(/;
const NOT_A_SCHEMA = /^(pandas|numpy|torch|tensorflow|PIL|collections|builtins)\./;

/** Whether a function validates the raw input: a schema library call, a model built from it, `isinstance`, key checks that reject. */
function validates(context: Context, fn: SyntaxNode, tainted: ReadonlySet<string>, reads: readonly SyntaxNode[]): boolean {
  const mentionsTaint = (n: SyntaxNode): boolean =>
    (n.type === NodeType.Identifier && tainted.has(n.text)) ||
    n.descendantsOfType(NodeType.Identifier).some((id) => tainted.has(id.text)) ||
    reads.some((r) => n.startIndex <= r.startIndex && r.endIndex <= n.endIndex);
  for (const call of ownNodes(fn, new Set([NodeType.Call]))) {
    const callee = call.childForFieldName('function');
    if (!callee) continue;
    const name = resolvedName(context, callee);
    const last = callee.type === NodeType.Attribute ? (callee.childForFieldName('attribute')?.text ?? '') : callee.text;
    if (VALIDATING_METHODS.has(last)) return true;
    if (name && VALIDATING_FUNCTIONS.test(name)) return true;
    // marshmallow: `PredictSchema().load(payload)`, `schema.load(data)`.
    if ((last === 'load' || last === 'loads' || last === 'dump') && callee.type === NodeType.Attribute) {
      const object = callee.childForFieldName('object');
      if (object && /schema/i.test(object.text)) return true;
    }
    if (last === 'isinstance' && callArguments(call).some(mentionsTaint)) return true;
    // `PredictRequest(**payload)`, `Features(**data)`: a model class built from the payload.
    if (/^_?[A-Z]/.test(last) && !(name && NOT_A_SCHEMA.test(name))) {
      for (const arg of callArguments(call)) {
        if (arg.type === NodeType.DictionarySplat && mentionsTaint(arg)) return true;
      }
    }
    // A same-file validation helper: `validate_payload(data)`, `check_input(features)`.
    if (HELPER_NAME.test(last) && callArguments(call).some(mentionsTaint)) return true;
  }
  // Names that hold the result of a check on the payload: `missing = [k for k in REQUIRED if k not in data]`.
  const checks = new Set<string>();
  for (const assign of ownNodes(fn, new Set([NodeType.Assignment]))) {
    const left = assign.childForFieldName('left');
    const right = assign.childForFieldName('right');
    if (left?.type === NodeType.Identifier && right && mentionsTaint(right) && CHECK_OPERATORS.test(right.text)) checks.add(left.text);
  }
  for (const stmt of ownNodes(fn, new Set([NodeType.IfStatement, NodeType.TryStatement]))) {
    if (stmt.type === NodeType.IfStatement) {
      const cond = stmt.childForFieldName('condition');
      const body = stmt.childForFieldName('consequence');
      if (!cond || !body) continue;
      const checked = (mentionsTaint(cond) && CHECK_OPERATORS.test(cond.text)) || cond.descendantsOfType(NodeType.Identifier).some((id) => checks.has(id.text)) || (cond.type === NodeType.Identifier && checks.has(cond.text));
      if (checked && rejects(context, body)) return true;
    } else {
      // `try: …payload[…]… except (KeyError, ValueError, ValidationError): return …, 400`.
      const body = stmt.childForFieldName('body');
      if (!body || !mentionsTaint(body)) continue;
      for (const clause of stmt.namedChildren) {
        if (clause.type !== NodeType.ExceptClause) continue;
        if (!/KeyError|ValueError|TypeError|ValidationError|JSONDecodeError|Exception\b/.test(clause.text.split('\n')[0] ?? '')) continue;
        if (rejects(context, clause)) return true;
      }
    }
  }
  return false;
}

/** Whether a block rejects the request: `raise`, `abort(400)`, `HTTPException`, or a 4xx response. */
function rejects(context: Context, block: SyntaxNode): boolean {
  if (block.descendantsOfType('raise_statement').length > 0) return true;
  for (const call of block.descendantsOfType(NodeType.Call)) {
    const name = resolvedName(context, call.childForFieldName('function')) ?? '';
    if (/(^|\.)(abort|HTTPException|HttpResponseBadRequest|BadRequest|ValidationError)$/.test(name)) return true;
    for (const kw of ['status', 'status_code']) {
      const v = literalValue(keywordValue(call, kw));
      if (v?.kind === 'int' && v.value >= 400 && v.value < 500) return true;
    }
  }
  for (const ret of block.descendantsOfType(NodeType.ReturnStatement)) {
    for (const n of ret.descendantsOfType(NodeType.Integer)) {
      const v = Number(n.text);
      if (v >= 400 && v < 500) return true;
    }
    if (/status\.HTTP_4\d\d|HTTPStatus\.(BAD_REQUEST|UNPROCESSABLE_ENTITY)/.test(ret.text)) return true;
  }
  return false;
}
