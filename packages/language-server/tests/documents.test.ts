import { availableBackends, loadBackend, SourceFile, type Tree } from '@mlops-lint/parser';
import { describe, expect, it } from 'vitest';
import type { TextDocumentContentChangeEvent } from 'vscode-languageserver/node';
import { NotebookState, PythonDocument } from '../src/documents.js';

/** Every node with its type, offsets and points. */
function dump(tree: Tree): string[] {
  const out: string[] = [];
  const cursor = tree.walk();
  for (;;) {
    const n = cursor.currentNode;
    out.push(`${n.type} ${n.startIndex}-${n.endIndex} ${n.startPosition.row}:${n.startPosition.column}-${n.endPosition.row}:${n.endPosition.column}`);
    if (cursor.gotoFirstChild()) continue;
    let done = false;
    while (!cursor.gotoNextSibling()) {
      if (!cursor.gotoParent()) {
        done = true;
        break;
      }
    }
    if (done) break;
  }
  cursor.delete?.();
  return out;
}

const at = (line: number, character: number) => ({ line, character });
const insert = (line: number, character: number, text: string): TextDocumentContentChangeEvent => ({ range: { start: at(line, character), end: at(line, character) }, text });

describe('PythonDocument', () => {
  it('turns LSP changes into edits that re-parse to the same tree as a fresh parse, on every backend', async () => {
    for (const name of await availableBackends()) {
      const backend = await loadBackend(name);
      const doc = new PythonDocument({ uri: 'file:///w/a.py', languageId: 'python', version: 1, text: 's = "é😀"\r\nimport joblib\r\nm = joblib.load(p)\r\n' }, '/w/a.py');
      // Changes before the first parse are part of the text that parse sees, not edits on a later tree.
      doc.applyChanges([insert(0, 0, '# top\n')], 2);
      doc.applyChanges([insert(1, 6, 'x'), { range: { start: at(3, 0), end: at(3, 1) }, text: 'model' }], 3);
      const check = (): void => {
        const file = doc.parse(backend, doc.prepare('a.py'));
        const fresh = SourceFile.parse(backend, 'a.py', doc.text);
        expect({ name, tree: dump(file.tree) }).toEqual({ name, tree: dump(fresh.tree) });
        fresh.release();
      };
      check();
      // After the emoji on the same row, across CRLF line ends, and a whole-text replacement.
      doc.applyChanges([insert(1, 7, '🚀'), { range: { start: at(2, 0), end: at(3, 0) }, text: '' }], 4);
      check();
      doc.applyChanges([insert(2, 22, 'a\r\nb = 1\r\n')], 5);
      doc.applyChanges([{ text: `${doc.text}print(1)\n` }], 6);
      check();
      expect(doc.text).toBe('# top\ns = "éx🚀😀"\r\nmodel = joblib.load(p)a\r\nb = 1\r\n\r\nprint(1)\n');
      doc.dispose();
    }
  });
});

describe('NotebookState', () => {
  it('builds the CLI notebook model from the cells: numbering, masking, execution counts', async () => {
    const backend = await loadBackend('wasm');
    const nb = new NotebookState(
      'file:///w/n.ipynb',
      '/w/n.ipynb',
      [
        { kind: 1, document: 'cell:1' },
        { kind: 2, document: 'cell:2', executionSummary: { executionOrder: 4 } },
        { kind: 2, document: 'cell:3' },
      ],
      [
        { uri: 'cell:1', languageId: 'markdown', version: 1, text: '# Title' },
        { uri: 'cell:2', languageId: 'python', version: 1, text: '%pip install x\nimport os' },
        { uri: 'cell:3', languageId: 'python', version: 1, text: 'os.getcwd()' },
      ],
      { metadata: { kernelspec: { language: 'python' } } },
    );
    const prepared = nb.prepare('n.ipynb');
    expect(prepared.code).toBe('              \nimport os\nos.getcwd()');
    expect(prepared.notebook?.cells.map((c) => [c.index, c.cellType, c.executionCount, c.linted])).toEqual([
      [1, 'markdown', null, false],
      [2, 'code', 4, true],
      [3, 'code', null, true],
    ]);
    const first = nb.parse(backend, prepared);
    expect(first.locate(prepared.code.indexOf('getcwd'))).toEqual({ line: 0, column: 3, cell: 3 });

    // A markdown cell inserted at the top renumbers the code cells, with the same code.
    const closed = nb.applyChange({
      cells: {
        structure: { array: { start: 0, deleteCount: 0, cells: [{ kind: 1, document: 'cell:0' }] }, didOpen: [{ uri: 'cell:0', languageId: 'markdown', version: 1, text: 'intro' }] },
        textContent: [{ document: { uri: 'cell:3', version: 2 }, changes: [{ range: { start: at(0, 0), end: at(0, 0) }, text: 'x = ' }] }],
      },
    });
    expect(closed).toEqual([]);
    const second = nb.parse(backend, nb.prepare('n.ipynb'));
    expect(second.locate(second.text.indexOf('getcwd'))).toEqual({ line: 0, column: 7, cell: 4 });
    expect(dump(second.tree)).toEqual(dump(SourceFile.parse(backend, 'n.py', second.text).tree));

    expect(nb.applyChange({ cells: { structure: { array: { start: 1, deleteCount: 1 }, didClose: [{ uri: 'cell:1' }] } } })).toEqual(['cell:1']);
    expect(nb.cells.map((c) => c.uri)).toEqual(['cell:0', 'cell:2', 'cell:3']);
    nb.dispose();
  });
});
