import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { BIN, DEMO, REPO, cli } from './helpers.js';

// ajv-formats is CommonJS: under NodeNext the default import is its module.exports, whose `default` is the plugin.
const addFormats = addFormatsModule.default;

/** A Flask debug server: ML104 (debug-server), which has a safe fix. The tests name codes, never messages. */
const DEBUG_APP = 'from flask import Flask\n\napp = Flask(__name__)\n\nif __name__ == "__main__":\n    app.run(debug=True)\n';

describe('real runs in CI formats', () => {
  it('writes SARIF for the demo project that validates against the SARIF 2.1.0 schema', () => {
    const r = cli(['check', DEMO, '--format', 'sarif']);
    expect(r.code).toBe(1);
    const schema = JSON.parse(readFileSync(join(REPO, 'packages/cli/tests/fixtures/sarif-schema-2.1.0.json'), 'utf8')) as object;
    const ajv = new Ajv2020({ allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const log = JSON.parse(r.stdout) as { runs: Array<{ results: Array<{ ruleId: string; partialFingerprints: Record<string, string> }> }> };
    expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    const results = log.runs[0]?.results ?? [];
    expect(results.length).toBeGreaterThan(0);
    for (const result of results) expect(result.partialFingerprints['mlopsLint/v1']).toMatch(/^[0-9a-f]{16}:\d+$/);
  });

  it('writes GitHub annotations and JUnit XML', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-ci-'));
    writeFileSync(join(dir, 'serve.py'), DEBUG_APP);
    expect(cli(['check', '.', '--format', 'github'], { cwd: dir }).stdout).toMatch(/^::warning file=serve\.py,line=6,col=5,.*title=ML104 debug-server::/m);
    const junit = cli(['check', '.', '--format', 'junit'], { cwd: dir }).stdout;
    expect(junit).toContain('<testcase name="serve.py"');
    expect(junit).toContain('<failure type="ML104"');
  });
});

// pre-commit, for real: Debian's `pre-commit` runs this repository's hook definitions against a git repo with a bad
// file. CI installs pre-commit (.ci/run); a developer machine without it skips, CI never does.
const hasPreCommit = spawnSync('pre-commit', ['--version'], { encoding: 'utf8' }).status === 0;
const required = process.env['CI'] === 'true';

describe.skipIf(!hasPreCommit && !required)('pre-commit hooks', () => {
  /**
   * A sandbox: `hooks/` is a git repo holding this repository's .pre-commit-hooks.yaml (a copy, so that the test
   * does not depend on the hook file being committed yet), `bin/mlops-lint` runs the built CLI, `proj/` is the
   * user's repo. Nothing is installed: the hooks are `language: system`.
   */
  function sandbox(): { root: string; proj: string; run: (cmd: string, args: string[]) => { code: number; out: string } } {
    if (!hasPreCommit) throw new Error('pre-commit is not installed; .ci/run installs it with apt-get (CI=true requires this test)');
    const root = mkdtempSync(join(tmpdir(), 'mlops-lint-pre-commit-'));
    const env = {
      ...process.env,
      PATH: `${join(root, 'bin')}:${process.env['PATH'] ?? ''}`,
      PRE_COMMIT_HOME: join(root, 'cache'),
      NO_COLOR: '1',
      GIT_AUTHOR_NAME: 'test',
      GIT_AUTHOR_EMAIL: 'test@example.invalid',
      GIT_COMMITTER_NAME: 'test',
      GIT_COMMITTER_EMAIL: 'test@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: root,
    };
    const exec = (cwd: string) => (cmd: string, args: string[]) => {
      const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8' });
      return { code: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
    };
    mkdirSync(join(root, 'bin'));
    writeFileSync(join(root, 'bin/mlops-lint'), `#!/bin/sh\nexec '${process.execPath}' '${BIN}' "$@"\n`);
    chmodSync(join(root, 'bin/mlops-lint'), 0o755);
    const hooks = join(root, 'hooks');
    mkdirSync(hooks);
    copyFileSync(join(REPO, '.pre-commit-hooks.yaml'), join(hooks, '.pre-commit-hooks.yaml'));
    for (const args of [['init', '-q'], ['add', '.'], ['commit', '-qm', 'hooks']]) expect(exec(hooks)('git', args).code).toBe(0);
    const proj = join(root, 'proj');
    mkdirSync(proj);
    expect(exec(proj)('git', ['init', '-q']).code).toBe(0);
    return { root, proj, run: exec(proj) };
  }

  it('try-repo: the check hook fails with the finding, the fix hook fixes it, then the check passes', () => {
    const { proj, run } = sandbox();
    writeFileSync(join(proj, 'bad.py'), DEBUG_APP);
    const cell = { cell_type: 'code', metadata: {}, execution_count: null, outputs: [], source: DEBUG_APP.split(/(?<=\n)/) };
    writeFileSync(join(proj, 'bad.ipynb'), JSON.stringify({ cells: [{ cell_type: 'markdown', metadata: {}, source: ['# Serve'] }, cell], metadata: {}, nbformat: 4, nbformat_minor: 5 }, null, 1));
    writeFileSync(join(proj, 'notes.txt'), 'app.run(debug=True)\n');
    expect(run('git', ['add', '.']).code).toBe(0);

    const failing = run('pre-commit', ['try-repo', '../hooks', 'mlops-lint', '--all-files']);
    expect(failing.code, failing.out).toBe(1);
    expect(failing.out).toMatch(/mlops-lint\.+Failed/);
    expect(failing.out).toContain('bad.py:6:5: ML104');
    // Notebooks reach the hook through `types_or: [jupyter]`; other files never do.
    expect(failing.out).toContain('bad.ipynb:cell 2:6:5: ML104');
    expect(failing.out).not.toContain('notes.txt');

    const fixing = run('pre-commit', ['try-repo', '../hooks', 'mlops-lint-fix', '--files', 'bad.py', 'bad.ipynb']);
    expect(fixing.code, fixing.out).toBe(1);
    expect(fixing.out).toContain('files were modified by this hook');
    expect(readFileSync(join(proj, 'bad.py'), 'utf8')).toBe(DEBUG_APP.replace('debug=True', 'debug=False'));
    expect(readFileSync(join(proj, 'bad.ipynb'), 'utf8')).toContain('debug=False');

    const passing = run('pre-commit', ['try-repo', '../hooks', 'mlops-lint', '--files', 'bad.py', 'bad.ipynb']);
    expect(passing.code, passing.out).toBe(0);
    expect(passing.out).toMatch(/mlops-lint\.+Passed/);
  });

  it('installed as a git hook: blocks a commit with the finding and lets the fixed one through', () => {
    const { root, proj, run } = sandbox();
    const rev = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: join(root, 'hooks'), encoding: 'utf8' }).stdout.trim();
    writeFileSync(join(proj, '.pre-commit-config.yaml'), `repos:\n  - repo: ${join(root, 'hooks')}\n    rev: ${rev}\n    hooks:\n      - id: mlops-lint\n`);
    expect(run('pre-commit', ['install']).code).toBe(0);
    writeFileSync(join(proj, 'serve.py'), DEBUG_APP);
    run('git', ['add', '.']);
    const blocked = run('git', ['commit', '-m', 'add server']);
    expect(blocked.code, blocked.out).not.toBe(0);
    expect(blocked.out).toContain('serve.py:6:5: ML104');
    writeFileSync(join(proj, 'serve.py'), DEBUG_APP.replace('debug=True', 'debug=False'));
    run('git', ['add', '.']);
    const committed = run('git', ['commit', '-m', 'add server']);
    expect(committed.code, committed.out).toBe(0);
  });
});
