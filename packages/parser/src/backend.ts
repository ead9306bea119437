import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import type { BackendName, ParserBackend, Tree } from './types.js';

const require = createRequire(import.meta.url);

/** Thrown when the requested backend cannot be loaded. */
export class BackendUnavailableError extends Error {
  override name = 'BackendUnavailableError';
}

function loadNative(): ParserBackend {
  let Parser: new () => { setLanguage(l: unknown): void; parse(t: string | ((i: number) => string | null), old?: unknown, opts?: unknown): Tree };
  let language: unknown;
  try {
    Parser = require('tree-sitter');
    language = require('tree-sitter-python');
  } catch (error) {
    throw new BackendUnavailableError(`native tree-sitter could not be loaded: ${(error as Error).message.split('\n')[0]}`);
  }
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    name: 'native',
    parse(text) {
      return parser.parse(text);
    },
    release() {
      // Freed by the garbage collector when the event loop turns.
    },
  };
}

async function loadWasm(): Promise<ParserBackend> {
  const { Parser, Language } = await import('web-tree-sitter');
  const wasmPath = require.resolve('tree-sitter-python/tree-sitter-python.wasm');
  await Parser.init();
  const language = await Language.load(readFileSync(wasmPath));
  const parser = new Parser();
  parser.setLanguage(language);
  return {
    name: 'wasm',
    parse(text) {
      const tree = parser.parse(text);
      if (!tree) throw new Error('web-tree-sitter returned no tree');
      return tree as unknown as Tree;
    },
    release(tree) {
      tree.delete?.();
    },
  };
}

const cache = new Map<BackendName, Promise<ParserBackend>>();

/**
 * Returns a parser backend. With no argument the choice comes from `MLOPS_LINT_PARSER` (`native` | `wasm`), else
 * native when its addon loads, else WASM.
 */
export function loadBackend(requested?: BackendName): Promise<ParserBackend> {
  const env = process.env['MLOPS_LINT_PARSER'];
  const wanted: BackendName | 'auto' = requested ?? (env === 'native' || env === 'wasm' ? env : 'auto');
  if (env && env !== 'native' && env !== 'wasm' && env !== 'auto' && !requested) {
    return Promise.reject(new BackendUnavailableError(`MLOPS_LINT_PARSER must be "native", "wasm" or "auto", not "${env}"`));
  }
  const key: BackendName = wanted === 'auto' ? (nativeLoads() ? 'native' : 'wasm') : wanted;
  let backend = cache.get(key);
  if (!backend) {
    backend = key === 'native' ? Promise.resolve().then(loadNative) : loadWasm();
    cache.set(key, backend);
    backend.catch(() => cache.delete(key));
  }
  return backend;
}

let nativeOk: boolean | undefined;
function nativeLoads(): boolean {
  if (nativeOk === undefined) {
    try {
      require('tree-sitter');
      require('tree-sitter-python');
      nativeOk = true;
    } catch {
      nativeOk = false;
    }
  }
  return nativeOk;
}

/** Lists the backends that load on this machine. */
export async function availableBackends(): Promise<BackendName[]> {
  const names: BackendName[] = [];
  for (const name of ['native', 'wasm'] as const) {
    try {
      await loadBackend(name);
      names.push(name);
    } catch {
      // not available here
    }
  }
  return names;
}
