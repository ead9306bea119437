import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatBaseline, readBaseline } from '../src/baseline.js';
import { exitCodeFor } from '../src/exit-code.js';
import { lineAt, lineFingerprint, normalizeLine, sourceLine } from '../src/fingerprint.js';
import { parseShard, shardOf } from '../src/shard.js';

describe('shards', () => {
  it('parses i/n', () => {
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    expect(() => parseShard('0/1')).toThrow(/--shard expects i\/n/);
    expect(() => parseShard('2/1')).toThrow(/--shard/);
    expect(() => parseShard('1.5/2')).toThrow(/--shard/);
  });

  it('spreads paths evenly and stably', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) {
      const s = shardOf(`src/pkg${i % 37}/module_${i}.py`, 4);
      counts[s - 1] = (counts[s - 1] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(900);
    // The hash is part of the contract between CI jobs of one run; pin it.
    expect(['a.py', 'src/train.py', 'notebooks/eda.ipynb'].map((p) => shardOf(p, 7))).toEqual([2, 2, 4]);
  });
});

describe('fingerprints', () => {
  it('ignore indentation and spacing, not content or rule', () => {
    expect(normalizeLine('    model =   joblib.load( p )\t')).toBe('model = joblib.load( p )');
    expect(lineFingerprint('ML101', 'a = 1')).toMatch(/^[0-9a-f]{16}$/);
    expect(lineFingerprint('ML101', 'a = 1')).not.toBe(lineFingerprint('ML102', 'a = 1'));
    expect(lineFingerprint('ML101', 'a = 1')).not.toBe(lineFingerprint('ML101', 'a = 2'));
  });

  it('find the line of an offset, and a line of a notebook cell', () => {
    const text = 'first\r\nsecond\nthird';
    expect(lineAt(text, 0)).toBe('first');
    expect(lineAt(text, 7)).toBe('second');
    expect(lineAt(text, 13)).toBe('second');
    expect(lineAt(text, 14)).toBe('third');
    const nb = JSON.stringify({ cells: [{ cell_type: 'markdown', metadata: {}, source: ['# t'] }, { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: ['a = 1\n', '%time b = 2\n'] }], metadata: {}, nbformat: 4, nbformat_minor: 5 });
    expect(sourceLine('x.ipynb', nb, 2, 1)).toBe('a = 1');
    expect(sourceLine('x.ipynb', nb, 2, 3)).toBe('');
    expect(sourceLine('x.ipynb', nb, 1, 1)).toBeNull();
    expect(sourceLine('x.py', 'a\nb\n', null, 2)).toBe('b');
  });
});

describe('baseline file', () => {
  it('is sorted, one finding per line, and reads back', () => {
    const entries = [
      { file: 'b.py', code: 'ML101', fingerprint: '2', line: 'y()' },
      { file: 'a.py', code: 'ML502', fingerprint: '1', line: 'x()' },
      { file: 'a.py', code: 'ML101', fingerprint: '3', line: 'z()' },
    ];
    const text = formatBaseline(entries);
    expect(text).toBe(
      '{\n  "version": 1,\n  "tool": "mlops-lint",\n  "findings": [\n' +
        '    {"file":"a.py","code":"ML101","fingerprint":"3","line":"z()"},\n' +
        '    {"file":"a.py","code":"ML502","fingerprint":"1","line":"x()"},\n' +
        '    {"file":"b.py","code":"ML101","fingerprint":"2","line":"y()"}\n  ]\n}\n',
    );
    expect(formatBaseline([])).toBe('{\n  "version": 1,\n  "tool": "mlops-lint",\n  "findings": []\n}\n');
    const path = join(mkdtempSync(join(tmpdir(), 'mlops-lint-bl-')), 'b.json');
    writeFileSync(path, text);
    expect(readBaseline(path, 'b.json')).toEqual([entries[2], entries[1], entries[0]]);
    writeFileSync(path, '{"version":1,"findings":[{"file":"a.py"}]}');
    expect(() => readBaseline(path, 'b.json')).toThrow('b.json: not a mlops-lint baseline (finding 1 needs string "file", "code" and "fingerprint")');
  });
});

describe('exit codes', () => {
  it('follow severity', () => {
    expect(exitCodeFor({ errors: 0, warnings: 0 }, {})).toBe(0);
    expect(exitCodeFor({ errors: 1, warnings: 0 }, { maxWarnings: 10 })).toBe(1);
    expect(exitCodeFor({ errors: 0, warnings: 1 }, {})).toBe(1);
    expect(exitCodeFor({ errors: 0, warnings: 3 }, { maxWarnings: 3 })).toBe(0);
    expect(exitCodeFor({ errors: 0, warnings: 4 }, { maxWarnings: 3 })).toBe(1);
    expect(exitCodeFor({ errors: 5, warnings: 5 }, { exitZero: true })).toBe(0);
  });
});
