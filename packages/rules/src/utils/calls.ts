import type { Edit } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { argumentList } from './args.js';

/**
 * Helpers that complement `args.ts`: the one value a local name certainly holds (through a plain assignment or a
 * `with … as name` item), and edits that add one more item before a closing bracket in the style the argument
 * list or dict is already written in.
 */

/** The items of an argument list, dict or list literal, without comments. */
function itemsOf(container: SyntaxNode): SyntaxNode[] {
  return container.namedChildren.filter((c) => c.type !== NodeType.Comment);
}

const NESTED_SCOPES = new Set<string>([NodeType.FunctionDefinition, NodeType.ClassDefinition, NodeType.Lambda]);

/** The innermost function (or lambda) around a node, else the module. Class bodies are not scopes for lookups. */
export function enclosingScope(node: SyntaxNode): SyntaxNode {
  let last = node;
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === NodeType.FunctionDefinition || p.type === NodeType.Lambda) {
      const body = p.childForFieldName('body');
      if (body && body.startIndex <= node.startIndex && node.endIndex <= body.endIndex) return p;
    }
    last = p;
  }
  return last;
}

/** Visits a scope's own nodes: nested functions, classes and lambdas are not entered. */
function walkScope(scope: SyntaxNode, visit: (node: SyntaxNode) => void): void {
  const start = scope.type === NodeType.Module ? scope : scope.childForFieldName('body');
  if (!start) return;
  const stack: SyntaxNode[] = [start];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    visit(node);
    for (const child of node.namedChildren) {
      if (NESTED_SCOPES.has(child.type)) {
        // Its name is a binding of this scope; its body is not.
        const name = child.childForFieldName('name');
        if (name) visit(name);
        continue;
      }
      stack.push(child);
    }
  }
}

/**
 * How one scope binds its names, from one walk of the scope: every lookup of any name in it reads this index, so
 * that asking about each of the 10,000 calls of a long function costs one walk, not 10,000.
 */
interface ScopeIndex {
  /** Right-hand sides of plain `name = value` assignments, in source order. */
  values: Map<string, SyntaxNode[]>;
  /** Names bound or changed some other way (loop targets, unpacking, imports, `global`, in-place mutation…). */
  other: Set<string>;
  /** A `from m import *` in the scope: any name may be bound by it. */
  wildcard: boolean;
  /** The scope's `with` items, in source order. */
  withItems: SyntaxNode[];
}

/** Scope indexes per tree (the binding's tree, or the parser's JavaScript snapshot of it), then per scope. */
const scopeIndexes = new WeakMap<object, Map<string, ScopeIndex>>();

/** The object that owns a node's tree, stable for the tree's lifetime on every backend; null when unknown. */
function treeOwner(node: SyntaxNode): object | null {
  const n = node as SyntaxNode & { snapshot?: unknown; tree?: unknown };
  const owner = n.snapshot ?? n.tree;
  return typeof owner === 'object' && owner !== null ? owner : null;
}

function scopeIndex(scope: SyntaxNode): ScopeIndex {
  const owner = treeOwner(scope);
  const key = `${scope.startIndex}:${scope.endIndex}:${scope.type}`;
  let byScope = owner ? scopeIndexes.get(owner) : undefined;
  const cached = byScope?.get(key);
  if (cached) return cached;
  const index = buildScopeIndex(scope);
  if (owner) {
    if (!byScope) scopeIndexes.set(owner, (byScope = new Map()));
    byScope.set(key, index);
  }
  return index;
}

function buildScopeIndex(scope: SyntaxNode): ScopeIndex {
  const index: ScopeIndex = { values: new Map(), other: new Set(), wildcard: false, withItems: [] };
  const other = (name: string | undefined): void => {
    if (name !== undefined) index.other.add(name);
  };
  const otherTargets = (target: SyntaxNode | null): void => {
    for (const name of boundNames(target)) index.other.add(name);
  };
  const assignment = (node: SyntaxNode, value: SyntaxNode | null): void => {
    const left = node.childForFieldName('left');
    if (left?.type === NodeType.Identifier) {
      if (value) {
        const list = index.values.get(left.text);
        if (list) list.push(value);
        else index.values.set(left.text, [value]);
      } else other(left.text);
    } else if (left?.type === NodeType.Subscript) {
      other(left.childForFieldName('value')?.text);
    } else if (left) otherTargets(left);
  };
  walkScope(scope, (node) => {
    switch (node.type) {
      case NodeType.Assignment: {
        // `a = b = {…}`: every target gets the innermost right-hand side. The chain is read once, from its
        // outermost assignment (a chain of 10,000 targets must not cost 10,000²).
        if (node.parent?.type === NodeType.Assignment && node.parent.childForFieldName('right')?.startIndex === node.startIndex) return;
        const chain: SyntaxNode[] = [node];
        let value = node.childForFieldName('right');
        while (value?.type === NodeType.Assignment) {
          chain.push(value);
          value = value.childForFieldName('right');
        }
        for (const link of chain) assignment(link, value);
        return;
      }
      case NodeType.AugmentedAssignment: {
        const left = node.childForFieldName('left');
        other(left?.text);
        if (left?.type === NodeType.Subscript) other(left.childForFieldName('value')?.text);
        return;
      }
      case NodeType.ForStatement:
      case 'for_in_clause':
        otherTargets(node.childForFieldName('left'));
        return;
      case 'as_pattern_target':
        otherTargets(node);
        return;
      case 'named_expression':
        otherTargets(node.childForFieldName('name'));
        return;
      case NodeType.GlobalStatement:
      case 'nonlocal_statement':
        for (const c of node.namedChildren) other(c.text);
        return;
      case NodeType.ImportStatement:
      case NodeType.ImportFromStatement:
        if (importBindings(node, index.other)) index.wildcard = true;
        return;
      case 'delete_statement':
        for (const c of node.descendantsOfType(NodeType.Identifier)) other(c.text);
        return;
      case NodeType.WithItem:
        index.withItems.push(node);
        return;
      case NodeType.Call: {
        const fn = node.childForFieldName('function');
        if (fn?.type === NodeType.Attribute && MUTATING_METHODS.has(fn.childForFieldName('attribute')?.text ?? '')) {
          other(fn.childForFieldName('object')?.text);
        }
        return;
      }
      case NodeType.Identifier:
        // The name of a nested def/class is a binding too (walkScope hands it over).
        if (node.parent?.type === NodeType.FunctionDefinition || node.parent?.type === NodeType.ClassDefinition) {
          if (node.parent.childForFieldName('name')?.startIndex === node.startIndex) other(node.text);
        }
        return;
      default:
        return;
    }
  });
  for (const list of index.values.values()) list.sort((a, b) => a.startIndex - b.startIndex);
  index.withItems.sort((a, b) => a.startIndex - b.startIndex);
  return index;
}

/** Whether a name is a parameter of a function scope. */
function isParameter(scope: SyntaxNode, name: string): boolean {
  const params = scope.childForFieldName('parameters');
  if (!params) return false;
  for (const p of params.namedChildren) {
    const id = p.type === NodeType.Identifier ? p : (p.childForFieldName('name') ?? p.namedChildren.find((c) => c.type === NodeType.Identifier));
    if (id?.type === NodeType.Identifier && id.text === name) return true;
  }
  return false;
}

const MUTATING_METHODS = new Set(['update', 'setdefault', 'pop', 'popitem', 'clear', '__setitem__']);

/**
 * What a local name holds, when that is certain: the right-hand side of the one plain assignment `name = value`
 * in the name's scope (the innermost function that binds it, else the module). Null when the name is a parameter,
 * is assigned more than once or in any other way (loop target, `with … as`, tuple unpacking, `global`), or is
 * mutated in place (`name[k] = v`, `name.update(…)`, `name |= …`), because then its content is not one literal.
 */
export function soleAssignedValue(name: string, at: SyntaxNode): SyntaxNode | null {
  const values = assignedValues(name, at);
  return values?.length === 1 ? (values[0] ?? null) : null;
}

/**
 * Every right-hand side of a plain `name = value` in the name's scope (in source order), when plain assignments
 * are the only way the scope binds or changes the name; null otherwise (see {@link soleAssignedValue}) and when
 * nothing assigns it.
 */
export function assignedValues(name: string, at: SyntaxNode): SyntaxNode[] | null {
  let scope = enclosingScope(at);
  for (;;) {
    const found = scanScope(scope, name);
    if (found.kind === 'values') return found.values;
    if (found.kind === 'unknown') return null;
    // Not bound in a function: Python reads the module's binding.
    if (scope.type === NodeType.Module) return null;
    let next = scope.parent;
    while (next && next.type !== NodeType.Module) next = next.parent;
    if (!next) return null;
    scope = next;
  }
}

type ScanResult = { kind: 'values'; values: SyntaxNode[] } | { kind: 'unbound' } | { kind: 'unknown' };

function scanScope(scope: SyntaxNode, name: string): ScanResult {
  if (scope.type !== NodeType.Module && isParameter(scope, name)) return { kind: 'unknown' };
  const index = scopeIndex(scope);
  if (index.wildcard || index.other.has(name)) return { kind: 'unknown' };
  const values = index.values.get(name);
  return values ? { kind: 'values', values: [...values] } : { kind: 'unbound' };
}

/**
 * Adds the names an import statement binds to `out` (`import a.b` binds `a`; `import x as y` and
 * `from m import x as y` bind `y`); true for `from m import *`, which may bind any name.
 */
function importBindings(stmt: SyntaxNode, out: Set<string>): boolean {
  const moduleName = stmt.childForFieldName('module_name');
  for (const child of stmt.namedChildren) {
    if (moduleName && child.startIndex === moduleName.startIndex && child.endIndex === moduleName.endIndex) continue;
    if (child.type === NodeType.AliasedImport) {
      const alias = child.childForFieldName('alias');
      if (alias) out.add(alias.text);
    } else if (child.type === NodeType.DottedName) {
      out.add(stmt.type === NodeType.ImportStatement ? (child.namedChildren[0]?.text ?? child.text) : child.text);
    } else if (child.type === NodeType.WildcardImport) {
      return true;
    }
  }
  return false;
}

/** The names an assignment or loop target binds; attributes and subscripts bind none. Iterative: targets nest deep. */
function boundNames(target: SyntaxNode | null): string[] {
  const names: string[] = [];
  const stack: SyntaxNode[] = target ? [target] : [];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    if (node.type === NodeType.Identifier) names.push(node.text);
    else if (node.type !== NodeType.Attribute && node.type !== NodeType.Subscript) stack.push(...node.namedChildren);
  }
  return names;
}

/**
 * The context expression a `with … as name` binds (`open(path, "rb")`) where `at` reads the name: the innermost
 * `with` around `at` that binds it, else the last such `with` item before `at` in the same scope. Null when none.
 */
export function withItemValue(name: string, at: SyntaxNode): SyntaxNode | null {
  for (let p = at.parent; p; p = p.parent) {
    if (NESTED_SCOPES.has(p.type)) break;
    if (p.type === NodeType.WithStatement) {
      const clause = p.namedChildren.find((c) => c.type === NodeType.WithClause);
      for (const item of clause ? clause.descendantsOfType(NodeType.WithItem) : []) {
        const value = withItemBinding(item, name);
        if (value) return value;
      }
    }
  }
  const items = scopeIndex(enclosingScope(at)).withItems;
  for (let i = items.length - 1; i >= 0; i--) {
    const item = items[i] as SyntaxNode;
    if (item.startIndex >= at.startIndex) continue;
    const value = withItemBinding(item, name);
    if (value) return value;
  }
  return null;
}

function withItemBinding(item: SyntaxNode, name: string): SyntaxNode | null {
  const value = item.childForFieldName('value');
  if (value?.type !== 'as_pattern') return null;
  const alias = value.childForFieldName('alias');
  const target = alias?.firstNamedChild ?? alias;
  return target?.type === NodeType.Identifier && target.text === name ? value.firstNamedChild : null;
}

/**
 * Edits that add one item (`text`, e.g. `max_tokens=1024` or `"num_predict": 1024`) at the end of an argument
 * list, dict or list literal, keeping its layout:
 * - empty: `f()` → `f(max_tokens=1024)`;
 * - one line: `f(a, b)` → `f(a, b, max_tokens=1024)`, and a trailing comma stays last: `f(a, b,)` → `f(a, b, max_tokens=1024,)`;
 * - one item per line (the last item starts its line and the bracket closes on a later one): a new line with the
 *   last item's indentation, after any comment that ends the last item's line; a trailing comma is kept, and a
 *   missing one is added after the old last item.
 * Never drops or moves a comment. Returns null for a node that is not a bracketed container.
 */
export function appendItemEdits(container: SyntaxNode, text: string, source: string): Edit[] | null {
  const open = container.firstChild;
  const close = container.lastChild;
  if (!open || !close || !['(', '{', '['].includes(open.type) || ![')', '}', ']'].includes(close.type)) return null;
  const items = itemsOf(container);
  const last = items[items.length - 1];
  if (!last) return [{ start: open.endIndex, end: open.endIndex, text }];

  let comma: SyntaxNode | null = null;
  for (let s = last.nextSibling; s; s = s.nextSibling) {
    if (s.type === ',') {
      comma = s;
      break;
    }
    if (s.type !== NodeType.Comment) break;
  }
  const anchorEnd = (comma ?? last).endIndex;
  // Scanned within the item's own indentation and the container, never the rest of a (possibly huge) line.
  let lineStart = last.startIndex;
  while (lineStart > 0 && (source[lineStart - 1] === ' ' || source[lineStart - 1] === '\t')) lineStart--;
  const before = source.slice(lineStart, last.startIndex);
  let newlineAfter = -1;
  for (let i = anchorEnd; i < close.startIndex; i++) {
    if (source[i] === '\n') {
      newlineAfter = i;
      break;
    }
  }
  const ownLine = (lineStart === 0 || source[lineStart - 1] === '\n') && newlineAfter !== -1;
  if (!ownLine) {
    return comma
      ? [{ start: comma.endIndex, end: comma.endIndex, text: ` ${text},` }]
      : [{ start: last.endIndex, end: last.endIndex, text: `, ${text}` }];
  }
  const lineEnd = newlineAfter > 0 && source[newlineAfter - 1] === '\r' ? newlineAfter - 1 : newlineAfter;
  if (comma) return [{ start: lineEnd, end: lineEnd, text: `\n${before}${text},` }];
  if (lineEnd === last.endIndex) return [{ start: lineEnd, end: lineEnd, text: `,\n${before}${text}` }];
  return [
    { start: last.endIndex, end: last.endIndex, text: ',' },
    { start: lineEnd, end: lineEnd, text: `\n${before}${text}` },
  ];
}

/** Edits that add keyword argument `name=value` to a call; null when the call has no argument list. */
export function addKeywordEdits(call: SyntaxNode, keyword: string, value: string, source: string): Edit[] | null {
  const args = argumentList(call);
  return args ? appendItemEdits(args, `${keyword}=${value}`, source) : null;
}
