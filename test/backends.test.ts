import { expect, it } from 'vitest';
import { availableBackends } from '@mlops-lint/parser';

// CI sets MLOPS_LINT_REQUIRE_BACKENDS=native,wasm so that a backend that fails to load cannot be skipped quietly
// by the fixture harness, which runs every backend that loads.
it('loads every backend CI requires', async () => {
  const required = (process.env['MLOPS_LINT_REQUIRE_BACKENDS'] ?? 'wasm').split(',').filter(Boolean);
  const available = await availableBackends();
  for (const name of required) expect(available).toContain(name);
});
