import { expect, it } from 'vitest';
import { loadBackend } from '@mlops-lint/parser';
import rule from '../src/rules/untracked-training.js';
import { describeRuleFixtures, fixtureCounts, lintWith } from './harness.js';

describeRuleFixtures(rule);

it('has enough positive and negative cases', () => {
  const counts = fixtureCounts(rule.meta.name, rule.meta.code);
  expect(counts.expect).toBeGreaterThanOrEqual(10);
  expect(counts.ok).toBeGreaterThanOrEqual(10);
  expect(counts.notebooks).toBeGreaterThanOrEqual(1);
});

it('suggests the tracker the project already uses, after the last import line (its comment kept)', async () => {
  const backend = await loadBackend();
  const text = 'import pandas as pd\nfrom sklearn.linear_model import LogisticRegression  # model\n\nLogisticRegression().fit(pd.DataFrame(), [])\n';
  const lineEnd = text.indexOf('  # model') + '  # model'.length;
  const cases: Array<[string[], string]> = [
    [[], '\nimport mlflow\nmlflow.autolog()'],
    [['wandb'], '\nimport wandb\nwandb.init()'],
    [['mlflow', 'wandb'], '\nimport mlflow\nmlflow.autolog()'],
    [['tensorboard'], '\nimport mlflow\nmlflow.autolog()'],
  ];
  for (const [trackers, inserted] of cases) {
    const project = { root: '/project', torchMinVersion: null, trackers, hasPromptFiles: false };
    const result = lintWith(rule, text, 'train.py', backend, { project });
    expect(result.diagnostics.map((d) => d.messageId)).toEqual(['untracked']);
    expect(result.diagnostics[0]?.suggestions[0]?.edits).toMatchObject([{ start: lineEnd, end: lineEnd, text: inserted }]);
  }
});
