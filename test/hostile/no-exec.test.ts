import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../helpers.js';
import { markerCode, notebookJson, tempDir } from './corpus.js';

/**
 * "Never runs or imports the code it checks" (ARCHITECTURE.md, issue 9): files whose top-level code would leave a
 * marker file behind if anything imported or ran them, under the names Python tooling does run (`setup.py`,
 * `conftest.py`, `__init__.py`, `__main__.py`, `sitecustomize.py`) and in a notebook, are linted, fixed and
 * diffed; no marker ever appears.
 */

describe('the code being linted', () => {
  it('is never imported or executed, by check, --fix, --diff or --format sarif', () => {
    const dir = tempDir();
    const markers: string[] = [];
    const marker = (name: string): string => {
      const path = join(dir, `marker-${name}`);
      markers.push(path);
      return path;
    };
    mkdirSync(join(dir, 'pkg'));
    for (const name of ['setup.py', 'conftest.py', 'pkg/__init__.py', 'pkg/__main__.py', 'sitecustomize.py', 'train.py']) {
      writeFileSync(join(dir, name), markerCode(marker(name.replace('/', '-'))));
    }
    const shell = marker('notebook-shell');
    writeFileSync(
      join(dir, 'analysis.ipynb'),
      notebookJson([
        { source: markerCode(marker('notebook')) },
        { source: `!touch ${shell}\n%system touch ${shell}\n` },
        { source: `%%bash\ntouch ${shell}\n` },
      ]),
    );
    const runs = [
      cli(['check', '.', '--no-cache'], { cwd: dir }),
      cli(['check', '.', '--diff', '--unsafe-fixes', '--no-cache'], { cwd: dir }),
      cli(['check', '.', '--format', 'sarif', '--no-cache'], { cwd: dir }),
      cli(['check', '.', '--fix', '--unsafe-fixes', '--no-cache'], { cwd: dir }),
    ];
    // The files were read: ML502 reported torch.load in each of them, and --fix rewrote them.
    expect(runs[0]?.stdout.match(/ML502/g)?.length).toBe(7);
    expect(runs[3]?.stdout).toContain('Fixed 7 problems');
    expect(markers.filter((m) => existsSync(m))).toEqual([]);
  });
});
