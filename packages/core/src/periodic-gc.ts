import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * A full garbage collection every few hundred files, while many files are linted in one thread.
 *
 * Both parser bindings hold memory outside the JavaScript heap that is given back only after a full collection:
 * the native binding frees a tree in its wrapper's finalizer, which V8 runs after a full collection, and
 * web-tree-sitter cleans up after its objects through finalization registries. Linting allocates little that
 * survives, so V8 hardly ever needs a full collection by itself and that memory piles up: RSS grows with every
 * file. One full collection per 200 files (a few milliseconds each) keeps it flat: on the benchmark corpus, peak
 * RSS with two threads went from 300–330 MB to about 260 MB.
 */
export class PeriodicGc {
  private count = 0;

  constructor(private readonly every = 200) {}

  /** Call once per file linted. */
  fileDone(): void {
    if (++this.count % this.every !== 0) return;
    fullGc()?.();
  }
}

/** A full garbage collection now, when the runtime allows one (finalizers of dropped trees then run). */
export function collectNow(): void {
  fullGc()?.();
}

let gcFunction: (() => void) | null | undefined;

/** V8's `gc()`, exposed for this process once and taken from a fresh context (the usual `--expose-gc` idiom). */
function fullGc(): (() => void) | null {
  if (gcFunction === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gcFunction = runInNewContext('gc') as () => void;
    } catch {
      gcFunction = null;
    }
  }
  return gcFunction;
}
