import { describe, expect, it } from 'vitest';
import { availableBackends, loadBackend, SourceFile, type SyntaxNode } from '../src/index.js';

async function resolveCalls(code: string): Promise<Record<string, string | null>> {
  const backend = await loadBackend();
  const file = SourceFile.parse(backend, 'x.py', code);
  const out: Record<string, string | null> = {};
  for (const call of file.root.descendantsOfType('call')) {
    const fn = call.childForFieldName('function') as SyntaxNode;
    out[`${file.lineIndex.lineOf(call.startIndex) + 1}:${fn.text}`] = file.resolve(call);
  }
  return out;
}

describe('ImportResolver', () => {
  it('resolves import aliases and from-imports', async () => {
    expect(
      await resolveCalls(['import joblib as jl', 'from torch import load', 'from torch import load as tl', 'import torch.nn as nn', 'jl.load(f)', 'load(f)', 'tl(f)', 'nn.Linear(1, 2)'].join('\n')),
    ).toEqual({ '5:jl.load': 'joblib.load', '6:load': 'torch.load', '7:tl': 'torch.load', '8:nn.Linear': 'torch.nn.Linear' });
  });

  it('maps drop-in modules to the original', async () => {
    const r = await resolveCalls(['import cPickle', 'import pickle5 as pk', 'from sklearn.externals import joblib', 'cPickle.load(f)', 'pk.loads(b)', 'joblib.load(p)'].join('\n'));
    expect(Object.values(r)).toEqual(['pickle.load', 'pickle.loads', 'joblib.load']);
  });

  it('follows module-level aliases and instances', async () => {
    const r = await resolveCalls(['import joblib', 'from openai import OpenAI', 'load = joblib.load', 'client = OpenAI()', 'load(p)', 'client.chat.completions.create(model="x")'].join('\n'));
    expect(r['5:load']).toBe('joblib.load');
    expect(r['6:client.chat.completions.create']).toBe('openai.OpenAI().chat.completions.create');
  });

  it('gives null for parameters and locals that shadow imports', async () => {
    const r = await resolveCalls(['import pickle', 'def f(pickle):', '    return pickle.load(x)', 'def g():', '    pickle = Thing()', '    pickle.load(x)', 'def h():', '    pickle.load(x)'].join('\n'));
    expect(r['3:pickle.load']).toBeNull();
    expect(r['6:pickle.load']).toBe('Thing().load');
    expect(r['8:pickle.load']).toBe('pickle.load');
  });

  it('sees imports inside functions and module globals assigned after the function', async () => {
    const r = await resolveCalls(['def predict():', '    import joblib as jl', '    return jl.load(p), client.create()', 'from anthropic import Anthropic', 'client = Anthropic()'].join('\n'));
    expect(r['3:jl.load']).toBe('joblib.load');
    expect(r['3:client.create']).toBe('anthropic.Anthropic().create');
  });

  it('returns unbound names as written', async () => {
    const r = await resolveCalls('print(1)\nfoo.bar(2)\n');
    expect(r).toEqual({ '1:print': 'print', '2:foo.bar': 'foo.bar' });
  });

  it('resolves the same on every backend', async () => {
    const code = ['import numpy as np', 'from torch.utils.data import DataLoader as DL', 'x = np.random.rand(3)', 'DL(ds, shuffle=True)'].join('\n');
    const results = [];
    for (const name of await availableBackends()) {
      const backend = await loadBackend(name);
      const file = SourceFile.parse(backend, 'x.py', code);
      results.push(file.root.descendantsOfType('call').map((c) => file.resolve(c)));
      file.release();
    }
    for (const r of results) expect(r).toEqual(['numpy.random.rand', 'torch.utils.data.DataLoader']);
  });
});

describe('SourceFile', () => {
  it('gives UTF-16 offsets on both backends', async () => {
    for (const name of await availableBackends()) {
      const file = SourceFile.parse(await loadBackend(name), 'x.py', 'x = "héllo😀"; y = 1\n');
      const ids = file.root.descendantsOfType('identifier').map((n) => [n.text, n.startIndex]);
      expect(ids).toEqual([['x', 0], ['y', 15]]);
      expect(file.locate(15)).toEqual({ line: 0, column: 15, cell: null });
      file.release();
    }
  });

  it('locates notebook offsets in cell coordinates', async () => {
    const nb = JSON.stringify({
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: 'markdown', metadata: {}, source: '# title' },
        { cell_type: 'code', metadata: {}, execution_count: 1, outputs: [], source: ['!pip install x\n', 'import os\n'] },
        { cell_type: 'code', metadata: {}, execution_count: 2, outputs: [], source: ['a = 1\n', 'b = os.getcwd()'] },
      ],
    });
    const file = SourceFile.parse(await loadBackend(), 'n.ipynb', nb);
    const offset = file.text.indexOf('os.getcwd');
    expect(file.locate(offset)).toEqual({ line: 1, column: 4, cell: 3 });
    expect(file.text.startsWith('              \nimport os')).toBe(true);
  });
});
