import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Project, resolveProjectRoot } from './project/project.js';
import { compareVersions as compareDotted } from './project/requirements.js';
import type { ProjectFacts } from './rule.js';

/**
 * The repository root of a path: the folder itself when it holds `.git` or a dependency manifest
 * (`requirements.txt`, `pyproject.toml`, `setup.py`, …), else the nearest folder up with `.git` or `pyproject.toml`,
 * else the path's folder.
 */
export function findProjectRoot(start: string): string {
  return resolveProjectRoot(start);
}

const TRACKER_IMPORT = /^[ \t]*(?:import|from)[ \t]+(mlflow|wandb|neptune|comet_ml|clearml|aim|dvclive|tensorboardX|torch\.utils\.tensorboard)\b/gm;

/** Compares dotted versions numerically. */
export function compareVersions(a: string, b: string): number {
  return compareDotted(a, b);
}

/** A project model of the root folder alone (its own files, no walk, no git): what the root's manifests say. */
function rootOnlyProject(root: string): Project {
  let names: string[] = [];
  try {
    names = readdirSync(root).filter((n) => {
      try {
        return statSync(join(root, n)).isFile();
      } catch {
        return false;
      }
    });
  } catch {
    names = [];
  }
  return new Project(resolve(root), names.sort().map((n) => ({ path: n, tracked: false, symlink: false })), null);
}

/**
 * The lowest torch version every manifest at the root requires (`torch>=2.6` → "2.6"), or null when some manifest
 * names torch without such a bound (and no lock file covering it pins torch) or none names it. Lower bounds only:
 * `torch<3` says nothing about the minimum. Manifests are parsed as in the project model (requirements files,
 * `pyproject.toml` PEP 621 and Poetry, `setup.cfg`, `setup.py`, `environment.yml`, `Pipfile`).
 */
export function torchMinVersionOf(root: string): string | null {
  return rootOnlyProject(root).torchMinVersion;
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
      } else if (/\.prompt(\.ya?ml|\.json)?$|\.prompty$/.test(e.name)) return true;
    }
    return false;
  };
  return visit(root, 0);
}

/** Facts from a loaded project model (a project run): prompts anywhere in its file list, torch from its root manifests. */
export function projectFactsOf(project: Project, files: readonly string[], opts: { trackers?: boolean } = {}): ProjectFacts {
  return project.facts(opts.trackers === false ? [] : trackersIn(files));
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
