import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FILE_SIZE, lintFile, lintText, type FileResult } from '@mlops-lint/core';
import { loadBackend, MAX_INDENT_LEVELS, SourceError, type ParserBackend } from '@mlops-lint/parser';
import { ALL_RULES, crashes, DEEP_NESTING, deepIndentation, lintAll, notebookJson, SYNTAX_ERRORS, tempDir, TORCH_LOAD } from './corpus.js';

/**
 * Hostile input through the engine, on both parser backends (issue 9): bad encodings and line ends, binary files,
 * nesting 10,000 deep, every kind of syntax error tree-sitter recovers from, and broken notebooks. Each gets one
 * clear problem naming what is wrong, or is linted correctly; no rule crashes, nothing throws.
 */

const BACKENDS = ['native', 'wasm'] as const;
const parsers = new Map<string, ParserBackend>();
beforeAll(async () => {
  for (const name of BACKENDS) parsers.set(name, await loadBackend(name));
});
function parser(name: string): ParserBackend {
  const p = parsers.get(name);
  if (!p) throw new Error(`backend ${name} not loaded`);
  return p;
}

/** The findings as `code@line:column` (`cell N:` first in notebooks), and the problems as `kind: message`. */
function summary(r: FileResult): { findings: string[]; problems: string[] } {
  return {
    findings: r.diagnostics.map((d) => `${d.cell === null ? '' : `cell ${d.cell}:`}${d.code}@${d.line}:${d.column}`),
    problems: r.problems.map((p) => `${p.kind}: ${p.message}`),
  };
}

const dir = tempDir();

/** Lints bytes written to a file, as the CLI reads them (BOM, encoding and binary checks included). */
async function lintBytes(name: string, bytes: string | Uint8Array, backend: ParserBackend): Promise<FileResult> {
  const absPath = join(dir, name);
  writeFileSync(absPath, bytes);
  return lintFile({ absPath, displayPath: name }, { backend, rulesFor: () => ALL_RULES, prefilter: false });
}

describe.each(BACKENDS)('encodings and line ends (%s)', (name) => {
  it('names the first invalid UTF-8 byte', async () => {
    const r = await lintBytes('latin1.py', Buffer.from('x = "caf\xe9"\n', 'latin1'), parser(name));
    expect(summary(r)).toEqual({ findings: [], problems: ['decode: not valid UTF-8 (first invalid byte at offset 8); skipped'] });
  });

  it('rejects surrogates encoded as UTF-8 (CESU-8) and overlong encodings', async () => {
    const cesu = await lintBytes('cesu.py', Buffer.from([0x78, 0x3d, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x0a]), parser(name));
    expect(summary(cesu).problems).toEqual(['decode: not valid UTF-8 (first invalid byte at offset 3); skipped']);
    const overlong = await lintBytes('overlong.py', Buffer.from([0x78, 0x3d, 0xc0, 0xaf, 0x0a]), parser(name));
    expect(summary(overlong).problems).toEqual(['decode: not valid UTF-8 (first invalid byte at offset 2); skipped']);
  });

  it('reads a UTF-8 BOM without shifting columns', async () => {
    const r = await lintBytes('bom.py', `\uFEFF${TORCH_LOAD}`, parser(name));
    expect(summary(r)).toEqual({ findings: ['ML502@2:5'], problems: [] });
  });

  it('reads CRLF, CR-only (old Mac) and mixed line ends alike', async () => {
    const crlf = await lintBytes('crlf.py', TORCH_LOAD.replace(/\n/g, '\r\n'), parser(name));
    expect(summary(crlf)).toEqual({ findings: ['ML502@2:5'], problems: [] });
    // Python reads a lone CR as a line break; so must the linter (tree-sitter alone sees one broken line).
    const cr = await lintBytes('cr.py', `import torch\r\rdef f(p):\r    return torch.load(p)\r`, parser(name));
    expect(summary(cr)).toEqual({ findings: ['ML502@4:12'], problems: [] });
    const mixed = await lintBytes('mixed.py', 'import torch\r\nm = torch.load(a)\rn = torch.load(b)\n', parser(name));
    expect(summary(mixed)).toEqual({ findings: ['ML502@2:5', 'ML502@3:5'], problems: [] });
  });

  it('counts a tab as one column, as editors do for positions', async () => {
    const r = await lintBytes('tabs.py', 'import torch\ndef f(p):\n\tif p:\n\t\treturn torch.load(p)\n', parser(name));
    expect(summary(r)).toEqual({ findings: ['ML502@4:10'], problems: [] });
  });

  it('skips files with NUL bytes near the start as binary, whatever their name', async () => {
    const nul = await lintBytes('nul.py', 'import torch\x00\nm = torch.load(p)\n', parser(name));
    expect(summary(nul)).toEqual({ findings: [], problems: ['decode: binary file (contains NUL bytes); skipped'] });
    const png = await lintBytes('image.py', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52]), parser(name));
    expect(summary(png).problems).toEqual(['decode: binary file (contains NUL bytes); skipped']);
    const utf16 = await lintBytes('utf16.py', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TORCH_LOAD, 'utf16le')]), parser(name));
    expect(summary(utf16).problems).toEqual(['decode: binary file (contains NUL bytes); skipped']);
  });

  it('reports a NUL byte far into a text file as the syntax error Python calls it', async () => {
    const r = await lintBytes('late-nul.py', `${TORCH_LOAD}${'x = 1\n'.repeat(2000)}y = "\x00"\n`, parser(name));
    expect(summary(r)).toEqual({ findings: ['ML502@2:5'], problems: ['syntax: syntax error; rules stay quiet inside the unparsable region'] });
    expect(r.problems[0]?.line).toBe(2003);
  });

  it('lints empty, blank and BOM-only files quietly', async () => {
    for (const [file, text] of [['empty.py', ''], ['blank.py', ' \n\n\t\n'], ['bom-only.py', '\uFEFF'], ['comment.py', '# only a comment']] as const) {
      expect(summary(await lintBytes(file, text, parser(name))), file).toEqual({ findings: [], problems: [] });
    }
  });
});

// Rules see the same JavaScript copy of an error-free tree on both backends, and the binding's own nodes only where
// the parse failed: WASM gets every broken nest and a few whole ones, native all of them.
const NESTS: Record<string, string[]> = {
  native: Object.keys(DEEP_NESTING),
  wasm: ['parentheses', 'calls', 'plusChain', 'tupleTargets', 'fStrings', 'unclosed', 'unopened'],
};

describe.each(BACKENDS)('nesting 10,000 deep (%s)', (name) => {
  it.each(NESTS[name] ?? [])('%s: no rule crashes, nothing throws', (kind) => {
    const text = (DEEP_NESTING[kind] as () => string)();
    const r = lintAll(text, `${kind}.py`, parser(name));
    expect(crashes(r)).toEqual([]);
    // Whatever tree-sitter makes of it, at most one line of problems.
    expect(r.problems.length).toBeLessThanOrEqual(1);
  });

  it(`refuses indentation deeper than ${MAX_INDENT_LEVELS} levels before tree-sitter sees it (its scanner would abort the process)`, () => {
    const limit = `limit: indentation nested too deep (more than ${MAX_INDENT_LEVELS} levels); skipped`;
    expect(summary(lintAll(deepIndentation(1000), 'deep.py', parser(name))).problems).toEqual([limit]);
    expect(summary(lintAll(deepIndentation(600, '\t'), 'deep-tabs.py', parser(name))).problems).toEqual([limit]);
    const nb = notebookJson([{ source: deepIndentation(400) }]);
    expect(summary(lintAll(nb, 'deep.ipynb', parser(name))).problems).toEqual([limit]);
    // Direct callers of the parser get the same error instead of a crash.
    expect(() => parser(name).parse(deepIndentation(1000))).toThrow(SourceError);
    // Python's own limit is 100 levels: anything that runs is linted.
    const ok = lintAll(deepIndentation(150), 'ok.py', parser(name));
    expect(summary(ok)).toEqual({ findings: [], problems: [] });
  });
});

describe.each(BACKENDS)('syntax errors (%s)', (name) => {
  // The broken construct comes three lines after a finding with a fix, so both the report and the fix stay.
  const NOT_FLAGGED = new Set(['badIndent', 'unexpectedIndent', 'inconsistentDedent', 'python2Print']);
  const flagged = Object.keys(SYNTAX_ERRORS).filter((k) => !NOT_FLAGGED.has(k));

  it.each(flagged)('%s: one syntax line, rules quiet inside it, fixes far from it', (kind) => {
    const text = `${TORCH_LOAD}\n\n\n${SYNTAX_ERRORS[kind] as string}`;
    const r = lintAll(text, `${kind}.py`, parser(name));
    expect(crashes(r)).toEqual([]);
    expect(summary(r).problems).toEqual(['syntax: syntax error; rules stay quiet inside the unparsable region']);
    const errorLine = r.problems[0]?.line ?? 0;
    for (const d of r.diagnostics) expect(d.line).toBeLessThan(errorLine);
    const fixed = lintAll(text, `${kind}.py`, parser(name), 'unsafe');
    if (fixed.output !== undefined) {
      // Only the file's first lines changed: the broken region is byte for byte as it was.
      const tail = text.split('\n').slice(errorLine - 3).join('\n');
      expect(fixed.output.endsWith(tail)).toBe(true);
    }
  });

  it('a syntax error at the top makes the whole file quiet, and unfixed', () => {
    const text = `else:\n    pass\n${TORCH_LOAD}`;
    const r = lintAll(text, 'top.py', parser(name), 'unsafe');
    expect(summary(r).problems).toEqual(['syntax: syntax error; rules stay quiet inside the unparsable region']);
    expect(r.output).toBeUndefined();
  });

  // Known gap, kept visible: tree-sitter-python accepts these although CPython rejects them (indentation errors,
  // Python 2 print), so no syntax line is given and rules run. The test fails once the grammar flags them.
  it.each([...NOT_FLAGGED])('%s: tree-sitter sees no error (known gap), and nothing crashes', (kind) => {
    const r = lintAll(`${TORCH_LOAD}\n\n\n${SYNTAX_ERRORS[kind] as string}`, `${kind}.py`, parser(name));
    expect(crashes(r)).toEqual([]);
    expect(r.problems).toEqual([]);
  });
});

describe.each(BACKENDS)('notebooks (%s)', (name) => {
  const lint = (json: string, file = 'nb.ipynb'): { findings: string[]; problems: string[] } => summary(lintAll(json, file, parser(name)));
  const CODE = 'import torch\nm = torch.load(path)\n';

  it('reads a cell source given as a string or as a list of lines', () => {
    expect(lint(notebookJson([{ type: 'markdown', source: '# Title' }, { source: CODE }]))).toEqual({ findings: ['cell 2:ML502@2:5'], problems: [] });
    expect(lint(notebookJson([{ type: 'markdown', source: ['# Title'] }, { source: ['import torch\n', 'm = torch.load(path)\n'] }]))).toEqual({
      findings: ['cell 2:ML502@2:5'],
      problems: [],
    });
  });

  it('reads nbformat 3 (worksheets, `input`, `prompt_number`)', () => {
    const v3 = JSON.stringify({
      nbformat: 3,
      nbformat_minor: 0,
      metadata: {},
      worksheets: [{ cells: [{ cell_type: 'markdown', source: ['x'] }, { cell_type: 'code', language: 'python', input: ['import torch\n', 'm = torch.load(path)\n'], prompt_number: 1, outputs: [] }] }],
    });
    expect(lint(v3)).toEqual({ findings: ['cell 2:ML502@2:5'], problems: [] });
  });

  it('is not slowed or confused by huge outputs and attachments', () => {
    const image = 'iVBORw0KGgo'.repeat(1_500_000); // ~16 MB of base64 output: outputs are never linted
    const json = notebookJson([
      { type: 'markdown', source: '![x](attachment:a.png)', attachments: { 'a.png': { 'image/png': 'iVBORw0KGgo=' } } },
      { source: CODE, outputs: [{ output_type: 'display_data', data: { 'image/png': image, 'text/plain': ['<Figure>'] }, metadata: {} }] },
      { source: 'print(1)\n', outputs: [{ output_type: 'stream', name: 'stdout', text: ['line\n'.repeat(200_000)] }] },
    ]);
    expect(json.length).toBeGreaterThan(DEFAULT_MAX_FILE_SIZE);
    expect(lint(json)).toEqual({ findings: ['cell 2:ML502@2:5'], problems: [] });
  });

  it('gives one line for each way a notebook can be broken', () => {
    const valid = JSON.parse(notebookJson([{ source: CODE }])) as Record<string, unknown> & { cells: Array<Record<string, unknown>> };
    const variant = (change: (nb: typeof valid) => unknown): string => {
      const copy = structuredClone(valid);
      return JSON.stringify(change(copy) ?? copy);
    };
    const cases: Array<[string, string]> = [
      ['{"cells": [', 'notebook: malformed notebook: not valid JSON (Close bracket expected at 1:12); skipped'],
      ['{"cells": [], }', 'notebook: malformed notebook: not valid JSON (Property name expected at 1:15); skipped'],
      ['', 'notebook: empty file, not a notebook; skipped'],
      ['[1, 2]', 'notebook: malformed notebook: top-level value is not a JSON object; skipped'],
      ['"cells"', 'notebook: malformed notebook: top-level value is not a JSON object; skipped'],
      [variant((nb) => ({ ...nb, cells: undefined })), 'notebook: malformed notebook: no "cells" list; skipped'],
      [variant((nb) => ({ ...nb, cells: { 0: nb.cells[0] } })), 'notebook: malformed notebook: no "cells" list; skipped'],
      [variant((nb) => ({ ...nb, cells: [...nb.cells, 'cell'] })), 'notebook: malformed notebook: cell 2: not a JSON object; skipped'],
      [variant((nb) => ({ ...nb, cells: [{ ...nb.cells[0], cell_type: 3 }] })), 'notebook: malformed notebook: cell 1: "cell_type" must be a string; skipped'],
      [variant((nb) => ({ ...nb, cells: [{ ...nb.cells[0], source: 42 }] })), 'notebook: malformed notebook: cell 1: "source" must be a string or a list of strings; skipped'],
      [variant((nb) => ({ ...nb, cells: [{ ...nb.cells[0], source: ['x = 1\n', null] }] })), 'notebook: malformed notebook: cell 1: "source" must be a string or a list of strings; skipped'],
      [variant((nb) => ({ ...nb, nbformat: 3 })), 'notebook: malformed notebook: no "worksheets" list; skipped'],
    ];
    for (const [json, problem] of cases) expect(lint(json), json.slice(0, 60)).toEqual({ findings: [], problems: [problem] });
  });

  it('lints a notebook with a BOM, and leaves other kernels’ notebooks alone', () => {
    expect(lint(`\uFEFF${notebookJson([{ source: CODE }])}`)).toEqual({ findings: ['cell 1:ML502@2:5'], problems: [] });
    const r = notebookJson([{ source: CODE }], { metadata: { kernelspec: { name: 'ir', language: 'R', display_name: 'R' } } });
    expect(lint(r)).toEqual({ findings: [], problems: [] });
  });

  it('keeps magics, shell escapes and foreign cell magics out of the Python it parses', () => {
    const json = notebookJson([{ source: '%matplotlib inline\n!pip install torch\nfiles = !ls\nimport torch\nm = torch.load(path)\n' }, { source: '%%bash\necho "torch.load(x)"\n' }, { source: 'np.mean?\n' }]);
    expect(lint(json)).toEqual({ findings: ['cell 1:ML502@5:5'], problems: [] });
  });
});

describe('the size limit on text in memory', () => {
  it('skips text over the limit with one line (hosts that lint buffers: the LSP, ESLint)', async () => {
    const backend = await loadBackend('native');
    const text = `${TORCH_LOAD}${'# padding\n'.repeat(300)}`;
    const lint = (maxFileSize: number, path = 'a.py', body = text): FileResult =>
      lintText(body, { absPath: `/x/${path}`, displayPath: path }, { backend, rulesFor: () => ALL_RULES, maxFileSize });
    expect(summary(lint(2048)).problems).toEqual(['limit: file too large (3 KB > 2 KB limit); skipped']);
    expect(summary(lint(1 << 20))).toEqual({ findings: ['ML502@2:5'], problems: [] });
    const nb = notebookJson([{ source: text, outputs: [{ output_type: 'stream', name: 'stdout', text: ['x'.repeat(100_000)] }] }]);
    expect(summary(lint(2048, 'a.ipynb', nb)).problems).toEqual(['limit: notebook code too large (3 KB > 2 KB limit); skipped']);
    expect(summary(lint(8192, 'a.ipynb', nb))).toEqual({ findings: ['cell 1:ML502@2:5'], problems: [] });
  });
});
