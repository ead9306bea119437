import { defineConfig } from 'vitest/config';

const pkg = (name: string) => ({
  extends: true as const,
  test: { name, include: [`packages/${name}/tests/**/*.test.ts`] },
});

export default defineConfig({
  test: {
    setupFiles: ['./test/setup/console-fails.ts'],
    testTimeout: 60_000,
    projects: [pkg('parser'), pkg('core'), pkg('rules'), pkg('cli'),
      { extends: true, test: { name: 'e2e', include: ['test/**/*.test.ts'] } }],
  },
});
