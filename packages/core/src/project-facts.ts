import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { ProjectFacts } from './rule.js';

/** The repository root of a path: the nearest folder up with `.git` or `pyproject.toml`, else the path itself. */
export function findProjectRoot(start: string): string {
  let dir = resolve(start);
  try {
    if (!statSync(dir).isDirectory()) dir = dirname(dir);
  } catch {
    dir = dirname(dir);
  }
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(join(d, '.git')) || existsSync(join(d, 'pyproject.toml'))) return d;
    if (dirname(d) === d) return dir;
  }
}

const TORCH_REQ = /(?:^|["'\s,[])torch\s*(?:\[[^\]]*\])?\s*(===?|>=|~=|>)\s*v?(\d+(?:\.\d+)*)/gm;
const TRACKER_IMPORT = /^[ \t]*(?:import|from)[ \t]+(mlflow|wandb|neptune|comet_ml|clearml|aim|dvclive|tensorboardX|torch\.utils\.tensorboard)\b/gm;

/** Compares dotted versions numerically. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map((x) => Number.parseInt(x, 10) || 0);
  const pb = b.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function manifestFiles(root: string): string[] {
  let names: string[] = [];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names
    .filter((n) => /^requirements.*\.(txt|in)$/.test(n) || ['pyproject.toml', 'setup.py', 'setup.cfg', 'environment.yml', 'environment.yaml', 'Pipfile'].includes(n))
    .map((n) => join(root, n));
}

/**
 * The lowest torch version every manifest at the root requires (`torch>=2.6` → "2.6"), or null when some manifest
 * names torch without such a bound or none names it. Lower bounds only: `torch<3` says nothing about the minimum.
 */
export function torchMinVersionOf(root: string): string | null {
  let min: string | null = null;
  let unbounded = false;
  for (const file of manifestFiles(root)) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    const lines = text.split(/\r?\n/).filter((l) => !/^\s*#/.test(l));
    for (const line of lines) {
      if (!/(?:^|["'\s,[])torch\b(?![-_.\w])/.test(line)) continue;
      TORCH_REQ.lastIndex = 0;
      const m = TORCH_REQ.exec(line);
      if (!m) {
        unbounded = true;
        continue;
      }
      const version = m[2] as string;
      if (min === null || compareVersions(version, min) < 0) min = version;
    }
  }
  return unbounded ? null : min;
}

/** Experiment trackers imported in any of the files (a cheap textual scan; no parsing). */
export function trackersIn(files: readonly string[]): string[] {
  const found = new Set<string>();
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    if (!/mlflow|wandb|neptune|comet_ml|clearml|aim|dvclive|tensorboard/.test(text)) continue;
    for (const m of text.matchAll(TRACKER_IMPORT)) {
      const mod = m[1] as string;
      found.add(mod.includes('tensorboard') ? 'tensorboard' : mod);
    }
  }
  return [...found].sort();
}

/** Whether the project keeps prompts out of code: a `prompts/` folder or `*.prompt(.yaml)` files near the root. */
export function hasPromptFilesAt(root: string): boolean {
  const visit = (dir: string, depth: number): boolean => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return false;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (e.name === 'prompts' || e.name === 'prompt_templates') return true;
        if (depth < 3 && !e.name.startsWith('.') && !['node_modules', 'venv', '.venv', '__pycache__', 'site-packages'].includes(e.name)) {
          if (visit(join(dir, e.name), depth + 1)) return true;
        }
      } else if (/\.prompt(\.ya?ml)?$/.test(e.name)) return true;
    }
    return false;
  };
  return visit(root, 0);
}

/** Facts about the repository that file-scope rules may consult. */
export function computeProjectFacts(root: string, files: readonly string[], opts: { trackers?: boolean } = {}): ProjectFacts {
  return {
    root,
    torchMinVersion: torchMinVersionOf(root),
    trackers: opts.trackers === false ? [] : trackersIn(files),
    hasPromptFiles: hasPromptFilesAt(root),
  };
}
