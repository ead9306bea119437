import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { discoverFiles, lintFiles } from '@mlops-lint/core';
import { loadBackend } from '@mlops-lint/parser';
import { BIN, cli } from '../helpers.js';
import { ALL_RULES, DEBUG_APP, DEEP_NESTING, deepIndentation, longFunction, notebookJson, tempDir, TORCH_LOAD } from './corpus.js';

/**
 * Hostile input end to end through the built CLI (issue 9): each bad file gets one line on stderr naming it and the
 * problem, the run goes on, the exit code is the documented one, and no stack trace is printed. Also: the size
 * limit, symbolic links (never read outside the roots), unreadable files, read-only files under `--fix`, and a
 * file deleted between discovery and reading.
 */

const STACK_TRACE = /\n\s+at \S/;

function write(dir: string, files: Record<string, string | Uint8Array>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** The stderr lines, sorted (the CLI prints problems in file order; sorting keeps the test about content). */
function lines(stderr: string): string[] {
  return stderr.trim().split('\n').filter(Boolean).sort();
}

const CODE_NB = { source: ['import torch\n', 'm = torch.load(path)\n'] };

describe('a directory of hostile files', () => {
  const dir = tempDir();
  const validNb = JSON.parse(notebookJson([CODE_NB])) as Record<string, unknown>;
  write(dir, {
    'good.py': DEBUG_APP,
    'latin1.py': Buffer.from('x = "caf\xe9"\n', 'latin1'),
    'binary.py': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00]),
    'utf16.py': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TORCH_LOAD, 'utf16le')]),
    'broken.py': 'import torch\nm = torch.load(p)\ndef f(:\n    pass\n',
    'deep_indent.py': deepIndentation(1000),
    'deep_parens.py': (DEEP_NESTING['parentheses'] as () => string)(),
    'cr.py': TORCH_LOAD.replace(/\n/g, '\r'),
    'empty.py': '',
    'nb/not_json.ipynb': '{"cells": [',
    'nb/empty.ipynb': '',
    'nb/array.ipynb': '[]',
    'nb/no_cells.ipynb': JSON.stringify({ ...validNb, cells: undefined }),
    'nb/cells_object.ipynb': JSON.stringify({ ...validNb, cells: { 0: {} } }),
    'nb/source_number.ipynb': JSON.stringify({ ...validNb, cells: [{ cell_type: 'code', source: 42, outputs: [], metadata: {} }] }),
    'nb/cell_string.ipynb': JSON.stringify({ ...validNb, cells: ['print(1)'] }),
    'nb/string_source.ipynb': notebookJson([{ source: TORCH_LOAD }]),
    'nb/list_source.ipynb': notebookJson([CODE_NB]),
    'nb/v3.ipynb': JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [{ cells: [{ cell_type: 'code', input: TORCH_LOAD, outputs: [] }] }] }),
    'nb/outputs.ipynb': notebookJson([{ ...CODE_NB, outputs: [{ output_type: 'display_data', data: { 'image/png': 'iVBORw0KGgo'.repeat(300_000) }, metadata: {} }] }]),
    'nb/attachments.ipynb': notebookJson([{ type: 'markdown', source: '![a](attachment:a.png)', attachments: { 'a.png': { 'image/png': 'iVBORw0KGgo=' } } }, CODE_NB]),
  });
  // 50 MB of valid Python: skipped by size before it is read or parsed.
  writeFileSync(join(dir, 'big.py'), `x = 1  ${'#'.repeat(1000)}\n`.repeat(52_000));

  const EXPECTED_STDERR = [
    'mlops-lint: big.py: file too large (50 MB > 10 MB limit); skipped',
    'mlops-lint: binary.py: binary file (contains NUL bytes); skipped',
    'mlops-lint: broken.py:3:7: syntax error; rules stay quiet inside the unparsable region',
    'mlops-lint: deep_indent.py: indentation nested too deep (more than 200 levels); skipped',
    'mlops-lint: latin1.py: not valid UTF-8 (first invalid byte at offset 8); skipped',
    'mlops-lint: nb/array.ipynb: malformed notebook: top-level value is not a JSON object; skipped',
    'mlops-lint: nb/cell_string.ipynb: malformed notebook: cell 1: not a JSON object; skipped',
    'mlops-lint: nb/cells_object.ipynb: malformed notebook: no "cells" list; skipped',
    'mlops-lint: nb/empty.ipynb: empty file, not a notebook; skipped',
    'mlops-lint: nb/no_cells.ipynb: malformed notebook: no "cells" list; skipped',
    'mlops-lint: nb/not_json.ipynb: malformed notebook: not valid JSON (Close bracket expected at 1:12); skipped',
    'mlops-lint: nb/source_number.ipynb: malformed notebook: cell 1: "source" must be a string or a list of strings; skipped',
    'mlops-lint: utf16.py: binary file (contains NUL bytes); skipped',
  ];

  it('gives one line per bad file, lints every good one, exits 1 for the findings, prints no stack trace', () => {
    const r = cli(['check', '.', '--format', 'json', '--no-cache'], { cwd: dir });
    expect(lines(r.stderr)).toEqual(EXPECTED_STDERR);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; file: string; cell: number | null; line: number }> };
    const found = out.diagnostics.map((d) => `${d.file}${d.cell === null ? '' : `:cell ${d.cell}`}:${d.line} ${d.code}`);
    expect(found).toEqual(
      expect.arrayContaining([
        'good.py:6 ML104',
        'broken.py:2 ML502',
        'cr.py:2 ML502',
        'deep_parens.py:4 ML502',
        'nb/attachments.ipynb:cell 2:2 ML502',
        'nb/list_source.ipynb:cell 1:2 ML502',
        'nb/outputs.ipynb:cell 1:2 ML502',
        'nb/string_source.ipynb:cell 1:2 ML502',
        'nb/v3.ipynb:cell 1:2 ML502',
      ]),
    );
  });

  it('says the same with --debug (stack traces are for internal errors only), and with one job or two', () => {
    const debug = cli(['check', '.', '--debug', '--no-cache', '--jobs', '1'], { cwd: dir });
    expect(lines(debug.stderr)).toEqual(EXPECTED_STDERR);
    expect(debug.code).toBe(1);
    const two = cli(['check', '.', '--no-cache', '--jobs', '2'], { cwd: dir });
    expect(two.stdout).toBe(debug.stdout);
    expect(lines(two.stderr)).toEqual(EXPECTED_STDERR);
  });

  it('exits 0 when the only trouble is files it could not lint (as documented)', () => {
    const only = tempDir();
    write(only, { 'blob.py': Buffer.from([0, 1, 2]), 'bad.ipynb': '{' });
    const r = cli(['check', '.', '--no-cache'], { cwd: only });
    expect(lines(r.stderr)).toHaveLength(2);
    expect(r.code).toBe(0);
  });
});

describe('nesting 10,000 deep in a project run', () => {
  it('crashes no rule, project rules included, and says which files do not parse', () => {
    const dir = tempDir();
    for (const [kind, make] of Object.entries(DEEP_NESTING)) writeFileSync(join(dir, `${kind}.py`), make());
    writeFileSync(join(dir, 'requirements.txt'), 'torch==2.5.1\nflask==3.0.3\nopenai==1.51.0\nscikit-learn==1.5.2\n');
    const r = cli(['check', '.', '--no-cache'], { cwd: dir });
    expect(r.stderr).not.toMatch(/crash|internal error/);
    expect(r.stderr).not.toMatch(STACK_TRACE);
    expect(lines(r.stderr).map((l) => l.replace(/:\d+:\d+: /, ': '))).toEqual([
      'mlops-lint: fStrings.py: syntax error; rules stay quiet inside the unparsable region',
      'mlops-lint: unclosed.py: syntax error; rules stay quiet inside the unparsable region',
      'mlops-lint: unopened.py: syntax error; rules stay quiet inside the unparsable region',
    ]);
    expect(r.code).toBe(1);
  }, 120_000);
});

describe('max-file-size', () => {
  it('skips larger files with one line; the limit is set in the configuration and checked there', () => {
    const dir = tempDir();
    write(dir, { 'small.py': DEBUG_APP, 'large.py': `${DEBUG_APP}${'# padding\n'.repeat(200)}` });
    write(dir, { 'mlops-lint.toml': 'max-file-size = "1KB"\n' });
    const r = cli(['check', '.', '--no-cache'], { cwd: dir });
    expect(lines(r.stderr)).toEqual(['mlops-lint: large.py: file too large (2 KB > 1 KB limit); skipped']);
    expect(r.stdout).toContain('small.py:6:');
    write(dir, { 'mlops-lint.toml': 'max-file-size = 4096\n' });
    const raised = cli(['check', '.', '--no-cache'], { cwd: dir });
    expect(raised.stderr).toBe('');
    expect(raised.stdout).toContain('large.py:6:');
    write(dir, { 'mlops-lint.toml': 'max-file-size = "ten megabytes"\n' });
    const bad = cli(['check', '.', '--no-cache'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(lines(bad.stderr)).toEqual([expect.stringMatching(/mlops-lint\.toml: key "max-file-size" must be a size in bytes/)]);
  });
});

describe('a 100,000-line function', () => {
  it('is linted end to end in bounded time, every finding reported', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'train.py'), longFunction(100_000));
    // Its JSON report is over a megabyte: more than spawnSync keeps by default.
    const run = spawnSync(process.execPath, [BIN, 'check', '.', '--format', 'json', '--no-cache', '--select', 'ML502'], { cwd: dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    const r = { stdout: run.stdout, stderr: run.stderr };
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as { summary: { errors: number } };
    expect(out.summary.errors).toBe(12_500);
  }, 180_000);
});

describe('symbolic links', () => {
  it('never reads outside the root: a link to a file outside it, to /etc, to /etc/passwd, loops and dangling links', () => {
    const base = tempDir();
    const root = join(base, 'project');
    write(base, { 'secret/leak.py': DEBUG_APP, 'secret/requirements.txt': 'torch\n', 'project/real.py': TORCH_LOAD, 'project/pkg/mod.py': 'x = 1\n' });
    symlinkSync(join(base, 'secret/leak.py'), join(root, 'leak.py'));
    // A manifest outside the root: the project rules (ML202 would report the unpinned `torch`) must not read it.
    symlinkSync(join(base, 'secret/requirements.txt'), join(root, 'requirements.txt'));
    symlinkSync(join(base, 'secret'), join(root, 'secret_dir'));
    symlinkSync('/etc', join(root, 'etc'));
    symlinkSync('/etc/passwd', join(root, 'passwd.py'));
    symlinkSync('.', join(root, 'pkg/loop'));
    symlinkSync('..', join(root, 'pkg/up'));
    symlinkSync('self.py', join(root, 'self.py'));
    symlinkSync('missing.py', join(root, 'dangling.py'));
    symlinkSync('real.py', join(root, 'alias.py'));
    const r = cli(['check', '.', '--format', 'json', '--no-cache'], { cwd: root });
    expect(lines(r.stderr)).toEqual([
      'mlops-lint: dangling.py: broken symbolic link; skipped',
      'mlops-lint: etc: symbolic link points outside .; skipped',
      'mlops-lint: leak.py: symbolic link points outside .; skipped',
      'mlops-lint: passwd.py: symbolic link points outside .; skipped',
      'mlops-lint: pkg/loop: symbolic link loop; skipped',
      'mlops-lint: pkg/up: symbolic link loop; skipped',
      'mlops-lint: secret_dir: symbolic link points outside .; skipped',
      'mlops-lint: self.py: symbolic link loop; skipped',
    ]);
    const out = JSON.parse(r.stdout) as { diagnostics: Array<{ file: string }>; summary: { files: number } };
    // real.py once (not again as alias.py), pkg/mod.py; nothing from secret/ (no ML104, no ML202) or /etc.
    expect(out.diagnostics.map((d) => d.file)).toEqual(['real.py']);
    expect(out.summary.files).toBe(2);
    expect(r.code).toBe(1);
  });

  it('fixes a linked file through its link: the target changes, the link stays a link', () => {
    const dir = tempDir();
    write(dir, { 'vendor/app.py': DEBUG_APP, 'mlops-lint.toml': 'extend-exclude = ["vendor/"]\n' });
    symlinkSync('vendor/app.py', join(dir, 'app.py'));
    const r = cli(['check', '.', '--fix', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'vendor/app.py'), 'utf8')).toContain('debug=False');
    expect(spawnSync('readlink', [join(dir, 'app.py')], { encoding: 'utf8' }).stdout.trim()).toBe('vendor/app.py');
  });
});

/**
 * Runs the CLI as an unprivileged user when the tests run as root (root reads any file whatever its mode, so
 * permission errors cannot happen for it); as the current user otherwise.
 */
function cliUnprivileged(args: string[], cwd: string): { code: number; stdout: string; stderr: string } {
  const asRoot = process.getuid?.() === 0;
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: '1', HOME: cwd },
    encoding: 'utf8',
    ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe('permissions', () => {
  it('names unreadable files and directories and goes on', () => {
    const dir = tempDir();
    write(dir, { 'ok.py': DEBUG_APP, 'secret.py': TORCH_LOAD, 'locked/inner.py': TORCH_LOAD });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'ok.py'), 0o644);
    chmodSync(join(dir, 'secret.py'), 0o000);
    chmodSync(join(dir, 'locked'), 0o000);
    try {
      const r = cliUnprivileged(['check', '.', '--no-cache'], dir);
      expect(lines(r.stderr)).toEqual(['mlops-lint: locked: permission denied', 'mlops-lint: secret.py: permission denied']);
      expect(r.stdout).toContain('ok.py:6:');
      expect(r.code).toBe(1);
    } finally {
      chmodSync(join(dir, 'locked'), 0o755);
    }
  });

  it('leaves a read-only file as it is under --fix, says so in one line, and fixes the rest', () => {
    const dir = tempDir();
    write(dir, { 'ro.py': DEBUG_APP, 'rw.py': DEBUG_APP });
    chmodSync(join(dir, 'ro.py'), 0o444);
    const r = cli(['check', '.', '--fix', '--no-cache'], { cwd: dir });
    expect(lines(r.stderr)).toEqual(['mlops-lint: ro.py: could not write fixes: permission denied']);
    expect(readFileSync(join(dir, 'ro.py'), 'utf8')).toBe(DEBUG_APP);
    expect(readFileSync(join(dir, 'rw.py'), 'utf8')).toContain('debug=False');
    expect(r.stdout).toContain('ro.py:6:');
    expect(r.code).toBe(1);
  });

  it('leaves files in a read-only directory as they are under --fix', () => {
    const dir = tempDir();
    write(dir, { 'ro/app.py': DEBUG_APP });
    chmodSync(dir, 0o755);
    chmodSync(join(dir, 'ro'), 0o555);
    chmodSync(join(dir, 'ro/app.py'), 0o666);
    try {
      const r = cliUnprivileged(['check', '.', '--fix', '--no-cache'], dir);
      expect(lines(r.stderr)).toEqual(['mlops-lint: ro/app.py: could not write fixes: permission denied']);
      expect(readFileSync(join(dir, 'ro/app.py'), 'utf8')).toBe(DEBUG_APP);
      expect(r.code).toBe(1);
    } finally {
      chmodSync(join(dir, 'ro'), 0o755);
    }
  });

  it('names a path that does not exist', () => {
    const dir = tempDir();
    write(dir, { 'ok.py': 'x = 1\n' });
    const r = cli(['check', 'ok.py', 'missing.py', 'missing_dir/', '--no-cache'], { cwd: dir });
    expect(lines(r.stderr)).toEqual(['mlops-lint: missing.py: no such file or directory', 'mlops-lint: missing_dir: no such file or directory']);
    expect(r.code).toBe(0);
  });
});

describe('a file deleted between discovery and reading', () => {
  it('is one line, and the other files are linted', async () => {
    const dir = tempDir();
    write(dir, { 'a.py': TORCH_LOAD, 'gone.py': TORCH_LOAD, 'gone.ipynb': notebookJson([CODE_NB]) });
    const { files } = await discoverFiles(['.'], { cwd: dir, root: dir });
    expect(files).toHaveLength(3);
    unlinkSync(join(dir, 'gone.py'));
    rmSync(join(dir, 'gone.ipynb'));
    const results = await lintFiles(
      files.map((absPath) => ({ absPath, displayPath: absPath.slice(dir.length + 1) })),
      { backend: await loadBackend(), rulesFor: () => ALL_RULES },
    );
    expect(results.map((r) => [r.displayPath, r.diagnostics.map((d) => d.code), r.problems.map((p) => `${p.kind}: ${p.message}`)])).toEqual([
      ['a.py', ['ML502'], []],
      ['gone.ipynb', [], ['read: no such file (deleted while linting?)']],
      ['gone.py', [], ['read: no such file (deleted while linting?)']],
    ]);
  });
});
