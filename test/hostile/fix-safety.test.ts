import { chmodSync, chownSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defineRule, lintText, type AnyRule, type FileResult } from '@mlops-lint/core';
import { loadBackend, NodeType, type ParserBackend } from '@mlops-lint/parser';
import { cli } from '../helpers.js';
import { notebookSkeleton } from '../property/support.js';
import { DEBUG_APP, notebookJson, tempDir } from './corpus.js';

/**
 * Fix safety (issue 9): fixes are written atomically (temp file + rename) keeping the file's mode and owner; a fix
 * is applied only when the result parses no worse; line ends and the BOM are kept; a notebook keeps every byte
 * outside the sources of the cells a fix edits; no fix touches the lines around a syntax error; fixing twice
 * changes nothing the second time.
 */

/** Unseeded `random`/`numpy` next to a seeded torch: ML201's safe fix inserts seed lines (new line ends). */
const UNSEEDED = 'import random\nimport numpy as np\nimport torch\n\ntorch.manual_seed(0)\nx = np.random.rand(3)\ny = random.random()\n';

describe('writing fixes', () => {
  it('replaces the file by rename, keeps its mode (and owner, when run as root), leaves no temp file', () => {
    const dir = tempDir();
    const file = join(dir, 'serve.py');
    writeFileSync(file, DEBUG_APP);
    chmodSync(file, 0o754);
    const asRoot = process.getuid?.() === 0;
    if (asRoot) chownSync(file, 65534, 65534);
    const before = statSync(file);
    const r = cli(['check', '.', '--fix', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(0);
    const after = statSync(file);
    expect(readFileSync(file, 'utf8')).toBe(DEBUG_APP.replace('debug=True', 'debug=False'));
    expect(after.ino).not.toBe(before.ino);
    expect(after.mode & 0o7777).toBe(0o754);
    if (asRoot) expect([after.uid, after.gid]).toEqual([65534, 65534]);
    expect(readdirSync(dir).filter((f) => f !== '.mlops-lint-cache')).toEqual(['serve.py']);
  });

  it('keeps CRLF, CR-only line ends and the BOM, also on the lines a fix adds', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'crlf.py'), UNSEEDED.replace(/\n/g, '\r\n'));
    writeFileSync(join(dir, 'cr.py'), UNSEEDED.replace(/\n/g, '\r'));
    writeFileSync(join(dir, 'bom.py'), `\uFEFF${UNSEEDED}`);
    writeFileSync(join(dir, 'bom_crlf.py'), `\uFEFF${UNSEEDED.replace(/\n/g, '\r\n')}`);
    const r = cli(['check', '.', '--fix', '--select', 'ML201', '--no-cache'], { cwd: dir });
    expect(r.stderr).toBe('');
    const read = (name: string): string => readFileSync(join(dir, name), 'utf8');
    const lf = (text: string): string => text.replace(/\r\n?/g, '\n').replace(/^\uFEFF/, '');
    // Every file got the same fix (more lines than before), in its own style.
    const fixed = lf(read('bom.py'));
    expect(fixed.split('\n').length).toBeGreaterThan(UNSEEDED.split('\n').length);
    for (const name of ['crlf.py', 'cr.py', 'bom.py', 'bom_crlf.py']) expect(lf(read(name)), name).toBe(fixed);
    expect(read('crlf.py')).not.toMatch(/(^|[^\r])\n/);
    expect(read('cr.py')).not.toContain('\n');
    expect(read('bom.py').startsWith('\uFEFF')).toBe(true);
    expect(read('bom.py')).not.toContain('\r');
    expect(read('bom_crlf.py').startsWith('\uFEFF')).toBe(true);
    expect(read('bom_crlf.py')).not.toMatch(/(^|[^\r])\n/);
  });

  it('changes nothing when run a second time', () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'train.py'), UNSEEDED);
    writeFileSync(join(dir, 'serve.py'), DEBUG_APP);
    cli(['check', '.', '--fix', '--unsafe-fixes', '--no-cache'], { cwd: dir });
    const once = ['train.py', 'serve.py'].map((f) => readFileSync(join(dir, f), 'utf8'));
    expect(once[0]).not.toBe(UNSEEDED);
    const again = cli(['check', '.', '--fix', '--unsafe-fixes', '--no-cache'], { cwd: dir });
    expect(again.stdout).not.toContain('Fixed');
    expect(['train.py', 'serve.py'].map((f) => readFileSync(join(dir, f), 'utf8'))).toEqual(once);
  });
});

describe('notebooks under --fix', () => {
  it('keeps every byte outside the sources of the cells it fixes: outputs, metadata, key order, layout', () => {
    const dir = tempDir();
    // Not nbformat's own layout: two-space indent, keys in an unusual order, CRLF, no final newline, a BOM.
    const nb = {
      metadata: { kernelspec: { name: 'python3', language: 'python', display_name: 'Python 3' }, custom: { z: 1, a: [1, 2] } },
      nbformat_minor: 5,
      nbformat: 4,
      cells: [
        { source: ['%matplotlib inline\n', 'import numpy as np'], cell_type: 'code', metadata: { tags: ['setup'] }, execution_count: 1, outputs: [] },
        { cell_type: 'markdown', metadata: {}, source: '# Serve\n\nText with "quotes" and é.' },
        {
          outputs: [{ output_type: 'display_data', data: { 'image/png': 'iVBORw0KGgo=', 'text/plain': ['<Figure>'] }, metadata: { needs_background: 'light' } }],
          execution_count: 7,
          cell_type: 'code',
          metadata: { collapsed: false },
          source: ['from flask import Flask\n', '\n', 'app = Flask(__name__)\n', 'app.run(debug=True)  # dev'],
        },
        { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: 'print("untouched")\n' },
      ],
    };
    const original = `\uFEFF${JSON.stringify(nb, null, 2).replace(/\n/g, '\r\n')}`;
    writeFileSync(join(dir, 'serve.ipynb'), original);
    const r = cli(['check', '.', '--fix', '--select', 'ML104', '--no-cache'], { cwd: dir });
    expect(r.code).toBe(0);
    const fixed = readFileSync(join(dir, 'serve.ipynb'), 'utf8');
    expect(fixed).not.toBe(original);
    expect(notebookSkeleton(fixed)).toBe(notebookSkeleton(original));
    const cells = (JSON.parse(fixed.slice(1)) as typeof nb).cells;
    expect(cells[2]?.source).toEqual(['from flask import Flask\n', '\n', 'app = Flask(__name__)\n', 'app.run(debug=False)  # dev']);
    for (const i of [0, 1, 3]) expect(cells[i]?.source).toEqual(nb.cells[i]?.source);
  });

  it('does not edit nbformat 3 notebooks (read-only support) and says nothing alarming about it', () => {
    const dir = tempDir();
    const v3 = JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [{ cells: [{ cell_type: 'code', input: DEBUG_APP, outputs: [] }] }] });
    writeFileSync(join(dir, 'old.ipynb'), v3);
    const r = cli(['check', '.', '--fix', '--select', 'ML104', '--no-cache'], { cwd: dir });
    expect(readFileSync(join(dir, 'old.ipynb'), 'utf8')).toBe(v3);
    expect(r.stdout).toContain('old.ipynb:cell 1:6:');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

/** A rule whose safe fix for `print(...)` breaks the syntax (an unclosed bracket), and one whose fix is fine. */
const BREAKS_SYNTAX: AnyRule = defineRule({
  meta: {
    code: 'ML998',
    name: 'test-breaking-fix',
    severity: 'warning',
    scope: 'file',
    fix: 'safe',
    docs: { description: 'test rule: a fix that breaks the syntax' },
    messages: { found: 'print call', breakIt: 'Break it' },
  },
  create(context) {
    return {
      call(node) {
        if (context.getText(node.childForFieldName('function') ?? node) !== 'print') return;
        context.report({ node, messageId: 'found', fix: { messageId: 'breakIt', edits: (f) => f.insertTextBefore(node, '(') } });
      },
    };
  },
}) as AnyRule;

const RENAMES: AnyRule = defineRule({
  meta: {
    code: 'ML997',
    name: 'test-good-fix',
    severity: 'warning',
    scope: 'file',
    fix: 'safe',
    docs: { description: 'test rule: a harmless fix' },
    messages: { found: 'old name', rename: 'Rename' },
  },
  create(context) {
    return {
      [NodeType.Identifier](node) {
        if (node.text !== 'old_name') return;
        context.report({ node, messageId: 'found', fix: { messageId: 'rename', edits: (f) => f.replaceText(node, 'new_name') } });
      },
    };
  },
}) as AnyRule;

function fixWith(rules: AnyRule[], text: string, backend: ParserBackend): FileResult {
  return lintText(text, { absPath: '/x/a.py', displayPath: 'a.py' }, {
    backend,
    rulesFor: () => rules.map((rule) => ({ rule, severity: rule.meta.severity, options: [] })),
    fix: 'safe',
  });
}

describe.each(['native', 'wasm'] as const)('the re-parse check (%s)', (name) => {
  it('drops a fix whose result parses worse, and keeps the others', async () => {
    const backend = await loadBackend(name);
    const text = 'old_name = 1\nprint(old_name)\nold_name += 2\n';
    const r = fixWith([BREAKS_SYNTAX, RENAMES], text, backend);
    expect(r.output).toBe('new_name = 1\nprint(new_name)\nnew_name += 2\n');
    expect(r.diagnostics.map((d) => `${d.code}@${d.line}`)).toEqual(['ML998@2']);
    expect(fixWith([BREAKS_SYNTAX], text, backend).output).toBeUndefined();
  });

  it('applies no fix within two lines of a syntax error, and fixes further away', async () => {
    const backend = await loadBackend(name);
    const near = 'old_name = 1\nx = (\n';
    expect(fixWith([RENAMES], near, backend).output).toBeUndefined();
    const far = 'old_name = 1\n\n\n\nx = (\n';
    expect(fixWith([RENAMES], far, backend).output).toBe('new_name = 1\n\n\n\nx = (\n');
  });
});

describe('--fix on files with syntax errors', () => {
  it('leaves the broken region and the lines around it as they were', () => {
    const dir = tempDir();
    const text = 'from flask import Flask\napp = Flask(__name__)\napp.run(debug=True)\ndef broken(:\n    pass\n';
    writeFileSync(join(dir, 'app.py'), text);
    const r = cli(['check', '.', '--fix', '--no-cache'], { cwd: dir });
    expect(readFileSync(join(dir, 'app.py'), 'utf8')).toBe(text);
    expect(r.stderr.trim().split('\n')).toEqual(['mlops-lint: app.py:4:12: syntax error; rules stay quiet inside the unparsable region']);
    expect(r.code).toBe(1);
  });
});

describe('notebook fixes in memory', () => {
  it('edit only the sources of the cells they fix', async () => {
    const backend = await loadBackend('native');
    const json = notebookJson([{ source: 'import torch\n' }, { source: ['model = torch.load(p)\n'], outputs: [{ output_type: 'stream', name: 'stdout', text: ['ok\n'] }] }]);
    const r = lintText(json, { absPath: '/x/n.ipynb', displayPath: 'n.ipynb' }, {
      backend,
      rulesFor: () => [],
      fix: 'unsafe',
    });
    expect(r.output).toBeUndefined();
    const all = (await import('@mlops-lint/rules')).rules.filter((x) => x.meta.code === 'ML502');
    const fixed = lintText(json, { absPath: '/x/n.ipynb', displayPath: 'n.ipynb' }, {
      backend,
      rulesFor: () => all.map((rule) => ({ rule, severity: rule.meta.severity, options: [] })),
      fix: 'unsafe',
    });
    expect(fixed.output).toBeDefined();
    expect(notebookSkeleton(fixed.output ?? '')).toBe(notebookSkeleton(json));
    expect(fixed.output).toContain('"model = torch.load(p, weights_only=True)\\n"');
  });
});
