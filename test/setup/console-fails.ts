import { afterEach, beforeEach, vi } from 'vitest';

// Console output in a test is a bug: it hides in CI logs. Fail the test instead.
let calls: string[] = [];
beforeEach(() => {
  calls = [];
  for (const level of ['log', 'warn', 'error', 'info', 'debug'] as const) {
    vi.spyOn(console, level).mockImplementation((...args: unknown[]) => { calls.push(`${level}: ${args.join(' ')}`); });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  if (calls.length > 0) throw new Error(`unexpected console output:\n${calls.join('\n')}`);
});
