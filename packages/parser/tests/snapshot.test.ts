import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { availableBackends, loadBackend } from '../src/backend.js';
import { SnapshotNode, TreeSnapshot } from '../src/snapshot.js';
import { SourceFile } from '../src/source-file.js';
import type { SyntaxNode } from '../src/types.js';

/**
 * `TreeSnapshot` must answer every `SyntaxNode` question exactly as the bindings do. These tests walk both trees
 * in step over every rule fixture (and a few hand-written texts) and compare each node: type, offsets, points,
 * named-ness, children, siblings, every field the grammar gives the node's type, and `descendantsOfType`.
 */

const require = createRequire(import.meta.url);
const NODE_TYPES = require('tree-sitter-python/src/node-types.json') as Array<{ type: string; named: boolean; fields?: Record<string, unknown> }>;
const FIELDS = new Map(NODE_TYPES.filter((t) => t.named).map((t) => [t.type, Object.keys(t.fields ?? {})]));
const ALL_FIELDS = [...new Set([...FIELDS.values()].flat())].sort();

const RULE_FIXTURES = fileURLToPath(new URL('../../rules/tests/fixtures', import.meta.url));

function pythonSources(dir: string): Array<{ path: string; text: string }> {
  const out: Array<{ path: string; text: string }> = [];
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...pythonSources(path));
    else if (name.endsWith('.py') || name.endsWith('.ipynb')) out.push({ path, text: readFileSync(path, 'utf8') });
  }
  return out;
}

const HAND_WRITTEN = [
  '',
  'x = 1',
  's = "héllo😀"; t = f"{s!r:>10} {s=}"\r\nu = 1 \\\n  + 2\n',
  'async def f(a, /, b: int = 2, *c, d, **e) -> "T":\n    """doc"""\n    async with g() as (h, i):\n        await h\n    return [j async for j in c if j]\n',
  'match p:\n    case {"k": [1, *rest]} if rest:\n        pass\n    case Point(x=0) | None:\n        pass\n',
  'class A(B, metaclass=M):\n    @property\n    def f(self): return lambda q=1, *r: (yield q)\n\ntype X[T] = list[T]\n',
  'print >> sys.stderr, "x"\nexec "code"\n',
  'try:\n    pass\nexcept* (A, B) as e:\n    raise C from e\nelse:\n    del x[0], y\nfinally:\n    global g; nonlocal h\n',
];

/** Every node of a tree (pre-order) with everything `SyntaxNode` says about it, one line per node. */
function dump(root: SyntaxNode): string[] {
  const out: string[] = [];
  const stack: SyntaxNode[] = [root];
  while (stack.length > 0) {
    const n = stack.pop() as SyntaxNode;
    const fields: string[] = [];
    for (const field of n.isNamed ? (FIELDS.get(n.type) ?? ALL_FIELDS) : []) {
      const one = rangeOf(n.childForFieldName(field));
      const all = n.childrenForFieldName(field).map(rangeOf).join(',');
      if (one !== null || all !== '') fields.push(`${field}=${one}[${all}]`);
    }
    out.push(`${JSON.stringify(describeNode(n))} ${fields.join(' ')}`);
    const children = n.children;
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as SyntaxNode);
  }
  return out;
}

function rangeOf(n: SyntaxNode | null): string | null {
  return n ? `${n.type}@${n.startIndex}-${n.endIndex}` : null;
}

function describeNode(n: SyntaxNode): unknown {
  return {
    type: n.type,
    range: [n.startIndex, n.endIndex],
    points: [n.startPosition, n.endPosition],
    text: n.text,
    named: n.isNamed,
    missing: n.isMissing,
    error: n.hasError,
    counts: [n.childCount, n.namedChildCount],
    parent: rangeOf(n.parent),
    siblings: [rangeOf(n.previousSibling), rangeOf(n.nextSibling), rangeOf(n.previousNamedSibling), rangeOf(n.nextNamedSibling)],
    ends: [rangeOf(n.firstChild), rangeOf(n.lastChild), rangeOf(n.firstNamedChild), rangeOf(n.child(1)), rangeOf(n.namedChild(1))],
    named_children: n.namedChildren.map(rangeOf),
  };
}

const DESCENDANT_TYPES = [['call'], ['identifier'], ['lambda'], ['function_definition', 'class_definition'], ['string', 'comment'], ['await'], ['nothing_like_this']];

describe('TreeSnapshot', () => {
  for (const name of ['native', 'wasm'] as const) {
    it(`answers like the ${name} binding on every rule fixture and on tricky texts`, async () => {
      if (!(await availableBackends()).includes(name)) return;
      const backend = await loadBackend(name);
      const sources = [...pythonSources(RULE_FIXTURES), ...HAND_WRITTEN.map((text, i) => ({ path: `hand-${i}.py`, text }))];
      let compared = 0;
      for (const { path, text } of sources) {
        let prepared;
        try {
          prepared = SourceFile.prepare(path, text);
        } catch {
          continue;
        }
        const tree = backend.parse(prepared.code);
        try {
          if (tree.rootNode.hasError) continue;
          const snapshot = TreeSnapshot.of(tree, prepared.code, backend);
          const expected = dump(tree.rootNode);
          expect(dump(snapshot.root), path).toEqual(expected);
          for (const types of DESCENDANT_TYPES) {
            expect(snapshot.root.descendantsOfType(types).map(rangeOf), `${path} ${types.join()}`).toEqual(tree.rootNode.descendantsOfType(types).map(rangeOf));
          }
          // Through the transfer format too (what a worker thread sends back).
          expect(dump(TreeSnapshot.fromData(snapshot.toData().data).root), `${path} (transferred)`).toEqual(expected);
          compared++;
        } finally {
          backend.release(tree);
        }
      }
      expect(compared).toBeGreaterThan(50);
    }, 300_000);
  }

  it('is what SourceFile.root gives for a tree without errors, and the binding root otherwise', async () => {
    const backend = await loadBackend();
    const good = SourceFile.parse(backend, 'a.py', 'import os\nos.getcwd()\n');
    expect(good.root).toBeInstanceOf(SnapshotNode);
    expect(good.snapshot).not.toBeNull();
    const bad = SourceFile.parse(backend, 'b.py', 'def f(:\n  pass\n');
    expect(bad.root).not.toBeInstanceOf(SnapshotNode);
    expect(bad.root.hasError).toBe(true);
    expect(bad.snapshot).toBeNull();
    good.release();
    bad.release();
  });

  it('walks with a cursor that visits the same nodes as the binding cursor', async () => {
    const backend = await loadBackend();
    const text = 'def f(x):\n    return [y for y in x if y]  # c\n';
    const file = SourceFile.parse(backend, 'a.py', text);
    const visit = (cursor: { nodeType: string; startIndex: number; endIndex: number; gotoFirstChild(): boolean; gotoNextSibling(): boolean; gotoParent(): boolean }): string[] => {
      const out: string[] = [];
      for (;;) {
        out.push(`${cursor.nodeType}@${cursor.startIndex}-${cursor.endIndex}`);
        if (cursor.gotoFirstChild()) continue;
        while (!cursor.gotoNextSibling()) if (!cursor.gotoParent()) return out;
      }
    };
    expect(visit(file.walk())).toEqual(visit(file.tree.walk()));
    file.release();
  });
});
