import type { File, FileError, Language, OkParseResult, ParseResult } from '@eslint/core';
import {
  isNotebookPath,
  LineIndex,
  maskIPython,
  NodeType,
  SourceFile,
  type ParserBackend,
  type SyntaxNode,
  type Tree,
} from '@mlops-lint/parser';
import { cellBlockOf } from '../processors/notebook-session.js';
import { PythonSourceCode, type EngineTarget, type PythonLanguageOptions } from './python-source-code.js';
import { visitorKeys } from './visitor-keys.js';

/** What `parse` hands to `createSourceCode`. */
type PythonParseResult = OkParseResult<SyntaxNode> & { tree: Tree; target: EngineTarget };

/**
 * The `mlops/python` language: Python source parsed by tree-sitter through the engine's parser, so that ESLint and
 * the CLI see the same tree. `parse` is synchronous; the parser backend (native, else WASM) is loaded before the
 * plugin module finishes loading.
 */
export class PythonLanguage
  implements Language<{ LangOptions: PythonLanguageOptions; Code: PythonSourceCode; RootNode: SyntaxNode; Node: SyntaxNode }>
{
  readonly fileType = 'text' as const;
  readonly lineStart = 1 as const;
  readonly columnStart = 1 as const;
  readonly nodeTypeKey = 'type';
  readonly visitorKeys: Record<string, string[]> = { ...visitorKeys };
  readonly defaultLanguageOptions: PythonLanguageOptions = { tolerant: false };

  constructor(private readonly backend: ParserBackend) {}

  /** Which backend parses (`native` or `wasm`). */
  get backendName(): string {
    return this.backend.name;
  }

  validateLanguageOptions(languageOptions: PythonLanguageOptions): void {
    if ('tolerant' in languageOptions && languageOptions.tolerant !== undefined && typeof languageOptions.tolerant !== 'boolean') {
      throw new TypeError('Expected a boolean value for the "tolerant" option of the mlops/python language.');
    }
  }

  parse(file: File, context: { languageOptions?: PythonLanguageOptions } = {}): ParseResult<SyntaxNode> {
    const text = typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
    const tolerant = context.languageOptions?.tolerant === true;
    const block = cellBlockOf(file.path, text);

    let tree: Tree;
    let target: EngineTarget;
    if (block) {
      // The engine lints the whole notebook once; this block's own tree is its cell, magics blanked out as the
      // engine blanks them (same length, so every offset is an offset in the cell).
      tree = this.backend.parse(maskIPython(text));
      target = { kind: 'cell', file: block.session.sourceFile(this.backend), session: block.session, cell: block.cell };
    } else {
      if (isNotebookPath(file.path)) {
        return {
          ok: false,
          errors: [{ message: 'a notebook is linted through the "mlops/notebook" processor, not as Python (see docs/eslint.md)', line: 1, column: 1 }],
        };
      }
      const source = SourceFile.parse(this.backend, file.path, text, { kind: 'python', bom: file.bom });
      tree = source.tree;
      target = { kind: 'file', file: source };
    }

    if (!tolerant && tree.rootNode.hasError) {
      return { ok: false, errors: [syntaxError(tree.rootNode, text)] };
    }
    const result: PythonParseResult = { ok: true, ast: tree.rootNode, tree, target };
    return result;
  }

  createSourceCode(file: File, input: OkParseResult<SyntaxNode>): PythonSourceCode {
    const { tree, target } = input as PythonParseResult;
    const text = typeof file.body === 'string' ? file.body : new TextDecoder().decode(file.body);
    return new PythonSourceCode({ text, tree, target });
  }
}

/** The first ERROR or MISSING node, located in 1-based coordinates. */
function syntaxError(root: SyntaxNode, text: string): FileError {
  const node = firstError(root) ?? root;
  const at = new LineIndex(text).positionAt(node.startIndex);
  const message = node.isMissing
    ? `invalid syntax: missing \`${node.type}\``
    : node.type === NodeType.Error && node.endIndex > node.startIndex
      ? `invalid syntax near \`${abbreviate(text.slice(node.startIndex, node.endIndex))}\``
      : 'invalid syntax';
  return { message, line: at.line + 1, column: at.column + 1 };
}

function firstError(node: SyntaxNode): SyntaxNode | null {
  if (node.type === NodeType.Error || node.isMissing) return node;
  if (!node.hasError) return null;
  for (const child of node.children) {
    const found = firstError(child);
    if (found) return found;
  }
  return null;
}

function abbreviate(code: string): string {
  const line = code.split(/\r\n|\r|\n/, 1)[0] ?? '';
  return line.length > 30 ? `${line.slice(0, 30)}…` : line;
}
