import { NodeType } from './node-types.js';
import { SnapshotNode, type TreeSnapshot } from './snapshot.js';
import type { SyntaxNode } from './types.js';

/**
 * Modules that are drop-in replacements of another: code that loads through them is the same risk as the original.
 * Keys are matched as whole dotted prefixes.
 */
export const MODULE_ALIASES: Readonly<Record<string, string>> = {
  pickle5: 'pickle',
  cPickle: 'pickle',
  _pickle: 'pickle',
  'six.moves.cPickle': 'pickle',
  'sklearn.externals.joblib': 'joblib',
  'sklearn.externals._joblib': 'joblib',
  'tensorflow.compat.v2': 'tensorflow',
  pytorch_lightning: 'lightning.pytorch',
  'lightning.fabric.utilities.seed': 'lightning.pytorch',
};

/** The first dotted segment of every alias: most names start with none of them and are returned at once. */
const ALIAS_HEADS = new Set(Object.keys(MODULE_ALIASES).map((a) => a.split('.')[0] as string));
const ALIAS_KEYS = Object.keys(MODULE_ALIASES);

/** Rewrites a qualified name whose module is a drop-in alias to the canonical module. */
export function canonicalName(name: string): string {
  const dot = name.indexOf('.');
  if (!ALIAS_HEADS.has(dot === -1 ? name : name.slice(0, dot))) return name;
  let best = '';
  for (const alias of ALIAS_KEYS) {
    if ((name === alias || name.startsWith(`${alias}.`)) && alias.length > best.length) best = alias;
  }
  return best ? (MODULE_ALIASES[best] as string) + name.slice(best.length) : name;
}

type Binding =
  | { kind: 'import'; name: string; at: number }
  | { kind: 'alias'; value: SyntaxNode; at: number }
  | { kind: 'local'; at: number };

interface Scope {
  node: SyntaxNode;
  bindings: Map<string, Binding[]>;
  /** This scope and the scopes it sees, innermost first (filled on first lookup). */
  chain?: Scope[];
}

/** Where a function's (or lambda's) body and parameters are, read once per function. */
interface FunctionRanges {
  bodyStart: number;
  bodyEnd: number;
  paramsStart: number;
  paramsEnd: number;
}

const SCOPE_TYPES = new Set<string>([NodeType.FunctionDefinition, NodeType.Lambda]);
const MAX_DEPTH = 24;

/**
 * Turns calls, attributes and names into qualified names through the file's imports and simple assignments:
 * `jl.load` → `joblib.load` after `import joblib as jl`; `load = joblib.load; load(f)` → `joblib.load`;
 * `client = OpenAI(); client.chat.completions.create` → `openai.OpenAI().chat.completions.create`.
 *
 * Scopes follow Python: a function sees its own bindings (parameters, imports, assignments), then the module's;
 * class bodies are skipped. A name bound to something that is not a plain alias (a parameter, a loop variable,
 * an assignment of any other expression) resolves to `null`, so rules stay quiet about it. A name bound nowhere
 * resolves to itself (builtins, or names from notebook cells the parser masked).
 */
export class ImportResolver {
  private readonly scopes = new Map<string | number, Scope>();
  private readonly cache = new Map<string, string | null>();
  /** Snapshot nodes are one object per node: their results are kept by node, without building a key. */
  private readonly nodeCache = new Map<SyntaxNode, string | null>();
  private readonly functionRanges = new Map<SyntaxNode | string, FunctionRanges>();
  private readonly stableNodes: boolean;

  constructor(private readonly root: SyntaxNode) {
    this.stableNodes = root instanceof SnapshotNode;
  }

  /** The qualified name of a call's callee, or of an attribute/identifier expression. */
  resolve(node: SyntaxNode): string | null {
    const target = node.type === NodeType.Call ? node.childForFieldName('function') : node;
    if (!target) return null;
    if (this.stableNodes && target instanceof SnapshotNode) {
      const hit = this.nodeCache.get(target);
      if (hit !== undefined) return hit;
      const result = this.qualify(target, 0);
      this.nodeCache.set(target, result);
      return result;
    }
    const key = `${target.startIndex}:${target.endIndex}:${target.type}`;
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    const result = this.qualify(target, 0);
    this.cache.set(key, result);
    return result;
  }

  /** What a bare name means at a position: its import's qualified name, or null when local or unknown. */
  lookup(name: string, at: SyntaxNode): Binding | null {
    const chain = this.scopeChain(at);
    for (let i = 0; i < chain.length; i++) {
      const list = (chain[i] as Scope).bindings.get(name);
      if (!list || list.length === 0) continue;
      if (i === 0) {
        let chosen: Binding | null = null;
        for (const binding of list) if (binding.at <= at.startIndex) chosen = binding;
        // A use before every binding in the same scope: a function body reads the module's final binding.
        return chosen ?? (list[list.length - 1] as Binding);
      }
      return list[list.length - 1] as Binding;
    }
    return null;
  }

  /** Whether an imported module (or a name imported from it) appears anywhere in the file's imports. */
  importsModule(prefix: string): boolean {
    const scope = this.moduleScope();
    for (const list of scope.bindings.values()) {
      for (const b of list) if (b.kind === 'import' && (b.name === prefix || b.name.startsWith(`${prefix}.`))) return true;
    }
    return false;
  }

  private qualify(node: SyntaxNode, depth: number): string | null {
    if (depth > MAX_DEPTH) return null;
    switch (node.type) {
      case NodeType.Identifier: {
        const binding = this.lookup(node.text, node);
        if (!binding) return node.text;
        if (binding.kind === 'import') return binding.name;
        if (binding.kind === 'alias') return this.qualify(binding.value, depth + 1);
        return null;
      }
      case NodeType.Attribute: {
        const object = node.childForFieldName('object');
        const attribute = node.childForFieldName('attribute');
        if (!object || !attribute) return null;
        const base = this.qualify(object, depth + 1);
        return base === null ? null : `${base}.${attribute.text}`;
      }
      case NodeType.Call: {
        const fn = node.childForFieldName('function');
        if (!fn) return null;
        const base = this.qualify(fn, depth + 1);
        return base === null ? null : `${base}()`;
      }
      case NodeType.ParenthesizedExpression: {
        const inner = node.firstNamedChild;
        return inner ? this.qualify(inner, depth + 1) : null;
      }
      default:
        return null;
    }
  }

  /** Per snapshot node: the index of its nearest function or lambda ancestor (-1: none; -2: not computed yet). */
  private scopeAncestors: Int32Array | null = null;

  /** The nearest function or lambda strictly above a snapshot node, by index (-1 when none), memoised. */
  private scopeAncestor(snapshot: TreeSnapshot, index: number): number {
    let memo = this.scopeAncestors;
    if (!memo || memo.length !== snapshot.size) {
      memo = new Int32Array(snapshot.size).fill(-2);
      this.scopeAncestors = memo;
    }
    const cached = memo[index] as number;
    if (cached !== -2) return cached;
    // Climb to the first ancestor whose answer is known or that is a scope, then fill the path on the way back.
    const path: number[] = [];
    let result = -1;
    for (let i = index; ; ) {
      const p = snapshot.parents[i] as number;
      if (p < 0) break;
      if (SCOPE_TYPES.has(snapshot.typeName(p))) {
        result = p;
        break;
      }
      const known = memo[p] as number;
      if (known !== -2) {
        result = known;
        break;
      }
      path.push(p);
      i = p;
    }
    memo[index] = result;
    for (const i of path) memo[i] = result;
    return result;
  }

  private innermost(node: SyntaxNode): Scope {
    const start = node.startIndex;
    const end = node.endIndex;
    if (node instanceof SnapshotNode && this.stableNodes) {
      const snapshot = node.snapshot;
      for (let p = this.scopeAncestor(snapshot, node.index); p >= 0; p = this.scopeAncestor(snapshot, p)) {
        const fn = snapshot.node(p);
        const r = this.rangesOf(fn);
        const inBody = r.bodyStart <= start && end <= r.bodyEnd;
        const inParams = r.paramsStart <= start && end <= r.paramsEnd;
        if (inBody || (inParams && node.parent?.type !== NodeType.DefaultParameter)) return this.scopeOf(fn);
      }
      return this.moduleScope();
    }
    for (let p: SyntaxNode | null = node.parent; p; p = p.parent) {
      if (SCOPE_TYPES.has(p.type)) {
        // A default value or decorator is evaluated in the enclosing scope, not the function's.
        const r = this.rangesOf(p);
        const inBody = r.bodyStart <= start && end <= r.bodyEnd;
        const inParams = r.paramsStart <= start && end <= r.paramsEnd;
        if (inBody || (inParams && node.parent?.type !== NodeType.DefaultParameter)) return this.scopeOf(p);
      }
    }
    return this.moduleScope();
  }

  /** A function's body and parameter ranges (empty ranges that hold nothing when a part is missing). */
  private rangesOf(fn: SyntaxNode): FunctionRanges {
    const key = this.stableNodes ? fn : `${fn.startIndex}:${fn.endIndex}:${fn.type}`;
    let r = this.functionRanges.get(key);
    if (!r) {
      const body = fn.childForFieldName('body');
      const params = fn.childForFieldName('parameters');
      r = {
        bodyStart: body ? body.startIndex : 1,
        bodyEnd: body ? body.endIndex : 0,
        paramsStart: params ? params.startIndex : 1,
        paramsEnd: params ? params.endIndex : 0,
      };
      this.functionRanges.set(key, r);
    }
    return r;
  }

  private scopeChain(node: SyntaxNode): Scope[] {
    const first = this.innermost(node);
    if (first.chain) return first.chain;
    const chain: Scope[] = [];
    let scope = first;
    for (;;) {
      chain.push(scope);
      if (scope.node === this.root || scope.node.type === NodeType.Module) break;
      scope = this.innermost(scope.node);
    }
    first.chain = chain;
    return chain;
  }

  private moduleScope(): Scope {
    return this.scopeOf(this.root);
  }

  private moduleScopeCache: Scope | null = null;

  private scopeOf(node: SyntaxNode): Scope {
    if (node === this.root && this.moduleScopeCache) return this.moduleScopeCache;
    const key = this.stableNodes && node instanceof SnapshotNode ? node.index : `${node.startIndex}:${node.endIndex}:${node.type}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = { node, bindings: new Map() };
      this.scopes.set(key, scope);
      if (node === this.root) this.moduleScopeCache = scope;
      if (node.type === NodeType.Module) collectBlock(node, scope);
      else {
        collectParameters(node.childForFieldName('parameters'), scope);
        const body = node.childForFieldName('body');
        if (body) {
          if (body.type === NodeType.Block) collectBlock(body, scope);
        }
      }
    }
    return scope;
  }
}

function bind(scope: Scope, name: string, binding: Binding): void {
  let list = scope.bindings.get(name);
  if (!list) {
    list = [];
    scope.bindings.set(name, list);
  }
  list.push(binding);
}

function collectParameters(params: SyntaxNode | null, scope: Scope): void {
  if (!params) return;
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
        break;
      default:
        break;
    }
    if (nameNode?.type === NodeType.Identifier) bind(scope, nameNode.text, { kind: 'local', at: p.startIndex });
  }
}

/** Records the bindings of a block's statements, descending into compound statements but not nested scopes. */
function collectBlock(block: SyntaxNode, scope: Scope): void {
  for (const stmt of block.namedChildren) collectStatement(stmt, scope);
}

function collectStatement(stmt: SyntaxNode, scope: Scope): void {
  switch (stmt.type) {
    case NodeType.ImportStatement:
      collectImport(stmt, scope);
      return;
    case NodeType.ImportFromStatement:
      collectImportFrom(stmt, scope);
      return;
    case NodeType.ExpressionStatement:
      for (const child of stmt.namedChildren) {
        if (child.type === NodeType.Assignment) collectAssignment(child, scope);
        else if (child.type === NodeType.AugmentedAssignment) {
          const left = child.childForFieldName('left');
          if (left?.type === NodeType.Identifier) bind(scope, left.text, { kind: 'local', at: child.startIndex });
        }
      }
      return;
    case NodeType.FunctionDefinition:
    case NodeType.ClassDefinition: {
      const name = stmt.childForFieldName('name');
      if (name) bind(scope, name.text, { kind: 'local', at: stmt.startIndex });
      return;
    }
    case NodeType.DecoratedDefinition: {
      const def = stmt.childForFieldName('definition');
      if (def) collectStatement(def, scope);
      return;
    }
    case NodeType.ForStatement: {
      bindTargets(stmt.childForFieldName('left'), scope, stmt.startIndex);
      break;
    }
    case NodeType.WithStatement: {
      for (const item of stmt.descendantsOfType(NodeType.WithItem)) {
        const value = item.childForFieldName('value');
        if (value?.type === 'as_pattern') {
          const target = value.childForFieldName('alias');
          if (target) bindTargets(target.firstNamedChild ?? target, scope, stmt.startIndex);
        }
      }
      break;
    }
    case NodeType.ExceptClause: {
      const alias = stmt.childForFieldName('alias');
      if (alias?.type === NodeType.Identifier) bind(scope, alias.text, { kind: 'local', at: stmt.startIndex });
      break;
    }
    default:
      break;
  }
  // Compound statements: their blocks and clauses share the enclosing scope.
  for (const child of stmt.namedChildren) {
    if (child.type === NodeType.Block) collectBlock(child, scope);
    else if (
      child.type === NodeType.ElifClause ||
      child.type === NodeType.ElseClause ||
      child.type === NodeType.ExceptClause ||
      child.type === NodeType.FinallyClause ||
      child.type === 'except_group_clause' ||
      child.type === 'case_clause'
    ) {
      collectStatement(child, scope);
    } else if (child.type === 'block' || child.type === 'match_statement') collectStatement(child, scope);
  }
}

function collectAssignment(assignment: SyntaxNode, scope: Scope): void {
  const left = assignment.childForFieldName('left');
  let right = assignment.childForFieldName('right');
  // `a = b = value`: every target gets the final value.
  const targets: SyntaxNode[] = [];
  if (left) targets.push(left);
  while (right?.type === NodeType.Assignment) {
    const l = right.childForFieldName('left');
    if (l) targets.push(l);
    right = right.childForFieldName('right');
  }
  for (const target of targets) {
    if (target.type === NodeType.Identifier) {
      if (right && isAliasable(right)) bind(scope, target.text, { kind: 'alias', value: right, at: assignment.startIndex });
      else bind(scope, target.text, { kind: 'local', at: assignment.startIndex });
    } else bindTargets(target, scope, assignment.startIndex);
  }
}

function isAliasable(node: SyntaxNode): boolean {
  return (
    node.type === NodeType.Identifier ||
    node.type === NodeType.Attribute ||
    node.type === NodeType.Call ||
    node.type === NodeType.ParenthesizedExpression
  );
}

/** Binds the names of an assignment or loop target. Iterative, in source order: `((((a, b))))` can nest deep. */
function bindTargets(target: SyntaxNode | null, scope: Scope, at: number): void {
  const stack: SyntaxNode[] = target ? [target] : [];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    if (node.type === NodeType.Identifier) {
      bind(scope, node.text, { kind: 'local', at });
    } else if (node.type === 'pattern_list' || node.type === 'tuple_pattern' || node.type === 'list_pattern' || node.type === NodeType.Tuple || node.type === NodeType.List) {
      const children = node.namedChildren;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as SyntaxNode);
    }
  }
}

function collectImport(stmt: SyntaxNode, scope: Scope): void {
  for (const child of stmt.namedChildren) {
    if (child.type === NodeType.DottedName) {
      // `import a.b` binds `a`, and `a.b.c` then qualifies through the attribute chain.
      const first = child.namedChildren[0]?.text ?? child.text;
      bind(scope, first, { kind: 'import', name: canonicalName(first), at: stmt.startIndex });
    } else if (child.type === NodeType.AliasedImport) {
      const name = child.childForFieldName('name');
      const alias = child.childForFieldName('alias');
      if (name && alias) bind(scope, alias.text, { kind: 'import', name: canonicalName(name.text), at: stmt.startIndex });
    }
  }
}

function collectImportFrom(stmt: SyntaxNode, scope: Scope): void {
  const moduleNode = stmt.childForFieldName('module_name');
  if (!moduleNode) return;
  const moduleName = moduleNode.text.replace(/\s+/g, '');
  for (const child of stmt.childrenForFieldName('name')) {
    if (child.type === NodeType.DottedName) {
      bind(scope, child.text, { kind: 'import', name: canonicalName(`${moduleName}.${child.text}`), at: stmt.startIndex });
    } else if (child.type === NodeType.AliasedImport) {
      const name = child.childForFieldName('name');
      const alias = child.childForFieldName('alias');
      if (name && alias) {
        bind(scope, alias.text, { kind: 'import', name: canonicalName(`${moduleName}.${name.text}`), at: stmt.startIndex });
      }
    }
  }
}
