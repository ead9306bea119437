/**
 * Prompt literals: string literals that reach an LLM call or a prompt template constructor, directly, nested in a
 * messages list, inside a message object (`SystemMessage(content=…)`), or through a module constant of the same
 * file or a local variable of the same function. Shared by ML403 (inline-prompt) and the audit's prompt inventory so
 * the two always agree.
 */
import { NodeType, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import { llmCallOf, PROMPT_TEMPLATE_CONSTRUCTORS } from '../vocabulary/llm.js';
import { definitionOf } from './args.js';

/** A prompt is "long" past this many characters (RULES.md, ML403), or when it has more than one line. */
export const LONG_PROMPT_CHARS = 200;

export interface PromptLiteral {
  /** The string (or implicitly concatenated string) node holding the prompt. */
  literal: SyntaxNode;
  /** Characters of literal text (interpolations left out). */
  chars: number;
  /** Non-blank lines of the text. */
  lines: number;
  /** The call it is passed to, as written (`client.chat.completions.create`). */
  call: string;
}

const TEMPLATE_CLASS = /(?:^|\.)(?:PromptTemplate|ChatPromptTemplate|SystemMessagePromptTemplate|HumanMessagePromptTemplate|AIMessagePromptTemplate|RichPromptTemplate)(?:\.from_template|\.from_messages)?$/;

/** Whether a qualified callee builds a prompt template (LangChain, LlamaIndex). */
export function isPromptTemplateConstructor(qualified: string | null): boolean {
  if (qualified === null) return false;
  if (PROMPT_TEMPLATE_CONSTRUCTORS.has(qualified)) return true;
  return /^(?:langchain|langchain_core|langchain_community|llama_index)\b/.test(qualified) && TEMPLATE_CLASS.test(qualified);
}

/** Whether a call sends a prompt: an LLM call or a prompt template constructor. */
export function isPromptSink(file: SourceFile, call: SyntaxNode): boolean {
  const callee = call.childForFieldName('function');
  if (!callee) return false;
  const qualified = file.resolve(call);
  if (isPromptTemplateConstructor(qualified)) return true;
  return llmCallOf(qualified, file.getText(callee), (m) => file.resolver.importsModule(m)) !== null;
}

/**
 * The long prompt literals (more than {@link LONG_PROMPT_CHARS} characters, or more than one line) a call passes,
 * when the call is an LLM call or a prompt template constructor; else none.
 */
export function inlinePromptLiterals(file: SourceFile, call: SyntaxNode, isSink = isPromptSink(file, call)): PromptLiteral[] {
  if (!isSink) return [];
  const args = call.childForFieldName('arguments');
  const callee = call.childForFieldName('function');
  if (!args || !callee) return [];
  const label = file.getText(callee).replace(/\s+/g, '');
  const out: PromptLiteral[] = [];
  const seen = new Set<number>();
  const consider = (literal: SyntaxNode): void => {
    if (seen.has(literal.startIndex)) return;
    seen.add(literal.startIndex);
    const text = staticText(literal);
    const lines = text.split('\n').filter((l) => l.trim() !== '').length;
    if (text.length > LONG_PROMPT_CHARS || lines > 1) out.push({ literal, chars: text.length, lines, call: label });
  };
  const stack: SyntaxNode[] = [args];
  while (stack.length > 0) {
    const node = stack.pop() as SyntaxNode;
    switch (node.type) {
      case NodeType.String:
      case NodeType.ConcatenatedString:
        consider(node);
        // Interpolated names may be prompt constants too: `f"{SYSTEM}\n{question}"`.
        for (const inner of node.descendantsOfType(NodeType.Identifier)) {
          const value = moduleConstantString(file, inner);
          if (value) consider(value);
        }
        continue;
      case NodeType.Identifier: {
        const value = moduleConstantString(file, node);
        if (value) consider(value);
        continue;
      }
      case NodeType.Lambda:
      case NodeType.FunctionDefinition:
        continue;
      default:
        for (const child of node.namedChildren) stack.push(child);
    }
  }
  return out;
}

/**
 * The string literal a module-level constant of the same file (`SYSTEM_PROMPT = """…"""`), or a local variable of
 * the function reading it, is assigned; else null.
 */
function moduleConstantString(file: SourceFile, identifier: SyntaxNode): SyntaxNode | null {
  const def = definitionOf(file, identifier);
  if (def?.kind !== 'value') return null;
  let scope = def.site.parent;
  while (scope && scope.type !== NodeType.Module && scope.type !== NodeType.FunctionDefinition && scope.type !== NodeType.ClassDefinition) scope = scope.parent;
  // A module constant, or a local variable of the function the name is read in
  // (`template = """…"""` then `PromptTemplate.from_template(template)`).
  if (scope?.type === NodeType.FunctionDefinition) {
    let reader = identifier.parent;
    while (reader && reader.type !== NodeType.Module && reader.type !== NodeType.FunctionDefinition && reader.type !== NodeType.ClassDefinition) reader = reader.parent;
    if (reader?.startIndex !== scope.startIndex) return null;
  } else if (scope?.type !== NodeType.Module) return null;
  let value = def.node;
  while (value.type === NodeType.ParenthesizedExpression) {
    const inner = value.namedChildren.find((c) => c.type !== NodeType.Comment);
    if (!inner) break;
    value = inner;
  }
  return value.type === NodeType.String || value.type === NodeType.ConcatenatedString ? value : null;
}

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '', '\\': '\\', "'": "'", '"': '"' };

/** The literal text of a string node, interpolations left out, common escapes decoded. */
export function staticText(node: SyntaxNode): string {
  if (node.type === NodeType.ConcatenatedString) return node.namedChildren.map((c) => (c.type === NodeType.String ? staticText(c) : '')).join('');
  const start = node.children[0];
  const raw = start?.type === 'string_start' && /r/i.test(start.text.replace(/["']+$/, ''));
  let out = '';
  for (const child of node.children) {
    if (child.type !== 'string_content') continue;
    out += raw ? child.text : child.text.replace(/\\(.)/gs, (whole, ch: string) => (ch === '\n' ? '' : (ESCAPES[ch] ?? whole)));
  }
  return out;
}
