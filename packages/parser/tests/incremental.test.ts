import { describe, expect, it } from 'vitest';
import { availableBackends, loadBackend } from '../src/backend.js';
import { diffEdit, inputEdit, pointAt, SourceFile } from '../src/source-file.js';
import type { BackendName, InputEdit, Tree } from '../src/types.js';

/** Every node of a tree, with its type, offsets and points: two trees with the same dump are the same tree. */
function dump(tree: Tree): string[] {
  const out: string[] = [];
  const cursor = tree.walk();
  for (;;) {
    const n = cursor.currentNode;
    out.push(`${n.type}${n.isMissing ? '!' : ''} ${n.startIndex}-${n.endIndex} ${n.startPosition.row}:${n.startPosition.column}-${n.endPosition.row}:${n.endPosition.column}`);
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

/** A replacement of `[start, end)` in the current text, as an editor sends it. */
interface Change {
  start: number;
  end: number;
  text: string;
}

/**
 * Applies the changes one at a time, each followed by an incremental re-parse, and checks every tree against a
 * fresh parse of the same text. Returns the last tree's dump.
 */
async function replay(name: BackendName, initial: string, changes: Change[]): Promise<string[]> {
  const backend = await loadBackend(name);
  let text = initial;
  let file = SourceFile.parse(backend, 'a.py', text);
  for (const change of changes) {
    const edit = inputEdit(text, change.start, change.end, change.text);
    text = text.slice(0, change.start) + change.text + text.slice(change.end);
    const next = SourceFile.fromPrepared(backend, SourceFile.prepare('a.py', text), { tree: file.tree, edits: [edit] });
    file.release();
    file = next;
    const fresh = SourceFile.parse(backend, 'a.py', text);
    expect(dump(file.tree)).toEqual(dump(fresh.tree));
    fresh.release();
  }
  const result = dump(file.tree);
  file.release();
  return result;
}

/** Replays on every backend that loads and checks that they agree. */
async function replayAll(initial: string, changes: Change[]): Promise<void> {
  const names = await availableBackends();
  expect(names).toContain('wasm');
  const dumps = await Promise.all(names.map((name) => replay(name, initial, changes)));
  for (const d of dumps.slice(1)) expect(d).toEqual(dumps[0]);
}

const SOURCE = 'import joblib\ns = "héllo😀"  # ünïcode\n\ndef predict(x):\n    model = joblib.load("m.pkl")\n    return model(x)\n';
const at = (needle: string): number => {
  const i = SOURCE.indexOf(needle);
  expect(i).toBeGreaterThanOrEqual(0);
  return i;
};

describe('incremental re-parse', () => {
  it('inserts one character after non-ASCII text on the same line', async () => {
    await replayAll(SOURCE, [{ start: at('  # ü'), end: at('  # ü'), text: 'x' }]);
  });

  it('types a new statement character by character', async () => {
    const start = at('def ');
    const typed = 'seed = 1\n';
    await replayAll(
      SOURCE,
      [...typed].map((ch, i) => ({ start: start + i, end: start + i, text: ch })),
    );
  });

  it('deletes a line break, joining two lines into an error and back', async () => {
    const nl = at('\n    model');
    await replayAll(SOURCE, [
      { start: nl, end: nl + 1, text: '' },
      { start: nl, end: nl, text: '\n' },
    ]);
  });

  it('replaces a surrogate pair and inserts CRLF lines', async () => {
    const emoji = at('😀');
    await replayAll(SOURCE, [
      { start: emoji, end: emoji + 2, text: '🚀🚀' },
      { start: at('def '), end: at('def '), text: 'a = 1\r\nb = "ß"\r\n' },
    ]);
  });

  it('works on a text with lone carriage returns', async () => {
    const text = 'a = 1\rb = 2\rc = "é"\r';
    await replayAll(text, [{ start: text.indexOf('2'), end: text.indexOf('2') + 1, text: '22\r\rd = 4' }]);
  });

  it('reuses the tree for several edits at once', async () => {
    const backend = await loadBackend('wasm');
    const first = SourceFile.parse(backend, 'a.py', SOURCE);
    const e1 = inputEdit(SOURCE, 0, 0, '# top\n');
    const mid = `# top\n${SOURCE}`;
    const pos = mid.indexOf('m.pkl');
    const e2 = inputEdit(mid, pos, pos + 1, 'M');
    const final = `${mid.slice(0, pos)}M${mid.slice(pos + 1)}`;
    const next = SourceFile.fromPrepared(backend, SourceFile.prepare('a.py', final), { tree: first.tree, edits: [e1, e2] });
    const fresh = SourceFile.parse(backend, 'a.py', final);
    expect(dump(next.tree)).toEqual(dump(fresh.tree));
    for (const f of [first, next, fresh]) f.release();
  });

  it('takes edits in UTF-16 indices and columns on both backends', async () => {
    // After `edit`, the old tree's nodes past the edit are shifted by exactly what the edit says, in the units the
    // binding reads: a comment after "é😀" moves by two code units on its row.
    const text = 's = "é😀"; t = 1  # c\nu = 2\n';
    const at = text.indexOf('t =');
    const comment = text.indexOf('#');
    for (const name of await availableBackends()) {
      const file = SourceFile.parse(await loadBackend(name), 'a.py', text);
      (file.tree as Tree & { edit(edit: InputEdit): void }).edit(inputEdit(text, at, at, 'xx'));
      const node = file.root.descendantsOfType('comment')[0];
      expect({ name, index: node?.startIndex, position: node?.startPosition }).toEqual({ name, index: comment + 2, position: { row: 0, column: comment + 2 } });
      file.release();
    }
  });

  it('gives UTF-16 columns on both backends', async () => {
    const text = 's = "é😀"; y = 1\n';
    for (const name of await availableBackends()) {
      const file = SourceFile.parse(await loadBackend(name), 'a.py', text);
      const y = file.root.descendantsOfType('identifier').find((n) => n.text === 'y');
      expect(y?.startPosition).toEqual({ row: 0, column: text.indexOf('y') });
      expect(y?.startIndex).toBe(text.indexOf('y'));
      file.release();
    }
  });
});

describe('edit helpers', () => {
  it('pointAt counts only \\n as a row break', () => {
    expect(pointAt('ab\ncd', 4)).toEqual({ row: 1, column: 1 });
    expect(pointAt('a\r\nb', 3)).toEqual({ row: 1, column: 0 });
    expect(pointAt('a\rb', 2)).toEqual({ row: 0, column: 2 });
    expect(pointAt('ab', 0)).toEqual({ row: 0, column: 0 });
  });

  it('inputEdit computes the points of a replacement', () => {
    const edit: InputEdit = inputEdit('ab\ncd\nef', 4, 7, 'X\nYZ');
    expect(edit).toEqual({
      startIndex: 4,
      oldEndIndex: 7,
      newEndIndex: 8,
      startPosition: { row: 1, column: 1 },
      oldEndPosition: { row: 2, column: 1 },
      newEndPosition: { row: 2, column: 2 },
    });
  });

  it('diffEdit keeps the common prefix and suffix', () => {
    expect(diffEdit('abc', 'abc')).toBeNull();
    expect(diffEdit('a = 1\nb = 2\n', 'a = 1\nb = 23\n')).toMatchObject({ startIndex: 11, oldEndIndex: 11, newEndIndex: 12 });
    expect(diffEdit('aaa', 'aa')).toMatchObject({ startIndex: 2, oldEndIndex: 3, newEndIndex: 2 });
  });

  it('diffEdit never splits a surrogate pair', () => {
    // "😀" and "😁" share their high surrogate; the edit must start before it.
    expect(diffEdit('x😀y', 'x😁y')).toMatchObject({ startIndex: 1, oldEndIndex: 3, newEndIndex: 3 });
  });
});
