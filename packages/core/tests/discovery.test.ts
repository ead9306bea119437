import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_EXCLUDES, discoverFiles, isLintable, type DiscoveryOptions } from '../src/discovery.js';

let tmp: string;
let outside: string;
beforeEach(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'mlops-lint-discovery-'));
  outside = mkdtempSync(path.join(os.tmpdir(), 'mlops-lint-outside-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

function touch(...rels: string[]): void {
  for (const rel of rels) write(rel, '');
}

function write(rel: string, text: string, base = tmp): string {
  const file = path.join(base, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

async function discover(paths: string[], opts: Partial<DiscoveryOptions> = {}) {
  const result = await discoverFiles(paths, { cwd: tmp, root: tmp, ...opts });
  return {
    files: result.files.map((f) => path.relative(tmp, f).split(path.sep).join('/')),
    problems: result.problems.map((p) => ({ path: path.relative(tmp, p.path).split(path.sep).join('/'), message: p.message })),
  };
}

describe('isLintable', () => {
  it('accepts Python files and notebooks only', () => {
    expect(isLintable('a/model.py')).toBe(true);
    expect(isLintable('eda.ipynb')).toBe(true);
    expect(isLintable('stubs.pyi')).toBe(false);
    expect(isLintable('requirements.txt')).toBe(false);
    expect(isLintable('py')).toBe(false);
  });
});

describe('discoverFiles: walking and excludes', () => {
  it('walks directories recursively, keeps .py and .ipynb, and sorts the result', () => {
    touch('src/z.py', 'src/a.py', 'notebooks/eda.ipynb', 'README.md', 'src/pkg/__init__.py', '.hidden/tool.py');
    return expect(discover(['.'])).resolves.toEqual({
      files: ['.hidden/tool.py', 'notebooks/eda.ipynb', 'src/a.py', 'src/pkg/__init__.py', 'src/z.py'],
      problems: [],
    });
  });

  it('skips the default excludes at any depth', async () => {
    touch(
      'app.py',
      '.venv/lib/x.py',
      'venv/x.py',
      'node_modules/pkg/x.py',
      'pkg/__pycache__/x.py',
      'pkg/build/x.py',
      'dist/x.py',
      'mypkg.egg-info/x.py',
      '.ipynb_checkpoints/eda-checkpoint.ipynb',
      '.git/hooks/x.py',
      'pkg/mod.py',
    );
    expect(DEFAULT_EXCLUDES).toContain('*.egg-info');
    expect((await discover(['.'])).files).toEqual(['app.py', 'pkg/mod.py']);
  });

  it('lets exclude replace the defaults', async () => {
    touch('.venv/x.py', 'data/x.py', 'app.py');
    expect((await discover(['.'], { exclude: ['data'] })).files).toEqual(['.venv/x.py', 'app.py']);
  });

  it('lets extend-exclude add name globs, root-anchored globs and directory-only globs', async () => {
    touch('app.py', 'api_pb2.py', 'proto/api_pb2.py', 'src/gen_a.py', 'src/sub/gen_b.py', 'legacy/x.py', 'pkg/legacy.py', '.venv/x.py');
    const { files } = await discover(['.'], { extendExclude: ['*_pb2.py', 'src/gen_*.py', 'legacy/'] });
    expect(files).toEqual(['app.py', 'pkg/legacy.py', 'src/sub/gen_b.py']);
  });

  it('anchors exclude globs at the config root, not at the walked directory', async () => {
    touch('src/gen/x.py', 'src/gen/y.py', 'src/keep.py');
    const { files } = await discover(['src'], { extendExclude: ['src/gen'] });
    expect(files).toEqual(['src/keep.py']);
  });
});

describe('discoverFiles: .gitignore', () => {
  beforeEach(() => {
    write('.gitignore', 'out/\n*_scratch.py\n!keep_scratch.py\nkeep.py\n');
    write('pkg/.gitignore', 'local.py\n!keep.py\n');
    touch(
      'app.py',
      'keep.py',
      'local.py',
      'a_scratch.py',
      'keep_scratch.py',
      'out/x.py',
      'pkg/keep.py',
      'pkg/local.py',
      'pkg/b_scratch.py',
      'pkg/mod.py',
    );
  });

  it('honours the root and nested .gitignore files, each relative to its directory, with negations', async () => {
    expect(await discover(['.'])).toEqual({
      files: ['app.py', 'keep_scratch.py', 'local.py', 'pkg/keep.py', 'pkg/mod.py'],
      problems: [],
    });
  });

  it('honours the .gitignore files above a walked subdirectory', async () => {
    expect((await discover(['pkg'])).files).toEqual(['pkg/keep.py', 'pkg/mod.py']);
  });

  it('honours .git/info/exclude below every .gitignore', async () => {
    write('.git/info/exclude', 'app.py\nmod.py\n');
    write('pkg/.gitignore', 'local.py\n!keep.py\n!mod.py\n');
    expect((await discover(['.'])).files).toEqual(['keep_scratch.py', 'local.py', 'pkg/keep.py', 'pkg/mod.py']);
  });

  it('ignores .gitignore files when respectGitignore is false', async () => {
    expect((await discover(['.'], { respectGitignore: false })).files).toEqual([
      'a_scratch.py',
      'app.py',
      'keep.py',
      'keep_scratch.py',
      'local.py',
      'out/x.py',
      'pkg/b_scratch.py',
      'pkg/keep.py',
      'pkg/local.py',
      'pkg/mod.py',
    ]);
  });
});

describe('discoverFiles: explicit paths', () => {
  it('returns an explicitly named file even when excluded or git-ignored', async () => {
    write('.gitignore', 'ignored.py\n');
    touch('.venv/tool.py', 'ignored.py');
    expect(await discover(['.venv/tool.py', 'ignored.py'])).toEqual({ files: ['.venv/tool.py', 'ignored.py'], problems: [] });
  });

  it('reports a missing path and a file that is not Python, and goes on', async () => {
    touch('app.py', 'notes.txt');
    expect(await discover(['missing.py', 'notes.txt', 'app.py'])).toEqual({
      files: ['app.py'],
      problems: [
        { path: 'missing.py', message: 'no such file or directory' },
        { path: 'notes.txt', message: 'not a Python file or notebook' },
      ],
    });
  });

  it('returns a file named several times, or also found by a walk, once', async () => {
    touch('src/a.py');
    expect((await discover(['src/a.py', './src/a.py', path.join(tmp, 'src', 'a.py'), 'src', '.'])).files).toEqual(['src/a.py']);
  });
});

describe('discoverFiles: symbolic links', () => {
  it('skips links that point outside the walked root, with a problem', async () => {
    touch('app.py');
    const secret = write('secret.py', '', outside);
    symlinkSync('/etc', path.join(tmp, 'etc'));
    symlinkSync(secret, path.join(tmp, 'secret.py'));
    symlinkSync(outside, path.join(tmp, 'outside_dir'));
    expect(await discover(['.'])).toEqual({
      files: ['app.py'],
      problems: [
        { path: 'etc', message: 'symbolic link points outside .; skipped' },
        { path: 'outside_dir', message: 'symbolic link points outside .; skipped' },
        { path: 'secret.py', message: 'symbolic link points outside .; skipped' },
      ],
    });
  });

  it('names the walked root in the problem when it is a subdirectory', async () => {
    mkdirSync(path.join(tmp, 'src'));
    touch('shared.py');
    symlinkSync(path.join(tmp, 'shared.py'), path.join(tmp, 'src', 'shared.py'));
    expect((await discover(['src'])).problems).toEqual([{ path: 'src/shared.py', message: 'symbolic link points outside src; skipped' }]);
  });

  it('detects link loops instead of walking forever', async () => {
    touch('pkg/mod.py');
    symlinkSync('..', path.join(tmp, 'pkg', 'up'));
    symlinkSync('.', path.join(tmp, 'pkg', 'self'));
    symlinkSync('cycle.py', path.join(tmp, 'cycle.py'));
    expect(await discover(['.'])).toEqual({
      files: ['pkg/mod.py'],
      problems: [
        { path: 'cycle.py', message: 'symbolic link loop; skipped' },
        { path: 'pkg/self', message: 'symbolic link loop; skipped' },
        { path: 'pkg/up', message: 'symbolic link loop; skipped' },
      ],
    });
  });

  it('reports a broken link', async () => {
    symlinkSync('gone.py', path.join(tmp, 'dangling.py'));
    expect((await discover(['.'])).problems).toEqual([{ path: 'dangling.py', message: 'broken symbolic link; skipped' }]);
  });

  it('follows links inside the root, listing each real file once under its link-free path', async () => {
    touch('src/a.py', 'src/sub/b.py', 'build/models/m.py');
    symlinkSync('src', path.join(tmp, 'alias'));
    symlinkSync(path.join('src', 'a.py'), path.join(tmp, 'a_link.py'));
    symlinkSync(path.join('build', 'models'), path.join(tmp, 'models'));
    expect(await discover(['.'])).toEqual({ files: ['models/m.py', 'src/a.py', 'src/sub/b.py'], problems: [] });
  });

  it('follows a link named explicitly, since the user chose it', async () => {
    const target = write('tool.py', '', outside);
    symlinkSync(target, path.join(tmp, 'tool.py'));
    expect(await discover(['tool.py'])).toEqual({ files: ['tool.py'], problems: [] });
  });
});

describe('discoverFiles: unreadable directories', () => {
  // root reads everything, so the check cannot fail there.
  it.skipIf(process.getuid?.() === 0)('reports an unreadable directory and keeps walking', async () => {
    touch('app.py', 'locked/x.py');
    chmodSync(path.join(tmp, 'locked'), 0o000);
    try {
      expect(await discover(['.'])).toEqual({ files: ['app.py'], problems: [{ path: 'locked', message: 'permission denied' }] });
    } finally {
      chmodSync(path.join(tmp, 'locked'), 0o755);
    }
  });
});
