import { createHash } from 'node:crypto';
import { UsageError } from './io.js';

/** One part of a run split across CI jobs: `index` of `count`, 1-based (`--shard 2/4`). */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `i/n`. @throws UsageError for anything but 1 ≤ i ≤ n. */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  const index = Number(m?.[1]);
  const count = Number(m?.[2]);
  if (!m || !Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard expects i/n with 1 <= i <= n, e.g. --shard 1/4 (got "${spec}")`);
  }
  return { index, count };
}

/**
 * The shard (1-based) a file belongs to, from a hash of its path relative to the configuration root: the same on
 * every machine and in every job of a CI matrix, independent of the order files are found in, and a file keeps its
 * shard when others are added or removed. Shards balance by file count, not by file size.
 */
export function shardOf(key: string, count: number): number {
  const hash = createHash('sha256').update(key).digest();
  return (hash.readUInt32BE(0) % count) + 1;
}

export function inShard(key: string, shard: Shard): boolean {
  return shardOf(key, shard.count) === shard.index;
}
