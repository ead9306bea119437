import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { formatters } from '../src/formatters/index.js';
import { CLEAN_INPUT, INPUT } from './fixtures/formatter-input.js';

// ajv-formats is CommonJS: under NodeNext the default import is its module.exports, whose `default` is the plugin.
const addFormats = addFormatsModule.default;

function format(name: string, input = INPUT): string {
  const formatter = formatters[name];
  if (!formatter) throw new Error(`no formatter ${name}`);
  return formatter(input);
}

describe('formatters render a fixed input', () => {
  it('sarif', async () => {
    await expect(format('sarif')).toMatchFileSnapshot('./__snapshots__/formatters/sarif.sarif.json');
  });
  it('github', async () => {
    await expect(format('github')).toMatchFileSnapshot('./__snapshots__/formatters/github.txt');
  });
  it('gitlab', async () => {
    await expect(format('gitlab')).toMatchFileSnapshot('./__snapshots__/formatters/gitlab.json');
  });
  it('junit', async () => {
    await expect(format('junit')).toMatchFileSnapshot('./__snapshots__/formatters/junit.xml');
  });
  it('json-lines', async () => {
    await expect(format('json-lines')).toMatchFileSnapshot('./__snapshots__/formatters/json-lines.jsonl');
  });
  it('markdown', async () => {
    await expect(format('markdown')).toMatchFileSnapshot('./__snapshots__/formatters/markdown.md');
  });
  it('json', async () => {
    await expect(format('json')).toMatchFileSnapshot('./__snapshots__/formatters/json.json');
  });
  it('stylish', async () => {
    await expect(format('stylish')).toMatchFileSnapshot('./__snapshots__/formatters/stylish.txt');
  });
  it('a clean run', async () => {
    const clean = ['sarif', 'github', 'gitlab', 'junit', 'json-lines', 'markdown'].map((name) => `--- ${name}\n${format(name, CLEAN_INPUT)}`).join('');
    await expect(clean).toMatchFileSnapshot('./__snapshots__/formatters/clean.txt');
  });
});

describe('sarif', () => {
  const schema = JSON.parse(readFileSync(new URL('./fixtures/sarif-schema-2.1.0.json', import.meta.url), 'utf8')) as object;
  const ajv = new Ajv2020({ allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);

  it('is valid SARIF 2.1.0 for the fixed input and for a clean run', () => {
    for (const input of [INPUT, CLEAN_INPUT]) {
      const log = JSON.parse(format('sarif', input)) as unknown;
      expect(validate(log), JSON.stringify(validate.errors, null, 2)).toBe(true);
    }
  });

  it('has a schema that rejects what is not SARIF (the check has teeth)', () => {
    const log = JSON.parse(format('sarif')) as { runs: Array<{ results: Array<Record<string, unknown>> }> };
    const first = log.runs[0]?.results[0];
    if (!first) throw new Error('no result');
    first['level'] = 'fatal';
    expect(validate(log)).toBe(false);
    expect(validate({ version: '2.0.0', runs: [] })).toBe(false);
  });

  it('describes rules, levels, cells, fixes and fingerprints', () => {
    const log = JSON.parse(format('sarif')) as {
      runs: Array<{ tool: { driver: { rules: Array<{ id: string; helpUri: string; defaultConfiguration: { level: string } }> } }; results: Array<Record<string, any>> }>;
    };
    const run = log.runs[0];
    if (!run) throw new Error('no run');
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['ML101', 'ML104', 'ML204', 'ML205', 'ML502']);
    expect(run.tool.driver.rules[2]?.defaultConfiguration.level).toBe('note');
    const byId = (code: string) => run.results.filter((r) => r['ruleId'] === code);
    expect(byId('ML204')[0]?.['level']).toBe('note');
    expect(byId('ML205')[0]?.['properties']).toEqual({ cell: 3 });
    // Notebook fixes are in cell coordinates, which SARIF consumers would apply to the JSON: left out.
    expect(byId('ML502')[0]?.['fixes']).toBeUndefined();
    expect(byId('ML104')[0]?.['fixes']?.[0]?.properties).toEqual({ applicability: 'safe' });
    const spaced = byId('ML502').filter((r) => r['locations'][0].physicalLocation.artifactLocation.uri === 'train%20dir/split%20%231.py');
    expect(spaced.map((r) => r['partialFingerprints']['mlopsLint/v1'])).toEqual(['5f60718293a4b5c6:1', '5f60718293a4b5c6:2']);
  });
});
