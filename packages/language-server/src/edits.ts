import type { Edit } from '@mlops-lint/core';
import { diffEdit, isMaskedRange, NodeType, type Directives, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CreateFile,
  OptionalVersionedTextDocumentIdentifier,
  TextDocumentEdit,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver/node';

/** Collects text edits for several documents and builds one `WorkspaceEdit`. */
export class EditBuilder {
  private readonly documents = new Map<string, { version: number | null; edits: TextEdit[] }>();
  private readonly created: string[] = [];

  /** Adds an edit to a document; `version` is the open document's version, null for a file on disk. */
  add(uri: string, version: number | null, edit: TextEdit): void {
    let entry = this.documents.get(uri);
    if (!entry) this.documents.set(uri, (entry = { version, edits: [] }));
    entry.edits.push(edit);
  }

  /** Creates a file before editing it (a project fix that writes a `.gitignore` that does not exist yet). */
  create(uri: string): void {
    if (!this.created.includes(uri)) this.created.push(uri);
  }

  get isEmpty(): boolean {
    return this.documents.size === 0 && this.created.length === 0;
  }

  /**
   * The workspace edit: versioned `documentChanges` when the client supports them (so an edit made for an older
   * version is refused rather than misapplied), else plain `changes`. Null when a file must be created and the client
   * cannot.
   */
  build(support: { documentChanges: boolean; create: boolean }): WorkspaceEdit | null {
    if (support.documentChanges) {
      if (this.created.length > 0 && !support.create) return null;
      const changes: Array<TextDocumentEdit | CreateFile> = this.created.map((uri) => CreateFile.create(uri, { ignoreIfExists: true }));
      for (const [uri, { version, edits }] of this.documents) {
        changes.push(TextDocumentEdit.create(OptionalVersionedTextDocumentIdentifier.create(uri, version), edits));
      }
      return { documentChanges: changes };
    }
    if (this.created.length > 0) return null;
    const changes: Record<string, TextEdit[]> = {};
    for (const [uri, { edits }] of this.documents) changes[uri] = edits;
    return { changes };
  }
}

/** One edit that turns a document's text into `text` (their common prefix and suffix untouched), or null. */
export function replaceAll(document: TextDocument, text: string): TextEdit | null {
  const edit = diffEdit(document.getText(), text);
  if (!edit) return null;
  return {
    range: { start: document.positionAt(edit.startIndex), end: document.positionAt(edit.oldEndIndex) },
    newText: text.slice(edit.startIndex, edit.newEndIndex),
  };
}

/** The codes part of a `# noqa: …` comment, as `parseDirectives` reads it. */
const NOQA_CODES = /#\s*noqa:\s*[A-Za-z0-9_-]+(?:[\s,]+[A-Za-z0-9_-]+)*/i;

/**
 * The edit that suppresses `code` on the line where a finding starts (the line `# noqa` is read on): extends the
 * line's `# noqa: …` list, or appends `  # noqa: CODE`. Null where no comment can go: the line ends inside a
 * multi-line string, continues with a backslash, or is IPython syntax; or the line is already suppressed.
 */
export function suppressEdit(file: SourceFile, directives: Directives, code: string, start: number): Edit | null {
  const line = file.lineIndex.lineOf(start);
  const existing = directives.lines.get(line);
  if (existing) {
    if (existing.codes === null || existing.codes.includes(code)) return null;
    const match = NOQA_CODES.exec(file.text.slice(existing.start, existing.end));
    if (!match) return null;
    const at = existing.start + match.index + match[0].length;
    return { start: at, end: at, text: `, ${code}` };
  }
  const end = file.lineIndex.lineEnd(line);
  const text = file.lineIndex.lineText(line);
  if (file.notebook && isMaskedRange(file.notebook, end, end)) return null;
  if (text.endsWith('\\') && deepestAt(file.root, end - 1)?.type !== NodeType.Comment) return null;
  if (insideString(file.root, end)) return null;
  const pad = text.endsWith('  ') ? '' : text.endsWith(' ') ? ' ' : '  ';
  return { start: end, end, text: `${pad}# noqa: ${code}` };
}

/** The smallest node holding `offset` (start ≤ offset < end). */
function deepestAt(root: SyntaxNode, offset: number): SyntaxNode | null {
  let node: SyntaxNode | null = root.startIndex <= offset && offset < root.endIndex ? root : null;
  while (node) {
    const child: SyntaxNode | undefined = node.children.find((c) => c.startIndex <= offset && offset < c.endIndex);
    if (!child) return node;
    node = child;
  }
  return null;
}

/** Whether a string literal runs across `offset` (a line end inside a triple-quoted string). */
function insideString(root: SyntaxNode, offset: number): boolean {
  let node: SyntaxNode | undefined = root;
  while (node) {
    if (node.type === NodeType.String) return true;
    node = node.children.find((c) => c.startIndex < offset && offset < c.endIndex);
  }
  return false;
}
