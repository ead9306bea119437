import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const pkg = (name: string) => ({
  extends: true as const,
  test: { name, include: [`packages/${name}/tests/**/*.test.ts`] },
});

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  // Tests run against the sources, so a change is tested without a build; the CLI end-to-end tests use dist.
  resolve: {
    alias: {
      '@mlops-lint/parser': src('parser'),
      '@mlops-lint/core': src('core'),
      '@mlops-lint/rules': src('rules'),
    },
  },
  test: {
    setupFiles: ['./test/setup/console-fails.ts'],
    testTimeout: 60_000,
    projects: [pkg('parser'), pkg('core'), pkg('rules'), pkg('cli'), pkg('eslint-plugin'), pkg('language-server'),
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'] } }],
  },
});
