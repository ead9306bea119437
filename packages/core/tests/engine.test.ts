import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBackend } from '@mlops-lint/parser';
import { defineRule, lintFile, lintText, type AnyRule, type FixMode } from '../src/index.js';

const renameLoad = defineRule({
  meta: {
    code: 'ML990',
    name: 'test-rename-load',
    severity: 'warning',
    scope: 'file',
    fix: 'safe',
    docs: { description: 'test rule' },
    messages: { found: '`{{name}}` called', rename: 'Rename to safe_load' },
    triggers: ['load'],
  },
  create(context) {
    return {
      call(node) {
        const name = context.resolve(node);
        if (name !== 'joblib.load') return;
        const fn = node.childForFieldName('function');
        context.report({ node, messageId: 'found', data: { name }, fix: fn ? { messageId: 'rename', edits: (f) => f.replaceText(fn, 'safe_load') } : null });
      },
    };
  },
});

const breaksSyntax = defineRule({
  meta: { code: 'ML991', name: 'test-breaker', severity: 'warning', scope: 'file', fix: 'safe', docs: { description: 'x' }, messages: { m: 'x', f: 'Break it' } },
  create(context) {
    return {
      'module:exit'(node) {
        context.report({ node, messageId: 'm', fix: { messageId: 'f', edits: (f) => f.insertAt(0, 'def (:\n') } });
      },
    };
  },
});

const order: string[] = [];
const tracer = defineRule({
  meta: { code: 'ML992', name: 'test-tracer', severity: 'info', scope: 'file', fix: 'none', docs: { description: 'x' }, messages: { m: 'x' } },
  create() {
    return {
      function_definition: (n) => order.push(`enter ${n.childForFieldName('name')?.text}`),
      'function_definition:exit': (n) => order.push(`exit ${n.childForFieldName('name')?.text}`),
      'module:exit': () => order.push('module exit'),
    };
  },
});

const crasher = defineRule({
  meta: { code: 'ML993', name: 'test-crasher', severity: 'error', scope: 'file', fix: 'none', docs: { description: 'x' }, messages: { m: 'x' } },
  create() {
    return {
      call() {
        throw new Error('boom');
      },
    };
  },
});

async function run(text: string, rules: AnyRule[], fix: FixMode = 'none', path = 'x.py') {
  const backend = await loadBackend();
  return lintText(text, { absPath: path, displayPath: path }, { backend, fix, rulesFor: () => rules.map((rule) => ({ rule, severity: rule.meta.severity, options: [] })) });
}

describe('lintSource', () => {
  it('dispatches enter and exit visitors in tree order', async () => {
    order.length = 0;
    await run('def a():\n    def b():\n        pass\ndef c(): pass\n', [tracer]);
    expect(order).toEqual(['enter a', 'enter b', 'exit b', 'exit a', 'enter c', 'exit c', 'module exit']);
  });

  it('honours # noqa, # noqa: CODE and file-level directives', async () => {
    const src = 'import joblib\njoblib.load(a)  # noqa\njoblib.load(b)  # noqa: ML101\njoblib.load(c)  # noqa: ML990\njoblib.load(d)\n';
    const r = await run(src, [renameLoad]);
    expect(r.diagnostics.map((d) => d.line)).toEqual([3, 5]);
    const all = await run(`# mlops-lint: noqa: ML990\n${src}`, [renameLoad]);
    expect(all.diagnostics).toEqual([]);
  });

  it('stays quiet inside syntax errors and reports the error once', async () => {
    const r = await run('import joblib\njoblib.load(a)\ndef broken(:\n    joblib.load(b\n', [renameLoad]);
    expect(r.diagnostics.map((d) => d.line)).toEqual([2]);
    expect(r.diagnostics[0]?.fix).toBeNull();
    expect(r.problems.map((p) => p.kind)).toEqual(['syntax']);
  });

  it('turns a rule crash into a problem naming the rule, file and line', async () => {
    const r = await run('x = 1\nprint(x)\n', [crasher]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.message).toMatch(/rule ML993 crashed on x\.py:2: boom/);
  });

  it('skips parsing when no rule trigger occurs in the text', async () => {
    const r = await run('print("hello")\n', [renameLoad]);
    expect(r.parsed).toBe(false);
  });
});

describe('fixes', () => {
  it('applies safe fixes until stable and is idempotent', async () => {
    const src = 'import joblib\nm = joblib.load("a")\nn = joblib.load(joblib.load("b"))\n';
    const once = await run(src, [renameLoad], 'safe');
    expect(once.output).toBe('import joblib\nm = safe_load("a")\nn = safe_load(safe_load("b"))\n');
    expect(once.diagnostics).toEqual([]);
    const twice = await run(once.output ?? '', [renameLoad], 'safe');
    expect(twice.output).toBeUndefined();
  });

  it('drops a fix that would add a syntax error', async () => {
    const r = await run('x = 1\n', [breaksSyntax], 'safe');
    expect(r.output).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
  });

  it('keeps CRLF line ends', async () => {
    const r = await run('import joblib\r\nm = joblib.load("a")\r\n', [renameLoad], 'safe');
    expect(r.output).toBe('import joblib\r\nm = safe_load("a")\r\n');
  });

  it('fixes notebooks and keeps every byte outside the edited cell', async () => {
    const nb = `${JSON.stringify(
      {
        cells: [
          { cell_type: 'code', execution_count: 1, metadata: { tags: ['x'] }, outputs: [{ output_type: 'stream', name: 'stdout', text: ['hi\n'] }], source: ['%matplotlib inline\n', 'import joblib'] },
          { cell_type: 'code', execution_count: 2, metadata: {}, outputs: [], source: ['m = joblib.load("a")\n', 'print(m)'] },
        ],
        metadata: { kernelspec: { name: 'python3', language: 'python' } },
        nbformat: 4,
        nbformat_minor: 5,
      },
      null,
      1,
    )}\n`;
    const r = await run(nb, [renameLoad], 'safe', 'n.ipynb');
    expect(r.output).toBe(nb.replace('joblib.load(\\"a\\")', 'safe_load(\\"a\\")'));
  });
});

describe('lintFile', () => {
  it('writes fixes atomically, keeping the mode and the BOM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-'));
    const path = join(dir, 'a.py');
    writeFileSync(path, '\uFEFFimport joblib\nm = joblib.load("a")\n');
    chmodSync(path, 0o751);
    const backend = await loadBackend();
    const r = await lintFile({ absPath: path, displayPath: 'a.py' }, { backend, fix: 'safe', write: true, rulesFor: () => [{ rule: renameLoad, severity: 'warning', options: [] }] });
    expect(r.fixed).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe('\uFEFFimport joblib\nm = safe_load("a")\n');
    expect(statSync(path).mode & 0o777).toBe(0o751);
  });

  it('does not write a read-only file and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-'));
    const path = join(dir, 'a.py');
    writeFileSync(path, 'import joblib\nm = joblib.load("a")\n');
    chmodSync(path, 0o444);
    const backend = await loadBackend();
    const r = await lintFile({ absPath: path, displayPath: 'a.py' }, { backend, fix: 'safe', write: true, rulesFor: () => [{ rule: renameLoad, severity: 'warning', options: [] }] });
    expect(readFileSync(path, 'utf8')).toBe('import joblib\nm = joblib.load("a")\n');
    expect(r.problems.map((p) => p.kind)).toEqual(['write']);
  });

  it('reports unreadable, binary and non-UTF-8 files as one-line problems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-'));
    writeFileSync(join(dir, 'bin.py'), Buffer.from([0x61, 0x00, 0x62]));
    writeFileSync(join(dir, 'latin.py'), Buffer.from([0x78, 0x3d, 0xe9, 0x0a]));
    const backend = await loadBackend();
    const opts = { backend, rulesFor: () => [{ rule: renameLoad, severity: 'warning' as const, options: [] }] };
    const results = await Promise.all(
      ['bin.py', 'latin.py', 'missing.py'].map((f) => lintFile({ absPath: join(dir, f), displayPath: f }, opts)),
    );
    expect(results.map((r) => r.problems.map((p) => p.message))).toEqual([
      ['binary file (contains NUL bytes); skipped'],
      ['not valid UTF-8 (first invalid byte at offset 2); skipped'],
      ['no such file (deleted while linting?)'],
    ]);
  });
});
