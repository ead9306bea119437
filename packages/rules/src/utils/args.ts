/**
 * Helpers for reading call arguments and the literal values behind them: keyword lookup, positional arguments,
 * `**kwargs` splats, Python literal evaluation and "what was this name assigned" for simple assignments.
 */
import { NodeType, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';

/** The argument list of a call (null for a call written with a generator argument, `f(x for x in y)`). */
export function argumentList(call: SyntaxNode): SyntaxNode | null {
  const args = call.childForFieldName('arguments');
  return args?.type === NodeType.ArgumentList ? args : null;
}

/** The named children of a call's argument list that are arguments (comments left out). */
export function callArguments(call: SyntaxNode): SyntaxNode[] {
  return argumentList(call)?.namedChildren.filter((c) => c.type !== NodeType.Comment) ?? [];
}

/** Positional arguments, in order, up to (excluding) the first `*args` splat or keyword argument. */
export function positionalArguments(call: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const arg of callArguments(call)) {
    if (arg.type === NodeType.KeywordArgument || arg.type === NodeType.DictionarySplat || arg.type === NodeType.ListSplat) break;
    out.push(arg);
  }
  return out;
}

/** Whether a `*args` splat appears among the arguments (positions after it are unknown). */
export function hasListSplat(call: SyntaxNode): boolean {
  return callArguments(call).some((a) => a.type === NodeType.ListSplat);
}

/** The `keyword_argument` node `name=…` of a call, or null. */
export function keywordArgument(call: SyntaxNode, name: string): SyntaxNode | null {
  for (const arg of callArguments(call)) {
    if (arg.type === NodeType.KeywordArgument && arg.childForFieldName('name')?.text === name) return arg;
  }
  return null;
}

/** The value of keyword argument `name=…`, or null. */
export function keywordValue(call: SyntaxNode, name: string): SyntaxNode | null {
  return keywordArgument(call, name)?.childForFieldName('value') ?? null;
}

/** The names of a call's keyword arguments. */
export function keywordNames(call: SyntaxNode): Set<string> {
  const names = new Set<string>();
  for (const arg of callArguments(call)) {
    const name = arg.type === NodeType.KeywordArgument ? arg.childForFieldName('name') : null;
    if (name) names.add(name.text);
  }
  return names;
}

/**
 * An argument given by keyword or at a position: `keyword=` wins, else the `position`-th positional argument
 * (0-based), which is unknown (null) after a `*args` splat.
 */
export function argumentValue(call: SyntaxNode, position: number | null, ...keywords: string[]): SyntaxNode | null {
  for (const kw of keywords) {
    const value = keywordValue(call, kw);
    if (value) return value;
  }
  if (position === null) return null;
  return positionalArguments(call)[position] ?? null;
}

/** The `**expr` splats of a call (the `dictionary_splat` nodes). */
export function dictionarySplats(call: SyntaxNode): SyntaxNode[] {
  return callArguments(call).filter((a) => a.type === NodeType.DictionarySplat);
}

/** The expression inside a `**expr` splat. */
export function splatValue(splat: SyntaxNode): SyntaxNode | null {
  return splat.namedChildren.find((c) => c.type !== NodeType.Comment) ?? null;
}

/** Strips redundant parentheses: `((x))` → `x`. */
export function unparenthesize(node: SyntaxNode): SyntaxNode {
  let current = node;
  while (current.type === NodeType.ParenthesizedExpression) {
    const inner = current.namedChildren.find((c) => c.type !== NodeType.Comment);
    if (!inner) break;
    current = inner;
  }
  return current;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '0': '\0' };

/**
 * The value of a plain string literal (implicit concatenation included), or null for f-strings with
 * interpolations, bytes, and anything that is not a string literal. Common escapes are decoded; raw strings are not.
 */
export function stringValue(node: SyntaxNode | null): string | null {
  if (!node) return null;
  const n = unparenthesize(node);
  if (n.type === NodeType.ConcatenatedString) {
    let out = '';
    for (const part of n.namedChildren) {
      if (part.type === NodeType.Comment) continue;
      const value = stringValue(part);
      if (value === null) return null;
      out += value;
    }
    return out;
  }
  if (n.type !== NodeType.String) return null;
  const start = n.children[0];
  const prefix = start?.type === 'string_start' ? start.text.replace(/["']+$/, '').toLowerCase() : '';
  if (prefix.includes('b')) return null;
  let out = '';
  for (const child of n.children) {
    if (child.type === 'string_start' || child.type === 'string_end') continue;
    if (child.type === NodeType.Interpolation) return null;
    if (child.type === 'escape_sequence') {
      const key = child.text.slice(1);
      out += prefix.includes('r') ? child.text : (SIMPLE_ESCAPES[key] ?? child.text);
      continue;
    }
    out += child.text;
  }
  return out;
}

export type LiteralValue =
  | { kind: 'string'; value: string }
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'bool'; value: boolean }
  | { kind: 'none' };

/** The value of a scalar literal (`"x"`, `42`, `-1`, `0.5`, `True`, `None`), or null. */
export function literalValue(node: SyntaxNode | null): LiteralValue | null {
  if (!node) return null;
  const n = unparenthesize(node);
  switch (n.type) {
    case NodeType.String:
    case NodeType.ConcatenatedString: {
      const value = stringValue(n);
      return value === null ? null : { kind: 'string', value };
    }
    case NodeType.Integer: {
      const value = parseIntLiteral(n.text);
      return value === null ? null : { kind: 'int', value };
    }
    case NodeType.Float: {
      const value = Number(n.text.replace(/_/g, ''));
      return Number.isFinite(value) ? { kind: 'float', value } : null;
    }
    case NodeType.True:
      return { kind: 'bool', value: true };
    case NodeType.False:
      return { kind: 'bool', value: false };
    case NodeType.None:
      return { kind: 'none' };
    case 'unary_operator': {
      const operand = n.childForFieldName('argument');
      const op = n.children[0]?.text;
      const inner = literalValue(operand);
      if (op === '-' && inner && (inner.kind === 'int' || inner.kind === 'float')) return { kind: inner.kind, value: -inner.value };
      return null;
    }
    default:
      return null;
  }
}

function parseIntLiteral(text: string): number | null {
  const t = text.replace(/_/g, '').toLowerCase();
  if (/^0x[0-9a-f]+$/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0o[0-7]+$/.test(t)) return parseInt(t.slice(2), 8);
  if (/^0b[01]+$/.test(t)) return parseInt(t.slice(2), 2);
  if (/^\d+$/.test(t)) return Number(t);
  return null;
}

// ---------------------------------------------------------------------------------------------------------------
// Simple assignments

/** Assignment and for-statement nodes of a file by start offset (the resolver's binding positions). */
const bindingSites = new WeakMap<SourceFile, Map<number, SyntaxNode>>();

function sitesOf(file: SourceFile): Map<number, SyntaxNode> {
  let sites = bindingSites.get(file);
  if (!sites) {
    sites = new Map();
    for (const node of file.root.descendantsOfType([NodeType.Assignment, NodeType.ForStatement, NodeType.DefaultParameter, NodeType.TypedDefaultParameter, NodeType.TypedParameter])) {
      if (!sites.has(node.startIndex)) sites.set(node.startIndex, node);
    }
    bindingSites.set(file, sites);
  }
  return sites;
}

/** What a name is bound to at a position, as far as a rule can tell from one simple binding. */
export type NameDefinition =
  | { kind: 'value'; node: SyntaxNode; site: SyntaxNode }
  | { kind: 'parameter'; site: SyntaxNode; defaultValue: SyntaxNode | null; annotation: SyntaxNode | null }
  | { kind: 'loop'; site: SyntaxNode };

/**
 * Follows the binding of `identifier` in effect where it is used (Python scoping, as the resolver sees it) to the
 * right-hand side of its simple assignment (`x = <value>`, `x: T = <value>`, `a = b = <value>`), a parameter, or a
 * `for x in …` loop. Null when the name is imported, unbound, or bound some other way (`with … as x`, tuple
 * unpacking, augmented assignment).
 */
export function definitionOf(file: SourceFile, identifier: SyntaxNode): NameDefinition | null {
  if (identifier.type !== NodeType.Identifier) return null;
  return definitionOfName(file, identifier.text, identifier);
}

/** `definitionOf` for a name as it would be read at the position of `at` (which need not be that name). */
export function definitionOfName(file: SourceFile, name: string, at: SyntaxNode): NameDefinition | null {
  const binding = file.resolver.lookup(name, at);
  if (!binding || binding.kind === 'import') return null;
  if (binding.kind === 'alias') {
    const site = sitesOf(file).get(binding.at);
    return { kind: 'value', node: binding.value, site: site ?? binding.value };
  }
  const site = sitesOf(file).get(binding.at);
  if (!site) return null;
  if (site.type === NodeType.Assignment) {
    const targets: SyntaxNode[] = [];
    let right: SyntaxNode | null = site;
    while (right?.type === NodeType.Assignment) {
      const left = right.childForFieldName('left');
      if (left) targets.push(left);
      right = right.childForFieldName('right');
    }
    if (!right || !targets.some((t) => t.type === NodeType.Identifier && t.text === name)) return null;
    return { kind: 'value', node: right, site };
  }
  if (site.type === NodeType.ForStatement) {
    const left = site.childForFieldName('left');
    return left?.type === NodeType.Identifier && left.text === name ? { kind: 'loop', site } : null;
  }
  // Parameters: `seed=42`, `seed: int = 42`, `seed: int`.
  const param = site.childForFieldName('name') ?? site.namedChildren.find((c) => c.type === NodeType.Identifier) ?? null;
  if (param?.text !== name) return null;
  return { kind: 'parameter', site, defaultValue: site.childForFieldName('value'), annotation: site.childForFieldName('type') };
}

/**
 * The value an expression stands for when it is a literal or a name simply assigned a literal (followed through
 * up to a few `a = b` hops). Null when unknown.
 */
export function resolvedLiteral(file: SourceFile, node: SyntaxNode | null, depth = 0): LiteralValue | null {
  if (!node || depth > 4) return null;
  const n = unparenthesize(node);
  const direct = literalValue(n);
  if (direct) return direct;
  if (n.type !== NodeType.Identifier) return null;
  const def = definitionOf(file, n);
  if (def?.kind !== 'value') return null;
  return resolvedLiteral(file, def.node, depth + 1);
}

/**
 * The literal keys of a dict display (`{"a": 1}`) or `dict(a=1)` call, mapped to their value nodes; null when the
 * keys are not all known (a `**splat` inside, a computed key, `dict(other)`).
 */
export function literalDictEntries(node: SyntaxNode | null): Map<string, { entry: SyntaxNode; value: SyntaxNode | null }> | null {
  if (!node) return null;
  const n = unparenthesize(node);
  const out = new Map<string, { entry: SyntaxNode; value: SyntaxNode | null }>();
  if (n.type === NodeType.Dictionary) {
    for (const child of n.namedChildren) {
      if (child.type === NodeType.Comment) continue;
      if (child.type !== NodeType.Pair) return null;
      const key = stringValue(child.childForFieldName('key'));
      if (key === null) return null;
      out.set(key, { entry: child, value: child.childForFieldName('value') });
    }
    return out;
  }
  if (n.type === NodeType.Call && n.childForFieldName('function')?.text === 'dict') {
    for (const arg of callArguments(n)) {
      if (arg.type !== NodeType.KeywordArgument) return null;
      const key = arg.childForFieldName('name');
      if (!key) return null;
      out.set(key.text, { entry: arg, value: arg.childForFieldName('value') });
    }
    return out;
  }
  return null;
}

/**
 * Whether a dict bound to `name` may gain or lose keys after its literal: `name["k"] = …`, `name.update(…)`,
 * `name.setdefault(…)`, `name.pop(…)`, `name |= …`, `del name[…]` anywhere in the file (a textual, conservative check).
 */
export function mayMutateDict(file: SourceFile, name: string): boolean {
  const id = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(String.raw`(?<![\w.])${id}\s*(?:\[[^\]\n]*\]\s*=(?!=)|\.(?:update|setdefault|pop|popitem|clear|__setitem__)\s*\(|\|=)|\bdel\s+${id}\s*\[`);
  return re.test(file.text);
}
