import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pruneStale, STALE_CACHE_MS } from '../src/index.js';

const temps: string[] = [];
afterEach(() => {
  for (const t of temps.splice(0)) rmSync(t, { recursive: true, force: true });
});

describe('pruneStale', () => {
  it('removes the cache files no run wrote for a week and old temporary files, and nothing else', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-cache-'));
    temps.push(dir);
    const now = Date.now();
    const files: Record<string, number> = {
      'results-0.1.0-aaaa.json': now - STALE_CACHE_MS - 1000,
      'runs-0.1.0-aaaa.json': now - STALE_CACHE_MS - 1000,
      'results-0.1.0-bbbb.json': now - 1000,
      'runs-0.1.0-bbbb.json': now - STALE_CACHE_MS + 60_000,
      'runs-0.1.0-bbbb.json.123.456.tmp': now - 2 * 3600 * 1000,
      'results-0.1.0-bbbb.json.124.457.tmp': now - 60_000,
      '.gitignore': now - STALE_CACHE_MS - 1000,
      'CACHEDIR.TAG': now - STALE_CACHE_MS - 1000,
      'notes.json': now - STALE_CACHE_MS - 1000,
    };
    for (const [name, mtime] of Object.entries(files)) {
      writeFileSync(join(dir, name), '{}');
      utimesSync(join(dir, name), mtime / 1000, mtime / 1000);
    }
    await pruneStale(dir, now);
    expect(readdirSync(dir).sort()).toEqual(['.gitignore', 'CACHEDIR.TAG', 'notes.json', 'results-0.1.0-bbbb.json', 'results-0.1.0-bbbb.json.124.457.tmp', 'runs-0.1.0-bbbb.json']);
  });

  it('does nothing for a folder that does not exist', async () => {
    const dir = join(tmpdir(), 'mlops-lint-no-such-cache-folder');
    await pruneStale(dir);
    expect(existsSync(dir)).toBe(false);
  });
});
