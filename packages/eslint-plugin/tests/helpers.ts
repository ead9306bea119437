import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseTree, type Node as JsonNode } from 'jsonc-parser';
import { lintText, type AnyRule, type Diagnostic, type ProjectFacts } from '@mlops-lint/core';
import { availableBackends, loadBackend, parseNotebook, type BackendName, type ParserBackend } from '@mlops-lint/parser';
import { createPlugin, type MlopsPlugin } from '../src/index.js';

/** The rules package's annotated fixtures (STYLE.md §3), which these tests reuse. */
export const FIXTURES_ROOT = fileURLToPath(new URL('../../rules/tests/fixtures/', import.meta.url));

export interface FixtureHeader {
  options?: unknown[];
  filename?: string;
  project?: Partial<ProjectFacts>;
}

export interface Annotation {
  kind: 'expect' | 'ok' | 'todo-expect' | 'todo-ok';
  code: string;
  messageId: string | null;
  cell: number | null;
  line: number;
}

export interface Fixture {
  /** File name in the rule's fixture folder. */
  file: string;
  path: string;
  text: string;
  notebook: boolean;
  header: FixtureHeader;
  /** The name the rule sees (the header's `filename`, else the fixture's own). */
  filename: string;
  annotations: Annotation[];
  /** Expected output of the safe fixes (`<name>.fixed.py|ipynb`), when the fixture has one. */
  fixed: string | null;
}

const ANNOTATION = /^\s*#\s*(expect|ok|todo-expect|todo-ok):\s*(.*)$/;

function parseAnnotations(lines: string[], cell: number | null): Annotation[] {
  const out: Annotation[] = [];
  lines.forEach((text, i) => {
    const m = ANNOTATION.exec(text);
    if (!m) return;
    let target = i + 1;
    while (target < lines.length && /^\s*(#.*)?$/.test(lines[target] ?? '')) target++;
    const spec = (m[2] ?? '').split(/\s+--\s/)[0] ?? '';
    for (const part of spec.split(',')) {
      const cm = /^\s*(ML\d{3})(?:\[(\w+)\])?\s*$/.exec(part);
      if (cm?.[1]) out.push({ kind: m[1] as Annotation['kind'], code: cm[1], messageId: cm[2] ?? null, cell, line: target + 1 });
    }
  });
  return out;
}

function headerOf(text: string, notebook: boolean): FixtureHeader {
  const first = notebook ? (/"#\s*mlops-lint-test:\s*(\{.*?\})\\n"/.exec(text)?.[1]?.replace(/\\"/g, '"') ?? null) : (/^#\s*mlops-lint-test:\s*(\{.*\})\s*$/m.exec(text.split(/\r?\n/, 1)[0] ?? '')?.[1] ?? null);
  return first ? (JSON.parse(first) as FixtureHeader) : {};
}

/** The fixtures of a rule (its folder under the rules package's fixtures), expected-output files aside. */
export function fixturesOf(rule: AnyRule): Fixture[] {
  const dir = join(FIXTURES_ROOT, rule.meta.name);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => (f.endsWith('.py') || f.endsWith('.ipynb')) && !/\.fixed\.(py|ipynb)$/.test(f))
    .sort()
    .map((file) => {
      const path = join(dir, file);
      const text = readFileSync(path, 'utf8');
      const notebook = file.endsWith('.ipynb');
      const header = headerOf(text, notebook);
      const annotations = notebook
        ? parseNotebook(text).cells.filter((c) => c.linted).flatMap((c) => parseAnnotations(c.source.split(/\r\n|\r|\n/), c.index))
        : parseAnnotations(text.split(/\r\n|\r|\n/), null);
      const ext = notebook ? '.ipynb' : '.py';
      const fixedPath = join(dir, `${file.slice(0, -ext.length)}.fixed${ext}`);
      return {
        file,
        path,
        text,
        notebook,
        header,
        filename: header.filename ?? file,
        annotations: annotations.filter((a) => a.code === rule.meta.code),
        fixed: existsSync(fixedPath) ? readFileSync(fixedPath, 'utf8') : null,
      };
    });
}

/** The project facts the fixture harness gives the engine for a fixture (null without a `project` header). */
export function projectOf(fixture: Fixture): ProjectFacts | null {
  const p = fixture.header.project;
  return p ? { root: '/project', torchMinVersion: null, trackers: [], hasPromptFiles: false, ...p } : null;
}

/** What the engine itself reports for a fixture with one rule: the reference the ESLint results must equal. */
export function engineFindings(rule: AnyRule, fixture: Fixture, backend: ParserBackend): Diagnostic[] {
  const result = lintText(fixture.text, { absPath: fixture.filename, displayPath: fixture.filename }, {
    backend,
    rulesFor: () => [{ rule, severity: rule.meta.severity, options: fixture.header.options ?? [] }],
    project: projectOf(fixture),
  });
  return result.diagnostics.filter((d) => d.code === rule.meta.code);
}

/** The ESLint flat config that runs one rule on a fixture the way the fixture harness runs the engine. */
export function fixtureConfig(plugin: MlopsPlugin, rule: AnyRule, fixture: Fixture): unknown[] {
  return [
    {
      files: ['**/*.py'],
      plugins: { mlops: plugin },
      language: 'mlops/python',
      languageOptions: { tolerant: true },
      settings: { mlops: { project: projectOf(fixture) } },
      rules: { [`mlops/${rule.meta.name}`]: ['error', ...(fixture.header.options ?? [])] },
    },
    { files: ['**/*.ipynb'], plugins: { mlops: plugin }, processor: 'mlops/notebook' },
  ];
}

export interface PluginUnderTest {
  backend: BackendName;
  parser: ParserBackend;
  plugin: MlopsPlugin;
}

/** One plugin per parser backend that loads here (both must in CI: `MLOPS_LINT_REQUIRE_BACKENDS`). */
export async function pluginsPerBackend(): Promise<PluginUnderTest[]> {
  const names = await availableBackends();
  const required = (process.env['MLOPS_LINT_REQUIRE_BACKENDS'] ?? '').split(',').filter(Boolean);
  for (const name of required) if (!names.includes(name as BackendName)) throw new Error(`parser backend ${name} does not load`);
  return Promise.all(
    names.map(async (backend) => {
      const parser = await loadBackend(backend);
      return { backend, parser, plugin: createPlugin(parser) };
    }),
  );
}

/**
 * ESLint's single fix pass (what RuleTester's `output` is): each fix is its edits merged into one range, fixes are
 * applied in range order, and a fix starting at or before the end of the previous one waits for the next pass.
 */
export function oneFixPass(text: string, fixes: ReadonlyArray<ReadonlyArray<{ start: number; end: number; text: string }>>): string {
  const merged = fixes
    .filter((edits) => edits.length > 0)
    .map((edits) => {
      const sorted = [...edits].sort((a, b) => a.start - b.start);
      const start = sorted[0]?.start ?? 0;
      let out = '';
      let at = start;
      for (const e of sorted) {
        out += text.slice(at, e.start) + e.text;
        at = e.end;
      }
      return { start, end: at, text: out };
    })
    .sort((a, b) => a.start - b.start || a.end - b.end);
  let output = '';
  let last = Number.NEGATIVE_INFINITY;
  for (const fix of merged) {
    if (last >= fix.start) continue;
    output += text.slice(Math.max(0, last), fix.start) + fix.text;
    last = fix.end;
  }
  return output + text.slice(Math.max(0, last));
}

/** All edits of a fix applied to a text (a suggestion's output). */
export function applyAll(text: string, edits: ReadonlyArray<{ start: number; end: number; text: string }>): string {
  return oneFixPass(text, [edits]);
}

/**
 * Where a notebook's cell position is in its JSON text, found independently of the plugin: the `line`-th string of
 * the cell's `source` list, shifted by the JSON-escaped length of the text before the column.
 */
export function jsonPosition(text: string, cell: number, line: number, column: number): { line: number; column: number } {
  const root = parseTree(text);
  const cells = prop(root, 'cells')?.children ?? [];
  const source = prop(cells[cell - 1], 'source');
  const pieces = source?.type === 'array' ? (source.children ?? []) : source ? [source] : [];
  let node: JsonNode | undefined;
  let prefix = '';
  if (source?.type === 'array') {
    node = pieces[line - 1];
    prefix = String(node?.value ?? '').slice(0, column - 1);
  } else {
    node = pieces[0];
    const lines = String(node?.value ?? '').split(/(?<=\n)/);
    prefix = lines.slice(0, line - 1).join('') + (lines[line - 1] ?? '').slice(0, column - 1);
  }
  if (!node) throw new Error(`cell ${cell} has no line ${line}`);
  const offset = node.offset + 1 + JSON.stringify(prefix).length - 2;
  const before = text.slice(0, offset);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: offset - lineStart + 1 };
}

function prop(node: JsonNode | undefined, key: string): JsonNode | undefined {
  return node?.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1];
}
