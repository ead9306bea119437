#!/usr/bin/env node
// The language server's benchmark (never part of the tests' pass/fail). Usage, after `npm run build`:
//   node packages/language-server/bench/lsp-bench.mjs [lines=5000] [edits=30]
// Starts the built server over stdio once per parser backend, opens a generated ML module of `lines` lines, and
// sends one-character edits (insert a character into an identifier, then delete it, at positions spread over the
// file), each after the previous one's diagnostics arrived. Prints the median and p90 time from sending
// `didChange` to receiving its `publishDiagnostics` (debounce set to 0, so this is server work plus the JSON-RPC
// round trip), the server's own breakdown (incremental parse, rules) from its timing log, and a full parse of the
// same text for comparison. Each backend runs twice: with every rule, and with `ignore = ["ALL"]` (the server and
// the engine's tree walk alone, what the language server itself costs).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createProtocolConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-languageserver-protocol/node';
import { loadBackend, SourceFile } from '@mlops-lint/parser';

const SERVER = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const lines = Number(process.argv[2] ?? 5000);
const edits = Number(process.argv[3] ?? 30);
const WARMUP = 6;

/** A realistic ML module: one import block, then training, evaluation and utility code. Deterministic. */
function generate(count) {
  const head = `"""Training, evaluation and serving utilities for the churn model."""
from __future__ import annotations

import json
import logging
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import torch
import torch.nn as nn
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

log = logging.getLogger(__name__)
torch.manual_seed(0)
np.random.seed(0)
random.seed(0)
`;
  const block = (i) => `

@dataclass
class Settings${i}:
    root: Path = Path(".")
    names: list[str] = field(default_factory=list)
    verbose: bool = False

    def resolve(self, name: str) -> Path:
        return self.root / name


class Net${i}(nn.Module):
    def __init__(self, d_in=${16 + (i % 8)}, d_out=2):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Linear(64, d_out))

    def forward(self, x):
        return self.body(x)


def make_data_${i}(n: int) -> TensorDataset:
    x = np.random.randn(n, ${16 + (i % 8)}).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


def evaluate_${i}(model: nn.Module, loader: DataLoader) -> float:
    model.eval()
    correct = total = 0
    with torch.no_grad():
        for xb, yb in loader:
            pred = model(xb).argmax(dim=1)
            correct += (pred == yb).sum().item()
            total += len(yb)
    return correct / max(total, 1)


def fit_forest_${i}(df: pd.DataFrame, target: str = "y") -> RandomForestClassifier:
    features = [c for c in df.columns if c != target]
    X_train, X_test, y_train, y_test = train_test_split(df[features], df[target], random_state=${i})
    clf = RandomForestClassifier(n_estimators=100${i % 10 === 0 ? '' : `, random_state=${i}`})
    clf.fit(X_train, y_train)
    pred = clf.predict(X_test)
    log.info("forest ${i}: acc=%.3f f1=%.3f", accuracy_score(y_test, pred), f1_score(y_test, pred))
    return clf


def summarize_${i}(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return {"n": len(values), "mean": mean, "var": var, "max": max(values), "min": min(values)}
`;
  const out = [...head.split('\n')];
  for (let i = 0; out.length < count; i++) out.push(...block(i).split('\n'));
  return `${out.slice(0, count).join('\n')}\n`;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p90 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const fmt = (x) => x.toFixed(2).padStart(8);

async function run(backendName, text, dir) {
  const child = spawn(process.execPath, [SERVER, '--stdio'], { cwd: dir, env: { ...process.env, MLOPS_LINT_PARSER: backendName }, stdio: ['pipe', 'pipe', 'inherit'] });
  const conn = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
  const waiting = new Map();
  const timings = [];
  conn.onNotification('textDocument/publishDiagnostics', (p) => {
    const done = waiting.get(p.version);
    if (done) {
      waiting.delete(p.version);
      done(p);
    }
  });
  conn.onNotification('window/logMessage', ({ message }) => {
    const m = /linted .* in ([\d.]+) ms \(parse ([\d.]+) ms, rules ([\d.]+) ms/.exec(message);
    if (m) timings.push({ total: Number(m[1]), parse: Number(m[2]), rules: Number(m[3]) });
  });
  conn.onRequest('client/registerCapability', () => null);
  conn.listen();
  const root = pathToFileURL(dir).href;
  await conn.sendRequest('initialize', {
    processId: null,
    rootUri: root,
    workspaceFolders: [{ uri: root, name: 'bench' }],
    capabilities: {},
    initializationOptions: { debounceMs: 0, scanWorkspace: false, logTiming: true },
  });
  conn.sendNotification('initialized', {});
  const uri = `${root}/churn.py`;
  const published = (version) => new Promise((resolve) => waiting.set(version, resolve));
  let version = 1;
  let wait = published(version);
  conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'python', version, text } });
  const first = await wait;

  // Edit targets: the `mean` in `mean = sum(values)` of summarize blocks spread over the file.
  const targets = [];
  text.split('\n').forEach((line, row) => {
    const col = line.indexOf('mean = sum(');
    if (col >= 0) targets.push({ line: row, character: col + 4 });
  });
  const samples = [];
  for (let i = 0; i < WARMUP + edits; i++) {
    const at = targets[Math.floor(i / 2) * 7 % targets.length];
    const insert = i % 2 === 0;
    const change = insert
      ? { range: { start: at, end: at }, text: 'x' }
      : { range: { start: at, end: { line: at.line, character: at.character + 1 } }, text: '' };
    version++;
    wait = published(version);
    const t0 = performance.now();
    conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [change] });
    await wait;
    if (i >= WARMUP) samples.push(performance.now() - t0);
  }
  await conn.sendRequest('shutdown');
  conn.sendNotification('exit');
  await new Promise((resolve) => child.once('exit', resolve));
  const server = timings.slice(1 + WARMUP);
  return {
    diagnostics: first.diagnostics.length,
    e2e: samples,
    total: server.map((t) => t.total),
    parse: server.map((t) => t.parse),
    rules: server.map((t) => t.rules),
  };
}

const text = generate(lines);
const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-lsp-bench-'));
const bare = mkdtempSync(join(tmpdir(), 'mlops-lint-lsp-bench-'));
writeFileSync(join(dir, 'churn.py'), text);
writeFileSync(join(bare, 'churn.py'), text);
writeFileSync(join(bare, 'mlops-lint.toml'), 'ignore = ["ALL"]\n');
console.log(`file: ${lines} lines, ${text.length} characters; ${edits} one-character edits per backend (after ${WARMUP} warm-up edits), debounce 0\n`);
console.log('backend           didChange→publishDiagnostics ms   server: total   inc. parse      rules   full parse  findings');
console.log('                            median        p90             median       median     median       median');
try {
  for (const name of ['native', 'wasm']) {
    let backend;
    try {
      backend = await loadBackend(name);
    } catch {
      console.log(`${name.padEnd(16)}  (not available)`);
      continue;
    }
    const full = [];
    for (let i = 0; i < 10; i++) {
      const t = performance.now();
      SourceFile.parse(backend, 'churn.py', text).release();
      full.push(performance.now() - t);
    }
    for (const [label, folder] of [[name, dir], [`${name}, no rules`, bare]]) {
      const r = await run(name, text, folder);
      console.log(
        `${label.padEnd(16)}  ${fmt(median(r.e2e))}   ${fmt(p90(r.e2e))}          ${fmt(median(r.total))}     ${fmt(median(r.parse))}   ${fmt(median(r.rules))}     ${fmt(median(full))}  ${String(r.diagnostics).padStart(8)}`,
      );
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
  rmSync(bare, { recursive: true, force: true });
}
