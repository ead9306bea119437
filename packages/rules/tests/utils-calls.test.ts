import { describe, expect, it } from 'vitest';
import { applyEdits } from '@mlops-lint/core';
import { loadBackend, NodeType, SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import { addKeywordEdits, appendItemEdits, enclosingScope, soleAssignedValue, withItemValue } from '../src/utils/calls.js';

async function parse(text: string): Promise<SourceFile> {
  return SourceFile.parse(await loadBackend(), 'example.py', text);
}

/** The first node of a type whose text starts with `prefix`. */
function find(file: SourceFile, type: string, prefix: string): SyntaxNode {
  const hit = file.root.descendantsOfType(type).find((n) => n.text.startsWith(prefix));
  if (!hit) throw new Error(`no ${type} starting with ${prefix}`);
  return hit;
}

async function addKeyword(text: string, callPrefix: string, keyword = 'max_tokens', value = '1024'): Promise<string> {
  const file = await parse(text);
  const edits = addKeywordEdits(find(file, NodeType.Call, callPrefix), keyword, value, file.text);
  if (!edits) throw new Error('no edits');
  return applyEdits(text, edits);
}

describe('addKeywordEdits', () => {
  it('fills an empty argument list', async () => {
    expect(await addKeyword('f()\n', 'f(')).toBe('f(max_tokens=1024)\n');
  });

  it('appends on one line', async () => {
    expect(await addKeyword('f(a, b=1)\n', 'f(')).toBe('f(a, b=1, max_tokens=1024)\n');
  });

  it('keeps a trailing comma last on one line', async () => {
    expect(await addKeyword('f(a, b=1,)\n', 'f(')).toBe('f(a, b=1, max_tokens=1024,)\n');
  });

  it('adds a line in the one-argument-per-line style, keeping the trailing comma', async () => {
    const text = 'r = f(\n    model="m",\n    messages=msgs,\n)\n';
    expect(await addKeyword(text, 'f(')).toBe('r = f(\n    model="m",\n    messages=msgs,\n    max_tokens=1024,\n)\n');
  });

  it('adds the missing comma when the last argument has none', async () => {
    const text = 'r = f(\n    model="m",\n    messages=msgs\n)\n';
    expect(await addKeyword(text, 'f(')).toBe('r = f(\n    model="m",\n    messages=msgs,\n    max_tokens=1024\n)\n');
  });

  it('goes after a comment that ends the last argument line', async () => {
    const text = 'f(\n    a=1,  # first\n    b=2  # second\n)\n';
    expect(await addKeyword(text, 'f(')).toBe('f(\n    a=1,  # first\n    b=2,  # second\n    max_tokens=1024\n)\n');
  });

  it('stays inline when the bracket closes on the last argument line', async () => {
    const text = 'r = f(model="m",\n      messages=msgs)\n';
    expect(await addKeyword(text, 'f(')).toBe('r = f(model="m",\n      messages=msgs, max_tokens=1024)\n');
  });

  it('goes after a **splat', async () => {
    expect(await addKeyword('f(x, **kw)\n', 'f(')).toBe('f(x, **kw, max_tokens=1024)\n');
  });

  it('inserts before a CR (the engine turns the new "\\n" into the file end of line)', async () => {
    const text = 'f(\r\n    a=1,\r\n)\r\n';
    expect(await addKeyword(text, 'f(')).toBe('f(\r\n    a=1,\n    max_tokens=1024,\r\n)\r\n');
  });

  it('gives up on a bare generator argument', async () => {
    const file = await parse('f(x for x in y)\n');
    expect(addKeywordEdits(find(file, NodeType.Call, 'f('), 'k', '1', file.text)).toBeNull();
  });
});

describe('appendItemEdits', () => {
  it('adds a key to a dict literal', async () => {
    const text = 'o = {"temperature": 0.2}\n';
    const file = await parse(text);
    const edits = appendItemEdits(find(file, NodeType.Dictionary, '{'), '"num_predict": 1024', file.text);
    expect(applyEdits(text, edits ?? [])).toBe('o = {"temperature": 0.2, "num_predict": 1024}\n');
  });

  it('adds to an empty dict', async () => {
    const text = 'o = {}\n';
    const file = await parse(text);
    expect(applyEdits(text, appendItemEdits(find(file, NodeType.Dictionary, '{'), '"k": 1', file.text) ?? [])).toBe('o = {"k": 1}\n');
  });
});

describe('soleAssignedValue', () => {
  it('finds the one assignment in the function', async () => {
    const file = await parse('def f():\n    params = {"a": 1}\n    g(**params)\n');
    const use = find(file, NodeType.Identifier, 'params');
    const uses = file.root.descendantsOfType(NodeType.Identifier).filter((n) => n.text === 'params');
    expect(soleAssignedValue('params', uses[uses.length - 1] ?? use)?.text).toBe('{"a": 1}');
  });

  it('reads the module binding from a function that does not bind the name', async () => {
    const file = await parse('DEBUG = True\ndef main():\n    run(debug=DEBUG)\n');
    const use = file.root.descendantsOfType(NodeType.Identifier).filter((n) => n.text === 'DEBUG').pop();
    expect(use && soleAssignedValue('DEBUG', use)?.type).toBe(NodeType.True);
  });

  it('is null for parameters, reassignments and in-place mutation', async () => {
    const file = await parse(
      'def a(p):\n    use(p)\n' +
        'def b():\n    x = {}\n    x = {"k": 1}\n    use(x)\n' +
        'def c():\n    y = {}\n    y["max_tokens"] = 5\n    use(y)\n' +
        'def d():\n    z = {}\n    z.update(max_tokens=5)\n    use(z)\n',
    );
    const lastUse = (name: string) => file.root.descendantsOfType(NodeType.Identifier).filter((n) => n.text === name).pop();
    for (const name of ['p', 'x', 'y', 'z']) {
      const use = lastUse(name);
      expect(use && soleAssignedValue(name, use), name).toBeNull();
    }
  });
});

describe('withItemValue', () => {
  it('prefers the enclosing with statement over an earlier one', async () => {
    const file = await parse('with open("a", "wb") as f:\n    dump(x, f)\nwith open("b", "rb") as f:\n    load(f)\n');
    const use = file.root.descendantsOfType(NodeType.Identifier).filter((n) => n.text === 'f').pop();
    expect(use && withItemValue('f', use)?.text).toBe('open("b", "rb")');
  });

  it('falls back to the last with before the use', async () => {
    const file = await parse('def g():\n    with open(p) as fh:\n        pass\n    load(fh)\n');
    const use = file.root.descendantsOfType(NodeType.Identifier).filter((n) => n.text === 'fh').pop();
    expect(use && withItemValue('fh', use)?.text).toBe('open(p)');
    expect(use && enclosingScope(use).type).toBe(NodeType.FunctionDefinition);
  });
});
