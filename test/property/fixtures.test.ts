import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { editedFixture } from './arbitraries.js';
import { backend, comparable, engineFailures, fixtures, lint, notebookSkeleton, params, runs, syntaxErrors, timeoutFor } from './support.js';

/**
 * Random edits of every rule's fixture files (issue 9): whatever a file looks like half-way through an edit, the
 * engine never crashes, says the same thing twice, says the same thing on both parser backends, and its fixes
 * settle in one run and never make the file parse worse. CI runs a bounded number of cases with a fixed seed;
 * `npm run fuzz` runs the same properties with many more.
 */

const all = fixtures();
const edited = editedFixture(all);

describe('random edits of the rule fixtures', () => {
  it('has fixtures to edit', () => {
    expect(all.length).toBeGreaterThan(50);
    expect(all.some((f) => f.notebook)).toBe(true);
  });

  const crashRuns = runs(800);
  it(
    'never crash the engine and lint the same way twice',
    async () => {
      const native = await backend('native');
      fc.assert(
        fc.property(edited, ({ fixture, text }) => {
          const first = lint(text, fixture.path, native);
          expect(engineFailures(first)).toEqual([]);
          expect(comparable(lint(text, fixture.path, native))).toEqual(comparable(first));
        }),
        params(800, 'fixtures: no crash, deterministic'),
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
        fc.property(edited, ({ fixture, text }) => {
          expect(comparable(lint(text, fixture.path, wasm))).toEqual(comparable(lint(text, fixture.path, native)));
        }),
        params(500, 'fixtures: native == wasm'),
      );
    },
    timeoutFor(backendRuns, 15),
  );

  const fixRuns = runs(500);
  it(
    'fix once as fixing twice does, never parsing worse, notebooks changed only inside cell sources',
    async () => {
      const native = await backend('native');
      const wasm = await backend('wasm');
      let changed = 0;
      fc.assert(
        fc.property(edited, fc.boolean(), ({ fixture, text, lineEnds }, useWasm) => {
          const parser = useWasm ? wasm : native;
          const once = lint(text, fixture.path, parser, 'unsafe');
          expect(engineFailures(once)).toEqual([]);
          expect(once.problems.filter((p) => p.kind === 'fix')).toEqual([]);
          const fixed = once.output ?? text;
          const twice = lint(fixed, fixture.path, parser, 'unsafe');
          expect(twice.output ?? fixed).toBe(fixed);
          if (once.output === undefined) return;
          changed++;
          // A file written with one kind of line end keeps it: fixes that add lines add them in the file's style.
          if (lineEnds === 'crlf' && !/(^|[^\r])\n/.test(text)) expect(fixed).not.toMatch(/(^|[^\r])\n/);
          if (lineEnds === 'cr' && !text.includes('\n')) expect(fixed).not.toContain('\n');
          expect(syntaxErrors(fixed, fixture.path, parser)).toBeLessThanOrEqual(syntaxErrors(text, fixture.path, parser));
          if (fixture.notebook) expect(notebookSkeleton(fixed)).toBe(notebookSkeleton(text));
        }),
        params(500, 'fixtures: fix idempotent, parses no worse'),
      );
      // The property says something only if fixes were applied: many fixtures have fixable findings.
      if (fixRuns >= 100) expect(changed).toBeGreaterThan(fixRuns / 20);
    },
    timeoutFor(fixRuns, 20),
  );
});
