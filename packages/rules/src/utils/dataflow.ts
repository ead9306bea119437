import { NodeType, type SyntaxNode } from '@mlops-lint/parser';

/**
 * A small intra-file data-flow helper: which expressions hold values that come from untrusted input (function
 * parameters, request data, `input()`, `sys.argv`, Streamlit text widgets), and which hold text built by splicing
 * such a value into a string (`+`, `%`, `.format`, f-strings, `.join`, `+=`).
 *
 * It follows names through simple assignments inside a function (with a position-based approximation of reaching
 * definitions: a plain assignment in a block that encloses the use hides the earlier ones), closures and the module,
 * list mutations (`messages.append(...)`), loop and comprehension variables, and calls of same-file helpers (the
 * helper's `return` values, with its parameters mapped to the call's arguments). Everything else — calls of unknown
 * functions, attributes of `self`, numbers — is clean, so callers stay quiet when unsure.
 */

/** One place where an untrusted value is spliced into text. */
export interface Splice {
  /** The splicing expression: an f-string, a `+`/`%` operation, a `.format`/`.join` call or an augmented `+=`. */
  readonly node: SyntaxNode;
  /** The untrusted operand. */
  readonly value: SyntaxNode;
}

/** What an expression's value is made of. */
export interface Flow {
  /** The value is untrusted input (possibly transformed, not yet spliced into text). */
  readonly user: boolean;
  /** Splices of untrusted input the value contains, the one closest to the expression first. */
  readonly splices: readonly Splice[];
  /** Parameters whose values reach the expression, as keys from {@link DataFlow.paramKey}. */
  readonly params: readonly string[];
}

const EMPTY: Flow = { user: false, splices: [], params: [] };
const MAX_DEPTH = 60;

type DefKind = 'param' | 'assign' | 'augment' | 'for' | 'append' | 'walrus' | 'with' | 'function' | 'opaque';

interface Def {
  kind: DefKind;
  node: SyntaxNode;
  /** The assigned expression (for `for`, the iterable; for `append`, the appended value). */
  value: SyntaxNode | null;
  /** The def is visible to uses that start at or after this offset. */
  at: number;
  /** A use inside this node certainly sees this def (it hides older ones); null when it never does. */
  dominates: SyntaxNode | null;
  /** The name is bound to an element of `value` (loop targets, unpacking). */
  element: boolean;
  /** For parameters: whether the parameter can carry text from a caller (not `self`, not an `int` …). */
  eligible: boolean;
  /** The scope node (function, lambda or module) that owns the def. */
  scope: SyntaxNode;
}

interface ScopeInfo {
  node: SyntaxNode;
  defs: Map<string, Def[]>;
}

const SCOPES = new Set<string>([NodeType.FunctionDefinition, NodeType.Lambda]);
const COMPREHENSIONS = new Set<string>(['list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension']);

/** Qualified names (and their attributes) that are request data or user input in themselves. */
const SOURCE_NAMES = /^(?:flask\.request|quart\.request|bottle\.request|sys\.argv|sys\.stdin)(?:\.|$)/;
/** Calls whose result is user input. */
const SOURCE_CALLS = /^(?:input|raw_input|click\.prompt|typer\.prompt|rich\.prompt\.Prompt\.ask|streamlit(?:\.sidebar)?\.(?:text_input|text_area|chat_input))$/;
/** Functions whose result carries their arguments' text. */
const PASS_THROUGH = new Set([
  'str',
  'list',
  'tuple',
  'sorted',
  'reversed',
  'enumerate',
  'zip',
  'dict',
  'json.dumps',
  'json.loads',
  'textwrap.dedent',
  'textwrap.indent',
  'textwrap.shorten',
  'textwrap.fill',
  'html.escape',
  'urllib.parse.unquote',
  'urllib.parse.unquote_plus',
]);
/** Chat message constructors: their text arguments become the message's content. */
const MESSAGE_CONSTRUCTOR = /(?:^|\.)(?:HumanMessage|SystemMessage|AIMessage|ChatMessage|UserMessage|AssistantMessage|SystemMessageParam|UserMessageParam|Part\.from_text|Content|Part)$/;
/** Methods of `str` that return text. */
const STRING_METHODS = new Set([
  'format',
  'format_map',
  'join',
  'strip',
  'lstrip',
  'rstrip',
  'lower',
  'upper',
  'title',
  'capitalize',
  'casefold',
  'replace',
  'removeprefix',
  'removesuffix',
  'center',
  'ljust',
  'rjust',
  'zfill',
  'expandtabs',
  'swapcase',
]);
/**
 * Methods whose result carries the receiver's data: text methods, mapping/request accessors (`data.get("q")`,
 * `request.get_json()`, `await request.json()`, `body.model_dump()`). Other methods of an untrusted object
 * (`retriever.invoke(q)`, `db.query(...)`) give values that are not the caller's input.
 */
const DATA_METHODS = new Set([
  'split',
  'rsplit',
  'splitlines',
  'partition',
  'rpartition',
  'encode',
  'decode',
  'get',
  'getlist',
  'items',
  'values',
  'keys',
  'pop',
  'copy',
  'get_json',
  'get_data',
  'json',
  'body',
  'form',
  'text',
  'dict',
  'model_dump',
  'model_dump_json',
  'to_dict',
  'read',
  'readline',
  'readlines',
  'receive_text',
  'receive_json',
  'tolist',
]);
/**
 * Keys of message/content-part dicts whose values are not prompt text (`{"type": "image_url", "image_url": {"url":
 * f"data:{mime};base64,{b64}"}}`).
 */
const NON_TEXT_KEYS = new Set([
  'role',
  'name',
  'type',
  'image_url',
  'url',
  'source',
  'data',
  'media_type',
  'mime_type',
  'detail',
  'tool_call_id',
  'id',
  'model',
  'cache_control',
  'file_id',
  'image',
  'input_audio',
  'audio',
  'file',
]);
/** Parameter annotations that cannot carry free text. */
const NON_TEXT_ANNOTATION =
  /^(?:int|float|bool|complex|(?:typing\.)?Literal\[.*\]|datetime(?:\.\w+)?|date|time|timedelta|(?:pathlib\.)?Path|torch\.\w+(?:\.\w+)*|np\.\w+|numpy\.\w+|nn\.Module|Tensor|(?:\w+\.)*Tensor|(?:\w+\.)*device|(?:\w+\.)*dtype)$/;

function key(node: SyntaxNode): string {
  return `${node.startIndex}:${node.endIndex}:${node.type}`;
}

function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

function union(flows: readonly Flow[]): Flow {
  if (flows.length === 0) return EMPTY;
  if (flows.length === 1) return flows[0] as Flow;
  const splices: Splice[] = [];
  const seen = new Set<string>();
  const params = new Set<string>();
  let user = false;
  for (const f of flows) {
    user ||= f.user;
    for (const s of f.splices) {
      const k = key(s.node);
      if (!seen.has(k)) {
        seen.add(k);
        splices.push(s);
      }
    }
    for (const p of f.params) params.add(p);
  }
  return { user, splices, params: [...params] };
}

function isFString(node: SyntaxNode): boolean {
  if (node.type !== NodeType.String) return false;
  const start = node.firstChild;
  return start !== null && /^[a-zA-Z]*[fF][a-zA-Z]*["']/.test(start.text);
}

/** Text that only separates pieces (whitespace, newlines, rules such as `---`), not instructions. */
function isSeparatorText(content: string): boolean {
  return /^[\s\-=*#_.,:;|]*$/.test(content.replace(/\\[ntr]/g, ' '));
}

/** A plain string literal that only separates pieces (see {@link isSeparatorText}). */
function isSeparator(node: SyntaxNode): boolean {
  if (node.type !== NodeType.String || isFString(node)) return false;
  return isSeparatorText(node.namedChildren.filter((c) => c.type === NodeType.StringContent).map((c) => c.text).join(''));
}

/** The expression of a call's positional and keyword arguments. */
export function callArguments(call: SyntaxNode): { positional: SyntaxNode[]; keywords: Map<string, SyntaxNode>; splats: SyntaxNode[] } {
  const positional: SyntaxNode[] = [];
  const keywords = new Map<string, SyntaxNode>();
  const splats: SyntaxNode[] = [];
  const args = call.childForFieldName('arguments');
  if (!args) return { positional, keywords, splats };
  if (args.type !== NodeType.ArgumentList) {
    positional.push(args);
    return { positional, keywords, splats };
  }
  for (const a of args.namedChildren) {
    if (a.type === NodeType.Comment) continue;
    if (a.type === NodeType.KeywordArgument) {
      const name = a.childForFieldName('name');
      const value = a.childForFieldName('value');
      if (name && value) keywords.set(name.text, value);
    } else if (a.type === NodeType.DictionarySplat) {
      const inner = a.firstNamedChild;
      if (inner) splats.push(inner);
    } else if (a.type === NodeType.ListSplat) {
      const inner = a.firstNamedChild;
      if (inner) positional.push(inner);
    } else positional.push(a);
  }
  return { positional, keywords, splats };
}

/** The parameter nodes of a function or lambda, with their names, in order. */
export function parametersOf(fn: SyntaxNode): Array<{ name: string; node: SyntaxNode }> {
  const params = fn.childForFieldName('parameters');
  const out: Array<{ name: string; node: SyntaxNode }> = [];
  if (!params) return out;
  for (const p of params.namedChildren) {
    let nameNode: SyntaxNode | null = null;
    switch (p.type) {
      case NodeType.Identifier:
        nameNode = p;
        break;
      case NodeType.DefaultParameter:
      case NodeType.TypedDefaultParameter:
        nameNode = p.childForFieldName('name');
        break;
      case NodeType.TypedParameter:
      case NodeType.ListSplatPattern:
      case NodeType.DictionarySplatPattern:
        nameNode = p.namedChildren.find((c) => c.type === NodeType.Identifier) ?? null;
        if (!nameNode && p.type === NodeType.TypedParameter) {
          const inner = p.namedChildren.find((c) => c.type === NodeType.ListSplatPattern || c.type === NodeType.DictionarySplatPattern);
          nameNode = inner?.namedChildren.find((c) => c.type === NodeType.Identifier) ?? null;
        }
        break;
      default:
        break;
    }
    if (nameNode?.type === NodeType.Identifier) out.push({ name: nameNode.text, node: p });
  }
  return out;
}

function annotationText(node: SyntaxNode): string {
  let text = node.text.replace(/\s+/g, '');
  for (;;) {
    const before = text;
    text = text.replace(/^(?:typing\.)?Optional\[(.*)\]$/, '$1').replace(/^(.*)\|None$/, '$1').replace(/^None\|(.*)$/, '$1');
    text = text.replace(/^(?:typing\.)?Annotated\[([^,]*),.*\]$/, '$1');
    if (text === before) return text;
  }
}

/** Whether a parameter can carry text from a caller. */
function eligibleParameter(name: string, node: SyntaxNode): boolean {
  if (name === 'self' || name === 'cls') return false;
  const annotation = node.childForFieldName('type');
  if (annotation) {
    const text = annotationText(annotation);
    if (NON_TEXT_ANNOTATION.test(text)) return false;
    return true;
  }
  const value = node.childForFieldName('value');
  if (value && (value.type === NodeType.Integer || value.type === NodeType.Float || value.type === NodeType.True || value.type === NodeType.False || value.type === 'unary_operator')) {
    return false;
  }
  return true;
}

const TARGET_CONTAINERS = new Set<string>([
  'pattern_list',
  'tuple_pattern',
  'list_pattern',
  NodeType.Tuple,
  NodeType.List,
  NodeType.ParenthesizedExpression,
  'as_pattern_target',
  'list_splat_pattern',
]);

/** Identifiers bound by an assignment/loop target, in source order. Iterative: `((((a, b))))` can nest deep. */
function targetNames(target: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [target];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    if (node.type === NodeType.Identifier) out.push(node);
    else if (TARGET_CONTAINERS.has(node.type)) {
      const children = node.namedChildren;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as SyntaxNode);
    }
  }
  return out;
}

/** The nearest block (or module) holding a statement: a plain assignment there holds for every later use inside it. */
function enclosingBlock(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === NodeType.Block || p.type === NodeType.Module) return p;
    if (SCOPES.has(p.type)) return null;
  }
  return null;
}

/**
 * Data flow over one parsed file. `resolve` is the rule context's resolver (qualified names through imports).
 * All results are cached per node; create one per file.
 */
export class DataFlow {
  private readonly scopes = new Map<string, ScopeInfo>();
  private readonly flows = new Map<string, Flow>();
  private readonly defFlows = new Map<string, Flow>();
  private readonly returnFlows = new Map<string, Flow>();
  private readonly active = new Set<string>();
  private readonly selfAttributes = new Map<string, Map<string, SyntaxNode[]>>();
  private depth = 0;

  constructor(
    private readonly root: SyntaxNode,
    private readonly resolve: (node: SyntaxNode) => string | null,
  ) {}

  /** The key of a parameter in {@link Flow.params}. */
  static paramKey(fn: SyntaxNode, name: string): string {
    return `${fn.startIndex}:${name}`;
  }

  /** What an expression's value is made of. */
  evaluate(expr: SyntaxNode): Flow {
    const k = key(expr);
    const cached = this.flows.get(k);
    if (cached) return cached;
    if (this.active.has(k) || this.depth > MAX_DEPTH) return EMPTY;
    this.active.add(k);
    this.depth++;
    let result: Flow;
    try {
      result = this.compute(expr);
    } finally {
      this.depth--;
      this.active.delete(k);
    }
    this.flows.set(k, result);
    return result;
  }

  /** Whether an expression holds untrusted input or text spliced from it. */
  isUserDerived(expr: SyntaxNode): boolean {
    const f = this.evaluate(expr);
    return f.user || f.splices.length > 0;
  }

  /** The function or lambda whose body holds a node, or null at module level. */
  functionOf(node: SyntaxNode): SyntaxNode | null {
    for (let p = node.parent; p; p = p.parent) {
      if (SCOPES.has(p.type) && this.inBodyOrParams(p, node)) return p;
    }
    return null;
  }

  /**
   * The expressions a name may hold at a use: the values of the reaching assignments (loop targets and unpacking
   * give their whole right-hand side). Parameters and other bindings give nothing.
   */
  valuesOf(name: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (const d of this.definitions(name)) if ((d.kind === 'assign' || d.kind === 'walrus') && d.value && !d.element) out.push(d.value);
    return out;
  }

  /**
   * The same-file function a call runs: a function bound to the callee's name in scope, or a method of the
   * enclosing class called through `self.`/`cls.`. `bound` says the first parameter receives the instance.
   */
  calleeFunction(call: SyntaxNode): { fn: SyntaxNode; bound: boolean } | null {
    const callee = call.childForFieldName('function');
    if (!callee) return null;
    if (callee.type === NodeType.Identifier) {
      const defs = this.definitions(callee);
      const last = defs[0];
      if (last && last.kind === 'function') return { fn: last.node, bound: false };
      return null;
    }
    if (callee.type === NodeType.Attribute) {
      const object = callee.childForFieldName('object');
      const attribute = callee.childForFieldName('attribute');
      if (!object || !attribute || object.type !== NodeType.Identifier || (object.text !== 'self' && object.text !== 'cls')) return null;
      const method = this.functionOf(call);
      const cls = method ? this.classOf(method) : null;
      if (!cls) return null;
      const fn = this.methodOf(cls, attribute.text);
      return fn ? { fn, bound: true } : null;
    }
    return null;
  }

  /** The class a method is defined in (directly in its body), or null. */
  classOf(fn: SyntaxNode): SyntaxNode | null {
    let p = fn.parent;
    if (p?.type === NodeType.DecoratedDefinition) p = p.parent;
    if (p?.type !== NodeType.Block) return null;
    const cls = p.parent;
    return cls?.type === NodeType.ClassDefinition ? cls : null;
  }

  /** A method of a class by name. */
  methodOf(cls: SyntaxNode, name: string): SyntaxNode | null {
    const body = cls.childForFieldName('body');
    if (!body) return null;
    for (const stmt of body.namedChildren) {
      const def = stmt.type === NodeType.DecoratedDefinition ? stmt.childForFieldName('definition') : stmt;
      if (def?.type === NodeType.FunctionDefinition && def.childForFieldName('name')?.text === name) return def;
    }
    return null;
  }

  /** Values assigned to `self.<name>` in the methods of a class (`self.llm = ChatOpenAI(...)`). */
  selfAttributeValues(cls: SyntaxNode, name: string): SyntaxNode[] {
    // Every `self.<attr> = value` of the class, by attribute, read once per class (asked for each `self.x.y()` call).
    const key = `${cls.startIndex}:${cls.endIndex}`;
    let byName = this.selfAttributes.get(key);
    if (!byName) {
      byName = new Map();
      for (const a of cls.descendantsOfType(NodeType.Assignment)) {
        const left = a.childForFieldName('left');
        const right = a.childForFieldName('right');
        if (left?.type !== NodeType.Attribute || !right || left.childForFieldName('object')?.text !== 'self') continue;
        const attr = left.childForFieldName('attribute')?.text;
        if (attr === undefined) continue;
        const list = byName.get(attr);
        if (list) list.push(right);
        else byName.set(attr, [right]);
      }
      this.selfAttributes.set(key, byName);
    }
    return [...(byName.get(name) ?? [])];
  }

  /** Whether the value of an expression is text, a list, or unknown (for telling string `+` from list `+`). */
  kindOf(expr: SyntaxNode, depth = 0): 'string' | 'list' | 'unknown' {
    if (depth > 8) return 'unknown';
    switch (expr.type) {
      case NodeType.String:
      case NodeType.ConcatenatedString:
        return 'string';
      case NodeType.List:
      case 'list_comprehension':
        return 'list';
      case NodeType.ParenthesizedExpression: {
        const inner = expr.firstNamedChild;
        return inner ? this.kindOf(inner, depth + 1) : 'unknown';
      }
      case NodeType.ConditionalExpression: {
        const a = expr.namedChildren[0];
        const b = expr.namedChildren[2];
        const ka = a ? this.kindOf(a, depth + 1) : 'unknown';
        return ka !== 'unknown' ? ka : b ? this.kindOf(b, depth + 1) : 'unknown';
      }
      case NodeType.BinaryOperator: {
        const op = expr.childForFieldName('operator')?.text;
        const left = expr.childForFieldName('left');
        const right = expr.childForFieldName('right');
        if (!left || !right) return 'unknown';
        const kl = this.kindOf(left, depth + 1);
        if (op === '%') return kl === 'string' ? 'string' : 'unknown';
        if (op !== '+' && op !== '*') return 'unknown';
        const kr = this.kindOf(right, depth + 1);
        if (kl === 'list' || kr === 'list') return 'list';
        if (kl === 'string' || kr === 'string') return 'string';
        return 'unknown';
      }
      case NodeType.Call: {
        const fn = expr.childForFieldName('function');
        if (fn?.type === NodeType.Attribute) {
          const attr = fn.childForFieldName('attribute')?.text ?? '';
          if (STRING_METHODS.has(attr)) {
            const object = fn.childForFieldName('object');
            // `os.path.join` is not `str.join`.
            if (attr === 'join' && object && object.type !== NodeType.String && this.kindOf(object, depth + 1) !== 'string') return 'unknown';
            return 'string';
          }
        }
        const q = this.resolve(expr);
        if (q === 'str' || q === 'repr' || q === 'textwrap.dedent' || q === 'json.dumps' || q === 'textwrap.fill') return 'string';
        if (q === 'list' || q === 'sorted') return 'list';
        const helper = this.calleeFunction(expr);
        if (helper) {
          for (const r of this.returnValues(helper.fn)) {
            const k = this.kindOf(r, depth + 1);
            if (k !== 'unknown') return k;
          }
        }
        return 'unknown';
      }
      case NodeType.Identifier: {
        for (const d of this.definitions(expr)) {
          if (d.kind === 'param') {
            const annotation = d.node.childForFieldName('type');
            if (annotation) {
              const text = annotationText(annotation);
              if (text === 'str') return 'string';
              if (/^(?:typing\.)?(?:list|List|Sequence|Iterable)\b/.test(text)) return 'list';
            }
            continue;
          }
          if (d.kind === 'append') return 'list';
          if ((d.kind === 'assign' || d.kind === 'augment' || d.kind === 'walrus') && d.value && !d.element) {
            const k = this.kindOf(d.value, depth + 1);
            if (k !== 'unknown') return k;
          }
        }
        return 'unknown';
      }
      default:
        return 'unknown';
    }
  }

  /** The expressions a function returns (not those of nested functions); a lambda returns its body. */
  returnValues(fn: SyntaxNode): SyntaxNode[] {
    const body = fn.childForFieldName('body');
    if (!body) return [];
    if (fn.type === NodeType.Lambda) return [body];
    const out: SyntaxNode[] = [];
    const walk = (node: SyntaxNode): void => {
      for (const child of node.namedChildren) {
        if (child.type === NodeType.FunctionDefinition || child.type === NodeType.ClassDefinition || child.type === NodeType.Lambda) continue;
        if (child.type === NodeType.ReturnStatement) {
          const value = child.firstNamedChild;
          if (value) out.push(value);
          continue;
        }
        walk(child);
      }
    };
    walk(body);
    return out;
  }

  // ---- evaluation -------------------------------------------------------------------------------------------

  private compute(expr: SyntaxNode): Flow {
    switch (expr.type) {
      case NodeType.Identifier:
        return this.identifierFlow(expr);
      case NodeType.Attribute: {
        const q = this.resolve(expr);
        if (q !== null && SOURCE_NAMES.test(q)) return { user: true, splices: [], params: [] };
        const object = expr.childForFieldName('object');
        if (!object) return EMPTY;
        if (object.type === NodeType.Identifier && object.text === 'self') return this.selfAttributeFlow(expr);
        const f = this.evaluate(object);
        return f.user || f.params.length > 0 ? { user: f.user, splices: [], params: f.params } : EMPTY;
      }
      case NodeType.Subscript: {
        const value = expr.childForFieldName('value');
        return value ? this.evaluate(value) : EMPTY;
      }
      case NodeType.Call:
        return this.callFlow(expr);
      case NodeType.String:
        return this.stringFlow(expr);
      case NodeType.ConcatenatedString: {
        const parts = expr.namedChildren.filter((c) => c.type === NodeType.String);
        const flows = parts.map((p) => this.evaluate(p));
        const origins = flows.flatMap((f) => f.splices.filter((s) => parts.some((p) => key(p) === key(s.node))));
        if (origins.length > 0) {
          // The implicit concatenation is one literal: report it as a whole.
          const first = origins[0] as Splice;
          const rest = union(flows);
          return { user: false, splices: [{ node: expr, value: first.value }, ...rest.splices.filter((s) => !origins.includes(s))], params: rest.params };
        }
        return union(flows);
      }
      case NodeType.BinaryOperator:
        return this.binaryFlow(expr);
      case NodeType.ParenthesizedExpression:
      case NodeType.Await:
      case 'expression_list':
      case NodeType.Tuple:
      case NodeType.List:
      case 'set':
        return union(expr.namedChildren.filter((c) => c.type !== NodeType.Comment).map((c) => this.evaluate(c)));
      case NodeType.ListSplat:
      case NodeType.DictionarySplat: {
        const inner = expr.firstNamedChild;
        return inner ? this.evaluate(inner) : EMPTY;
      }
      case NodeType.Dictionary:
        return union(
          expr.namedChildren.map((c) => {
            if (c.type === NodeType.Pair) {
              const k = c.childForFieldName('key');
              if (k?.type === NodeType.String && !isFString(k) && NON_TEXT_KEYS.has(k.text.slice(1, -1))) return EMPTY;
              const v = c.childForFieldName('value');
              return v ? this.evaluate(v) : EMPTY;
            }
            if (c.type === NodeType.DictionarySplat) return this.evaluate(c);
            return EMPTY;
          }),
        );
      case NodeType.ConditionalExpression: {
        const a = expr.namedChildren[0];
        const b = expr.namedChildren[2];
        return union([a ? this.evaluate(a) : EMPTY, b ? this.evaluate(b) : EMPTY]);
      }
      case NodeType.BooleanOperator: {
        const a = expr.childForFieldName('left');
        const b = expr.childForFieldName('right');
        return union([a ? this.evaluate(a) : EMPTY, b ? this.evaluate(b) : EMPTY]);
      }
      case 'named_expression': {
        const v = expr.childForFieldName('value');
        return v ? this.evaluate(v) : EMPTY;
      }
      case 'list_comprehension':
      case 'generator_expression':
      case 'set_comprehension': {
        const body = expr.childForFieldName('body');
        return body ? this.evaluate(body) : EMPTY;
      }
      case 'dictionary_comprehension': {
        const body = expr.childForFieldName('body');
        const v = body?.childForFieldName('value');
        return v ? this.evaluate(v) : EMPTY;
      }
      case NodeType.KeywordArgument: {
        const v = expr.childForFieldName('value');
        return v ? this.evaluate(v) : EMPTY;
      }
      default:
        return EMPTY;
    }
  }

  /**
   * `self.<name>` inside a method: what the same method stored in it before (`self.history = [...]`,
   * `self.history.append(...)`). State written by other methods is not followed.
   */
  private selfAttributeFlow(expr: SyntaxNode): Flow {
    const name = expr.childForFieldName('attribute')?.text;
    const fn = this.functionOf(expr);
    if (!name || !fn) return EMPTY;
    const isSelfName = (n: SyntaxNode | null): boolean =>
      n?.type === NodeType.Attribute && n.childForFieldName('object')?.text === 'self' && n.childForFieldName('attribute')?.text === name;
    const flows: Flow[] = [];
    for (const n of fn.descendantsOfType([NodeType.Assignment, NodeType.Call])) {
      if (n.endIndex > expr.startIndex || this.functionOf(n)?.startIndex !== fn.startIndex) continue;
      if (n.type === NodeType.Assignment) {
        const right = n.childForFieldName('right');
        if (right && isSelfName(n.childForFieldName('left'))) flows.push(this.evaluate(right));
        continue;
      }
      const callee = n.childForFieldName('function');
      const method = callee?.type === NodeType.Attribute ? callee.childForFieldName('attribute')?.text : undefined;
      if (callee && (method === 'append' || method === 'extend' || method === 'insert') && isSelfName(callee.childForFieldName('object'))) {
        const { positional } = callArguments(n);
        const value = method === 'insert' ? positional[1] : positional[0];
        if (value) flows.push(this.evaluate(value));
      }
    }
    return union(flows);
  }

  private stringFlow(expr: SyntaxNode): Flow {
    if (!isFString(expr)) return EMPTY;
    const flows: Flow[] = [];
    let value: SyntaxNode | null = null;
    let other = !isSeparatorText(expr.namedChildren.filter((c) => c.type === NodeType.StringContent).map((c) => c.text).join(''));
    for (const child of expr.namedChildren) {
      if (child.type !== NodeType.Interpolation) continue;
      const e = child.childForFieldName('expression') ?? child.firstNamedChild;
      if (!e) continue;
      const f = this.evaluate(e);
      if (f.user && value === null) value = e;
      if (!f.user) other = true;
      flows.push(f);
    }
    const all = union(flows);
    if (value && other) return { user: false, splices: [{ node: expr, value }, ...all.splices], params: all.params };
    // `f"{question}"`, `f"{context}\n\n{question}"`: untrusted text only, nothing spliced into it.
    return { user: value !== null, splices: all.splices, params: all.params };
  }

  private binaryFlow(expr: SyntaxNode): Flow {
    const op = expr.childForFieldName('operator')?.text;
    const left = expr.childForFieldName('left');
    const right = expr.childForFieldName('right');
    if (!left || !right) return EMPTY;
    if (op === '+') {
      const operands = this.plusOperands(expr);
      const flows = operands.map((o) => this.evaluate(o));
      const all = union(flows);
      const kinds = operands.map((o) => this.kindOf(o));
      if (kinds.includes('list')) return all;
      const text = kinds.includes('string') || flows.some((f) => f.splices.length > 0);
      if (!text) return all;
      const userIndex = flows.findIndex((f) => f.user);
      if (userIndex < 0) return { user: false, splices: all.splices, params: all.params };
      const other = operands.some((o, i) => !(flows[i] as Flow).user && !isSeparator(o));
      if (!other) return all;
      return { user: false, splices: [{ node: expr, value: operands[userIndex] as SyntaxNode }, ...all.splices], params: all.params };
    }
    if (op === '%') {
      const lf = this.evaluate(left);
      const rf = this.evaluate(right);
      const all = union([lf, rf]);
      if (this.kindOf(left) !== 'string') return { user: false, splices: all.splices, params: all.params };
      // `TEMPLATE % {"name": value}` fills a named template; an inline literal or positional values splice.
      const named = left.type !== NodeType.String && left.type !== NodeType.ConcatenatedString && right.type === NodeType.Dictionary;
      if (!rf.user || named) return { user: false, splices: all.splices, params: all.params };
      return { user: false, splices: [{ node: expr, value: right }, ...all.splices], params: all.params };
    }
    return EMPTY;
  }

  /** Operands of a chain of `+` (`a + b + c`), in source order. */
  private plusOperands(expr: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    // Iterative, right operand pushed first: a chain of thousands of `+` must not overflow the stack.
    const stack: SyntaxNode[] = [expr];
    while (stack.length > 0) {
      const n = stack.pop() as SyntaxNode;
      if (n.type === NodeType.BinaryOperator && n.childForFieldName('operator')?.text === '+') {
        const l = n.childForFieldName('left');
        const r = n.childForFieldName('right');
        if (r) stack.push(r);
        if (l) stack.push(l);
      } else out.push(n);
    }
    return out;
  }

  private callFlow(call: SyntaxNode): Flow {
    const fn = call.childForFieldName('function');
    if (!fn) return EMPTY;
    const q = this.resolve(call);
    if (q !== null && SOURCE_CALLS.test(q)) return { user: true, splices: [], params: [] };

    const helper = this.calleeFunction(call);
    if (helper) return this.helperFlow(call, helper.fn, helper.bound);

    const { positional, keywords, splats } = callArguments(call);
    const argFlows = (): Flow => union([...positional, ...keywords.values(), ...splats].map((a) => this.evaluate(a)));

    if (fn.type === NodeType.Attribute) {
      const attr = fn.childForFieldName('attribute')?.text ?? '';
      const object = fn.childForFieldName('object');
      if (!object) return EMPTY;
      const inline = object.type === NodeType.String || object.type === NodeType.ConcatenatedString;
      if (attr === 'format' || attr === 'format_map') {
        const of = this.evaluate(object);
        const pos = positional.map((a) => ({ a, f: this.evaluate(a) }));
        const kw = [...keywords.values(), ...splats].map((a) => ({ a, f: this.evaluate(a) }));
        const all = union([of, ...pos.map((x) => x.f), ...kw.map((x) => x.f)]);
        // Named fields of a template kept apart (`TEMPLATE.format(question=q)`) are the fix; inline literals and
        // positional fields splice.
        const hit = attr === 'format' ? (pos.find((x) => x.f.user) ?? (inline ? kw.find((x) => x.f.user) : undefined)) : inline ? pos.find((x) => x.f.user) : undefined;
        if (hit) {
          return { user: false, splices: [{ node: call, value: hit.a }, ...all.splices], params: all.params };
        }
        return { user: false, splices: all.splices, params: all.params };
      }
      if (attr === 'join' && (inline || this.kindOf(object) === 'string')) {
        const arg = positional[0];
        if (!arg) return EMPTY;
        const f = this.evaluate(arg);
        if (!f.user) return { user: false, splices: f.splices, params: f.params };
        // Joining untrusted pieces keeps them untrusted; joining them with instructions splices.
        const literalItems = arg.type === NodeType.List || arg.type === NodeType.Tuple ? arg.namedChildren.filter((c) => c.type !== NodeType.Comment) : [];
        const other = !isSeparator(object) || literalItems.some((c) => !this.evaluate(c).user && !isSeparator(c));
        if (other) return { user: false, splices: [{ node: call, value: arg }, ...f.splices], params: f.params };
        return f;
      }
      if (q !== null && (PASS_THROUGH.has(q) || MESSAGE_CONSTRUCTOR.test(q))) return argFlows();
      if (!STRING_METHODS.has(attr) && !DATA_METHODS.has(attr)) return EMPTY;
      return this.evaluate(object);
    }
    if (q !== null && (PASS_THROUGH.has(q) || MESSAGE_CONSTRUCTOR.test(q))) return argFlows();
    return EMPTY;
  }

  /** A call of a same-file function: its return values, with its parameters standing for the call's arguments. */
  private helperFlow(call: SyntaxNode, fn: SyntaxNode, bound: boolean): Flow {
    const fk = key(fn);
    let ret = this.returnFlows.get(fk);
    if (!ret) {
      if (this.active.has(`fn:${fk}`)) return EMPTY;
      this.active.add(`fn:${fk}`);
      try {
        ret = union(this.returnValues(fn).map((r) => this.evaluate(r)));
      } finally {
        this.active.delete(`fn:${fk}`);
      }
      this.returnFlows.set(fk, ret);
    }
    if (!ret.user && ret.splices.length === 0 && ret.params.length === 0) return EMPTY;
    const params = parametersOf(fn);
    const offset = bound && params.length > 0 && (params[0]?.name === 'self' || params[0]?.name === 'cls') ? 1 : 0;
    const { positional, keywords } = callArguments(call);
    const own = new Set(ret.params.filter((p) => p.startsWith(`${fn.startIndex}:`)).map((p) => p.slice(p.indexOf(':') + 1)));
    const mapped: Flow[] = [];
    params.forEach((p, i) => {
      if (!own.has(p.name)) return;
      const byKeyword = keywords.get(p.name);
      const byPosition = i - offset >= 0 ? positional[i - offset] : undefined;
      const arg = byKeyword ?? byPosition;
      if (arg) mapped.push(this.evaluate(arg));
    });
    const args = union(mapped);
    const foreign = ret.params.filter((p) => !p.startsWith(`${fn.startIndex}:`));
    // The helper is transparent: its splices of parameters count when the caller passes untrusted values.
    const fromParams = own.size > 0;
    const keep = !fromParams || args.user;
    const user = ret.user && (!fromParams || args.user);
    return {
      user,
      splices: keep ? [...ret.splices, ...args.splices] : args.splices,
      params: [...new Set([...args.params, ...foreign])],
    };
  }

  private identifierFlow(id: SyntaxNode): Flow {
    const comp = this.comprehensionBinding(id);
    if (comp) return this.evaluate(comp);
    const q = this.resolve(id);
    if (q !== null && SOURCE_NAMES.test(q)) return { user: true, splices: [], params: [] };
    const defs = this.definitions(id);
    return union(defs.map((d) => this.defFlow(d)));
  }

  /** The iterable of the comprehension clause that binds an identifier used inside the comprehension. */
  private comprehensionBinding(id: SyntaxNode): SyntaxNode | null {
    for (let p = id.parent; p; p = p.parent) {
      if (SCOPES.has(p.type) || p.type === NodeType.Module) return null;
      if (!COMPREHENSIONS.has(p.type)) continue;
      for (const clause of p.namedChildren) {
        if (clause.type !== 'for_in_clause') continue;
        const left = clause.childForFieldName('left');
        const right = clause.childForFieldName('right');
        if (!left || !right || contains(right, id) || contains(left, id)) continue;
        if (targetNames(left).some((n) => n.text === id.text)) return right;
      }
    }
    return null;
  }

  private defFlow(d: Def): Flow {
    const k = key(d.node) + d.kind;
    const cached = this.defFlows.get(k);
    if (cached) return cached;
    if (this.active.has(k)) return EMPTY;
    this.active.add(k);
    let result: Flow;
    try {
      result = this.computeDef(d);
    } finally {
      this.active.delete(k);
    }
    this.defFlows.set(k, result);
    return result;
  }

  private computeDef(d: Def): Flow {
    switch (d.kind) {
      case 'param': {
        const name = parametersOf(d.scope).find((p) => key(p.node) === key(d.node))?.name ?? '';
        if (name === 'self' || name === 'cls') return EMPTY;
        return { user: d.eligible, splices: [], params: [DataFlow.paramKey(d.scope, name)] };
      }
      case 'assign':
      case 'walrus':
      case 'with':
      case 'append':
      case 'for':
        return d.value ? this.evaluate(d.value) : EMPTY;
      case 'augment': {
        const target = d.node.childForFieldName('left');
        const op = d.node.childForFieldName('operator')?.text;
        if (!d.value || !target) return EMPTY;
        const rf = this.evaluate(d.value);
        const prior = union(this.definitions(target, d.node.startIndex).map((x) => this.defFlow(x)));
        const all = union([rf, prior]);
        if (op !== '+=' || !rf.user) return { user: prior.user, splices: all.splices, params: all.params };
        const kinds = [this.kindOf(d.value), this.kindOfName(target, d.node.startIndex)];
        if (kinds.includes('list')) return all;
        if (kinds.includes('string') || prior.splices.length > 0) {
          return { user: false, splices: [{ node: d.node, value: d.value }, ...all.splices], params: all.params };
        }
        return all;
      }
      default:
        return EMPTY;
    }
  }

  private kindOfName(id: SyntaxNode, before: number): 'string' | 'list' | 'unknown' {
    for (const d of this.definitions(id, before)) {
      if (d.kind === 'append') return 'list';
      if ((d.kind === 'assign' || d.kind === 'augment') && d.value && !d.element) {
        const k = this.kindOf(d.value);
        if (k !== 'unknown') return k;
      }
    }
    return 'unknown';
  }

  // ---- scopes and definitions -------------------------------------------------------------------------------

  private inBodyOrParams(fn: SyntaxNode, node: SyntaxNode): boolean {
    const body = fn.childForFieldName('body');
    const params = fn.childForFieldName('parameters');
    if (body && contains(body, node)) return true;
    return params !== null && contains(params, node) && node.parent?.type !== NodeType.DefaultParameter && node.parent?.type !== NodeType.TypedDefaultParameter;
  }

  /** Scope nodes from the innermost around a node out to the module. */
  private scopeChain(node: SyntaxNode): SyntaxNode[] {
    const chain: SyntaxNode[] = [];
    let current: SyntaxNode = node;
    for (;;) {
      const fn = this.functionOf(current);
      if (!fn) break;
      chain.push(fn);
      current = fn;
    }
    chain.push(this.root);
    return chain;
  }

  /**
   * The definitions of a name that may reach a use, newest first. In the use's own scope, a plain assignment in a
   * block enclosing the use hides older ones; names from enclosing scopes give all their definitions.
   */
  private definitions(id: SyntaxNode, before: number = id.startIndex): Def[] {
    const chain = this.scopeChain(id);
    for (let i = 0; i < chain.length; i++) {
      const scope = this.scope(chain[i] as SyntaxNode);
      const defs = scope.defs.get(id.text);
      if (!defs || defs.length === 0) continue;
      if (i > 0) return [...defs].reverse();
      const earlier = defs.filter((d) => d.at <= before).sort((a, b) => b.at - a.at);
      if (earlier.length === 0) return [...defs].reverse();
      const out: Def[] = [];
      for (const d of earlier) {
        out.push(d);
        if (d.dominates && contains(d.dominates, id)) break;
      }
      return out;
    }
    return [];
  }

  private scope(node: SyntaxNode): ScopeInfo {
    const k = key(node);
    let scope = this.scopes.get(k);
    if (scope) return scope;
    scope = { node, defs: new Map() };
    this.scopes.set(k, scope);
    const s = scope;
    const add = (name: string, d: Omit<Def, 'scope' | 'eligible'> & { eligible?: boolean }): void => {
      let list = s.defs.get(name);
      if (!list) {
        list = [];
        s.defs.set(name, list);
      }
      list.push({ eligible: false, ...d, scope: node });
    };
    if (node.type !== NodeType.Module) {
      const body = node.childForFieldName('body');
      for (const p of parametersOf(node)) {
        add(p.name, { kind: 'param', node: p.node, value: null, at: node.startIndex, dominates: body, element: false, eligible: eligibleParameter(p.name, p.node) });
      }
      if (node.type === NodeType.Lambda) return scope;
    }
    const body = node.type === NodeType.Module ? node : node.childForFieldName('body');
    if (!body) return scope;

    // A pre-order walk with an explicit stack (trees nest thousands deep in generated code). A def that must be
    // added after its value's own defs (`x = (y := 1)`) goes on the stack as a callback under that value.
    const work: Array<SyntaxNode | (() => void)> = [];
    const visit = (n: SyntaxNode): void => {
      switch (n.type) {
        case NodeType.FunctionDefinition:
        case NodeType.ClassDefinition: {
          const name = n.childForFieldName('name');
          if (name) add(name.text, { kind: n.type === NodeType.FunctionDefinition ? 'function' : 'opaque', node: n, value: null, at: n.startIndex, dominates: enclosingBlock(n), element: false });
          return;
        }
        case NodeType.Lambda:
          return;
        case 'list_comprehension':
        case 'generator_expression':
        case 'set_comprehension':
        case 'dictionary_comprehension':
          // Their loop variables are their own; walrus targets inside them are rare enough to ignore.
          return;
        case NodeType.Assignment: {
          const targets: SyntaxNode[] = [];
          let right = n.childForFieldName('right');
          const left = n.childForFieldName('left');
          if (left) targets.push(left);
          while (right?.type === NodeType.Assignment) {
            const l = right.childForFieldName('left');
            if (l) targets.push(l);
            right = right.childForFieldName('right');
          }
          const dominates = enclosingBlock(n);
          work.push(() => {
            for (const t of targets) {
              if (t.type === NodeType.Identifier) {
                add(t.text, { kind: right ? 'assign' : 'opaque', node: n, value: right, at: n.endIndex, dominates, element: false });
                continue;
              }
              const names = targetNames(t);
              const elements = right && (right.type === 'expression_list' || right.type === NodeType.Tuple || right.type === NodeType.List) ? right.namedChildren : null;
              const direct = t.namedChildren.filter((c) => c.type !== NodeType.Comment);
              names.forEach((nameNode) => {
                const idx = direct.findIndex((c) => key(c) === key(nameNode));
                const value = elements && elements.length === direct.length && idx >= 0 ? (elements[idx] ?? null) : right;
                add(nameNode.text, { kind: 'assign', node: n, value, at: n.endIndex, dominates, element: value === right });
              });
              // `obj.attr = …` / `d[k] = …` bind nothing.
            }
          });
          if (right) work.push(right);
          return;
        }
        case NodeType.AugmentedAssignment: {
          const left = n.childForFieldName('left');
          const right = n.childForFieldName('right');
          if (left?.type === NodeType.Identifier) {
            const name = left.text;
            work.push(() => add(name, { kind: 'augment', node: n, value: right, at: n.endIndex, dominates: null, element: false }));
          }
          if (right) work.push(right);
          return;
        }
        case NodeType.ForStatement: {
          const left = n.childForFieldName('left');
          const right = n.childForFieldName('right');
          const body = n.childForFieldName('body');
          if (left && right) {
            for (const t of targetNames(left)) add(t.text, { kind: 'for', node: n, value: right, at: left.endIndex, dominates: body, element: true });
          }
          break;
        }
        case 'named_expression': {
          const name = n.childForFieldName('name');
          const value = n.childForFieldName('value');
          let stmt: SyntaxNode = n;
          while (stmt.parent && stmt.parent.type !== NodeType.Block && stmt.parent.type !== NodeType.Module) stmt = stmt.parent;
          if (name) {
            const dominates = enclosingBlock(stmt);
            work.push(() => add(name.text, { kind: 'walrus', node: n, value, at: n.endIndex, dominates, element: false }));
          }
          if (value) work.push(value);
          return;
        }
        case NodeType.WithItem: {
          const value = n.childForFieldName('value');
          if (value?.type === 'as_pattern') {
            const expr = value.firstNamedChild;
            const alias = value.childForFieldName('alias');
            if (alias) for (const t of targetNames(alias)) add(t.text, { kind: 'with', node: n, value: expr, at: n.endIndex, dominates: null, element: false });
          }
          break;
        }
        case NodeType.ExceptClause: {
          for (const c of n.namedChildren) {
            if (c.type === 'as_pattern') {
              const alias = c.childForFieldName('alias');
              if (alias) for (const t of targetNames(alias)) add(t.text, { kind: 'opaque', node: c, value: null, at: c.endIndex, dominates: null, element: false });
            }
          }
          const alias = n.childForFieldName('alias');
          if (alias?.type === NodeType.Identifier) add(alias.text, { kind: 'opaque', node: n, value: null, at: alias.endIndex, dominates: null, element: false });
          break;
        }
        case NodeType.ImportStatement:
        case NodeType.ImportFromStatement:
          for (const c of n.childrenForFieldName('name')) {
            const bound = c.type === NodeType.AliasedImport ? c.childForFieldName('alias') : n.type === NodeType.ImportStatement ? (c.namedChildren[0] ?? c) : c;
            if (bound) add(bound.text, { kind: 'opaque', node: n, value: null, at: n.endIndex, dominates: enclosingBlock(n), element: false });
          }
          return;
        case NodeType.Call: {
          // `messages.append(x)` / `.extend(xs)` / `.insert(i, x)` add to a list held in a name.
          const fn = n.childForFieldName('function');
          if (fn?.type === NodeType.Attribute) {
            const object = fn.childForFieldName('object');
            const method = fn.childForFieldName('attribute')?.text;
            if (object?.type === NodeType.Identifier && (method === 'append' || method === 'extend' || method === 'insert')) {
              const { positional } = callArguments(n);
              const value = method === 'insert' ? positional[1] : positional[0];
              if (value) add(object.text, { kind: 'append', node: n, value, at: n.endIndex, dominates: null, element: false });
            }
          }
          break;
        }
        default:
          break;
      }
      const children = n.namedChildren;
      for (let i = children.length - 1; i >= 0; i--) work.push(children[i] as SyntaxNode);
    };
    if (node.type === NodeType.Module) {
      const children = body.namedChildren;
      for (let i = children.length - 1; i >= 0; i--) work.push(children[i] as SyntaxNode);
    } else work.push(body);
    while (work.length > 0) {
      const item = work.pop() as SyntaxNode | (() => void);
      if (typeof item === 'function') item();
      else visit(item);
    }
    return scope;
  }
}
