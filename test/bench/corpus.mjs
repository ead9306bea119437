// Generates a synthetic but realistic ML corpus (serving apps, training scripts, notebooks, utilities) for the
// benchmark. Deterministic: the same count gives the same files.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const SERVE = (i) => `"""Service ${i}."""
import os
import joblib
from fastapi import FastAPI, Request
from openai import OpenAI

app = FastAPI()
client = OpenAI()
MODEL_PATH = os.environ.get("MODEL_PATH", "model_${i}.joblib")


@app.get("/health")
def health():
    return {"ok": True}


@app.post("/predict")
async def predict(request: Request):
    payload = await request.json()
    model = joblib.load(MODEL_PATH)
    return {"y": model.predict([payload["x"]]).tolist()}


@app.post("/ask")
def ask(question: str):
    prompt = f"Answer briefly: {question}"
    out = client.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": prompt}])
    return out.choices[0].message.content
`;

const TRAIN = (i) => `"""Training script ${i}."""
import argparse
import random

import numpy as np
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, TensorDataset


class Net${i}(nn.Module):
    def __init__(self, d_in=${16 + (i % 8)}, d_out=2):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(d_in, 64), nn.ReLU(), nn.Linear(64, d_out))

    def forward(self, x):
        return self.body(x)


def make_data(n):
    x = np.random.randn(n, ${16 + (i % 8)}).astype("float32")
    y = (x.sum(axis=1) > 0).astype("int64")
    return TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


def evaluate(model, loader):
    model.eval()
    correct = 0
    with torch.no_grad():
        for xb, yb in loader:
            correct += (model(xb).argmax(1) == yb).sum().item()
    return correct / len(loader.dataset)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(${i})
    model = Net${i}()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loader = DataLoader(make_data(512), batch_size=32, shuffle=True)
    for epoch in range(args.epochs):
        model.train()
        for xb, yb in loader:
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
        print(epoch, evaluate(model, loader))
    torch.save(model.state_dict(), "net_${i}.pt")


if __name__ == "__main__":
    main()
`;

const UTIL = (i) => `"""Plain utilities ${i}: no ML APIs, the pre-filter should skip most of these."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Settings${i}:
    root: Path = Path(".")
    names: list[str] = field(default_factory=list)
    verbose: bool = False

    def resolve(self, name: str) -> Path:
        return self.root / name


def read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def walk(root: str):
    for dirpath, _dirs, files in os.walk(root):
        for f in sorted(files):
            if f.endswith(".json"):
                yield os.path.join(dirpath, f)


def summarize(values: list[float]) -> dict[str, float]:
    if not values:
        return {"n": 0}
    mean = sum(values) / len(values)
    var = sum((v - mean) ** 2 for v in values) / len(values)
    return {"n": len(values), "mean": mean, "var": var, "max": max(values), "min": min(values)}
`;

const NOTEBOOK = (i) =>
  `${JSON.stringify(
    {
      cells: [
        { cell_type: 'markdown', metadata: {}, source: [`# Experiment ${i}`] },
        { cell_type: 'code', execution_count: 1, metadata: {}, outputs: [], source: ['%matplotlib inline\n', 'import numpy as np\n', 'import pandas as pd\n', 'from sklearn.model_selection import train_test_split\n', 'from sklearn.ensemble import RandomForestClassifier'] },
        { cell_type: 'code', execution_count: 2, metadata: {}, outputs: [], source: ['df = pd.DataFrame(np.random.rand(100, 4), columns=list("abcd"))\n', 'df["y"] = (df.a > 0.5).astype(int)\n', 'X_train, X_test, y_train, y_test = train_test_split(df[list("abcd")], df.y)'] },
        { cell_type: 'code', execution_count: 3, metadata: {}, outputs: [], source: ['clf = RandomForestClassifier(n_estimators=50)\n', 'clf.fit(X_train, y_train)\n', 'clf.score(X_test, y_test)'] },
      ],
      metadata: { kernelspec: { name: 'python3', language: 'python', display_name: 'Python 3' } },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  )}\n`;

/** Writes `count` files under `dir` (40% utilities, 25% training, 25% serving, 10% notebooks). */
export function generateCorpus(dir, count) {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const sub = join(dir, `pkg${Math.floor(i / 100)}`);
    mkdirSync(sub, { recursive: true });
    const kind = i % 20;
    if (kind < 8) writeFileSync(join(sub, `util_${i}.py`), UTIL(i));
    else if (kind < 13) writeFileSync(join(sub, `train_${i}.py`), TRAIN(i));
    else if (kind < 18) writeFileSync(join(sub, `serve_${i}.py`), SERVE(i));
    else writeFileSync(join(sub, `explore_${i}.ipynb`), NOTEBOOK(i));
  }
}
