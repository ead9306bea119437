import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { parseLimitProblem } from './limits.js';
import { SourceError } from './source-file.js';
import type { BackendName, InputEdit, ParserBackend, Tree } from './types.js';

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
      checkParsable(text);
      return parser.parse(text);
    },
    parseIncremental(text, oldTree, edits) {
      checkParsable(text);
      // The binding doubles indices and columns into UTF-16 byte offsets itself.
      for (const edit of edits) (oldTree as EditableTree).edit(edit);
      return parser.parse(text, oldTree);
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
      checkParsable(text);
      const tree = parser.parse(text);
      if (!tree) throw new Error('web-tree-sitter returned no tree');
      return tree as unknown as Tree;
    },
    parseIncremental(text, oldTree, edits) {
      checkParsable(text);
      // Like the native binding, web-tree-sitter takes UTF-16 indices and columns for a JS string.
      for (const edit of edits) (oldTree as EditableTree).edit(edit);
      const tree = parser.parse(text, oldTree as unknown as Parameters<typeof parser.parse>[1]);
      if (!tree) throw new Error('web-tree-sitter returned no tree');
      return tree as unknown as Tree;
    },
    release(tree) {
      tree.delete?.();
    },
  };
}

/**
 * Refuses text that would crash tree-sitter-python's scanner (an abort of the whole process with the native addon):
 * `SourceFile.prepare` already refuses it with the same error; this covers callers that parse directly.
 */
function checkParsable(text: string): void {
  const problem = parseLimitProblem(text);
  if (problem !== null) throw new SourceError(problem, true);
}

/** Both bindings' trees have `edit`; the shared `Tree` type leaves it out because only `parseIncremental` calls it. */
type EditableTree = Tree & { edit(edit: InputEdit): void };

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
