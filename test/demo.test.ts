import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, copyDir, DEMO } from './helpers.js';

/** The README's main command on the shipped demo project: its exact findings, and `--fix` on a copy. */

const EXPECTED = [
  'app/serve.py:10 ML102',
  'app/serve.py:16 ML101',
  'app/serve.py:16 ML502',
  'app/serve.py:21 ML103',
  'app/serve.py:22 ML101',
  'app/serve.py:22 ML502',
  'app/serve.py:24 ML601',
  'app/serve.py:24 ML602',
  'app/serve.py:31 ML401',
  'app/serve.py:32 ML402',
  'app/serve.py:40 ML104',
  'app/summarize.py:8 ML403',
  'notebooks/explore.ipynb:cell 3:1 ML203',
  'notebooks/explore.ipynb:cell 3:1 ML205',
  'notebooks/explore.ipynb:cell 3:2 ML205',
  'notebooks/explore.ipynb:cell 3:2 ML503',
  'notebooks/explore.ipynb:cell 4:1 ML502',
  'notebooks/explore.ipynb:cell 5:1 ML201',
  'requirements.txt:3 ML202',
  'requirements.txt:4 ML202',
  'requirements.txt:6 ML202',
  'requirements.txt:7 ML202',
  'training/train.py:23 ML201',
  'training/train.py:27 ML204',
  'training/train.py:28 ML204',
  'training/train.py:29 ML301',
  'training/train.py:30 ML302',
];

interface JsonDiagnostic {
  code: string;
  file: string;
  cell: number | null;
  line: number;
}

function findings(dir: string): string[] {
  const r = cli(['check', '.', '--format', 'json'], { cwd: dir });
  const out = JSON.parse(r.stdout) as { diagnostics: JsonDiagnostic[] };
  return out.diagnostics.map((d) => `${d.file}:${d.cell === null ? '' : `cell ${d.cell}:`}${d.line} ${d.code}`);
}

describe('examples/demo-project', () => {
  it('reports exactly the planted mistakes', () => {
    expect(findings(DEMO)).toEqual(EXPECTED);
  });

  it('prints them in the stylish format the README shows', () => {
    const r = cli(['check', 'examples/demo-project']);
    // Exit code and stderr first: when this fails, they say why.
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 1, stderr: '' });
    expect(r.stdout).toContain('examples/demo-project/app/serve.py:22:13: ML101 ');
    expect(r.stdout).toContain('examples/demo-project/notebooks/explore.ipynb:cell 5:1:1: ML201 ');
    expect(r.stdout).toMatch(/ML201 .*\[\*\]$/m);
    expect(r.stderr).toBe('');
  });

  it('places notebook findings on the JSON line of their cell line in GitHub annotations', () => {
    const r = cli(['check', 'examples/demo-project', '--format', 'github', '--no-cache']);
    const json = readFileSync(join(DEMO, 'notebooks/explore.ipynb'), 'utf8').split('\n');
    const notebook = r.stdout.split('\n').filter((l) => l.includes('explore.ipynb'));
    expect(notebook.length).toBeGreaterThan(3);
    for (const annotation of notebook) {
      const m = /,line=(\d+),.*::cell \d+, line \d+, column (\d+): /.exec(annotation);
      expect(m, annotation).not.toBeNull();
      // The JSON line holds the cell line the finding is on: `torch.load` for ML502, `torch.manual_seed` for ML201.
      if (annotation.includes('ML502')) expect(json[Number(m?.[1]) - 1]).toContain('torch.load(');
      if (annotation.includes('ML201')) expect(json[Number(m?.[1]) - 1]).toContain('torch.manual_seed(0)');
    }
  });

  it('--fix applies the safe fixes once, keeps the notebook intact outside the edited cell, and a second run changes nothing', () => {
    const dir = copyDir(DEMO);
    const notebookBefore = readFileSync(join(dir, 'notebooks/explore.ipynb'), 'utf8');
    cli(['check', '.', '--fix'], { cwd: dir });
    const train = readFileSync(join(dir, 'training/train.py'), 'utf8');
    expect(train).toContain('    torch.manual_seed(SEED)\n    np.random.seed(SEED)\n    random.seed(SEED)\n');
    const notebookAfter = readFileSync(join(dir, 'notebooks/explore.ipynb'), 'utf8');
    expect(notebookAfter).toBe(notebookBefore.replace('    "torch.manual_seed(0)\\n",\n', '    "torch.manual_seed(0)\\n",\n    "np.random.seed(0)\\n",\n'));
    const after = findings(dir);
    expect(after).not.toContain('training/train.py:23 ML201');
    const snapshot = [train, notebookAfter, readFileSync(join(dir, 'app/serve.py'), 'utf8')];
    cli(['check', '.', '--fix'], { cwd: dir });
    expect([
      readFileSync(join(dir, 'training/train.py'), 'utf8'),
      readFileSync(join(dir, 'notebooks/explore.ipynb'), 'utf8'),
      readFileSync(join(dir, 'app/serve.py'), 'utf8'),
    ]).toEqual(snapshot);
  });
});
