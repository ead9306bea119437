import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { lintText, type AnyRule, type Diagnostic, type FixMode, type ProjectFacts } from '@mlops-lint/core';
import { availableBackends, loadBackend, parseNotebook, type ParserBackend } from '@mlops-lint/parser';

/**
 * The annotation fixture runner (STYLE.md §3). Each `# expect: ML101` / `# expect: ML101[messageId]` covers the
 * next code line and must be reported there; `# ok: ML101` marks a look-alike that must not be; every other
 * finding of the rule is an error. `# todo-expect:` marks a known miss (fails once it is found) and `# todo-ok:` a
 * known false positive (fails once it is gone). A first-line header `# mlops-lint-test: {json}` sets `options`,
 * `filename` (the path the rule sees) and `project` facts. Every fixture runs on every parser backend and with
 * and without the textual pre-filter; all runs must agree exactly.
 */

export const FIXTURES_ROOT = join(fileURLToPath(new URL('.', import.meta.url)), 'fixtures');

/** Every fixture file of every rule (not the `.fixed.` expected outputs), sorted: `path` is `<folder>/<name>`. */
export function allFixtureFiles(): Array<{ path: string; abs: string }> {
  return readdirSync(FIXTURES_ROOT)
    .sort()
    .flatMap((folder) => fixtureFiles(join(FIXTURES_ROOT, folder)).map((name) => ({ path: `${folder}/${name}`, abs: join(FIXTURES_ROOT, folder, name) })));
}

interface Annotation {
  kind: 'expect' | 'ok' | 'todo-expect' | 'todo-ok';
  code: string;
  messageId: string | null;
  cell: number | null;
  /** 1-based target line (in the cell for notebooks). */
  line: number;
}

interface Header {
  options?: unknown[];
  filename?: string;
  project?: Partial<ProjectFacts>;
}

const ANNOTATION = /^\s*#\s*(expect|ok|todo-expect|todo-ok):\s*(.*)$/;

function parseAnnotations(lines: string[], cell: number | null): Annotation[] {
  const out: Annotation[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = ANNOTATION.exec(lines[i] as string);
    if (!m) continue;
    const kind = m[1] as Annotation['kind'];
    const spec = (m[2] as string).split(/\s+--\s/)[0] as string;
    let target = i + 1;
    while (target < lines.length && /^\s*(#.*)?$/.test(lines[target] as string)) target++;
    if (target >= lines.length) throw new Error(`annotation on line ${i + 1} has no code line after it`);
    for (const part of spec.split(',')) {
      const cm = /^\s*(ML\d{3})(?:\[(\w+)\])?\s*$/.exec(part);
      if (!cm) throw new Error(`bad annotation "${part}" on line ${i + 1}`);
      out.push({ kind, code: cm[1] as string, messageId: cm[2] ?? null, cell, line: target + 1 });
    }
  }
  return out;
}

function annotationsOf(path: string, text: string): Annotation[] {
  if (!path.endsWith('.ipynb')) return parseAnnotations(text.split(/\r\n|\r|\n/), null);
  const nb = parseNotebook(text);
  return nb.cells.filter((c) => c.linted).flatMap((c) => parseAnnotations(c.source.split(/\r\n|\r|\n/), c.index));
}

function headerOf(text: string): Header {
  const first = text.split(/\r?\n/, 1)[0] ?? '';
  const m = /^#\s*mlops-lint-test:\s*(\{.*\})\s*$/.exec(first);
  if (!m) {
    // Notebooks carry the header as the first line of their first cell.
    const nbHeader = /"#\s*mlops-lint-test:\s*(\{.*?\})\\n"/.exec(text);
    return nbHeader ? (JSON.parse((nbHeader[1] as string).replace(/\\"/g, '"')) as Header) : {};
  }
  return JSON.parse(m[1] as string) as Header;
}

function projectFrom(header: Header): ProjectFacts | null {
  if (!header.project) return null;
  return { root: '/project', torchMinVersion: null, trackers: [], hasPromptFiles: false, ...header.project };
}

/** Lints a text with one rule. */
export function lintWith(
  rule: AnyRule,
  text: string,
  filename: string,
  backend: ParserBackend,
  opts: { options?: unknown[]; project?: ProjectFacts | null; fix?: FixMode; prefilter?: boolean } = {},
) {
  return lintText(text, { absPath: filename, displayPath: filename }, {
    backend,
    rulesFor: () => [{ rule, severity: rule.meta.severity, options: opts.options ?? [] }],
    project: opts.project ?? null,
    fix: opts.fix ?? 'none',
    prefilter: opts.prefilter ?? true,
  });
}

function key(d: { cell: number | null; line: number; code: string }): string {
  return `${d.cell === null ? '' : `cell ${d.cell}:`}${d.line}:${d.code}`;
}

function comparable(ds: Diagnostic[]): unknown {
  return ds.map(({ code, messageId, line, column, endLine, endColumn, cell, message, fix, suggestions }) => ({
    code,
    messageId,
    line,
    column,
    endLine,
    endColumn,
    cell,
    message,
    fix,
    suggestions,
  }));
}

/** Counts of annotations in a rule's fixtures, for "at least N cases" checks. */
export function fixtureCounts(ruleName: string, code: string): { expect: number; ok: number; notebooks: number } {
  const dir = join(FIXTURES_ROOT, ruleName);
  let expectN = 0;
  let okN = 0;
  let notebooks = 0;
  for (const f of fixtureFiles(dir)) {
    const text = readFileSync(join(dir, f), 'utf8');
    const anns = annotationsOf(f, text).filter((a) => a.code === code);
    expectN += anns.filter((a) => a.kind === 'expect').length;
    okN += anns.filter((a) => a.kind === 'ok').length;
    if (f.endsWith('.ipynb')) notebooks++;
  }
  return { expect: expectN, ok: okN, notebooks };
}

function fixtureFiles(dir: string): string[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
  return readdirSync(dir)
    .filter((f) => (f.endsWith('.py') || f.endsWith('.ipynb')) && !/\.fixed\.(py|ipynb)$/.test(f))
    .sort();
}

/** Registers one test per fixture file of a rule (`tests/fixtures/<rule name>/`). */
export function describeRuleFixtures(rule: AnyRule): void {
  const dir = join(FIXTURES_ROOT, rule.meta.name);
  const files = fixtureFiles(dir);
  describe(`${rule.meta.code} ${rule.meta.name} fixtures`, () => {
    it('has fixture files', () => {
      expect(files.length).toBeGreaterThan(0);
    });
    for (const file of files) {
      it(file, async () => {
        const path = join(dir, file);
        const text = readFileSync(path, 'utf8');
        const header = headerOf(text);
        const filename = header.filename ?? file;
        const project = projectFrom(header);
        const annotations = annotationsOf(file, text).filter((a) => a.code === rule.meta.code);
        const backends = await availableBackends();
        expect(backends.length).toBeGreaterThan(0);

        let reference: unknown = null;
        for (const name of backends) {
          const backend = await loadBackend(name);
          for (const prefilter of [true, false]) {
            const result = lintWith(rule, text, filename, backend, { options: header.options ?? [], project, prefilter });
            expect(result.problems.filter((p) => p.kind === 'rule-crash')).toEqual([]);
            const found = result.diagnostics.filter((d) => d.code === rule.meta.code);
            const snapshot = comparable(found);
            if (reference === null) reference = snapshot;
            else expect(snapshot, `${name} backend, prefilter ${prefilter}: differs from the first run`).toEqual(reference);
          }
        }

        const backend = await loadBackend(backends[0] as 'native' | 'wasm');
        const result = lintWith(rule, text, filename, backend, { options: header.options ?? [], project });
        const found = result.diagnostics.filter((d) => d.code === rule.meta.code);
        const foundKeys = new Set(found.map(key));
        const problems: string[] = [];
        const expected = annotations.filter((a) => a.kind === 'expect');
        for (const a of expected) {
          const hits = found.filter((d) => key(d) === key(a));
          if (hits.length === 0) problems.push(`missing ${key(a)}`);
          else if (a.messageId && !hits.some((d) => d.messageId === a.messageId)) {
            problems.push(`${key(a)}: expected messageId ${a.messageId}, got ${hits.map((d) => d.messageId).join(', ')}`);
          }
        }
        const allowed = new Set([...expected, ...annotations.filter((a) => a.kind === 'todo-ok')].map(key));
        for (const d of found) if (!allowed.has(key(d))) problems.push(`unexpected ${key(d)} (${d.messageId}): ${d.message}`);
        for (const a of annotations.filter((x) => x.kind === 'todo-expect')) {
          if (foundKeys.has(key(a))) problems.push(`todo-expect ${key(a)} is now reported: make it an expect`);
        }
        for (const a of annotations.filter((x) => x.kind === 'todo-ok')) {
          if (!foundKeys.has(key(a))) problems.push(`todo-ok ${key(a)} is no longer reported: make it an ok`);
        }
        expect(problems).toEqual([]);

        const ext = file.endsWith('.ipynb') ? '.ipynb' : '.py';
        const base = file.slice(0, -ext.length);
        for (const [suffix, mode] of [['.fixed', 'safe'], ['.unsafe.fixed', 'unsafe']] as const) {
          const fixedPath = join(dir, `${base}${suffix}${ext}`);
          if (!existsSync(fixedPath)) continue;
          const want = readFileSync(fixedPath, 'utf8');
          const once = lintWith(rule, text, filename, backend, { options: header.options ?? [], project, fix: mode });
          const got = once.output ?? text;
          expect(got, `${base}${suffix}${ext}`).toBe(want);
          const twice = lintWith(rule, got, filename, backend, { options: header.options ?? [], project, fix: mode });
          expect(twice.output ?? got, 'a second fix pass changes nothing').toBe(got);
        }
      });
    }
  });
}
