import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, REPO } from './helpers.js';

function tempProject(files: Record<string, string | Buffer>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const LOAD_IN_HANDLER = 'import joblib\nfrom flask import Flask\napp = Flask(__name__)\n\n@app.route("/predict")\ndef predict():\n    model = joblib.load("m.joblib")\n    return model\n';

describe('the mlops-lint command', () => {
  it('is linked into node_modules/.bin by npm install, before any build, and runs the built CLI', () => {
    const bin = join(REPO, 'node_modules/.bin/mlops-lint');
    expect(existsSync(bin)).toBe(true);
    const r = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^mlops-lint \d+\.\d+\.\d+/);
    expect(existsSync(join(REPO, 'node_modules/.bin/mlops-lint-lsp'))).toBe(true);
  });
});

describe('mlops-lint check', () => {
  it('reports bad input one line per file and still lints the rest', () => {
    const dir = tempProject({
      'good.py': LOAD_IN_HANDLER,
      // A file ML101 could report in (a load and a Flask app), so it is parsed and its syntax error reported.
      'broken.py': 'import joblib\nfrom flask import Flask\njoblib.load(x)\ndef f(:\n    pass\n',
      'latin1.py': Buffer.from([0x78, 0x20, 0x3d, 0x20, 0x27, 0xe9, 0x27, 0x0a]),
      'blob.py': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x00, 0x00, 0x01]),
      'bad.ipynb': '{"cells": [',
      'empty.ipynb': '',
      'empty.py': '',
    });
    const r = cli(['check', '.', '--select', 'ML101'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('good.py:7:13: ML101');
    const lines = r.stderr.trim().split('\n').sort();
    expect(lines).toEqual([
      'mlops-lint: bad.ipynb: malformed notebook: not valid JSON (Close bracket expected at 1:12); skipped',
      'mlops-lint: blob.py: binary file (contains NUL bytes); skipped',
      'mlops-lint: broken.py:4:7: syntax error; rules stay quiet inside the unparsable region',
      'mlops-lint: empty.ipynb: empty file, not a notebook; skipped',
      'mlops-lint: latin1.py: not valid UTF-8 (first invalid byte at offset 5); skipped',
    ]);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 0 on clean code and with --exit-zero', () => {
    const clean = tempProject({ 'a.py': 'print("hello")\n' });
    expect(cli(['check', '.'], { cwd: clean }).code).toBe(0);
    const dirty = tempProject({ 'a.py': LOAD_IN_HANDLER });
    expect(cli(['check', '.', '--exit-zero'], { cwd: dirty }).code).toBe(0);
  });

  it('exits 2 on usage and configuration errors, naming the file and key', () => {
    expect(cli(['check', '--bogus']).code).toBe(2);
    const dir = tempProject({ 'a.py': 'x = 1\n', 'mlops-lint.toml': 'selct = ["ML1"]\n' });
    const r = cli(['check', '.'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/mlops-lint\.toml.*selct.*select/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('follows select, ignore and noqa', () => {
    const dir = tempProject({ 'a.py': LOAD_IN_HANDLER });
    expect(cli(['check', '.', '--ignore', 'ML101'], { cwd: dir }).stdout).not.toContain('ML101');
    expect(cli(['check', '.', '--select', 'ML5'], { cwd: dir }).stdout).not.toContain('ML101');
    writeFileSync(join(dir, 'a.py'), LOAD_IN_HANDLER.replace('joblib.load("m.joblib")', 'joblib.load("m.joblib")  # noqa: ML101'));
    expect(cli(['check', '.', '--select', 'ML101'], { cwd: dir }).code).toBe(0);
  });

  it('prints JSON following the contract', () => {
    const dir = tempProject({ 'a.py': LOAD_IN_HANDLER });
    const r = cli(['check', '.', '--select', 'ML101', '--format', 'json'], { cwd: dir });
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['version', 'tool', 'diagnostics', 'summary']);
    expect(out.version).toBe(1);
    expect(out.tool.name).toBe('mlops-lint');
    expect(Object.keys(out.diagnostics[0])).toEqual(['code', 'name', 'severity', 'message', 'file', 'cell', 'line', 'column', 'endLine', 'endColumn', 'fix', 'suggestions']);
    expect(out.diagnostics[0]).toMatchObject({ code: 'ML101', name: 'model-load-in-handler', severity: 'error', file: 'a.py', cell: null, line: 7, column: 13 });
    expect(out.summary).toEqual({ files: 1, errors: 1, warnings: 0, infos: 0, fixable: 0 });
  });

  it('shows fixes as a diff without writing', () => {
    const src = 'import random\nimport numpy as np\nimport torch\n\ntorch.manual_seed(0)\nx = np.random.rand(3)\ny = random.random()\n';
    const dir = tempProject({ 'train.py': src });
    const r = cli(['check', '.', '--diff', '--select', 'ML201'], { cwd: dir });
    expect(r.stdout).toContain('+++ b/train.py');
    expect(readFileSync(join(dir, 'train.py'), 'utf8')).toBe(src);
  });
});

describe('mlops-lint rules and explain', () => {
  it('lists every rule with its code, name, severity and fix class', () => {
    const r = cli(['rules', '--format', 'json']);
    const rows = JSON.parse(r.stdout) as Array<{ code: string; name: string; severity: string; fix: string }>;
    expect(rows.map((x) => x.code)).toContain('ML101');
    for (const row of rows) expect(row.code).toMatch(/^ML\d{3}$/);
    expect(cli(['rules']).stdout).toMatch(/^CODE\s+NAME\s+SEVERITY/);
  });

  it('explains a rule by code or name', () => {
    const r = cli(['explain', 'ML101']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('## What it does');
    expect(cli(['explain', 'model-load-in-handler']).stdout).toContain('## What it does');
    expect(cli(['explain', 'ML999']).code).toBe(2);
  });
});
