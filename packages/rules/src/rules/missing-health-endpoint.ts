import { defineRule, type NodeLocation, type RuleContext } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { argumentValue, resolvedLiteral } from '../utils/args.js';
import { HEALTH_LIBRARIES, isHealthPath, routePath } from '../utils/health.js';
import { ROUTE_DECORATOR_METHODS } from '../vocabulary/serving.js';

type MessageIds = 'missingHealth';

/** App objects ML102 looks at, by constructor, with the framework named in messages. */
const APP_CLASSES: ReadonlyMap<string, string> = new Map([
  ['flask.Flask', 'Flask'],
  ['quart.Quart', 'Quart'],
  ['apiflask.APIFlask', 'Flask'],
  ['fastapi.FastAPI', 'FastAPI'],
  ['fastapi.applications.FastAPI', 'FastAPI'],
  ['starlette.applications.Starlette', 'Starlette'],
  ['bentoml.Service', 'BentoML'],
]);

/** Router objects whose routes end up in an app (`include_router`, `register_blueprint`, `mount`). */
const ROUTER_CLASSES: ReadonlySet<string> = new Set([
  'flask.Blueprint',
  'quart.Blueprint',
  'apiflask.APIBlueprint',
  'fastapi.APIRouter',
  'fastapi.routing.APIRouter',
  'starlette.routing.Router',
]);

/** Methods that register a route: the route decorators (BentoML's `api` and `view` aside) and registration calls. */
const ROUTE_METHODS: ReadonlySet<string> = new Set([
  ...[...ROUTE_DECORATOR_METHODS].filter((m) => m !== 'api' && m !== 'view'),
  'add_url_rule',
  'add_api_route',
  'add_route',
  'add_websocket_route',
  'add_api_websocket_route',
]);

/** Last names of the constructors above, to skip resolving calls that cannot matter. */
const CONSTRUCTOR_NAMES: ReadonlySet<string> = new Set(['Flask', 'Quart', 'APIFlask', 'FastAPI', 'Starlette', 'Service', 'Blueprint', 'APIBlueprint', 'APIRouter', 'Router', 'Route', 'WebSocketRoute', 'Mount', 'APIRoute']);

/** Methods that attach a router (and its routes) to an app. */
const INCLUDE_METHODS: ReadonlySet<string> = new Set(['include_router', 'register_blueprint', 'mount', 'register_api']);

/** Route objects listed in `Starlette(routes=[…])` or a `Router`. */
const ROUTE_OBJECTS: ReadonlySet<string> = new Set([
  'starlette.routing.Route',
  'starlette.routing.WebSocketRoute',
  'starlette.routing.Mount',
  'fastapi.routing.APIRoute',
]);

/** Web frameworks: a route decorator on an object we cannot resolve still counts in a file importing one. */
const WEB_FRAMEWORKS = ['flask', 'quart', 'apiflask', 'fastapi', 'starlette', 'bentoml'];

interface AppRecord {
  framework: string;
  at: NodeLocation;
  /** The file's absolute path. */
  file: string;
  /** `file:<abs>:<name>` for the object the app was assigned to, or null. */
  key: string | null;
  /** The module-level name the app is bound to. */
  name: string | null;
  /** Dotted module names the file can be imported as (`src.app.main`, `app.main`, `main`). */
  modules: string[];
}

interface RouteRecord {
  /** The object the route is registered on: `file:<abs>:<name>`, `ref:<dotted>` for an imported object, or null. */
  receiver: string | null;
  /**
   * Known to be a web route (a framework object, or a file that imports a framework). Otherwise it counts only when
   * its `ref:` receiver turns out to be an app or router of the project.
   */
  confirmed: boolean;
  /** Whether the receiver is a router (Blueprint, APIRouter), not an app. */
  onRouter: boolean;
  path: string | null;
  /** The file, for routes listed as objects (`Route("/x", …)`) that belong to the apps of that file. */
  file: string;
  listed: boolean;
}

interface FileState {
  apps: AppRecord[];
  routes: RouteRecord[];
  /** Receivers of `include_router`/`register_blueprint`/`mount` calls. */
  includes: string[];
  healthLibrary: boolean;
}

/**
 * ML102: a Flask/FastAPI/Starlette app with at least one route, and no health route (`/health`, `/healthz`,
 * `/ready`, `/readyz`, `/livez`, `/ping`, as the last path segment or any segment of a longer path) anywhere in
 * the project. Routes are followed across modules: a route on `app` imported from `app.main` belongs to the app
 * created in `app/main.py`; routers attached with `include_router`/`register_blueprint` give their app routes.
 * BentoML services are never reported: BentoML serves `/healthz`, `/livez` and `/readyz` by itself.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML102',
    name: 'missing-health-endpoint',
    severity: 'warning',
    scope: 'project',
    fix: 'none',
    // An app built in a test module (`tests/test_api.py`) is no serving app, and a test client's
    // `client.get("/health")` is no health route.
    skipTestFiles: true,
    docs: { description: 'Serving app without a health-check route anywhere in the project' },
    // The visitor only looks at calls named like an app/router constructor, at route registrations in files that
    // import a web framework, at route registrations that name their path in place on an object from another
    // module (`from app.main import app` then `@app.get("/predict")`), and at health-check library imports; a file
    // with none of these cannot matter. (Each project run parses every matching file for this rule, even when the
    // results cache knows its findings, so the trigger must not match every `.get(`.)
    triggers:
      /\b(?:Flask|Quart|APIFlask|FastAPI|Starlette|Service|Blueprint|APIBlueprint|APIRouter|Router|Route|WebSocketRoute|Mount|APIRoute)\b|flask|quart|fastapi|starlette|bentoml|\.(?:route|get|post|put|patch|delete|head|options|api_route|websocket|websocket_route|add_url_rule|add_api_route|add_route|add_websocket_route|add_api_websocket_route)\(\s*[rRfFbBuU]{0,2}["']{1,3}\/|\b(?:path|rule|url)\s*=\s*[rRfFbBuU]{0,2}["']{1,3}\/|health/,
    messages: {
      missingHealth:
        '{{framework}} app has routes but the project has no health-check route (`/health`, `/healthz`, `/ready`, `/readyz`, `/livez` or `/ping`); orchestrators and load balancers cannot tell a hung server from a healthy one',
    },
  },
  create() {
    // A single file cannot show that no other module has a health route.
    return {};
  },
  createProject(context) {
    const project = context.project;
    const files = new Map<string, FileState>();
    return {
      file(ctx) {
        // Fix passes re-walk a file: its state is replaced, never added to.
        const state: FileState = { apps: [], routes: [], includes: [], healthLibrary: false };
        files.set(ctx.physicalFilename, state);
        const rel = project.relative(ctx.physicalFilename);
        const modules = moduleNames(rel ?? ctx.filename);
        state.healthLibrary = HEALTH_LIBRARIES.some((m) => ctx.file.resolver.importsModule(m));
        const usesFramework = WEB_FRAMEWORKS.some((m) => ctx.file.resolver.importsModule(m));
        const prefixes = new Map<string, string>();
        return {
          call(node) {
            // Cheap name checks first: resolving every call of every file would cost more than the whole rule.
            const callee = node.childForFieldName('function');
            if (!callee) return;
            const last = callee.type === NodeType.Attribute ? (callee.childForFieldName('attribute')?.text ?? '') : callee.text;
            if (!ROUTE_METHODS.has(last) && !INCLUDE_METHODS.has(last) && !CONSTRUCTOR_NAMES.has(last)) return;
            const qualified = ctx.resolve(node);
            if (qualified === null) return;
            const framework = APP_CLASSES.get(qualified);
            if (framework) {
              const name = boundName(node);
              state.apps.push({ framework, at: ctx.locate(node), file: ctx.physicalFilename, key: name ? `file:${ctx.physicalFilename}:${name}` : null, name, modules });
              return;
            }
            if (ROUTER_CLASSES.has(qualified)) {
              const name = boundName(node);
              const prefix = resolvedLiteral(ctx.file, argumentValue(node, null, 'prefix', 'url_prefix'));
              if (name && prefix?.kind === 'string') prefixes.set(name, prefix.value);
              return;
            }
            if (ROUTE_OBJECTS.has(qualified)) {
              state.routes.push({ receiver: null, confirmed: true, onRouter: false, path: pathOf(ctx, node, 0, ['path']), file: ctx.physicalFilename, listed: true });
              return;
            }
            if (callee.type !== NodeType.Attribute) return;
            const method = callee.childForFieldName('attribute')?.text ?? '';
            const object = callee.childForFieldName('object');
            const instance = /^(.*)\(\)\.(\w+)$/.exec(qualified);
            const ctor = instance?.[1] ?? null;
            const knownCtor = ctor !== null && (APP_CLASSES.has(ctor) || ROUTER_CLASSES.has(ctor));
            const receiver =
              knownCtor && object?.type === NodeType.Identifier
                ? `file:${ctx.physicalFilename}:${object.text}`
                : instance === null && qualified.endsWith(`.${method}`)
                  ? `ref:${qualified.slice(0, -method.length - 1)}`
                  : null;
            if (INCLUDE_METHODS.has(method) && (knownCtor || usesFramework)) {
              if (receiver) state.includes.push(receiver);
              // A router attached under a health prefix serves the probe: `include_router(health.router,
              // prefix="/health")`, `register_blueprint(probes, url_prefix="/healthz")`, `mount("/ping", probe_app)`.
              const prefix = routePath(ctx.file, node, method === 'mount' ? 0 : null, 'prefix', 'url_prefix', 'path');
              if (prefix !== null && isHealthPath(prefix)) state.routes.push({ receiver, confirmed: true, onRouter: false, path: prefix, file: ctx.physicalFilename, listed: false });
              return;
            }
            if (!ROUTE_METHODS.has(method)) return;
            const confirmed = knownCtor || usesFramework;
            if (!confirmed && receiver === null) return;
            // On an object from another module, only a call that names a path in place is a route
            // (`@app.get("/predict")`); `settings.get(key)` is not one.
            if (!confirmed && !namesPathInPlace(node)) return;
            const onRouter = ctor !== null && ROUTER_CLASSES.has(ctor);
            let path = pathOf(ctx, node, 0, ['path', 'rule', 'url']);
            if (path !== null && onRouter && object?.type === NodeType.Identifier) path = (prefixes.get(object.text) ?? '') + path;
            state.routes.push({ receiver, confirmed, onRouter, path, file: ctx.physicalFilename, listed: false });
          },
        };
      },
      'project:exit'() {
        const all = [...files.values()];
        if (all.some((f) => f.healthLibrary)) return;
        // A route on an imported object counts once that object is known to be one of the project's apps.
        const routes = all.flatMap((f) => f.routes).filter((r) => r.confirmed || (r.receiver !== null && isAppReceiver(r.receiver, all)));
        if (routes.some((r) => r.path !== null && isHealthPath(r.path))) return;
        const includes = new Set(all.flatMap((f) => f.includes));
        const routerRoutes = routes.some((r) => r.onRouter || (r.receiver !== null && !isAppReceiver(r.receiver, all)));
        for (const state of all) {
          for (const app of state.apps) {
            if (app.framework === 'BentoML') continue;
            const mine = (receiver: string | null): boolean => receiver !== null && (receiver === app.key || refersTo(receiver, app));
            const hasRoutes =
              routes.some((r) => mine(r.receiver)) ||
              // `Starlette(routes=[Route("/predict", …)])`: route objects belong to the apps of their file.
              routes.some((r) => r.listed && r.file === app.file) ||
              ([...includes].some((i) => mine(i)) && routerRoutes);
            if (hasRoutes) context.report({ at: app.at, messageId: 'missingHealth', data: { framework: app.framework } });
          }
        }
      },
    };
  },
});

/** Whether a route call's path argument is a string literal starting with `/` written in the call itself. */
function namesPathInPlace(call: SyntaxNode): boolean {
  const arg = argumentValue(call, 0, 'path', 'rule', 'url');
  return arg?.type === NodeType.String && /^[rRfFbBuU]{0,2}["']{1,3}\//.test(arg.text);
}

/** The name a call's result is assigned to (`app = FastAPI()`), or null. */
function boundName(call: SyntaxNode): string | null {
  let parent = call.parent;
  while (parent?.type === NodeType.ParenthesizedExpression) parent = parent.parent;
  if (parent?.type !== NodeType.Assignment) return null;
  const left = parent.childForFieldName('left');
  if (left?.type === NodeType.Identifier) return left.text;
  // `self.app = FastAPI()` keeps the attribute name.
  if (left?.type === NodeType.Attribute) return left.childForFieldName('attribute')?.text ?? null;
  return null;
}

function pathOf(ctx: RuleContext<MessageIds>, call: SyntaxNode, position: number, keywords: string[]): string | null {
  return routePath(ctx.file, call, position, ...keywords);
}

/** `src/app/main.py` → `src.app.main`, `app.main`, `main`; a package's `__init__.py` is the package itself. */
function moduleNames(file: string): string[] {
  const parts = file.replace(/\\/g, '/').replace(/\.(py|ipynb)$/, '').split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  const out: string[] = [];
  for (let i = 0; i < parts.length; i++) out.push(parts.slice(i).join('.'));
  return out;
}

/** Whether `ref:<dotted>` names the app: `<module>.<name>` for one of the module names of its file. */
function refersTo(receiver: string, app: AppRecord): boolean {
  if (!receiver.startsWith('ref:') || app.name === null) return false;
  const dotted = receiver.slice(4).replace(/^\.+/, '');
  const dot = dotted.lastIndexOf('.');
  if (dot === -1 || dotted.slice(dot + 1) !== app.name) return false;
  const module = dotted.slice(0, dot);
  return app.modules.some((m) => m === module || m.endsWith(`.${module}`));
}

function isAppReceiver(receiver: string, all: FileState[]): boolean {
  return all.some((f) => f.apps.some((a) => a.key === receiver || refersTo(receiver, a)));
}
