import { NodeType } from './node-types.js';
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

/** Rewrites a qualified name whose module is a drop-in alias to the canonical module. */
export function canonicalName(name: string): string {
  let best = '';
  for (const alias of Object.keys(MODULE_ALIASES)) {
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
  private readonly scopes = new Map<string, Scope>();
  private readonly cache = new Map<string, string | null>();

  constructor(private readonly root: SyntaxNode) {}

  /** The qualified name of a call's callee, or of an attribute/identifier expression. */
  resolve(node: SyntaxNode): string | null {
    const target = node.type === NodeType.Call ? node.childForFieldName('function') : node;
    if (!target) return null;
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

  private innermost(node: SyntaxNode): Scope {
    for (let p: SyntaxNode | null = node.parent; p; p = p.parent) {
      if (SCOPE_TYPES.has(p.type)) {
        // A default value or decorator is evaluated in the enclosing scope, not the function's.
        const body = p.childForFieldName('body');
        const params = p.childForFieldName('parameters');
        const inBody = body && body.startIndex <= node.startIndex && node.endIndex <= body.endIndex;
        const inParams = params && params.startIndex <= node.startIndex && node.endIndex <= params.endIndex;
        if (inBody || (inParams && node.parent?.type !== NodeType.DefaultParameter)) return this.scopeOf(p);
      }
    }
    return this.moduleScope();
  }

  private scopeChain(node: SyntaxNode): Scope[] {
    const chain: Scope[] = [];
    let current: SyntaxNode | null = node;
    for (;;) {
      const scope: Scope = current ? this.innermost(current) : this.moduleScope();
      chain.push(scope);
      if (scope.node === this.root || scope.node.type === NodeType.Module) break;
      current = scope.node;
    }
    return chain;
  }

  private moduleScope(): Scope {
    return this.scopeOf(this.root);
  }

  private scopeOf(node: SyntaxNode): Scope {
    const key = `${node.startIndex}:${node.endIndex}:${node.type}`;
    let scope = this.scopes.get(key);
    if (!scope) {
      scope = { node, bindings: new Map() };
      this.scopes.set(key, scope);
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

function bindTargets(target: SyntaxNode | null, scope: Scope, at: number): void {
  if (!target) return;
  if (target.type === NodeType.Identifier) {
    bind(scope, target.text, { kind: 'local', at });
    return;
  }
  if (target.type === 'pattern_list' || target.type === 'tuple_pattern' || target.type === 'list_pattern' || target.type === NodeType.Tuple || target.type === NodeType.List) {
    for (const child of target.namedChildren) bindTargets(child, scope, at);
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
