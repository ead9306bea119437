import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  NotebookError,
  notebookJsonLines,
  applyNotebookEdits,
  cellToVirtual,
  isMaskedRange,
  maskIPython,
  parseNotebook,
  virtualToCell,
} from '../src/notebook.js';
import type { Notebook, TextEdit } from '../src/notebook.js';

const fixture = (name: string): string =>
  readFileSync(new URL(`./fixtures/notebooks/${name}`, import.meta.url), 'utf8');

/** A minimal nbformat 4 notebook in json.dumps(indent=1) layout, for cases that do not need a fixture file. */
function notebookJson(cells: Array<Record<string, unknown>>, metadata: Record<string, unknown> = {}): string {
  return `${JSON.stringify({ cells, metadata, nbformat: 4, nbformat_minor: 5 }, null, 1)}\n`;
}

const code = (source: string | string[]): Record<string, unknown> => ({
  cell_type: 'code',
  execution_count: null,
  metadata: {},
  outputs: [],
  source,
});

/** The virtual offset of `needle` in the notebook's code, asserting that it is there. */
function at(nb: Notebook, needle: string): number {
  const offset = nb.virtualText.indexOf(needle);
  expect(offset, `"${needle}" in the virtual text`).toBeGreaterThanOrEqual(0);
  return offset;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('parseNotebook', () => {
  it('reads an nbformat 4 notebook with list sources', () => {
    const raw = fixture('analysis.ipynb');
    const nb = parseNotebook(raw);
    expect(nb.nbformat).toBe(4);
    expect(nb.language).toBe('python');
    expect(nb.raw).toBe(raw);
    expect(nb.cells.map((c) => [c.index, c.cellType, c.executionCount, c.linted])).toEqual([
      [1, 'markdown', null, false],
      [2, 'code', 1, true],
      [3, 'code', 2, true],
      [4, 'code', 3, false], // %%bash
      [5, 'code', null, true],
      [6, 'raw', null, false],
      [7, 'code', 4, true], // %%time keeps its Python body
    ]);
    expect(nb.cells[0]?.source).toBe('# Churn model 📈\n\nTraining a classifier — résumé of the run.');
    expect(nb.cells[2]?.source).toBe(
      'label = "température 🌡"\nmodel = joblib.load("model.pkl")\nscore = model.score(X, y)\nscore',
    );
    expect(nb.virtualText).toBe(
      [
        '                  \n                            \nimport numpy as np\nimport joblib',
        'label = "température 🌡"\nmodel = joblib.load("model.pkl")\nscore = model.score(X, y)\nscore',
        '',
        '      \nfor i in range(3):\n    np.mean([i, 2])\n',
      ].join('\n'),
    );
  });

  it('gives linted cells spans of exactly their source length, one separator apart', () => {
    const nb = parseNotebook(fixture('analysis.ipynb'));
    const linted = nb.cells.filter((c) => c.linted);
    for (const cell of linted) expect(cell.virtualEnd - cell.virtualStart).toBe(cell.source.length);
    expect(linted.map((c) => c.virtualStart)).toEqual([0, 81, 171, 172]);
    expect(linted.at(-1)?.virtualEnd).toBe(nb.virtualText.length);
  });

  it('reads string sources', () => {
    const nb = parseNotebook(
      notebookJson([code('import os\n'), { cell_type: 'markdown', metadata: {}, source: '# Title' }, code('os.getcwd()')]),
    );
    expect(nb.cells.map((c) => c.source)).toEqual(['import os\n', '# Title', 'os.getcwd()']);
    // A cell that already ends in a newline still gets its separator.
    expect(nb.virtualText).toBe('import os\n\nos.getcwd()');
    expect(nb.cells[2]?.virtualStart).toBe(11);
  });

  it('reads nbformat 3 worksheets, input and prompt_number', () => {
    const nb = parseNotebook(fixture('v3.ipynb'));
    expect(nb.nbformat).toBe(3);
    expect(nb.cells.map((c) => [c.index, c.cellType, c.source, c.executionCount, c.linted])).toEqual([
      [1, 'heading', 'Legacy notebook', null, false],
      [2, 'code', "import pandas as pd\ndf = pd.read_csv('x.csv')", 3, true],
      [3, 'markdown', 'Done.', null, false],
      [4, 'code', 'print(df)', null, true],
    ]);
    expect(nb.virtualText).toBe("import pandas as pd\ndf = pd.read_csv('x.csv')\nprint(df)");
  });

  it('does not lint a notebook in another language', () => {
    const nb = parseNotebook(notebookJson([code('x <- 1')], { kernelspec: { language: 'R', name: 'ir' } }));
    expect(nb.language).toBe('R');
    expect(nb.cells[0]?.linted).toBe(false);
    expect(nb.virtualText).toBe('');
  });

  it('falls back to language_info, then to unknown (linted as Python)', () => {
    expect(parseNotebook(notebookJson([code('x')], { language_info: { name: 'python' } })).language).toBe('python');
    const unknown = parseNotebook(notebookJson([code('x = 1')]));
    expect(unknown.language).toBeNull();
    expect(unknown.cells[0]?.linted).toBe(true);
  });

  it('keeps unknown cell types without linting them', () => {
    const nb = parseNotebook(notebookJson([{ cell_type: 'widget', metadata: {}, source: 'x = 1' }, code('y = 2')]));
    expect(nb.cells.map((c) => [c.cellType, c.linted])).toEqual([
      ['widget', false],
      ['code', true],
    ]);
    expect(nb.virtualText).toBe('y = 2');
  });

  it('tolerates a UTF-8 byte order mark', () => {
    const raw = `\uFEFF${notebookJson([code('x = 1')])}`;
    const nb = parseNotebook(raw);
    expect(nb.virtualText).toBe('x = 1');
    expect(nb.raw).toBe(raw);
  });

  it.each([
    ['', 'not valid JSON (Value expected at 1:1)'],
    ['{"cells": [}', 'not valid JSON (Value expected at 1:12)'],
    ['{\n "cells": [\n  {"source": "x",}\n ]\n}', 'not valid JSON (Property name expected at 3:18)'],
    ['[]', 'top-level value is not a JSON object'],
    ['null', 'top-level value is not a JSON object'],
    ['{}', 'no "cells" list'],
    ['{"cells": {}}', 'no "cells" list'],
    ['{"cells": [1]}', 'cell 1: not a JSON object'],
    ['{"cells": [{"source": "x"}]}', 'cell 1: "cell_type" must be a string'],
    ['{"cells": [{"cell_type": "code", "source": "x"}, {"cell_type": "code", "source": 3}]}',
      'cell 2: "source" must be a string or a list of strings'],
    ['{"cells": [{"cell_type": "markdown", "source": ["a", null]}]}',
      'cell 1: "source" must be a string or a list of strings'],
    ['{"cells": [{"cell_type": "code"}]}', 'cell 1: "source" must be a string or a list of strings'],
    ['{"nbformat": 3}', 'no "worksheets" list'],
    ['{"nbformat": 3, "worksheets": [{}]}', 'worksheet 1: no "cells" list'],
    ['{"nbformat": 3, "worksheets": [{"cells": [{"cell_type": "code", "source": "x"}]}]}',
      'cell 1: "input" must be a string or a list of strings'],
  ])('rejects %j', (text, message) => {
    const error = thrown(() => parseNotebook(text));
    expect(error).toBeInstanceOf(NotebookError);
    expect((error as Error).message).toBe(message);
  });
});

describe('maskIPython', () => {
  it.each([
    ['line magic', '%matplotlib inline\nimport numpy as np', '                  \nimport numpy as np'],
    ['indented line magic', 'for f in files:\n    %time load(f)\n', 'for f in files:\n                 \n'],
    ['shell escape', '!pip install -q torch\nimport torch', '                     \nimport torch'],
    ['cell magic line', '%%time\nx = 1', '      \nx = 1'],
    ['assignment from a shell', 'x = !ls\ny = 1', '       \ny = 1'],
    ['assignment from a magic', 'files = %sx ls -la', '                  '],
    ['tuple assignment from a shell', 'out, err = !cmd', '               '],
    ['suffix help', 'np.mean?\nnp.mean??\nx?', '        \n         \n  '],
    ['prefix help', '?np.mean\n??x', '        \n   '],
    ['magic continued by a backslash', '!echo a \\\n  b\nx = 1', '         \n   \nx = 1'],
    ['CRLF line ends', '%time f()\r\nx = 1\r\n', '         \r\nx = 1\r\n'],
    ['a quote inside a magic', "!echo it's\nx = '%s' % y\n%who", "          \nx = '%s' % y\n    "],
    ['non-BMP characters (two UTF-16 units each)', '!echo 🎉\nx', '        \nx'],
  ])('masks a %s', (_name, source, masked) => {
    expect(maskIPython(source)).toBe(masked);
    expect(maskIPython(source)).toHaveLength(source.length);
  });

  it.each([
    ['!= in an expression', 'if x != y:\n    pass'],
    ['!= opening a continued line', 'ok = (a\n      != b)'],
    ['modulo', 'z = a % b\nw = (a\n     % b)'],
    ['modulo after a backslash continuation', 'y = a \\\n% b'],
    ['magics inside a triple-quoted string', 's = """\n%not a magic\n!nor this\nwhat?\n"""'],
    ['a question mark in a string or comment', 'print("why?")\n# really?\nq = "a" if b else "c"'],
    ['a string continued by a backslash', "s = 'a\\\n%b'"],
    ['a comment that mentions a magic', '# %matplotlib inline'],
  ])('leaves %s alone', (_name, source) => {
    expect(maskIPython(source)).toBe(source);
  });

  it('masks magics again once a string or bracket closes', () => {
    expect(maskIPython('s = """\n!x\n"""\n!y')).toBe('s = """\n!x\n"""\n  ');
    expect(maskIPython('f(a,\n  b)\n%who')).toBe('f(a,\n  b)\n    ');
  });
});

describe('cell magics', () => {
  it('leaves out cells in another language and keeps Python cell magics', () => {
    const nb = parseNotebook(
      notebookJson([
        code('%%bash\nls -la'),
        code('\n\n%%sql\nSELECT 1'),
        code('%%time\nx = train()'),
        code('%%timeit -n 10\nf()'),
        code('%%capture out\n!pip install x\ny = 1'),
        code('%%prun\ng()'),
      ]),
    );
    expect(nb.cells.map((c) => c.linted)).toEqual([false, false, true, true, true, true]);
    expect(nb.virtualText).toBe(
      ['      \nx = train()', '              \nf()', '             \n              \ny = 1', '      \ng()'].join('\n'),
    );
  });
});

describe('offset mapping', () => {
  const nb = parseNotebook(fixture('analysis.ipynb'));

  it('maps virtual offsets into cells past non-ASCII text', () => {
    const offset = at(nb, 'joblib.load');
    const hit = virtualToCell(nb, offset);
    expect(hit?.cell.index).toBe(3);
    // "température 🌡" counts 🌡 as two UTF-16 units.
    expect(hit?.offset).toBe(hit?.cell.source.indexOf('joblib.load'));
    expect(hit?.offset).toBe('label = "température 🌡"\nmodel = '.length);
    expect(cellToVirtual(nb, 3, hit?.offset ?? -1)).toBe(offset);
  });

  it('maps a separator to the end of the previous cell', () => {
    const cell2 = nb.cells[1];
    const hit = virtualToCell(nb, cell2?.virtualEnd ?? -1);
    expect(hit?.cell.index).toBe(2);
    expect(hit?.offset).toBe(cell2?.source.length);
    // The empty cell 5 owns the offset right after its own separator.
    expect(virtualToCell(nb, nb.cells[4]?.virtualStart ?? -1)).toEqual({ cell: nb.cells[4], offset: 0 });
  });

  it('round-trips every offset', () => {
    for (let offset = 0; offset <= nb.virtualText.length; offset++) {
      const hit = virtualToCell(nb, offset);
      if (hit === null) throw new Error(`no cell for offset ${offset}`);
      expect(cellToVirtual(nb, hit.cell.index, hit.offset)).toBe(offset);
    }
  });

  it('returns null outside the virtual text or without code cells', () => {
    expect(virtualToCell(nb, -1)).toBeNull();
    expect(virtualToCell(nb, nb.virtualText.length + 1)).toBeNull();
    expect(virtualToCell(nb, nb.virtualText.length)?.cell.index).toBe(7);
    const prose = parseNotebook(notebookJson([{ cell_type: 'markdown', metadata: {}, source: 'hi' }]));
    expect(virtualToCell(prose, 0)).toBeNull();
  });

  it('rejects cells outside the virtual text', () => {
    expect(() => cellToVirtual(nb, 1, 0)).toThrow(RangeError); // markdown
    expect(() => cellToVirtual(nb, 4, 0)).toThrow(RangeError); // %%bash
    expect(() => cellToVirtual(nb, 99, 0)).toThrow(RangeError);
    expect(() => cellToVirtual(nb, 2, 1000)).toThrow(RangeError);
  });
});

describe('isMaskedRange', () => {
  const nb = parseNotebook(fixture('analysis.ipynb'));
  const cell3 = nb.cells[2];

  it('flags ranges in or across magics and separators', () => {
    expect(isMaskedRange(nb, 2, 5)).toBe(true); // inside %matplotlib
    expect(isMaskedRange(nb, 18, 19)).toBe(true); // the newline between two magic lines
    expect(isMaskedRange(nb, 5, 5)).toBe(true); // an insertion inside a magic
    expect(isMaskedRange(nb, (cell3?.virtualStart ?? 0) - 3, (cell3?.virtualStart ?? 0) + 2)).toBe(true);
    expect(isMaskedRange(nb, -1, 2)).toBe(true);
    expect(isMaskedRange(nb, 0, nb.virtualText.length + 1)).toBe(true);
  });

  it('allows code ranges and insertions at the edges of a magic', () => {
    const numpy = at(nb, 'import numpy');
    expect(isMaskedRange(nb, numpy, numpy + 'import numpy'.length)).toBe(false);
    expect(isMaskedRange(nb, 0, 0)).toBe(false);
    expect(isMaskedRange(nb, cell3?.virtualEnd ?? 0, cell3?.virtualEnd ?? 0)).toBe(false);
    const body = at(nb, 'for i');
    expect(isMaskedRange(nb, body, body + 3)).toBe(false);
  });
});

describe('applyNotebookEdits', () => {
  it('returns the identical text for no edits', () => {
    const raw = fixture('analysis.ipynb');
    expect(applyNotebookEdits(parseNotebook(raw), [])).toBe(raw);
    const v3 = fixture('v3.ipynb');
    expect(applyNotebookEdits(parseNotebook(v3), [])).toBe(v3);
  });

  it('writes what nbformat would write (indent=1), touching nothing else', () => {
    const nb = parseNotebook(fixture('analysis.ipynb'));
    const load = at(nb, '"model.pkl")') + '"model.pkl"'.length;
    const score = at(nb, 'score = model');
    const edits: TextEdit[] = [
      { start: nb.cells[4]?.virtualStart ?? -1, end: nb.cells[4]?.virtualStart ?? -1, text: 'print(score)\n' },
      { start: score, end: score, text: 'assert model is not None\n' },
      { start: load, end: load, text: ', mmap_mode="r"' },
    ];
    expect(applyNotebookEdits(nb, edits)).toBe(fixture('analysis.fixed.ipynb'));
  });

  it('changes only the source bytes of the edited cell', () => {
    const raw = fixture('analysis.ipynb');
    const nb = parseNotebook(raw);
    const numpy = at(nb, 'numpy as np');
    const out = applyNotebookEdits(nb, [{ start: numpy, end: numpy + 'numpy'.length, text: 'jax.numpy' }]);
    let prefix = 0;
    while (raw[prefix] === out[prefix]) prefix++;
    let suffix = 0;
    while (raw[raw.length - 1 - suffix] === out[out.length - 1 - suffix]) suffix++;
    expect(raw.slice(prefix, raw.length - suffix)).toBe('');
    expect(out.slice(prefix, out.length - suffix)).toBe('jax.');
    const sourceStart = raw.indexOf('"%matplotlib inline\\n"');
    const sourceEnd = raw.indexOf('"import joblib"');
    expect(prefix).toBeGreaterThan(sourceStart);
    expect(prefix).toBeLessThan(sourceEnd);
    // Outputs, metadata and the image survive, and the model reads back with the edit in place.
    const before = JSON.parse(raw) as { cells: Array<{ source: string[] }> };
    const after = JSON.parse(out) as typeof before;
    before.cells[1]!.source[2] = 'import jax.numpy as np\n';
    expect(after).toEqual(before);
    expect(parseNotebook(out).cells[1]?.source).toContain('import jax.numpy as np\n');
  });

  it('writes what nbformat would write with indent=2', () => {
    const nb = parseNotebook(fixture('indent2.ipynb'));
    const x = at(nb, 'x = torch');
    const last = nb.cells[3]?.virtualStart ?? -1;
    const out = applyNotebookEdits(nb, [
      { start: last, end: last, text: 'z = y + 1' },
      { start: x, end: x, text: 'torch.manual_seed(0)\n' },
    ]);
    expect(out).toBe(fixture('indent2.fixed.ipynb'));
  });

  it('keeps a string source a string, escaped like json.dumps(ensure_ascii=False)', () => {
    const raw = notebookJson([code('x = 1\n'), code('y = 2')]);
    const nb = parseNotebook(raw);
    const y = at(nb, '2');
    const out = applyNotebookEdits(nb, [{ start: y, end: y + 1, text: '"é\\\t🎉"' }]);
    expect(out).toBe(raw.replace('"y = 2"', '"y = \\"é\\\\\\t🎉\\""'));
    expect(parseNotebook(out).cells[1]?.source).toBe('y = "é\\\t🎉"');
  });

  it('keeps a one-line list on one line', () => {
    const raw = '{"cells": [{"cell_type": "code", "source": ["a = 1\\n", "b = 2"]}], "nbformat": 4}';
    const nb = parseNotebook(raw);
    const b = at(nb, 'b');
    expect(applyNotebookEdits(nb, [{ start: b, end: b, text: 'c = 3\n' }])).toBe(
      '{"cells": [{"cell_type": "code", "source": ["a = 1\\n", "c = 3\\n", "b = 2"]}], "nbformat": 4}',
    );
    const compact = '{"cells":[{"cell_type":"code","source":["a"]}],"nbformat":4}';
    expect(applyNotebookEdits(parseNotebook(compact), [{ start: 1, end: 1, text: '\nb' }])).toBe(
      '{"cells":[{"cell_type":"code","source":["a\\n","b"]}],"nbformat":4}',
    );
  });

  it('lays out a formerly empty list with CRLF line ends', () => {
    const raw = notebookJson([code([])]).replace(/\n/g, '\r\n');
    const out = applyNotebookEdits(parseNotebook(raw), [{ start: 0, end: 0, text: 'a\nb' }]);
    expect(out).toBe(raw.replace('"source": []', '"source": [\r\n    "a\\n",\r\n    "b"\r\n   ]'));
  });

  it('empties a list to []', () => {
    const raw = notebookJson([code(['a\n', 'b'])]);
    const out = applyNotebookEdits(parseNotebook(raw), [{ start: 0, end: 3, text: '' }]);
    expect(out).toBe(notebookJson([code([])]));
  });

  it('preserves a byte order mark', () => {
    const raw = `\uFEFF${notebookJson([code('x = 1')])}`;
    const out = applyNotebookEdits(parseNotebook(raw), [{ start: 4, end: 5, text: '2' }]);
    expect(out).toBe(raw.replace('x = 1', 'x = 2'));
  });

  it('is a no-op when the edits change nothing', () => {
    const raw = fixture('indent2.ipynb');
    const nb = parseNotebook(raw);
    const x = at(nb, 'x =');
    expect(applyNotebookEdits(nb, [{ start: x, end: x + 1, text: 'x' }])).toBe(raw);
  });

  it('applies edits in any order', () => {
    const nb = parseNotebook(fixture('indent2.ipynb'));
    const edits: TextEdit[] = [
      { start: at(nb, 'x = torch'), end: at(nb, 'x = torch') + 1, text: 'a' },
      { start: at(nb, 'y = x'), end: at(nb, 'y = x') + 1, text: 'b' },
    ];
    expect(applyNotebookEdits(nb, [...edits].reverse())).toBe(applyNotebookEdits(nb, edits));
  });

  it.each([
    ['overlapping edits', [{ start: 52, end: 60, text: '' }, { start: 48, end: 55, text: '' }], 'edit 52-60 overlaps another edit'],
    ['an edit across two cells', [{ start: 75, end: 85, text: '' }], 'edit 75-85 spans two cells'],
    ['an edit inside a magic', [{ start: 1, end: 3, text: '' }], 'edit 1-3 touches an IPython magic in cell 2'],
    ['an edit past the end', [{ start: 0, end: 10_000, text: '' }], "edit 0-10000 is outside the notebook's code"],
    ['a backwards edit', [{ start: 5, end: 4, text: '' }], "edit 5-4 is outside the notebook's code"],
  ])('rejects %s', (_name, edits, message) => {
    const nb = parseNotebook(fixture('analysis.ipynb'));
    const error = thrown(() => applyNotebookEdits(nb, edits));
    expect(error).toBeInstanceOf(NotebookError);
    expect((error as Error).message).toBe(message);
  });

  it('refuses to edit nbformat 3', () => {
    const nb = parseNotebook(fixture('v3.ipynb'));
    expect(() => applyNotebookEdits(nb, [{ start: 0, end: 0, text: '#' }])).toThrow(
      new NotebookError('editing nbformat 3 notebooks is not supported'),
    );
  });

  it('is idempotent: the written notebook reads back to the edited code', () => {
    const nb = parseNotebook(fixture('analysis.ipynb'));
    const numpy = at(nb, 'import numpy');
    const out = applyNotebookEdits(nb, [{ start: numpy, end: numpy, text: 'import os\n' }]);
    const again = parseNotebook(out);
    expect(again.virtualText).toBe(
      `${nb.virtualText.slice(0, numpy)}import os\n${nb.virtualText.slice(numpy)}`,
    );
    expect(applyNotebookEdits(again, [])).toBe(out);
  });
});

describe('notebookJsonLines', () => {
  /** The 1-based line of `text` holding the first occurrence of `needle`. */
  const lineOf = (text: string, needle: string): number => text.slice(0, text.indexOf(needle)).split('\n').length;

  it('maps each line of a list source to the JSON line of its string', () => {
    const raw = JSON.stringify(
      {
        cells: [
          { cell_type: 'markdown', metadata: {}, source: ['# Title\n', 'text'] },
          { cell_type: 'code', execution_count: 1, metadata: {}, outputs: [], source: ['import torch\n', '\n', 'model = torch.load("m.pt")\n', 'model.eval()'] },
        ],
        metadata: {},
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    );
    const jsonLine = notebookJsonLines(raw);
    expect(jsonLine(2, 1)).toBe(lineOf(raw, '"import torch'));
    expect(jsonLine(2, 2)).toBe(lineOf(raw, '"\\n"'));
    expect(jsonLine(2, 3)).toBe(lineOf(raw, '"model = torch.load'));
    expect(jsonLine(2, 4)).toBe(lineOf(raw, '"model.eval()'));
    // Past the last line: the last line's JSON line.
    expect(jsonLine(2, 9)).toBe(lineOf(raw, '"model.eval()'));
    expect(jsonLine(1, 2)).toBe(lineOf(raw, '"text"'));
  });

  it('handles a string source, list strings holding several lines or parts of one, a BOM and CRLF', () => {
    const raw =
      '\uFEFF{\r\n "cells": [\r\n  {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,\r\n' +
      '   "source": "a = 1\\nb = 2\\n"},\r\n' +
      '  {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": null,\r\n' +
      '   "source": [\r\n    "x = (1 +\\n 2)\\n",\r\n    "y = ",\r\n    "3\\n",\r\n    "z = 4"\r\n   ]}\r\n ],\r\n "metadata": {}, "nbformat": 4, "nbformat_minor": 5\r\n}\r\n';
    const jsonLine = notebookJsonLines(raw);
    expect([jsonLine(1, 1), jsonLine(1, 2)]).toEqual([4, 4]);
    // Cell 2: lines 1-2 in one string (line 7), line 3 split over two strings (from line 8), line 4 on line 10.
    expect([jsonLine(2, 1), jsonLine(2, 2), jsonLine(2, 3), jsonLine(2, 4)]).toEqual([7, 7, 8, 10]);
  });

  it('gives null for a cell or notebook it cannot find', () => {
    expect(notebookJsonLines('{"cells": []}')(1, 1)).toBeNull();
    expect(notebookJsonLines('not json')(1, 1)).toBeNull();
    expect(notebookJsonLines('{"cells": [{"cell_type": "code", "source": []}]}')(1, 1)).toBeNull();
    expect(notebookJsonLines('{"cells": [{"cell_type": "code", "source": "x"}]}')(1, 0)).toBeNull();
  });
});
