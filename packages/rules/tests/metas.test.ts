import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { rules } from '../src/index.js';

const METAS = new URL('../dist/metas.json', import.meta.url);

describe('dist/metas.json (written by scripts/write-metas.mjs after the build)', () => {
  it.skipIf(!existsSync(METAS))('holds every rule’s metadata, without triggers, in code order', () => {
    const written = JSON.parse(readFileSync(METAS, 'utf8')) as unknown[];
    const expected = rules.map((r) => {
      const { triggers: _triggers, ...meta } = r.meta;
      return JSON.parse(JSON.stringify(meta)) as unknown;
    });
    expect(written).toEqual(expected);
  });
});
