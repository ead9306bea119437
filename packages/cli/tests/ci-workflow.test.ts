import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { execute } from '../src/cli.js';

// These tests drive `execute()` with a registry of three test rules instead of the real ones, so that they check
// the CLI's baseline, shard, merge and exit-code logic, not what the real rules happen to find today.
vi.mock('@mlops-lint/rules', async () => {
  const { defineRule } = await import('@mlops-lint/core');
  const callRule = (code: string, name: string, severity: 'error' | 'warning' | 'info', callee: string) =>
    defineRule({
      meta: { code, name, severity, scope: 'file', fix: severity === 'warning' ? 'safe' : 'none', docs: { description: `Calls ${callee}()` }, messages: { found: `\`${callee}()\` called`, fixIt: 'Call `fine()` instead' }, triggers: [callee] },
      create(context) {
        return {
          call(node) {
            const fn = node.childForFieldName('function');
            if (!fn || context.getText(fn) !== callee) return;
            context.report({ node, messageId: 'found', fix: severity === 'warning' ? { messageId: 'fixIt', edits: (f) => f.replaceText(fn, 'fine') } : null });
          },
        };
      },
    });
  const rules = [callRule('ML981', 'test-error-call', 'error', 'bad'), callRule('ML982', 'test-warning-call', 'warning', 'meh'), callRule('ML983', 'test-info-call', 'info', 'note')];
  return { rules, findRule: (key: string) => rules.find((r) => r.meta.code === key || r.meta.name === key), vocabulary: {} };
});

// The built rules' metadata file describes the real rules: take the test registry's instead.
vi.mock('../src/rule-metas.js', async () => {
  const { rules } = await import('@mlops-lint/rules');
  return { loadRuleMetas: async () => rules.map((r) => r.meta) };
});

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-ci-'));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

async function run(cwd: string, ...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await execute(argv, { cwd, env: {}, isTTY: false, stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

interface JsonReport {
  diagnostics: Array<{ code: string; file: string; line: number }>;
  summary: { files: number; errors: number; warnings: number; infos: number };
}
const parse = (text: string): JsonReport => JSON.parse(text) as JsonReport;
const found = (text: string): string[] => parse(text).diagnostics.map((d) => `${d.file}:${d.line} ${d.code}`);

describe('severity and exit codes', () => {
  it('fails on errors and warnings, never on infos; --max-warnings lets up to N warnings pass', async () => {
    const dir = project({ 'info.py': 'note()\n', 'warn.py': 'meh()\nmeh()\n', 'err.py': 'bad()\n' });
    expect((await run(dir, 'check', 'info.py')).code).toBe(0);
    expect((await run(dir, 'check', 'warn.py')).code).toBe(1);
    expect((await run(dir, 'check', 'warn.py', '--max-warnings', '2')).code).toBe(0);
    expect((await run(dir, 'check', 'warn.py', '--max-warnings', '1')).code).toBe(1);
    expect((await run(dir, 'check', 'err.py', '--max-warnings', '100')).code).toBe(1);
    expect((await run(dir, 'check', '.', '--exit-zero')).code).toBe(0);
  });

  it('follows severity overrides from the configuration', async () => {
    const dir = project({ 'warn.py': 'meh()\n', 'err.py': 'bad()\n', 'mlops-lint.toml': '[severity]\nML982 = "info"\ntest-error-call = "warning"\n' });
    const r = await run(dir, 'check', '.', '--format', 'json');
    expect(parse(r.stdout).summary).toMatchObject({ errors: 0, warnings: 1, infos: 1 });
    expect(r.code).toBe(1);
    expect((await run(dir, 'check', '.', '--max-warnings', '1')).code).toBe(0);
  });

  it('exits 2 on bad values', async () => {
    const dir = project({ 'a.py': 'bad()\n' });
    for (const argv of [
      ['--max-warnings', '-1'],
      ['--max-warnings', 'many'],
      ['--shard', '0/2'],
      ['--shard', '3/2'],
      ['--shard', 'half'],
      ['--update-baseline'],
      ['--baseline', 'nope.json'],
    ]) {
      const r = await run(dir, 'check', '.', ...argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1);
    }
  });
});

describe('baseline', () => {
  const APP = 'import os\n\ndef load():\n    return bad()\n\ndef tune():\n    meh()\n    note()\n';

  it('round-trips: record, edit unrelated lines, nothing shows; a new finding shows alone', async () => {
    const dir = project({ 'src/app.py': APP, 'src/other.py': 'bad()\n' });
    const recorded = await run(dir, 'check', '.', '--baseline', 'mlops-baseline.json', '--update-baseline', '--format', 'json');
    expect(recorded.code).toBe(0);
    expect(found(recorded.stdout)).toEqual([]);
    expect(recorded.stderr).toContain('recorded 4 findings');

    // Sorted, one finding per line, no line numbers: diff-friendly.
    const text = readFileSync(join(dir, 'mlops-baseline.json'), 'utf8');
    const lines = text.split('\n').filter((l) => l.includes('"code"'));
    expect(lines).toHaveLength(4);
    expect(lines.map((l) => (JSON.parse(l.replace(/,$/, '')) as { file: string; code: string }).file)).toEqual(['src/app.py', 'src/app.py', 'src/app.py', 'src/other.py']);
    expect(text).not.toMatch(/"line":\s*\d/);

    // Unrelated edits: lines inserted above, the function re-indented and renamed around the finding.
    writeFileSync(join(dir, 'src/app.py'), `"""Docs."""\nimport sys\n\n${APP.replace('def load():\n    return bad()', 'def load_model():\n        return   bad()')}`);
    const after = await run(dir, 'check', '.', '--baseline', 'mlops-baseline.json', '--format', 'json');
    expect(found(after.stdout)).toEqual([]);
    expect(after.code).toBe(0);
    expect(after.stderr).toBe('');

    // A new smell shows, alone; a second identical one on a new line shows too (entries are counted).
    writeFileSync(join(dir, 'src/app.py'), `${readFileSync(join(dir, 'src/app.py'), 'utf8')}\ndef extra():\n    meh()\n`);
    const added = await run(dir, 'check', '.', '--baseline', 'mlops-baseline.json', '--format', 'json');
    expect(found(added.stdout)).toEqual(['src/app.py:14 ML982']);
    expect(added.code).toBe(1);
  });

  it('reports stale entries and drops them on update, leaving entries outside the run alone', async () => {
    const dir = project({ 'a/one.py': 'bad()\nmeh()\n', 'b/two.py': 'bad()\n' });
    await run(dir, 'check', '.', '--baseline', 'base.json', '--update-baseline');
    writeFileSync(join(dir, 'a/one.py'), 'meh()\n');
    const r = await run(dir, 'check', '.', '--baseline', 'base.json');
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^mlops-lint: baseline: stale entry ML981 in a\/one\.py matches no finding \(bad\(\)\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);

    // A run over a/ with one rule neither calls b/'s entries stale nor drops them.
    const partial = await run(dir, 'check', 'a', '--select', 'ML982', '--baseline', 'base.json');
    expect(partial.stderr).toBe('');
    await run(dir, 'check', 'a', '--baseline', 'base.json', '--update-baseline');
    const entries = (JSON.parse(readFileSync(join(dir, 'base.json'), 'utf8')) as { findings: Array<{ file: string; code: string }> }).findings;
    expect(entries.map((e) => `${e.file} ${e.code}`)).toEqual(['a/one.py ML982', 'b/two.py ML981']);
  });

  it('resolves paths against the baseline file, so a run from a sub-folder matches', async () => {
    const dir = project({ 'pkg/mod.py': 'bad()\n' });
    await run(dir, 'check', '.', '--baseline', 'base.json', '--update-baseline');
    const r = await run(join(dir, 'pkg'), 'check', '.', '--baseline', '../base.json');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('All checks passed');
  });

  it('matches notebook findings by their cell line, so inserting cells does not revive them', async () => {
    const cell = (type: string, source: string[]) => ({ cell_type: type, metadata: {}, source, ...(type === 'code' ? { execution_count: null, outputs: [] } : {}) });
    const notebook = (cells: object[]) => JSON.stringify({ cells, metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1);
    const dir = project({ 'nb.ipynb': notebook([cell('code', ['import os\n']), cell('code', ['x = 1\n', 'bad()\n'])]) });
    await run(dir, 'check', '.', '--baseline', 'base.json', '--update-baseline');
    writeFileSync(join(dir, 'nb.ipynb'), notebook([cell('markdown', ['# Title']), cell('code', ['import os\n']), cell('code', ['y = 2\n', 'x = 1\n', '  bad()\n']), cell('code', ['meh()\n'])]));
    const r = await run(dir, 'check', '.', '--baseline', 'base.json', '--format', 'json');
    expect((JSON.parse(r.stdout) as { diagnostics: Array<{ code: string; cell: number }> }).diagnostics.map((d) => `${d.cell} ${d.code}`)).toEqual(['4 ML982']);
  });

  it('rejects a file that is not a baseline', async () => {
    const dir = project({ 'a.py': 'bad()\n', 'base.json': '{"version": 7, "findings": []}' });
    const r = await run(dir, 'check', '.', '--baseline', 'base.json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('base.json: not a mlops-lint baseline (unsupported version 7');
  });
});

describe('shards and merge', () => {
  const files: Record<string, string> = {};
  for (let i = 0; i < 24; i++) files[`pkg${i % 4}/mod_${i}.py`] = ['bad()\n', 'meh()\nnote()\n', 'x = 1\n', 'bad()\nmeh()\n'][i % 4] ?? '';

  it('splits files so that the shards together give exactly the full run, and merge rebuilds it', async () => {
    const dir = project(files);
    const full = await run(dir, 'check', '.', '--format', 'json');
    const parts: JsonReport[] = [];
    for (const i of [1, 2, 3]) {
      const r = await run(dir, 'check', '.', '--format', 'json', '--shard', `${i}/3`, '--output-file', `shard-${i}.json`);
      expect(r.code).not.toBe(2);
      parts.push(parse(readFileSync(join(dir, `shard-${i}.json`), 'utf8')));
    }
    // Every shard has work, no file is in two shards, and the union is the full run.
    const filesOf = (p: JsonReport) => new Set(p.diagnostics.map((d) => d.file));
    for (const p of parts) expect(p.summary.files).toBeGreaterThan(0);
    const [a, b, c] = parts.map(filesOf) as [Set<string>, Set<string>, Set<string>];
    for (const f of a) expect(b.has(f) || c.has(f)).toBe(false);
    for (const f of b) expect(c.has(f)).toBe(false);
    const key = (d: object) => JSON.stringify(d);
    expect(parts.flatMap((p) => p.diagnostics).map(key).sort()).toEqual(parse(full.stdout).diagnostics.map(key).sort());
    expect(parts.reduce((n, p) => n + p.summary.files, 0)).toBe(parse(full.stdout).summary.files);

    const merged = await run(dir, 'merge', 'shard-1.json', 'shard-2.json', 'shard-3.json');
    expect(merged.code).toBe(0);
    expect(merged.stdout).toBe(full.stdout);
  });

  it('merges SARIF shards into the SARIF of a full run, and JSON shards into SARIF with the same fingerprints', async () => {
    const dir = project(files);
    const full = await run(dir, 'check', '.', '--format', 'sarif');
    for (const i of [1, 2]) {
      await run(dir, 'check', '.', '--format', 'sarif', '--shard', `${i}/2`, '--output-file', `s${i}.sarif`);
      await run(dir, 'check', '.', '--format', 'json', '--shard', `${i}/2`, '--output-file', `s${i}.json`);
    }
    const merged = await run(dir, 'merge', 's1.sarif', 's2.sarif', '--output-file', 'all.sarif');
    expect(merged.code).toBe(0);
    expect(readFileSync(join(dir, 'all.sarif'), 'utf8')).toBe(full.stdout);

    type Sarif = { runs: Array<{ results: Array<{ ruleId: string; partialFingerprints: Record<string, string> }> }> };
    const fromJson = JSON.parse((await run(dir, 'merge', 's1.json', 's2.json', '--format', 'sarif')).stdout) as Sarif;
    const fullLog = JSON.parse(full.stdout) as Sarif;
    const prints = (log: Sarif) => log.runs[0]?.results.map((r) => `${r.ruleId} ${r.partialFingerprints['mlopsLint/v1']}`);
    expect(prints(fromJson)).toEqual(prints(fullLog));
  });

  it('keeps a file in its shard whatever else is added', async () => {
    const dir = project(files);
    const before = await run(dir, 'check', '.', '--format', 'json', '--shard', '2/3');
    writeFileSync(join(dir, 'pkg0/new_file.py'), 'x = 2\n');
    const after = await run(dir, 'check', '.', '--format', 'json', '--shard', '2/3');
    expect(parse(after.stdout).diagnostics).toEqual(parse(before.stdout).diagnostics);
  });

  it('refuses what it cannot merge', async () => {
    const dir = project({ 'x.json': '{"hello": 1}', 'y.txt': 'not json' });
    expect((await run(dir, 'merge')).code).toBe(2);
    expect((await run(dir, 'merge', 'x.json')).stderr).toContain('neither a mlops-lint JSON report nor a SARIF log');
    expect((await run(dir, 'merge', 'y.txt')).code).toBe(2);
    expect((await run(dir, 'merge', 'missing.json')).stderr).toContain('report missing.json not found');
  });
});
