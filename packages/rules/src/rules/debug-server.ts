import { defineRule, type Visitors } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { keywordValue, positionalArguments, stringValue, unparenthesize } from '../utils/args.js';
import { soleAssignedValue } from '../utils/calls.js';

type MessageIds = 'debugServer' | 'reloadServer' | 'debugConfig' | 'setFalse';

/** Objects whose `run`/`run_server` start a Werkzeug-style development server with a `debug` switch. */
const WEB_APPS = /^(?:flask\.Flask|quart\.Quart|dash\.Dash|jupyter_dash\.JupyterDash|flask_socketio\.SocketIO)\(\)$/;
/** Modules whose objects have a `run` without a debug server: a resolved receiver from these is not a Flask app. */
const OTHER_FRAMEWORKS = /^(?:fastapi|starlette|absl|gradio|typer|click|streamlit|ray|celery|asyncio|tornado|aiohttp|mlflow|bentoml|litestar)(?:\.|$)/;
/** Names a Flask/Dash app object usually has. */
const APP_NAMES = new Set(['app', 'application', 'flask_app', 'dash_app', 'webapp', 'web_app']);
/** App factories: `create_app()`, `make_app()`, `app.create_app()`. */
const APP_FACTORY = /(?:^|\.)(?:create|make|build|get|init|setup)_?app$/i;
/** Modules that make an `app` name a Flask/Dash/Quart app. */
const WEB_MODULES = ['flask', 'dash', 'quart', 'jupyter_dash', 'flask_socketio'];
/** A branch on one of these is a runtime choice of debug mode (a flag, the environment, settings), not a hard-coded one. */
const RUNTIME_CHOICE = /(?:^|[^a-z])(?:debug|dev|devel|development|local|localhost|args|argv|environ|getenv|env|settings|config|cfg|conf|options|opts|flags|mode)(?:$|[^a-z])/i;
/** Test code runs servers on purpose; a debug flag there is not a deployment. */
const TEST_FILE = /(?:^|[\\/])(?:tests?[\\/]|test_[^\\/]*\.py$|[^\\/]*_test\.py$|conftest\.py$)/;

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML104',
    name: 'debug-server',
    severity: 'warning',
    scope: 'file',
    fix: 'safe',
    docs: { description: 'A development server with the debugger or auto-reload switched on in code' },
    // Every finding is a `debug`/`reload`/`use_debugger` keyword or a `debug`/`DEBUG` attribute or key, or Flask's
    // positional `app.run(host, port, True)`.
    triggers: ['debug', 'reload', 'DEBUG', /\.run\([^()]*,[^()]*,\s*True\b/],
    messages: {
      debugServer:
        '`{{call}}` starts the development server with `{{arg}}=True`: the interactive debugger lets anyone who reaches the port run code, and errors show tracebacks',
      reloadServer: '`{{call}}` starts the auto-reloading development server (`reload=True`): it watches the source tree and restarts the worker, which a deployed service must not do',
      debugConfig: '`{{target}}` switches Flask debug mode on: `app.run` then serves the Werkzeug debugger, which lets anyone who reaches the port run code',
      setFalse: 'Set `{{name}}` to `False`',
    },
  },
  create(context): Visitors {
    if (TEST_FILE.test(context.filename)) return {};
    // Every finding switches something on with a `True` literal (written there, or assigned once to a name).
    if (!context.file.text.includes('True')) return {};
    const webImports = WEB_MODULES.some((m) => context.file.resolver.importsModule(m));

    return {
      call(node) {
        const fn = context.resolve(node);
        if (fn === 'uvicorn.run' || fn === 'uvicorn.main.run') {
          const reload = keywordValue(node, 'reload');
          if (reload && switchedOn(reload) && !isRuntimeChoice(node)) {
            report(node, reload, 'reloadServer', { call: 'uvicorn.run', arg: 'reload' }, 'reload');
            return;
          }
          const debug = keywordValue(node, 'debug');
          if (debug && switchedOn(debug) && !isRuntimeChoice(node)) report(node, debug, 'debugServer', { call: 'uvicorn.run', arg: 'debug' }, 'debug');
          return;
        }
        if (fn === 'werkzeug.serving.run_simple' || fn === 'werkzeug.run_simple') {
          const value = keywordValue(node, 'use_debugger');
          if (value && switchedOn(value) && !isRuntimeChoice(node)) report(node, value, 'debugServer', { call: 'run_simple', arg: 'use_debugger' }, 'use_debugger');
          return;
        }
        const callee = node.childForFieldName('function');
        if (callee?.type !== NodeType.Attribute) return;
        const method = callee.childForFieldName('attribute')?.text;
        const receiver = callee.childForFieldName('object');
        if (!receiver) return;
        if (method === 'run' || method === 'run_server') {
          const debug = keywordValue(node, 'debug') ?? positionalDebug(node, method, receiver);
          if (!debug || !switchedOn(debug) || !isWebApp(receiver) || isRuntimeChoice(node)) return;
          report(node, debug, 'debugServer', { call: `${shortName(receiver)}.${method}`, arg: 'debug' }, 'debug');
          return;
        }
        // `app.config.update(DEBUG=True)`
        if (method === 'update' && receiver.type === NodeType.Attribute && receiver.childForFieldName('attribute')?.text === 'config') {
          const app = receiver.childForFieldName('object');
          const debug = keywordValue(node, 'DEBUG');
          if (!app || !debug || !switchedOn(debug) || !isWebApp(app) || isRuntimeChoice(node)) return;
          report(node, debug, 'debugConfig', { target: `${shortName(app)}.config.update(DEBUG=True)` }, 'DEBUG');
        }
      },
      assignment(node) {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        // The target's shape first: `switchedOn` may scan the whole scope for a name's assignments.
        if (!left || !right) return;
        // `app.debug = True`
        if (left.type === NodeType.Attribute && left.childForFieldName('attribute')?.text === 'debug') {
          const app = left.childForFieldName('object');
          if (!app || !switchedOn(right) || !isWebApp(app) || isRuntimeChoice(node)) return;
          report(node, right, 'debugConfig', { target: `${shortName(app)}.debug = True` }, `${shortName(app)}.debug`);
          return;
        }
        // `app.config["DEBUG"] = True`
        if (left.type === NodeType.Subscript && stringValue(left.childForFieldName('subscript')) === 'DEBUG') {
          const config = left.childForFieldName('value');
          if (config?.type !== NodeType.Attribute || config.childForFieldName('attribute')?.text !== 'config') return;
          const app = config.childForFieldName('object');
          if (!app || !switchedOn(right) || !isWebApp(app) || isRuntimeChoice(node)) return;
          report(node, right, 'debugConfig', { target: `${shortName(app)}.config["DEBUG"] = True` }, `${shortName(app)}.config["DEBUG"]`);
        }
      },
    };

    /** Reports; the fix flips a literal `True` where it is written, and there is none when the value is a constant defined elsewhere. */
    function report(node: SyntaxNode, value: SyntaxNode, messageId: MessageIds, data: Record<string, string>, name: string): void {
      const literal = unparenthesize(value);
      context.report({
        node,
        messageId,
        data,
        fix: literal.type === NodeType.True ? { messageId: 'setFalse', data: { name }, applicability: 'safe', edits: (f) => f.replaceText(literal, 'False') } : null,
      });
    }

    /**
     * Flask's and Quart's `run(host, port, debug)`: `app.run("0.0.0.0", 5000, True)`. Dash puts `proxy` third, so a
     * receiver resolved to Dash (or a `run_server`, which only Dash has) is left alone.
     */
    function positionalDebug(call: SyntaxNode, method: string, receiver: SyntaxNode): SyntaxNode | null {
      if (method !== 'run') return null;
      const third = positionalArguments(call)[2];
      if (!third || unparenthesize(third).type !== NodeType.True) return null;
      const q = context.resolve(unparenthesize(receiver));
      if (q && /^(?:dash|jupyter_dash|flask_socketio)\./.test(q)) return null;
      if (!q && context.file.resolver.importsModule('dash')) return null;
      return third;
    }

    /** `True`, or a name whose only assignment is `True` (`DEBUG = True` … `debug=DEBUG`). */
    function switchedOn(value: SyntaxNode): boolean {
      const n = unparenthesize(value);
      if (n.type === NodeType.True) return true;
      if (n.type !== NodeType.Identifier) return false;
      const assigned = soleAssignedValue(n.text, n);
      return assigned !== null && unparenthesize(assigned).type === NodeType.True;
    }

    /** Whether an expression is a Flask/Quart/Dash app (or a Flask-SocketIO server). */
    function isWebApp(receiver: SyntaxNode): boolean {
      const n = unparenthesize(receiver);
      const q = context.resolve(n);
      if (q && WEB_APPS.test(q)) return true;
      if (q && OTHER_FRAMEWORKS.test(q)) return false;
      if (n.type === NodeType.Call) return APP_FACTORY.test(n.childForFieldName('function')?.text ?? '');
      const name = n.type === NodeType.Identifier ? n.text : n.type === NodeType.Attribute ? (n.childForFieldName('attribute')?.text ?? '') : '';
      if (!APP_NAMES.has(name)) return false;
      if (webImports) return true;
      // `from service import app` in a run.py: an app object made in another module.
      if (n.type === NodeType.Identifier) {
        const binding = context.file.resolver.lookup(n.text, n);
        if (binding?.kind === 'import' && APP_NAMES.has(binding.name.split('.').pop() ?? '') && binding.name.includes('.')) return true;
      }
      // `app = create_app()` in a run.py that imports only the factory.
      if (n.type === NodeType.Identifier) {
        const value = soleAssignedValue(n.text, n);
        const inner = value ? unparenthesize(value) : null;
        if (inner?.type === NodeType.Call) return APP_FACTORY.test(inner.childForFieldName('function')?.text ?? '');
      }
      return false;
    }
  },
});

/** Whether a node sits in a branch chosen at runtime by a debug flag, the environment or settings. */
function isRuntimeChoice(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === NodeType.FunctionDefinition || p.type === NodeType.ClassDefinition) return false;
    let condition: SyntaxNode | null = null;
    if (p.type === NodeType.IfStatement || p.type === NodeType.ElifClause || p.type === 'while_statement') condition = p.childForFieldName('condition');
    else if (p.type === NodeType.ElseClause) condition = p.parent?.childForFieldName('condition') ?? null;
    else if (p.type === NodeType.ConditionalExpression) condition = p.namedChildren[1] ?? null;
    if (condition && RUNTIME_CHOICE.test(condition.text)) return true;
  }
  return false;
}

function shortName(node: SyntaxNode): string {
  const text = node.text.replace(/\s+/g, '');
  return text.length > 40 ? 'app' : text;
}
