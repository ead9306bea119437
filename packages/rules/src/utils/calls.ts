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
  const values: SyntaxNode[] = [];
  let other = false;
  walkScope(scope, (node) => {
    switch (node.type) {
      case NodeType.Assignment: {
        const left = node.childForFieldName('left');
        if (left?.type === NodeType.Identifier && left.text === name) {
          let value = node.childForFieldName('right');
          // `a = b = {…}`: the value is the innermost right-hand side.
          while (value?.type === NodeType.Assignment) value = value.childForFieldName('right');
          if (value) values.push(value);
          else other = true;
        } else if (left && left.type !== NodeType.Identifier && bindsName(left, name)) other = true;
        else if (left?.type === NodeType.Subscript && left.childForFieldName('value')?.text === name) other = true;
        return;
      }
      case NodeType.AugmentedAssignment: {
        const left = node.childForFieldName('left');
        if (left?.text === name || (left?.type === NodeType.Subscript && left.childForFieldName('value')?.text === name)) other = true;
        return;
      }
      case NodeType.ForStatement:
      case 'for_in_clause':
        if (bindsName(node.childForFieldName('left'), name)) other = true;
        return;
      case 'as_pattern_target':
      case 'named_expression':
        if (bindsName(node.type === 'named_expression' ? node.childForFieldName('name') : node, name)) other = true;
        return;
      case NodeType.GlobalStatement:
      case 'nonlocal_statement':
        if (node.namedChildren.some((c) => c.text === name)) other = true;
        return;
      case NodeType.ImportStatement:
      case NodeType.ImportFromStatement:
        if (importBinds(node, name)) other = true;
        return;
      case 'delete_statement':
        if (node.descendantsOfType(NodeType.Identifier).some((c) => c.text === name)) other = true;
        return;
      case NodeType.Call: {
        const fn = node.childForFieldName('function');
        if (fn?.type === NodeType.Attribute && fn.childForFieldName('object')?.text === name) {
          const method = fn.childForFieldName('attribute')?.text ?? '';
          if (MUTATING_METHODS.has(method)) other = true;
        }
        return;
      }
      case NodeType.Identifier:
        // The name of a nested def/class is a binding too (walkScope hands it over).
        if (node.text === name && (node.parent?.type === NodeType.FunctionDefinition || node.parent?.type === NodeType.ClassDefinition)) {
          if (node.parent.childForFieldName('name')?.startIndex === node.startIndex) other = true;
        }
        return;
      default:
        return;
    }
  });
  if (other) return { kind: 'unknown' };
  if (values.length > 0) return { kind: 'values', values: values.sort((a, b) => a.startIndex - b.startIndex) };
  return { kind: 'unbound' };
}

/** Whether an import statement binds a name (`import a.b` binds `a`; `import x as y` and `from m import x as y` bind `y`). */
function importBinds(stmt: SyntaxNode, name: string): boolean {
  const moduleName = stmt.childForFieldName('module_name');
  for (const child of stmt.namedChildren) {
    if (moduleName && child.startIndex === moduleName.startIndex && child.endIndex === moduleName.endIndex) continue;
    if (child.type === NodeType.AliasedImport) {
      if (child.childForFieldName('alias')?.text === name) return true;
    } else if (child.type === NodeType.DottedName) {
      const bound = stmt.type === NodeType.ImportStatement ? (child.namedChildren[0]?.text ?? child.text) : child.text;
      if (bound === name) return true;
    } else if (child.type === NodeType.WildcardImport) {
      return true;
    }
  }
  return false;
}

function bindsName(target: SyntaxNode | null, name: string): boolean {
  if (!target) return false;
  if (target.type === NodeType.Identifier) return target.text === name;
  if (target.type === NodeType.Attribute || target.type === NodeType.Subscript) return false;
  return target.namedChildren.some((c) => bindsName(c, name));
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
  let found: SyntaxNode | null = null;
  let foundAt = -1;
  walkScope(enclosingScope(at), (node) => {
    if (node.type !== NodeType.WithItem || node.startIndex >= at.startIndex || node.startIndex < foundAt) return;
    const value = withItemBinding(node, name);
    if (value) {
      found = value;
      foundAt = node.startIndex;
    }
  });
  return found;
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
  const lineStart = source.lastIndexOf('\n', last.startIndex - 1) + 1;
  const before = source.slice(lineStart, last.startIndex);
  const newlineAfter = source.indexOf('\n', anchorEnd);
  const ownLine = /^[ \t]*$/.test(before) && newlineAfter !== -1 && newlineAfter < close.startIndex;
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
