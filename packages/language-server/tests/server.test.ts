import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiagnosticSeverity, FileChangeType, MessageType, type CodeAction, type Diagnostic } from 'vscode-languageserver-protocol/node';
import { TestClient } from './client.js';

const CLI_BIN = fileURLToPath(new URL('../../cli/dist/bin.js', import.meta.url));
const dirs: string[] = [];

/** A workspace folder in a temp dir with these files. */
function workspace(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-lsp-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const uriOf = (dir: string, name: string): string => pathToFileURL(join(dir, name)).href;
const codes = (diagnostics: Diagnostic[]): string[] => diagnostics.map((d) => String(d.code)).sort();
const has = (code: string) => (diagnostics: Diagnostic[]): boolean => diagnostics.some((d) => d.code === code);
const lacks = (code: string) => (diagnostics: Diagnostic[]): boolean => !diagnostics.some((d) => d.code === code);
const only = (diagnostics: Diagnostic[], code: string): Diagnostic => {
  const found = diagnostics.filter((d) => d.code === code);
  expect(found, `one ${code} in ${JSON.stringify(codes(diagnostics))}`).toHaveLength(1);
  return found[0] as Diagnostic;
};
const titled = (actions: CodeAction[], title: string): CodeAction => {
  const action = actions.find((a) => a.title === title);
  expect(action, `"${title}" among ${JSON.stringify(actions.map((a) => a.title))}`).toBeDefined();
  return action as CodeAction;
};

const SERVICE = `import pickle

from flask import Flask, request

app = Flask(__name__)


@app.route("/predict", methods=["POST"])
def predict():
    model = pickle.load(open("model.pkl", "rb"))
    return str(model.predict([request.json["x"]]))


if __name__ == "__main__":
    app.run(debug=True)
`;

describe('Python documents', () => {
  let dir: string;
  let client: TestClient;
  let uri: string;
  beforeAll(async () => {
    dir = workspace({ 'serve.py': SERVICE });
    uri = uriOf(dir, 'serve.py');
    client = await TestClient.spawn({ root: dir, initializationOptions: { scanWorkspace: false } });
  });
  afterAll(async () => {
    await client.stop();
  });

  it('publishes diagnostics on open, with code, severity, docs link and the exact range', async () => {
    await client.open(uri, SERVICE);
    const diagnostics = await client.waitForDiagnostics(uri, has('ML101'));
    const d = only(diagnostics, 'ML101');
    expect(d).toMatchObject({
      source: 'mlops-lint',
      severity: DiagnosticSeverity.Error,
      codeDescription: { href: 'https://github.com/mlops-lint/mlops-lint/blob/main/docs/rules/model-load-in-handler.md' },
      range: { start: { line: 9, character: 12 }, end: { line: 9, character: 48 } },
    });
    expect(client.diagnostics.get(uri)?.version).toBe(1);
    expect(only(diagnostics, 'ML104').severity).toBe(DiagnosticSeverity.Warning);
  });

  it('re-lints on every change, incrementally re-parsed', async () => {
    await client.replace(uri, '    model = pickle.load', '    # model = pickle.load');
    const after = await client.waitForDiagnostics(uri, lacks('ML101'), 'ML101 gone after commenting the load out');
    expect(client.diagnostics.get(uri)?.version).toBe(2);
    expect(has('ML104')(after)).toBe(true);
    await client.replace(uri, '    # model = pickle.load', '    model = pickle.load');
    const back = await client.waitForDiagnostics(uri, has('ML101'));
    expect(only(back, 'ML101').range.start).toEqual({ line: 9, character: 12 });
  });

  it('offers the fix as a preferred quick fix; applying it removes the diagnostic', async () => {
    const diagnostics = await client.waitForDiagnostics(uri, has('ML104'));
    const d = only(diagnostics, 'ML104');
    const actions = await client.codeActions(uri, d.range, [d]);
    const fix = actions.find((a) => a.isPreferred);
    expect(fix?.kind).toBe('quickfix');
    expect(fix?.diagnostics).toEqual([d]);
    await client.apply(fix?.edit);
    expect(client.text(uri)).toContain('app.run(debug=False)');
    await client.waitForDiagnostics(uri, lacks('ML104'), 'ML104 gone after its fix');
  });

  it('suppresses a rule on the line with `# noqa`, extending an existing list', async () => {
    const diagnostics = await client.waitForDiagnostics(uri, has('ML101'));
    const d = only(diagnostics, 'ML101');
    await client.apply(titled(await client.codeActions(uri, d.range, [d]), 'Suppress ML101 on this line').edit);
    expect(client.text(uri)).toContain('model = pickle.load(open("model.pkl", "rb"))  # noqa: ML101\n');
    const after = await client.waitForDiagnostics(uri, lacks('ML101'), 'ML101 suppressed');
    const other = after.find((x) => x.range.start.line === 9);
    expect(other, 'another finding on the same line').toBeDefined();
    if (!other) return;
    await client.apply(titled(await client.codeActions(uri, other.range, [other]), `Suppress ${String(other.code)} on this line`).edit);
    expect(client.text(uri)).toContain(`# noqa: ML101, ${String(other.code)}\n`);
    await client.waitForDiagnostics(uri, (ds) => !ds.some((x) => x.range.start.line === 9), 'the line fully suppressed');
  });

  it('offers "Fix all safe problems" as a source action', async () => {
    await client.replace(uri, 'app.run(debug=False)', 'app.run(debug=True)');
    await client.waitForDiagnostics(uri, has('ML104'));
    const end = { line: 0, character: 0 };
    expect(await client.codeActions(uri, { start: end, end }, [])).toEqual([]);
    const fixAll = titled(await client.codeActions(uri, { start: end, end }, [], ['source']), 'Fix all safe problems');
    expect(fixAll.kind).toBe('source.fixAll.mlops-lint');
    await client.apply(fixAll.edit);
    expect(client.text(uri)).toContain('app.run(debug=False)');
    await client.waitForDiagnostics(uri, lacks('ML104'));
  });

  it('carries the related information a rule gives', async () => {
    const helper = uriOf(dir, 'helper.py');
    const text = 'import joblib\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\ndef load_model():\n    return joblib.load("m.joblib")\n\n\n@app.route("/predict")\ndef predict():\n    return str(load_model())\n';
    await client.open(helper, text);
    const d = only(await client.waitForDiagnostics(helper, has('ML101')), 'ML101');
    expect(d.range.start).toEqual({ line: 7, character: 11 });
    // The handler that makes the helper run per request, and the call that gets there, in the same document.
    expect(d.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line])).toEqual([
      [helper, 11],
      [helper, 12],
    ]);
    await client.close(helper);
  });

  it('clears the diagnostics of a closed document', async () => {
    await client.close(uri);
    await client.waitForDiagnostics(uri, (ds) => ds.length === 0, 'empty diagnostics after close');
  });
});

// A notebook with a markdown cell first, an IPython magic, imports in one cell and their use in later ones.
const CELLS: Array<{ kind: 1 | 2; text: string; executionOrder?: number }> = [
  { kind: 1, text: '# Churn model\nA small experiment.' },
  { kind: 2, text: 'import pickle\nimport numpy as np\nimport torch', executionOrder: 1 },
  { kind: 2, text: '%matplotlib inline\ntorch.manual_seed(42)', executionOrder: 2 },
  { kind: 2, text: 'idx = np.random.permutation(10)\nmodel = pickle.load(open("m.pkl", "rb"))', executionOrder: 3 },
];

function notebookJson(cells: typeof CELLS): string {
  return JSON.stringify(
    {
      cells: cells.map((c) =>
        c.kind === 1
          ? { cell_type: 'markdown', metadata: {}, source: c.text }
          : { cell_type: 'code', execution_count: c.executionOrder ?? null, metadata: {}, outputs: [], source: c.text },
      ),
      metadata: { kernelspec: { language: 'python', name: 'python3' } },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

describe('notebooks', () => {
  let dir: string;
  let client: TestClient;
  beforeAll(async () => {
    dir = workspace({ 'analysis.ipynb': notebookJson(CELLS) });
    client = await TestClient.spawn({ root: dir, initializationOptions: { scanWorkspace: false } });
  });
  afterAll(async () => {
    await client.stop();
  });

  it("publishes per-cell diagnostics in the cell's coordinates, the same findings as the CLI's `cell N`", async () => {
    const uri = uriOf(dir, 'analysis.ipynb');
    const cells = await client.openNotebook(uri, CELLS);
    const last = cells[3] as string;
    await client.waitForDiagnostics(last, has('ML502'));
    const cli = spawnSync(process.execPath, [CLI_BIN, 'check', 'analysis.ipynb', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
    const expected = (JSON.parse(cli.stdout) as { diagnostics: Array<Record<string, unknown>> }).diagnostics
      .map((d) => `cell ${String(d['cell'])}:${String(d['line'])}:${String(d['column'])}-${String(d['endLine'])}:${String(d['endColumn'])} ${String(d['code'])}`)
      .sort();
    expect(expected.some((line) => line.startsWith('cell 4:2:9'))).toBe(true);
    // Every cell's latest diagnostics, rendered the way the CLI locates them.
    const seen = await client.waitFor('every cell published', () => {
      const lines: string[] = [];
      for (const [i, cellUri] of cells.entries()) {
        const published = client.diagnostics.get(cellUri);
        if (CELLS[i]?.kind === 2 && !published) return undefined;
        for (const d of published?.diagnostics ?? []) {
          const { start, end } = d.range;
          lines.push(`cell ${i + 1}:${start.line + 1}:${start.character + 1}-${end.line + 1}:${end.character + 1} ${String(d.code)}`);
        }
      }
      return lines.sort().join('\n') === expected.join('\n') ? lines : undefined;
    });
    expect(seen.sort()).toEqual(expected);
  });

  it('re-lints when a cell changes and offers quick fixes in the cell', async () => {
    const uri = uriOf(dir, 'analysis.ipynb');
    const cells = client.notebooks.get(uri) ?? [];
    const last = cells[3] as string;
    await client.changeCell(uri, 2, last, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 0 } }, text: '# ' }]);
    await client.waitForDiagnostics(last, lacks('ML502'), 'ML502 gone from cell 4');
    await client.changeCell(uri, 3, last, [{ range: { start: { line: 1, character: 0 }, end: { line: 1, character: 2 } }, text: '' }]);
    const diagnostics = await client.waitForDiagnostics(last, has('ML502'));
    const d = only(diagnostics, 'ML502');
    expect(d.range.start).toEqual({ line: 1, character: 8 });
    const suppress = titled(await client.codeActions(last, d.range, [d]), 'Suppress ML502 on this line');
    const edits = suppress.edit?.documentChanges ?? [];
    expect(edits).toHaveLength(1);
    expect(edits[0]).toMatchObject({ textDocument: { uri: last } });
    await client.apply(suppress.edit);
    expect(client.text(last)).toBe('idx = np.random.permutation(10)\nmodel = pickle.load(open("m.pkl", "rb"))  # noqa: ML502');
    await client.waitForDiagnostics(last, lacks('ML502'), 'ML502 suppressed in cell 4');
  });
});

describe('configuration', () => {
  it('reports a broken configuration with window/showMessage, keeps linting, and reloads it when it changes', async () => {
    const dir = workspace({ 'serve.py': SERVICE, 'mlops-lint.toml': 'selct = ["ML1"]\n' });
    const uri = uriOf(dir, 'serve.py');
    const client = await TestClient.spawn({ root: dir, initializationOptions: { scanWorkspace: false } });
    try {
      await client.open(uri, SERVICE);
      const message = await client.waitFor('a showMessage', () => client.messages[0]);
      expect(message.type).toBe(MessageType.Error);
      expect(message.message).toMatch(/mlops-lint\.toml: key "selct" is not a known setting \(did you mean "select"\?\)/);
      // Still serving, with the default rules.
      await client.waitForDiagnostics(uri, has('ML101'));

      writeFileSync(join(dir, 'mlops-lint.toml'), 'ignore = ["ML101"]\n');
      await client.watchedFilesChanged([{ uri: uriOf(dir, 'mlops-lint.toml'), type: FileChangeType.Changed }]);
      const after = await client.waitForDiagnostics(uri, lacks('ML101'), 'ML101 ignored by the fixed configuration');
      expect(has('ML104')(after)).toBe(true);
      expect(client.messages).toHaveLength(1);
      expect(client.registrations).toContain('workspace/didChangeWatchedFiles');
    } finally {
      await client.stop();
    }
  });
});

describe('workspace scan', () => {
  it('shows project findings on their files once scanned and refreshes them on save', async () => {
    const dir = workspace({ 'serve.py': SERVICE, 'requirements.txt': 'flask==3.0.3\ntorch>=2.1\n' });
    const serve = uriOf(dir, 'serve.py');
    const requirements = uriOf(dir, 'requirements.txt');
    const client = await TestClient.spawn({ root: dir });
    try {
      const unpinned = await client.waitForDiagnostics(requirements, has('ML202'));
      expect(only(unpinned, 'ML202').range).toEqual({ start: { line: 1, character: 0 }, end: { line: 1, character: 10 } });

      await client.open(serve, SERVICE);
      // File findings and the project finding (no health route anywhere) on the same document.
      await client.waitForDiagnostics(serve, (ds) => has('ML102')(ds) && has('ML101')(ds));

      const healthy = `${SERVICE.replace('\n\nif __name__', '\n\n@app.route("/health")\ndef health():\n    return "ok"\n\n\nif __name__')}`;
      await client.replace(serve, '\n\nif __name__', '\n\n@app.route("/health")\ndef health():\n    return "ok"\n\n\nif __name__');
      expect(client.text(serve)).toBe(healthy);
      writeFileSync(join(dir, 'serve.py'), healthy);
      writeFileSync(join(dir, 'requirements.txt'), 'flask==3.0.3\ntorch==2.3.1\n');
      await client.save(serve);
      await client.waitForDiagnostics(serve, (ds) => lacks('ML102')(ds) && has('ML101')(ds), 'ML102 gone after saving a health route');
      await client.waitForDiagnostics(requirements, (ds) => ds.length === 0, 'ML202 gone after pinning');
    } finally {
      await client.stop();
    }
  });

  it('reports a model file committed to git on the file itself', async () => {
    const dir = workspace({ 'train.py': 'print("training")\n' });
    writeFileSync(join(dir, 'model.pt'), Buffer.alloc(300 * 1024, 1));
    const git = (args: string[]): void => {
      execFileSync('git', args, { cwd: dir, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
    };
    git(['init', '-q']);
    git(['add', 'model.pt', 'train.py']);
    const client = await TestClient.spawn({ root: dir });
    try {
      const diagnostics = await client.waitForDiagnostics(uriOf(dir, 'model.pt'), has('ML501'));
      expect(only(diagnostics, 'ML501')).toMatchObject({ severity: DiagnosticSeverity.Error, range: { start: { line: 0, character: 0 } } });
    } finally {
      await client.stop();
    }
  });
});
