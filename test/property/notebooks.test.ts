import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { notebook } from './arbitraries.js';
import { backend, comparable, engineFailures, lint, notebookSkeleton, params, runs, syntaxErrors, timeoutFor } from './support.js';

/**
 * Random notebooks (issue 9): nbformat 4 and 3, code cells with magics and syntax errors, markdown with
 * attachments, outputs, other kernels' notebooks, and broken ones (no cells, wrong types, truncated JSON). A broken
 * notebook is one problem line; any notebook lints the same twice and on both backends, and its fixes touch only
 * the sources of the cells they fix.
 */

const PATH = 'analysis.ipynb';

describe('random notebooks', () => {
  const crashRuns = runs(800);
  it(
    'never crash the engine, lint the same way twice, and a broken one is one problem line',
    async () => {
      const native = await backend('native');
      fc.assert(
        fc.property(notebook, ({ json, damaged }) => {
          const first = lint(json, PATH, native);
          expect(engineFailures(first)).toEqual([]);
          expect(comparable(lint(json, PATH, native))).toEqual(comparable(first));
          if (damaged) {
            expect(first.problems).toHaveLength(1);
            expect(first.problems[0]?.kind).toBe('notebook');
            expect(first.diagnostics).toEqual([]);
          }
        }),
        params(800, 'notebooks: no crash, deterministic'),
      );
    },
    timeoutFor(crashRuns, 10),
  );

  const backendRuns = runs(500);
  it(
    'lint the same on the native and WASM backends',
    async () => {
      const native = await backend('native');
      const wasm = await backend('wasm');
      fc.assert(
        fc.property(notebook, ({ json }) => {
          expect(comparable(lint(json, PATH, wasm))).toEqual(comparable(lint(json, PATH, native)));
        }),
        params(500, 'notebooks: native == wasm'),
      );
    },
    timeoutFor(backendRuns, 15),
  );

  const fixRuns = runs(500);
  it(
    'fix once as fixing twice does, never parsing worse, changing only the fixed cells’ sources',
    async () => {
      const native = await backend('native');
      let changed = 0;
      fc.assert(
        fc.property(notebook, ({ json }) => {
          const once = lint(json, PATH, native, 'unsafe');
          expect(engineFailures(once)).toEqual([]);
          const fixed = once.output ?? json;
          expect(lint(fixed, PATH, native, 'unsafe').output ?? fixed).toBe(fixed);
          if (once.output === undefined) return;
          changed++;
          expect(notebookSkeleton(fixed)).toBe(notebookSkeleton(json));
          expect(syntaxErrors(fixed, PATH, native)).toBeLessThanOrEqual(syntaxErrors(json, PATH, native));
        }),
        params(500, 'notebooks: fix idempotent, only sources change'),
      );
      // Random cells hold a fixable finding less often than fixtures do.
      if (fixRuns >= 100) expect(changed).toBeGreaterThan(fixRuns / 50);
    },
    timeoutFor(fixRuns, 15),
  );
});
