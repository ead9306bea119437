import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(REPO, 'packages/cli/dist/bin.js');
export const DEMO = join(REPO, 'examples/demo-project');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI in a child process, as a user would. */
export function cli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): RunResult {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? REPO,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    encoding: 'utf8',
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A private copy of a folder in a temp dir. */
export function copyDir(src: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-e2e-'));
  cpSync(src, dir, { recursive: true });
  return dir;
}
