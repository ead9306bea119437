/**
 * Helpers for rules about training scripts and notebooks (ML301, ML302, ML303): which code actually runs when the
 * file is executed, test-file detection, name tokenising, and small text/position helpers for fixes.
 */
import type { RuleContext } from '@mlops-lint/core';
import { NodeType, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';

export type ScriptContext = Pick<RuleContext, 'file' | 'filename' | 'resolve' | 'inErrorRegion'>;

/** Whether a path names a test module; rules that never report there declare `meta.skipTestFiles` instead. */
export { isTestPath } from '@mlops-lint/core';

/** Nodes of some types outside unparsable regions, in source order. */
export function parsedNodesOf(context: ScriptContext, types: string | string[]): SyntaxNode[] {
  return context.file.root
    .descendantsOfType(types)
    .filter((n) => !context.inErrorRegion(n))
    .sort((a, b) => a.startIndex - b.startIndex);
}

const DEFINITIONS = new Set<string>([NodeType.FunctionDefinition, NodeType.ClassDefinition]);

/** The outermost function or class definition holding a node (the node itself when it is one), else null. */
export function outermostDefinition(node: SyntaxNode): SyntaxNode | null {
  let found: SyntaxNode | null = DEFINITIONS.has(node.type) ? node : null;
  for (let p = node.parent; p; p = p.parent) if (DEFINITIONS.has(p.type)) found = p;
  return found;
}

function keyOf(node: SyntaxNode): string {
  return `${node.startIndex}:${node.endIndex}`;
}

/** Whether an identifier reads a name (not an attribute field, keyword name, parameter, import or definition name). */
function isNameReference(id: SyntaxNode): boolean {
  const p = id.parent;
  if (!p) return false;
  switch (p.type) {
    case NodeType.Attribute:
      return p.childForFieldName('attribute')?.startIndex !== id.startIndex;
    case NodeType.KeywordArgument:
      return p.childForFieldName('name')?.startIndex !== id.startIndex;
    case NodeType.FunctionDefinition:
    case NodeType.ClassDefinition:
      return p.childForFieldName('name')?.startIndex !== id.startIndex;
    case NodeType.DefaultParameter:
    case NodeType.TypedDefaultParameter:
      return p.childForFieldName('name')?.startIndex !== id.startIndex;
    case NodeType.Parameters:
    case NodeType.TypedParameter:
    case NodeType.DottedName:
    case NodeType.AliasedImport:
    case NodeType.ListSplatPattern:
    case NodeType.DictionarySplatPattern:
      return false;
    default:
      return true;
  }
}

/** Whether a reference to a class name makes the class run: instantiation, a class-method call, a base class, an argument. */
function isClassUse(id: SyntaxNode): boolean {
  const p = id.parent;
  if (!p) return false;
  if (p.type === NodeType.Call) return p.childForFieldName('function')?.startIndex === id.startIndex;
  if (p.type === NodeType.Attribute) {
    const gp = p.parent;
    return p.childForFieldName('object')?.startIndex === id.startIndex && gp?.type === NodeType.Call && gp.childForFieldName('function')?.startIndex === p.startIndex;
  }
  if (p.type === NodeType.ArgumentList) return true;
  if (p.type === NodeType.KeywordArgument) return p.childForFieldName('value')?.startIndex === id.startIndex;
  return false;
}

/** Decorators that make a function a command-line entry point (click, typer, hydra, sacred, absl-style mains). */
const ENTRY_DECORATOR = /(^|[.@\s])(command|main|automain|entrypoint|cli)\b|hydra\.main|\bclick\b|\btyper\b/;

function decoratorTexts(def: SyntaxNode): string[] {
  const parent = def.parent;
  if (parent?.type !== NodeType.DecoratedDefinition) return [];
  return parent.namedChildren.filter((c) => c.type === NodeType.Decorator).map((c) => c.text);
}

/**
 * Which code runs when a file is executed as a script or notebook: module-level statements (the
 * `if __name__ == "__main__":` block included), the top-level functions they name (called, or passed on as in
 * `fire.Fire(main)`), the classes they instantiate or pass on, transitively, and functions decorated as CLI
 * commands. A library module whose functions are never named at module level runs nothing.
 */
export class ScriptReach {
  private readonly reachable = new Set<string>();

  constructor(context: ScriptContext) {
    const root = context.file.root;
    const tops = new Map<string, SyntaxNode[]>();
    const seeds: SyntaxNode[] = [];
    for (const def of root.descendantsOfType([NodeType.FunctionDefinition, NodeType.ClassDefinition])) {
      if (outermostDefinition(def)?.startIndex !== def.startIndex) continue;
      const name = def.childForFieldName('name')?.text;
      if (!name) continue;
      const list = tops.get(name);
      if (list) list.push(def);
      else tops.set(name, [def]);
      if (def.type === NodeType.FunctionDefinition && decoratorTexts(def).some((d) => ENTRY_DECORATOR.test(d))) seeds.push(def);
    }
    const byRegion = new Map<string, SyntaxNode[]>();
    let firesEverything = false;
    for (const id of root.descendantsOfType(NodeType.Identifier)) {
      if (!tops.has(id.text) && id.text !== 'fire') continue;
      if (!isNameReference(id)) continue;
      const top = outermostDefinition(id);
      const key = top ? keyOf(top) : '';
      if (id.text === 'fire' && key === '' && isArgumentlessFire(id)) firesEverything = true;
      const list = byRegion.get(key);
      if (list) list.push(id);
      else byRegion.set(key, [id]);
    }
    const queue: string[] = [''];
    const mark = (def: SyntaxNode): void => {
      const key = keyOf(def);
      if (this.reachable.has(key)) return;
      this.reachable.add(key);
      queue.push(key);
    };
    for (const def of seeds) mark(def);
    if (firesEverything) for (const defs of tops.values()) for (const d of defs) mark(d);
    while (queue.length > 0) {
      const key = queue.pop() as string;
      for (const id of byRegion.get(key) ?? []) {
        for (const def of tops.get(id.text) ?? []) {
          if (def.type === NodeType.ClassDefinition && !isClassUse(id)) continue;
          mark(def);
        }
      }
    }
  }

  /** Whether a node runs when the file is executed (module-level code or a reachable definition). */
  isReachable(node: SyntaxNode): boolean {
    const top = outermostDefinition(node);
    return top === null || this.reachable.has(keyOf(top));
  }
}

/** `fire.Fire()` with no argument exposes every function of the module. */
function isArgumentlessFire(id: SyntaxNode): boolean {
  const attr = id.parent;
  if (attr?.type !== NodeType.Attribute || attr.childForFieldName('attribute')?.text !== 'Fire') return false;
  const call = attr.parent;
  if (call?.type !== NodeType.Call) return false;
  const args = call.childForFieldName('arguments');
  return args !== null && args.namedChildren.filter((c) => c.type !== NodeType.Comment).length === 0;
}

/** Lower-case word tokens of a name: `optimizerD` → `optimizer`, `d`; `XGBClassifier` → `xgb`, `classifier`. */
export function nameTokens(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((t) => t.length > 0);
}

/** The last name of an expression: `model` of `self.model`, `fit` of `clf.fit`, `build` of `build()`. */
export function lastName(node: SyntaxNode | null): string | null {
  if (!node) return null;
  switch (node.type) {
    case NodeType.Identifier:
      return node.text;
    case NodeType.Attribute:
      return node.childForFieldName('attribute')?.text ?? null;
    case NodeType.Call:
      return lastName(node.childForFieldName('function'));
    case NodeType.ParenthesizedExpression:
      return lastName(node.firstNamedChild);
    case NodeType.Subscript:
      return lastName(node.childForFieldName('value'));
    default:
      return null;
  }
}

/** The receiver and method name of a method call `recv.method(...)`, or null. */
export function methodCall(call: SyntaxNode): { receiver: SyntaxNode; method: string } | null {
  const fn = call.childForFieldName('function');
  if (fn?.type !== NodeType.Attribute) return null;
  const receiver = fn.childForFieldName('object');
  const method = fn.childForFieldName('attribute')?.text;
  return receiver && method ? { receiver, method } : null;
}

/** The leftmost identifier of a dotted expression or call chain: `run` of `run.config.update(…)`. */
export function rootIdentifier(node: SyntaxNode | null): SyntaxNode | null {
  let current = node;
  while (current) {
    if (current.type === NodeType.Identifier) return current;
    if (current.type === NodeType.Attribute) current = current.childForFieldName('object');
    else if (current.type === NodeType.Call) current = current.childForFieldName('function');
    else if (current.type === NodeType.Subscript) current = current.childForFieldName('value');
    else return null;
  }
  return null;
}

const LOOPS = new Set<string>([NodeType.ForStatement, NodeType.WhileStatement]);
const SCOPES = new Set<string>([NodeType.FunctionDefinition, NodeType.ClassDefinition, NodeType.Lambda]);

/** Whether a node sits in the body of a `for`/`while` loop of its own function (or module). */
export function isInsideLoop(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (SCOPES.has(p.type)) return false;
    if (LOOPS.has(p.type)) return true;
  }
  return false;
}

/** Every module name an import statement mentions, with the full names of `from m import n` items. */
export function importedNames(stmt: SyntaxNode): Array<{ module: string; name: string | null }> {
  const out: Array<{ module: string; name: string | null }> = [];
  if (stmt.type === NodeType.ImportStatement) {
    for (const child of stmt.namedChildren) {
      const dotted = child.type === NodeType.AliasedImport ? child.childForFieldName('name') : child;
      if (dotted?.type === NodeType.DottedName) out.push({ module: dotted.text, name: null });
    }
  } else if (stmt.type === NodeType.ImportFromStatement) {
    const module = stmt.childForFieldName('module_name')?.text.replace(/\s+/g, '') ?? '';
    const names = stmt.childrenForFieldName('name');
    if (names.length === 0) out.push({ module, name: null });
    for (const child of names) {
      const dotted = child.type === NodeType.AliasedImport ? child.childForFieldName('name') : child;
      if (dotted) out.push({ module, name: dotted.text });
    }
  }
  return out;
}

/** Module roots of every import in the file (function-level imports included). */
export function importedRoots(context: ScriptContext): Set<string> {
  const roots = new Set<string>();
  for (const stmt of parsedNodesOf(context, [NodeType.ImportStatement, NodeType.ImportFromStatement])) {
    for (const { module } of importedNames(stmt)) {
      const root = module.replace(/^\.+/, '').split('.')[0];
      if (root) roots.add(root);
    }
  }
  return roots;
}

// ---------------------------------------------------------------------------------------------------------------
// Text positions for fixes

/** The offset where the line holding `offset` starts. */
export function lineStartOf(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** The offset of the end of the line holding `offset` (before `\r\n`/`\n`, or the end of the text). */
export function lineEndOf(text: string, offset: number): number {
  const nl = text.indexOf('\n', offset);
  const end = nl === -1 ? text.length : nl;
  return end > 0 && text[end - 1] === '\r' ? end - 1 : end;
}

/** The indentation of a statement that starts its line, or null when other code precedes it on that line. */
export function ownLineIndent(text: string, node: SyntaxNode): string | null {
  const start = lineStartOf(text, node.startIndex);
  const before = text.slice(start, node.startIndex);
  return /^[ \t]*$/.test(before) ? before : null;
}

/** Whether only blanks and a comment follow a node on its last line. */
export function endsItsLine(file: SourceFile, node: SyntaxNode): boolean {
  const end = lineEndOf(file.text, node.endIndex);
  return /^[ \t]*(#.*)?$/.test(file.text.slice(node.endIndex, end));
}
