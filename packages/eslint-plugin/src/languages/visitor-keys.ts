import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { NodeType } from '@mlops-lint/parser';

const require = createRequire(import.meta.url);

interface NodeTypeEntry {
  type: string;
  named: boolean;
  subtypes?: unknown[];
}

/**
 * The property of a tree-sitter node that holds its children, on both backends. Fields (`function`, `arguments`…)
 * are not properties of tree-sitter nodes, so `children` is the only key ESLint (and esquery's `:has`, sibling
 * selectors) can follow.
 */
const CHILD_KEYS: readonly string[] = ['children'];

/**
 * ESLint visitor keys for every node type of the grammar, read from tree-sitter-python's `node-types.json`
 * (named nodes and anonymous tokens alike, since the traversal visits both), plus `ERROR`. Supertypes such as
 * `expression` never occur in a tree and are left out. Every concrete type gets a key list so that ESLint never falls
 * back to enumerating a native node's own properties.
 */
function loadVisitorKeys(): Record<string, string[]> {
  const path = require.resolve('tree-sitter-python/src/node-types.json');
  const entries = JSON.parse(readFileSync(path, 'utf8')) as NodeTypeEntry[];
  const keys: Record<string, string[]> = {};
  for (const entry of entries) {
    if (entry.subtypes) continue;
    keys[entry.type] = [...CHILD_KEYS];
  }
  keys[NodeType.Error] = [...CHILD_KEYS];
  return keys;
}

export const visitorKeys: Readonly<Record<string, string[]>> = Object.freeze(loadVisitorKeys());
