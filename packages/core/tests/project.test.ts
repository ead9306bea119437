import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  computeProjectFacts,
  defineRule,
  lintProject,
  loadProject,
  parseManifest,
  parseRequirement,
  parseRequirementsFile,
  resolveProjectRoot,
  type ConfiguredRule,
} from '../src/index.js';
import { loadBackend } from '@mlops-lint/parser';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

function project(files: Record<string, string | Buffer>): string {
  const root = mkdtempSync(join(tmpdir(), 'mlops-lint-core-project-'));
  temps.push(root);
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, name)), { recursive: true });
    writeFileSync(join(root, name), content);
  }
  return root;
}

function gitCommit(root: string, force: string[] = []): void {
  const run = (args: string[]) => execFileSync('git', args, { cwd: root, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
  run(['init', '-q', '-b', 'main']);
  run(['config', 'user.name', 't']);
  run(['config', 'user.email', 't@t.invalid']);
  run(['add', '-A']);
  if (force.length > 0) run(['add', '-f', '--', ...force]);
  run(['commit', '-q', '--no-verify', '-m', 'init']);
}

describe('PEP 508 and requirements files', () => {
  it('parses names, extras, specifiers, markers and direct references', () => {
    expect(parseRequirement('Scikit_Learn[alldeps] >= 1.4 , <2 ; python_version > "3.9"')).toMatchObject({
      name: 'Scikit_Learn',
      normalized: 'scikit-learn',
      extras: ['alldeps'],
      specifier: '>=1.4,<2',
      marker: 'python_version > "3.9"',
      url: null,
    });
    expect(parseRequirement('peft @ git+https://github.com/huggingface/peft@main')).toMatchObject({ name: 'peft', url: 'git+https://github.com/huggingface/peft@main' });
    expect(parseRequirement('-e .')).toBeNull();
  });

  it('reads requirement lines with continuations, hashes, includes, options and a pip-compile header', () => {
    const text = [
      '#    pip-compile --generate-hashes --output-file=requirements.txt requirements.in',
      '-r base.txt',
      '--constraint constraints.txt',
      '--index-url https://example.invalid/simple',
      'torch==2.1.2 \\',
      '    --hash=sha256:aaaa',
      'numpy  # a comment',
      '-e ./local',
      'git+https://github.com/org/pkg@0123456789abcdef0123456789abcdef01234567#egg=pkg',
      '',
    ].join('\n');
    const parsed = parseRequirementsFile(text);
    expect(parsed.includes).toEqual([
      { kind: 'requirement', path: 'base.txt', line: 2 },
      { kind: 'constraint', path: 'constraints.txt', line: 3 },
    ]);
    expect(parsed.compiledFrom).toEqual(['requirements.in']);
    expect(parsed.requirements.map((r) => [r.requirement.name, r.hashed, r.direct, r.editable, r.line, r.column, r.endColumn])).toEqual([
      ['torch', true, false, false, 5, 1, 13],
      ['numpy', false, false, false, 7, 1, 6],
      ['pkg', false, true, false, 9, 1, 80],
    ]);
    expect(parsed.fullyHashed).toBe(false);
  });
});

describe('manifests', () => {
  it('locates PEP 621 strings after their key, not in other arrays', () => {
    const text = '[project]\nname = "x"\nkeywords = ["torch"]\ndependencies = [\n  "torch",\n]\n';
    const m = parseManifest('pyproject.toml', 'pyproject', text);
    expect(m.dependencies.map((d) => [d.name, d.line, d.column, d.endColumn])).toEqual([['torch', 5, 4, 9]]);
  });

  it('reads Poetry constraints: a bare version is exact, caret and tilde are ranges', () => {
    const text = '[tool.poetry.dependencies]\npython = "^3.10"\ntorch = "2.1.2"\nnumpy = "^1.26"\npandas = { version = "~2.2", optional = true }\n';
    const m = parseManifest('pyproject.toml', 'pyproject', text);
    expect(m.dependencies.map((d) => [d.name, d.exact, d.pinned, d.minVersion, d.line])).toEqual([
      ['torch', '2.1.2', true, '2.1.2', 3],
      ['numpy', null, false, '1.26', 4],
      ['pandas', null, false, '2.2', 5],
    ]);
    const pandas = m.dependencies[2];
    expect(text.slice(pandas?.pin?.start, pandas?.pin?.end)).toBe('"~2.2"');
  });

  it('reads conda specs: == and =version=build pin, a single = does not; pytorch is torch', () => {
    const text = 'dependencies:\n  - pytorch=2.1\n  - numpy==1.26.4\n  - scipy=1.11.4=py311_0\n  - pip:\n    - "transformers>=4.36"\n';
    const m = parseManifest('environment.yml', 'conda', text);
    expect(m.dependencies.map((d) => [d.normalized, d.pinned, d.group, d.line, d.column])).toEqual([
      ['torch', false, null, 2, 5],
      ['numpy', true, null, 3, 5],
      ['scipy', true, null, 4, 5],
      ['transformers', false, 'pip', 6, 8],
    ]);
  });

  it('reports a manifest that does not parse as one problem with its position', () => {
    const m = parseManifest('pyproject.toml', 'pyproject', '[project\nname = 1\n');
    expect(m.dependencies).toEqual([]);
    expect(m.problem).toMatchObject({ line: 1 });
    expect(m.problem?.message).toMatch(/^invalid TOML: .*dependencies not checked$/);
  });
});

describe('the project model', () => {
  it('finds the root: the folder with a manifest, else the nearest .git or pyproject.toml above', () => {
    const root = project({ 'pyproject.toml': '[project]\nname = "x"\n', 'svc/requirements.txt': 'torch\n', 'src/pkg/a.py': '' });
    expect(resolveProjectRoot(join(root, 'svc'))).toBe(join(root, 'svc'));
    expect(resolveProjectRoot(join(root, 'src/pkg'))).toBe(root);
    expect(resolveProjectRoot(join(root, 'src/pkg/a.py'))).toBe(root);
  });

  it('lists the git index with untracked files, LFS and DVC storage, and .gitignore', async () => {
    const root = project({
      '.gitignore': 'models/\n',
      '.gitattributes': '*.onnx filter=lfs diff=lfs merge=lfs -text\n',
      'models/model.pt': Buffer.alloc(2048, 1),
      'data/train.parquet.dvc': 'outs:\n- path: train.parquet\n',
      'data/train.parquet': Buffer.alloc(10, 1),
      'w/enc.onnx': Buffer.alloc(10, 1),
      'a.py': 'print(1)\n',
    });
    gitCommit(root, ['models/model.pt']);
    writeFileSync(join(root, 'new.py'), 'x = 1\n');
    writeFileSync(join(root, 'models/ignored.pt'), 'x');
    const p = await loadProject(root);
    expect(p.isGit).toBe(true);
    expect(p.files.map((f) => `${f.path}:${f.tracked}`)).toEqual([
      '.gitattributes:true',
      '.gitignore:true',
      'a.py:true',
      'data/train.parquet:true',
      'data/train.parquet.dvc:true',
      'models/model.pt:true',
      'new.py:false',
      'w/enc.onnx:true',
    ]);
    expect(p.storageOf('models/model.pt')).toBe('git');
    expect(p.storageOf('w/enc.onnx')).toBe('lfs');
    expect(p.storageOf('data/train.parquet')).toBe('dvc');
    expect(p.sizeOf('models/model.pt')).toBe(2048);
    expect(p.isGitIgnored('models/model.pt')).toBe(true);
    expect(p.isGitIgnored('a.py')).toBe(false);
    p.setText('.gitignore', '');
    expect(p.isGitIgnored('models/model.pt')).toBe(false);
  });

  it('walks a folder that is not a repository, honouring .gitignore', async () => {
    const root = project({ '.gitignore': 'mlruns/\n', 'mlruns/0/meta.yaml': 'x', 'train.py': '', '.venv/lib/x.py': '', 'node_modules/a/b.js': '' });
    const p = await loadProject(root);
    expect(p.isGit).toBe(false);
    expect(p.files.map((f) => f.path)).toEqual(['.gitignore', 'train.py']);
  });

  it('decides which lock file covers which manifest, and reads locked and installed versions', async () => {
    const root = project({
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["torch>=2.6"]\n',
      'uv.lock': '[[package]]\nname = "torch"\nversion = "2.6.0"\n',
      'svc/requirements.in': 'numpy\n',
      'svc/requirements.txt': '# uv pip compile requirements.in -o requirements.txt\nnumpy==1.26.4\n',
      'env/environment.yml': 'dependencies:\n  - pytorch\n',
      '.venv/lib/python3.11/site-packages/pandas-2.2.1.dist-info/METADATA': 'x',
    });
    const p = await loadProject(root, { useGit: false });
    expect(p.lockFiles.map((l) => [l.file, l.kind, l.covers])).toEqual([
      ['svc/requirements.txt', 'pip-compile', ['svc/requirements.in']],
      ['uv.lock', 'uv', ['pyproject.toml']],
    ]);
    expect(p.resolvedVersion('torch')).toEqual({ version: '2.6.0', source: 'uv.lock' });
    expect(p.resolvedVersion('pandas')).toEqual({ version: '2.2.1', source: 'installed metadata' });
    expect(p.dependencies.filter((d) => !p.isLocked(d)).map((d) => d.file)).toEqual(['env/environment.yml']);
    expect(p.torchMinVersion).toBe('2.6');
  });

  it('keeps the ProjectFacts contract: torch bound from root manifests, prompts, trackers', () => {
    const root = project({
      'requirements.txt': 'torch>=2.6\n',
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["torch>=2.7"]\n',
      'prompts/answer.md': 'hi',
      'train.py': 'import mlflow\n',
    });
    expect(computeProjectFacts(root, [join(root, 'train.py')])).toEqual({ root, torchMinVersion: '2.6', trackers: ['mlflow'], hasPromptFiles: true });
    const loose = project({ 'requirements.txt': 'torch>=2.6\n', 'setup.py': 'setup(install_requires=["torch"])\n' });
    expect(computeProjectFacts(loose, []).torchMinVersion).toBeNull();
  });
});

type Ids = 'artifact' | 'ignore' | 'dep';

/** A small project rule for the runner: reports every *.bin file and each requirements line, fixes .gitignore. */
const testRule = defineRule<[], Ids>({
  meta: {
    code: 'ML999',
    name: 'test-project-rule',
    severity: 'error',
    scope: 'project',
    fix: 'safe',
    docs: { description: 'test' },
    messages: { artifact: 'artifact {{path}}', ignore: 'Ignore {{path}}', dep: 'dependency {{name}}' },
  },
  create() {
    return {};
  },
  createProject(context) {
    const p = context.project;
    return {
      'project:exit'() {
        for (const f of p.files) {
          if (!f.path.endsWith('.bin')) continue;
          const text = p.readText('.gitignore') ?? '';
          context.report({
            file: f.path,
            messageId: 'artifact',
            data: { path: f.path },
            fix: p.isGitIgnored(f.path) ? null : { messageId: 'ignore', data: { path: f.path }, edits: () => ({ file: '.gitignore', start: text.length, end: text.length, text: `/${f.path}\n` }) },
          });
        }
        for (const d of p.dependencies) context.report({ file: d.file, range: [d.start, d.end], messageId: 'dep', data: { name: d.name } });
      },
    };
  },
});

async function runTestRule(root: string, fix: 'none' | 'safe' = 'none', write = false) {
  const backend = await loadBackend();
  const p = await loadProject(root);
  const configured: ConfiguredRule = { rule: testRule, severity: 'error', options: [] };
  return lintProject({
    project: p,
    files: [],
    backend,
    rulesFor: () => [configured],
    enabled: [configured],
    displayPath: (abs) => relative(root, abs) || '.',
    fix,
    write,
  });
}

describe('project runs', () => {
  it('locates findings in any file, honours # noqa in manifests, and sorts by file', async () => {
    const root = project({ 'requirements.txt': 'torch\nnumpy  # noqa: ML999\n', 'z.bin': Buffer.from([0, 1, 2]), 'a.bin': Buffer.from([0]) });
    gitCommit(root);
    const { results, problems } = await runTestRule(root);
    expect(problems).toEqual([]);
    expect(results.map((r) => [r.displayPath, r.diagnostics.map((d) => `${d.line}:${d.column}-${d.endColumn} ${d.message}`)])).toEqual([
      ['a.bin', ['1:1-1 artifact a.bin']],
      ['requirements.txt', ['1:1-6 dependency torch']],
      ['z.bin', ['1:1-1 artifact z.bin']],
    ]);
    expect(results[0]?.diagnostics[0]?.fix?.edits).toEqual([{ start: 0, end: 0, text: '/a.bin\n', line: 1, column: 1, endLine: 1, endColumn: 1, file: '.gitignore' }]);
  });

  it('applies project fixes atomically, creating a file if needed, and a second run changes nothing', async () => {
    const root = project({ 'a.bin': Buffer.from([0]), 'b.bin': Buffer.from([0]) });
    gitCommit(root);
    const diff = await runTestRule(root, 'safe', false);
    const gitignore = diff.results.find((r) => r.displayPath === '.gitignore');
    expect(gitignore).toMatchObject({ original: '', output: '/a.bin\n/b.bin\n', fixed: 2 });
    expect(() => readFileSync(join(root, '.gitignore'))).toThrow();
    await runTestRule(root, 'safe', true);
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toBe('/a.bin\n/b.bin\n');
    const again = await runTestRule(root, 'safe', true);
    expect(again.results.filter((r) => r.output !== undefined)).toEqual([]);
    expect(readFileSync(join(root, '.gitignore'), 'utf8')).toBe('/a.bin\n/b.bin\n');
  });

  it('reports manifests that do not parse as problems and goes on', async () => {
    const root = project({ 'pyproject.toml': '[project\n', 'requirements.txt': 'torch\n' });
    const { results, problems } = await runTestRule(root);
    expect(problems).toEqual([{ file: 'pyproject.toml', line: 1, column: 9, cell: null, kind: 'syntax', message: expect.stringMatching(/^invalid TOML/) }]);
    expect(results.map((r) => r.displayPath)).toEqual(['requirements.txt']);
  });
});
