import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseTree, type Node as JsonNode } from 'jsonc-parser';
import { availableBackends } from '@mlops-lint/parser';
import { rules } from '@mlops-lint/rules';
import { BIN, copyDir, DEMO, REPO } from './helpers.js';

/*
 * The real `eslint` binary with eslint-plugin-mlops's `configs.recommended` on the demo project, against
 * `mlops-lint check` on the same files: the same (file, line, code) findings, project-scope rules aside (ESLint
 * lints file by file), and `eslint --fix` writes the same safe fixes as `mlops-lint check --fix`. Uses the builds.
 */

const ESLINT = join(REPO, 'node_modules/eslint/bin/eslint.js');
const PLUGIN = pathToFileURL(join(REPO, 'packages/eslint-plugin/dist/index.js')).href;
const PROJECT_CODES = new Set(rules.filter((r) => r.meta.scope === 'project').map((r) => r.meta.code));
const CODE_OF = new Map(rules.map((r) => [r.meta.name, r.meta.code]));

function demoCopy(): string {
  const dir = copyDir(DEMO);
  writeFileSync(join(dir, 'eslint.config.mjs'), `import mlops from ${JSON.stringify(PLUGIN)};\nexport default [...mlops.configs.recommended];\n`);
  return dir;
}

function run(file: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [file, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

interface EslintResult {
  filePath: string;
  messages: Array<{ ruleId: string | null; line: number; message: string; fatal?: boolean }>;
}

interface CliDiagnostic {
  code: string;
  file: string;
  cell: number | null;
  line: number;
  column: number;
}

/** The JSON line of a notebook cell's line: the line of the `line`-th string of the cell's `source` list. */
function notebookLine(text: string, cell: number, line: number): number {
  const prop = (node: JsonNode | undefined, key: string) => node?.children?.find((p) => p.children?.[0]?.value === key)?.children?.[1];
  const source = prop(prop(parseTree(text), 'cells')?.children?.[cell - 1], 'source');
  const node = source?.type === 'array' ? source.children?.[line - 1] : source;
  if (!node) throw new Error(`no line ${line} in cell ${cell}`);
  return text.slice(0, node.offset).split('\n').length;
}

function files(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const full = join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(dir, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const backends = await availableBackends();

describe('eslint with configs.recommended on examples/demo-project', () => {
  it('loads the parser backend MLOPS_LINT_PARSER names, before the plugin module resolves', () => {
    const script = `import(${JSON.stringify(PLUGIN)}).then((m) => process.stdout.write(m.default.languages.python.backendName))`;
    for (const backend of backends) {
      const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', env: { ...process.env, MLOPS_LINT_PARSER: backend } });
      expect(r.stdout).toBe(backend);
    }
  });

  for (const backend of backends) {
    it(`finds what mlops-lint check finds (${backend} backend)`, () => {
      const dir = demoCopy();
      const eslint = run(ESLINT, ['--format', 'json', '.'], dir, { MLOPS_LINT_PARSER: backend });
      expect(eslint.stderr).toBe('');
      const results = JSON.parse(eslint.stdout) as EslintResult[];
      const fromEslint = results
        .flatMap((r) =>
          r.messages.map((m) => {
            expect(m.fatal, m.message).toBeUndefined();
            const code = CODE_OF.get((m.ruleId ?? '').replace(/^mlops\//, '')) ?? `? ${m.ruleId}`;
            return `${relative(dir, r.filePath)}:${m.line}:${code}`;
          }),
        )
        .sort();

      const cli = run(BIN, ['check', '.', '--format', 'json'], dir, { MLOPS_LINT_PARSER: backend });
      const diagnostics = (JSON.parse(cli.stdout) as { diagnostics: CliDiagnostic[] }).diagnostics;
      const fromCli = diagnostics
        .filter((d) => !PROJECT_CODES.has(d.code))
        .map((d) => {
          const line = d.cell === null ? d.line : notebookLine(readFileSync(join(dir, d.file), 'utf8'), d.cell, d.line);
          return `${d.file}:${line}:${d.code}`;
        })
        .sort();

      expect(fromEslint).toEqual(fromCli);
      expect(fromEslint.some((k) => k.startsWith('notebooks/explore.ipynb:'))).toBe(true);
      expect(fromEslint.length).toBeGreaterThan(10);
    });
  }

  it('eslint --fix applies the same safe fixes as mlops-lint check --fix', () => {
    const viaEslint = demoCopy();
    const viaCli = demoCopy();
    const before = files(viaCli);
    run(ESLINT, ['--fix', '.'], viaEslint);
    run(BIN, ['check', '.', '--fix'], viaCli);
    const after = files(viaCli);
    expect(after).not.toEqual(before);
    expect(files(viaEslint)).toEqual(after);
  });
});
