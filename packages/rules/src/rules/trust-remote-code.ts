import { defineRule, type RuleContext } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import {
  argumentValue,
  callArguments,
  definitionOf,
  literalDictEntries,
  mayMutateDict,
  resolvedLiteral,
  splatValue,
  stringValue,
  unparenthesize,
} from '../utils/args.js';
import { withItemValue } from '../utils/calls.js';
import { HUB_LIBRARIES, HUB_LOAD_METHODS, isLocalPath } from '../vocabulary/hub.js';

type MessageIds = 'trustRemoteCode';

const KEY = 'trust_remote_code';
/** Keywords that commonly carry the repository id of a load, to tell a local folder from a Hub repository. */
const ID_KEYWORDS = ['pretrained_model_name_or_path', 'model_name_or_path', 'model_id', 'model', 'model_name', 'repo_id', 'path', 'pretrained', 'model_path'];

/**
 * ML503: `trust_remote_code=True` in a Hugging Face Hub load, which imports and runs the Python files of the model
 * (or data set) repository. A runtime opt-in (`trust_remote_code=args.trust_remote_code`, a parameter) is left alone,
 * and so is a load from an explicit local folder (`"./my-model"`), whose code the user already has on disk.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML503',
    name: 'trust-remote-code',
    severity: 'error',
    scope: 'file',
    fix: 'none',
    docs: { description: 'trust_remote_code=True runs Python code from the model repository' },
    triggers: [KEY],
    messages: {
      trustRemoteCode:
        '`{{call}}` runs with `trust_remote_code=True`{{via}}, which executes the Python code shipped in the repository it loads; prefer a natively supported model or data set, or review that code and pin `revision=` to a commit',
    },
  },
  create(context) {
    return {
      call(node) {
        const callee = node.childForFieldName('function');
        if (!callee) return;
        const qualified = context.resolve(node);
        const method = callee.type === NodeType.Attribute ? (callee.childForFieldName('attribute')?.text ?? null) : null;
        const root = qualified?.split('.')[0] ?? null;
        const isHubLoad = (method !== null && HUB_LOAD_METHODS.has(method)) || (root !== null && HUB_LIBRARIES.has(root));
        if (!isHubLoad) return;
        if (loadsLocalFolder(context, node) || behindOptIn(node)) return;
        const label = labelOf(callee);
        for (const arg of callArguments(node)) {
          if (arg.type === NodeType.KeywordArgument) {
            const name = arg.childForFieldName('name')?.text;
            const value = arg.childForFieldName('value');
            if (name === KEY) {
              const via = truthVia(context, value);
              if (via !== null) context.report({ node: arg, messageId: 'trustRemoteCode', data: { call: label, via } });
            } else if (value) {
              // `model_kwargs={"trust_remote_code": True}`, `tokenizer_kwargs=dict(trust_remote_code=True)`,
              // `model_kwargs=model_kwargs` bound to such a dict.
              const target = unparenthesize(value);
              if (target.type === NodeType.Identifier) {
                const via = namedDictTruth(context, target);
                if (via !== null) context.report({ node: arg, messageId: 'trustRemoteCode', data: { call: label, via } });
              } else {
                reportInDict(context, target, label);
              }
            }
          } else if (arg.type === NodeType.DictionarySplat) {
            const inner = splatValue(arg);
            if (!inner) continue;
            const target = unparenthesize(inner);
            if (target.type === NodeType.Identifier) {
              // `**model_kwargs` where `model_kwargs = {"trust_remote_code": True, …}`: report on the splat.
              const via = namedDictTruth(context, target);
              if (via !== null) context.report({ node: arg, messageId: 'trustRemoteCode', data: { call: label, via } });
            } else {
              reportInDict(context, target, label);
            }
          }
        }
      },
    };
  },
});

/** Reports `"trust_remote_code": True` inside a dict display or `dict(...)` given to a load. */
function reportInDict(context: RuleContext<MessageIds>, dict: SyntaxNode, label: string): void {
  const entry = literalDictEntries(dict)?.get(KEY);
  if (!entry) return;
  const via = truthVia(context, entry.value);
  if (via !== null) context.report({ node: entry.entry, messageId: 'trustRemoteCode', data: { call: label, via } });
}

/** For a name simply assigned a dict display or `dict(...)` holding `trust_remote_code` set to True: the `via` text. */
function namedDictTruth(context: RuleContext<MessageIds>, name: SyntaxNode): string | null {
  const def = definitionOf(context.file, name);
  if (def?.kind !== 'value' || mayMutateDict(context.file, name.text)) return null;
  const entry = literalDictEntries(def.node)?.get(KEY);
  return entry && truthVia(context, entry.value) !== null ? ` (through \`${name.text}\`)` : null;
}

/**
 * `''` when the value is the literal `True`, ` (through \`NAME\`)` when it is a name simply assigned `True`; null when
 * it is false or unknown (a CLI flag, a parameter, a config attribute).
 */
function truthVia(context: RuleContext<MessageIds>, value: SyntaxNode | null): string | null {
  if (!value) return null;
  const v = unparenthesize(value);
  if (v.type === NodeType.True) return '';
  if (v.type !== NodeType.Identifier) return null;
  const literal = resolvedLiteral(context.file, v);
  return literal?.kind === 'bool' && literal.value ? ` (through \`${v.text}\`)` : null;
}

/** Whether the call only runs when a run-time switch about remote code is on: `if args.trust_remote_code: …`. */
function behindOptIn(call: SyntaxNode): boolean {
  for (let child: SyntaxNode = call, p = call.parent; p; child = p, p = p.parent) {
    if (p.type === NodeType.FunctionDefinition || p.type === NodeType.ClassDefinition) return false;
    if (p.type === NodeType.IfStatement || p.type === NodeType.ElifClause || p.type === NodeType.ConditionalExpression) {
      const condition = p.type === NodeType.ConditionalExpression ? p.namedChildren[1] : p.childForFieldName('condition');
      if (condition && condition.startIndex !== child.startIndex && REMOTE_CODE_SWITCH.test(condition.text)) return true;
    }
  }
  return false;
}

const REMOTE_CODE_SWITCH = /trust_remote|remote_code/i;

function isParameterOfEnclosingFunction(id: SyntaxNode): boolean {
  for (let p = id.parent; p; p = p.parent) {
    if (p.type !== NodeType.FunctionDefinition) continue;
    const params = p.childForFieldName('parameters');
    return params !== null && params.namedChildren.some((c) => c.type === NodeType.Identifier && c.text === id.text);
  }
  return false;
}

/** pytest fixtures that hand a test a fresh local directory. */
const TEMP_DIR_FIXTURES: ReadonlySet<string> = new Set(['tmp_path', 'tmpdir']);

/** `datasets` builders packaged with the library: they run no code from a repository. */
const PACKAGED_BUILDERS: ReadonlySet<string> = new Set([
  'json',
  'csv',
  'parquet',
  'text',
  'arrow',
  'pandas',
  'imagefolder',
  'audiofolder',
  'videofolder',
  'webdataset',
  'sql',
  'generator',
  'xml',
  'spark',
  'cache',
]);

/**
 * Whether the load reads a plainly local folder (`"./ckpt"`, `"/models/x"`, `os.path.join(...)`, `Path(...)`,
 * `f"./runs/{name}"`) or a `datasets` packaged builder (`load_dataset("json", ...)`): no repository code is fetched.
 */
function loadsLocalFolder(context: RuleContext<MessageIds>, call: SyntaxNode): boolean {
  const first = argumentValue(call, 0, ...ID_KEYWORDS);
  if (!first) return false;
  return isLocalExpression(context, unparenthesize(first), 0) || isPackagedBuilder(context, call, first);
}

function isLocalExpression(context: RuleContext<MessageIds>, node: SyntaxNode, depth: number): boolean {
  if (depth > 4) return false;
  switch (node.type) {
    case NodeType.String:
    case NodeType.ConcatenatedString: {
      const literal = stringValue(node);
      if (literal !== null) return isLocalPath(literal);
      // An f-string: its literal head decides (`f"./runs/{name}"`, `f"{ROOT}/x"` is unknown).
      const head = node.type === NodeType.String ? node.children.find((c) => c.type === NodeType.StringContent) : null;
      const first = node.type === NodeType.String ? node.children[1] : null;
      return head !== undefined && head !== null && first?.startIndex === head.startIndex && isLocalPath(head.text);
    }
    case NodeType.Identifier: {
      const def = definitionOf(context.file, node);
      if (def?.kind === 'value') return isLocalExpression(context, unparenthesize(def.node), depth + 1);
      // pytest's temporary-directory fixtures: a folder the test itself just wrote.
      if (TEMP_DIR_FIXTURES.has(node.text) && (def?.kind === 'parameter' || (def === null && isParameterOfEnclosingFunction(node)))) return true;
      // `with tempfile.TemporaryDirectory() as tmpdir:`
      const opened = def === null ? withItemValue(node.text, node) : null;
      return opened !== null && isLocalExpression(context, unparenthesize(opened), depth + 1);
    }
    case NodeType.Call: {
      const qualified = context.resolve(node) ?? '';
      return /^(?:os\.path\.\w+|pathlib\.\w*Path|tempfile\.(?:TemporaryDirectory|mkdtemp|gettempdir))$/.test(qualified);
    }
    case NodeType.BinaryOperator: {
      // `MODELS / "phi-2"` on a pathlib.Path.
      const left = node.childForFieldName('left');
      return node.childForFieldName('operator')?.text === '/' && left !== null && isLocalExpression(context, unparenthesize(left), depth + 1);
    }
    default:
      return false;
  }
}

function isPackagedBuilder(context: RuleContext<MessageIds>, call: SyntaxNode, first: SyntaxNode): boolean {
  if (!context.resolve(call)?.startsWith('datasets.')) return false;
  const literal = resolvedLiteral(context.file, first);
  return literal?.kind === 'string' && PACKAGED_BUILDERS.has(literal.value);
}

function labelOf(callee: SyntaxNode): string {
  const written = callee.text.replace(/\s+/g, '');
  return written.length <= 60 ? written : `…${written.slice(-40)}`;
}
