import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lintProject, loadProject, type AnyRule, type ConfiguredRule, type Diagnostic, type FixMode } from '@mlops-lint/core';
import { availableBackends, loadBackend } from '@mlops-lint/parser';
import { FIXTURES_ROOT } from './harness.js';

/**
 * The project fixture runner. A project fixture is a folder `tests/fixtures/<rule>/projects/<case>/` copied to a
 * temporary directory, optionally made a git repository with one commit, and linted as a project with one rule.
 *
 * - Annotations work in every text file with `#` comments (Python, requirements, TOML, YAML, `.gitignore`):
 *   `# expect: ML202` (or `ML202[messageId]`) covers the next line that is neither blank nor a comment;
 *   `# ok: ML202` marks a look-alike that must stay quiet; `todo-expect` / `todo-ok` mark known gaps.
 * - `expected.json` (not copied) describes what cannot be written as a comment:
 *   `git` (default true: `git init`, add everything, commit), `generate` (`{ "models/m.pt": 204800 }`: files of that
 *   many bytes, created before the commit, `git add -f` so a `.gitignore` cannot keep them out), `untracked`
 *   (files generated after the commit), `options` (the rule's options), `expect` / `ok` (`{ file, line, code,
 *   messageId? }` for binary files).
 * - Files named `dot-X` are copied as `.X` (`dot-gitignore`, `dot-gitattributes`), so that this repository's own git
 *   never reads a fixture's ignore or attribute rules.
 * - `<file>.fixed` (e.g. `dot-gitignore.fixed`) is the file's expected content after `--fix` (safe fixes); the
 *   runner fixes on disk, compares, and fixes again to prove that nothing changes the second time.
 */

export interface ProjectSpec {
  git?: boolean;
  generate?: Record<string, number>;
  untracked?: Record<string, number>;
  options?: unknown[];
  expect?: Array<{ file: string; line: number; code: string; messageId?: string }>;
  ok?: Array<{ file: string; line: number; code: string }>;
}

interface Expectation {
  kind: 'expect' | 'ok' | 'todo-expect' | 'todo-ok';
  file: string;
  line: number;
  code: string;
  messageId: string | null;
}

const ANNOTATION = /^\s*#\s*(expect|ok|todo-expect|todo-ok):\s*(.*)$/;
const temps: string[] = [];

// Every temporary project of a test file goes when the file is done.
afterAll(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

/** A fresh temporary directory, removed after the test file. */
export function tempProjectDir(): string {
  const root = mkdtempSync(join(tmpdir(), 'mlops-lint-project-'));
  temps.push(root);
  return root;
}

/** The case folders of a rule's project fixtures. */
export function projectCases(ruleName: string): string[] {
  const dir = join(FIXTURES_ROOT, ruleName, 'projects');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((d) => statSync(join(dir, d)).isDirectory())
    .sort();
}

function specOf(caseDir: string): ProjectSpec {
  const file = join(caseDir, 'expected.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as ProjectSpec) : {};
}

function listFiles(dir: string, base = dir): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...listFiles(abs, base));
    else out.push(relative(base, abs).split(sep).join('/'));
  }
  return out.sort();
}

/** The path a fixture file gets in the temporary project (`dot-gitignore` → `.gitignore`). */
function projectPath(fixturePath: string): string {
  return fixturePath
    .split('/')
    .map((p) => (p.startsWith('dot-') ? `.${p.slice(4)}` : p))
    .join('/');
}

function isFixtureMeta(file: string): boolean {
  return file === 'expected.json' || file.endsWith('.fixed');
}

/** Annotations of every text file of a case, plus `expected.json`'s entries. */
export function caseExpectations(caseDir: string, code: string): Expectation[] {
  const out: Expectation[] = [];
  for (const file of listFiles(caseDir)) {
    if (isFixtureMeta(file)) continue;
    const bytes = readFileSync(join(caseDir, file));
    if (bytes.includes(0)) continue;
    const lines = bytes.toString('utf8').split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) {
      const m = ANNOTATION.exec(lines[i] as string);
      if (!m) continue;
      let target = i + 1;
      while (target < lines.length && /^\s*(#.*)?$/.test(lines[target] as string)) target++;
      if (target >= lines.length) throw new Error(`${file}:${i + 1}: annotation has no line after it`);
      for (const part of (m[2] as string).split(/\s+--\s/)[0]?.split(',') ?? []) {
        const cm = /^\s*(ML\d{3})(?:\[(\w+)\])?\s*$/.exec(part);
        if (!cm) throw new Error(`${file}:${i + 1}: bad annotation "${part}"`);
        out.push({ kind: m[1] as Expectation['kind'], file: projectPath(file), line: target + 1, code: cm[1] as string, messageId: cm[2] ?? null });
      }
    }
  }
  const spec = specOf(caseDir);
  for (const e of spec.expect ?? []) out.push({ kind: 'expect', file: e.file, line: e.line, code: e.code, messageId: e.messageId ?? null });
  for (const e of spec.ok ?? []) out.push({ kind: 'ok', file: e.file, line: e.line, code: e.code, messageId: null });
  return out.filter((e) => e.code === code);
}

function git(cwd: string, args: string[]): void {
  execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' } });
}

/** Builds a case in a fresh temporary directory and returns its path. */
export function materializeCase(caseDir: string): string {
  const spec = specOf(caseDir);
  const root = tempProjectDir();
  for (const file of listFiles(caseDir)) {
    if (isFixtureMeta(file)) continue;
    const target = join(root, ...projectPath(file).split('/'));
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, readFileSync(join(caseDir, file)));
  }
  const generate = (files: Record<string, number>): void => {
    for (const [file, size] of Object.entries(files)) {
      const target = join(root, ...file.split('/'));
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, Buffer.alloc(size, 7));
    }
  };
  generate(spec.generate ?? {});
  if (spec.git !== false) {
    git(root, ['init', '-q', '-b', 'main']);
    git(root, ['config', 'user.name', 'mlops-lint tests']);
    git(root, ['config', 'user.email', 'tests@mlops-lint.invalid']);
    git(root, ['config', 'commit.gpgsign', 'false']);
    git(root, ['add', '-A']);
    const forced = Object.keys(spec.generate ?? {});
    if (forced.length > 0) git(root, ['add', '-f', '--', ...forced]);
    git(root, ['commit', '-q', '--no-verify', '-m', 'fixture']);
  }
  generate(spec.untracked ?? {});
  return root;
}

/** Lints a materialized project with one rule; returns that rule's diagnostics with project-relative files. */
export async function runProjectRule(
  rule: AnyRule,
  root: string,
  opts: { options?: unknown[]; backend?: 'native' | 'wasm'; fix?: FixMode; write?: boolean } = {},
): Promise<{ diagnostics: Diagnostic[]; outputs: Map<string, string> }> {
  const backend = await loadBackend(opts.backend);
  const project = await loadProject(root);
  const configured: ConfiguredRule = { rule, severity: rule.meta.severity, options: opts.options ?? [] };
  const files = project.files.filter((f) => /\.(py|ipynb)$/.test(f.path)).map((f) => ({ absPath: project.absolute(f.path), displayPath: f.path }));
  const { results, problems } = await lintProject({
    project,
    files,
    backend,
    rulesFor: () => [configured],
    enabled: [configured],
    displayPath: (abs) => relative(root, abs).split(sep).join('/') || '.',
    fix: opts.fix ?? 'none',
    write: opts.write ?? false,
  });
  const crashes = problems.filter((p) => p.kind === 'rule-crash').concat(results.flatMap((r) => r.problems.filter((p) => p.kind === 'rule-crash')));
  if (crashes.length > 0) throw new Error(crashes.map((c) => c.message).join('\n'));
  const outputs = new Map<string, string>();
  for (const r of results) if (r.output !== undefined) outputs.set(r.displayPath, r.output);
  return { diagnostics: results.flatMap((r) => r.diagnostics).filter((d) => d.code === rule.meta.code), outputs };
}

function key(d: { file: string; line: number; code: string }): string {
  return `${d.file}:${d.line}:${d.code}`;
}

/** Counts of a rule's project fixtures: cases with a finding (positive) and cases without (negative). */
export function projectFixtureCounts(rule: AnyRule): { positive: number; negative: number; expect: number; ok: number } {
  let positive = 0;
  let negative = 0;
  let expectN = 0;
  let okN = 0;
  for (const name of projectCases(rule.meta.name)) {
    const exps = caseExpectations(join(FIXTURES_ROOT, rule.meta.name, 'projects', name), rule.meta.code);
    const e = exps.filter((x) => x.kind === 'expect').length;
    expectN += e;
    okN += exps.filter((x) => x.kind === 'ok').length;
    if (e > 0) positive++;
    else negative++;
  }
  return { positive, negative, expect: expectN, ok: okN };
}

/** Registers one test per project fixture of a rule. */
export function describeProjectFixtures(rule: AnyRule): void {
  const cases = projectCases(rule.meta.name);
  describe(`${rule.meta.code} ${rule.meta.name} project fixtures`, () => {
    it('has project fixtures', () => {
      expect(cases.length).toBeGreaterThan(0);
    });
    for (const name of cases) {
      it(name, async () => {
        const caseDir = join(FIXTURES_ROOT, rule.meta.name, 'projects', name);
        const spec = specOf(caseDir);
        const expectations = caseExpectations(caseDir, rule.meta.code);
        const root = materializeCase(caseDir);

        let reference: unknown = null;
        let found: Diagnostic[] = [];
        for (const backend of await availableBackends()) {
          const run = await runProjectRule(rule, root, { options: spec.options ?? [], backend });
          const snapshot = run.diagnostics.map(({ file, line, column, endLine, endColumn, messageId, message, fix, suggestions }) => ({
            file,
            line,
            column,
            endLine,
            endColumn,
            messageId,
            message,
            fix,
            suggestions,
          }));
          if (reference === null) {
            reference = snapshot;
            found = run.diagnostics;
          } else expect(snapshot, `${backend} backend differs`).toEqual(reference);
        }

        const problems: string[] = [];
        const foundKeys = new Set(found.map(key));
        const expected = expectations.filter((e) => e.kind === 'expect');
        for (const e of expected) {
          const hits = found.filter((d) => key(d) === key(e));
          if (hits.length === 0) problems.push(`missing ${key(e)}`);
          else if (e.messageId && !hits.some((d) => d.messageId === e.messageId)) problems.push(`${key(e)}: expected ${e.messageId}, got ${hits.map((d) => d.messageId).join(', ')}`);
        }
        const allowed = new Set([...expected, ...expectations.filter((e) => e.kind === 'todo-ok')].map(key));
        for (const d of found) if (!allowed.has(key(d))) problems.push(`unexpected ${key(d)} (${d.messageId}): ${d.message}`);
        for (const e of expectations.filter((x) => x.kind === 'todo-expect')) if (foundKeys.has(key(e))) problems.push(`todo-expect ${key(e)} is now reported`);
        for (const e of expectations.filter((x) => x.kind === 'todo-ok')) if (!foundKeys.has(key(e))) problems.push(`todo-ok ${key(e)} is no longer reported`);
        expect(problems).toEqual([]);

        const fixedFiles = listFiles(caseDir).filter((f) => f.endsWith('.fixed'));
        if (fixedFiles.length > 0) {
          await runProjectRule(rule, root, { options: spec.options ?? [], fix: 'safe', write: true });
          const after = new Map<string, string>();
          for (const f of fixedFiles) {
            const target = projectPath(f.slice(0, -'.fixed'.length));
            const got = readFileSync(join(root, ...target.split('/')), 'utf8');
            expect(got, target).toBe(readFileSync(join(caseDir, f), 'utf8'));
            after.set(target, got);
          }
          const again = await runProjectRule(rule, root, { options: spec.options ?? [], fix: 'safe', write: true });
          expect(again.outputs.size, 'a second fix run changes nothing').toBe(0);
          for (const [target, content] of after) expect(readFileSync(join(root, ...target.split('/')), 'utf8')).toBe(content);
        }
      });
    }
  });
}
