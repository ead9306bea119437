import { lintSource } from '@mlops-lint/core';
import { loadBackend, SourceFile } from '@mlops-lint/parser';
import { describe, expect, it } from 'vitest';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { replaceAll, suppressEdit } from '../src/edits.js';
import { main } from '../src/main.js';

/** The text after suppressing `code` for a finding that starts at `needle`, or null when no edit is offered. */
async function suppress(text: string, needle: string, code = 'ML101'): Promise<string | null> {
  const file = SourceFile.parse(await loadBackend('wasm'), 'a.py', text);
  try {
    const { directives } = lintSource(file, [], { filename: 'a.py' });
    const start = text.indexOf(needle);
    expect(start).toBeGreaterThanOrEqual(0);
    const edit = suppressEdit(file, directives, code, start);
    return edit && text.slice(0, edit.start) + edit.text + text.slice(edit.end);
  } finally {
    file.release();
  }
}

describe('suppressEdit', () => {
  it('appends a `# noqa` comment to the line the finding starts on', async () => {
    expect(await suppress('m = joblib.load(\n    path,\n)\n', 'joblib')).toBe('m = joblib.load(  # noqa: ML101\n    path,\n)\n');
  });

  it('extends an existing code list, and leaves a bare `# noqa` alone', async () => {
    expect(await suppress('m = load(p)  # noqa: ML201 seeded\n', 'load')).toBe('m = load(p)  # noqa: ML201 seeded, ML101\n');
    expect(await suppress('m = load(p)  # NOQA:ML201\n', 'load')).toBe('m = load(p)  # NOQA:ML201, ML101\n');
    expect(await suppress('m = load(p)  # noqa\n', 'load')).toBeNull();
    expect(await suppress('m = load(p)  # noqa: ML101\n', 'load')).toBeNull();
  });

  it('keeps another comment and writes after it', async () => {
    expect(await suppress('m = load(p)  # type: ignore\n', 'load')).toBe('m = load(p)  # type: ignore  # noqa: ML101\n');
  });

  it('offers nothing where a comment cannot go', async () => {
    expect(await suppress('m = load("""a\nb""")\n', 'load')).toBeNull();
    expect(await suppress('m = load(p) + \\\n    1\n', 'load')).toBeNull();
  });

  it('works on the last line without a line end and on CRLF text', async () => {
    expect(await suppress('m = load(p)', 'load')).toBe('m = load(p)  # noqa: ML101');
    expect(await suppress('x = 1\r\nm = load(p)\r\n', 'load')).toBe('x = 1\r\nm = load(p)  # noqa: ML101\r\n');
  });
});

describe('replaceAll', () => {
  it('replaces only what changed', () => {
    const doc = TextDocument.create('file:///a.py', 'python', 1, 'a = 1\nb = 2\nc = 3\n');
    expect(replaceAll(doc, 'a = 1\nb = 20\nc = 3\n')).toEqual({ range: { start: { line: 1, character: 5 }, end: { line: 1, character: 5 } }, newText: '0' });
    expect(replaceAll(doc, doc.getText())).toBeNull();
  });
});

describe('mlops-lint-lsp command', () => {
  const run = (argv: string[]): { code: number | null; out: string; err: string } => {
    let out = '';
    let err = '';
    const code = main(argv, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
    return { code, out, err };
  };

  it('prints help and version, and refuses to start without a transport', () => {
    expect(run(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('mlops-lint-lsp --stdio') });
    expect(run(['--version'])).toMatchObject({ code: 0, out: expect.stringMatching(/^\d+\.\d+\.\d+\n$/) });
    expect(run([])).toMatchObject({ code: 2, err: expect.stringContaining('no transport given (use --stdio)') });
  });
});
