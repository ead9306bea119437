import { describe, expect, it } from 'vitest';
import { applyEdits } from '@mlops-lint/core';
import { availableBackends, loadBackend } from '@mlops-lint/parser';
import rule from '../src/rules/model-load-in-handler.js';
import { describeRuleFixtures, fixtureCounts, lintWith } from './harness.js';

describeRuleFixtures(rule);

it('has enough positive and negative cases', () => {
  const counts = fixtureCounts(rule.meta.name, rule.meta.code);
  expect(counts.expect).toBeGreaterThanOrEqual(12);
  expect(counts.ok).toBeGreaterThanOrEqual(12);
  expect(counts.notebooks).toBeGreaterThanOrEqual(1);
});

/** Lints one file and applies the first suggestion of its only finding (or returns null when it has none). */
async function hoisted(source: string): Promise<string | null> {
  const [name] = await availableBackends();
  const backend = await loadBackend(name ?? 'wasm');
  const result = lintWith(rule, source, 'app.py', backend);
  expect(result.diagnostics).toHaveLength(1);
  const suggestion = result.diagnostics[0]?.suggestions[0];
  if (!suggestion) return null;
  expect(suggestion.applicability).toBe('suggestion');
  return applyEdits(source, suggestion.edits);
}

describe('ML101 hoist suggestion', () => {
  it('defines the model after the imports and the module names it reads, keeping trailing comments', async () => {
    const source = [
      'import joblib  # noqa: F401',
      'from fastapi import FastAPI',
      '',
      'MODEL_PATH = "artifacts/model.joblib"',
      'app = FastAPI()',
      '',
      '',
      '@app.post("/predict")',
      'def predict(x: float):',
      '    clf = joblib.load(MODEL_PATH)',
      '    return {"y": clf.predict([[x]]).tolist()}',
      '',
    ].join('\n');
    expect(await hoisted(source)).toBe(
      [
        'import joblib  # noqa: F401',
        'from fastapi import FastAPI',
        '',
        'MODEL_PATH = "artifacts/model.joblib"',
        '_CLF = joblib.load(MODEL_PATH)',
        'app = FastAPI()',
        '',
        '',
        '@app.post("/predict")',
        'def predict(x: float):',
        '    clf = _CLF',
        '    return {"y": clf.predict([[x]]).tolist()}',
        '',
      ].join('\n'),
    );
  });

  it('dedents a multi-line call, keeps a `.eval()` chain and picks a free name', async () => {
    const source = [
      'import torch',
      'from flask import Flask',
      '',
      'app = Flask(__name__)',
      '_model = None',
      '',
      '',
      '@app.route("/score", methods=["POST"])',
      'def score():',
      '    model = torch.jit.load(',
      '        "artifacts/scorer.pt",',
      '        map_location="cpu",',
      '    ).eval()',
      '    return str(model)',
      '',
    ].join('\n');
    expect(await hoisted(source)).toBe(
      [
        'import torch',
        'from flask import Flask',
        '_MODEL_2 = torch.jit.load(',
        '    "artifacts/scorer.pt",',
        '    map_location="cpu",',
        ')',
        '',
        'app = Flask(__name__)',
        '_model = None',
        '',
        '',
        '@app.route("/score", methods=["POST"])',
        'def score():',
        '    model = _MODEL_2.eval()',
        '    return str(model)',
        '',
      ].join('\n'),
    );
  });

  it('offers no edit when the path comes from the request', async () => {
    const source = [
      'import joblib',
      'from fastapi import FastAPI',
      '',
      'app = FastAPI()',
      '',
      '@app.get("/models/{name}")',
      'def predict(name: str, x: float):',
      '    model = joblib.load(f"models/{name}.joblib")',
      '    return {"y": model.predict([[x]]).tolist()}',
      '',
    ].join('\n');
    expect(await hoisted(source)).toBeNull();
  });

  it('offers no edit when the function prepares the file first', async () => {
    const source = [
      'import boto3',
      'import joblib',
      '',
      'LOCAL = "/tmp/model.joblib"',
      's3 = boto3.client("s3")',
      '',
      'def handler(event, context):',
      '    s3.download_file("bucket", "model.joblib", LOCAL)',
      '    model = joblib.load(LOCAL)',
      '    return {"y": model.predict([event["x"]]).tolist()}',
      '',
    ].join('\n');
    expect(await hoisted(source)).toBeNull();
  });

  it('offers no edit for a load that reads a local variable', async () => {
    const source = [
      'import pickle',
      'from flask import Flask',
      '',
      'app = Flask(__name__)',
      '',
      '@app.route("/predict")',
      'def predict():',
      '    with open("model.pkl", "rb") as f:',
      '        model = pickle.load(f)',
      '    return str(model)',
      '',
    ].join('\n');
    expect(await hoisted(source)).toBeNull();
  });
});
