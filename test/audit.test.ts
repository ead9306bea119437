import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, copyDir, DEMO } from './helpers.js';

/**
 * `mlops-lint audit` on examples/demo-project, run by the built CLI. The demo ships without model files (this
 * repository commits no binaries); the setup adds three (two plain, one routed through Git LFS by
 * `.gitattributes`) and commits everything in a fresh git repository, as a user's checkout would look.
 */
let repo: string;
const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

function git(cwd: string, args: string[]): void {
  execFileSync('git', args, { cwd, stdio: 'ignore', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' } });
}

beforeAll(() => {
  repo = copyDir(DEMO);
  temps.push(repo);
  mkdirSync(join(repo, 'models'), { recursive: true });
  writeFileSync(join(repo, 'models/sentiment.joblib'), Buffer.alloc(300 * 1024, 1));
  writeFileSync(join(repo, 'models/encoder.pt'), Buffer.alloc(600 * 1024, 1));
  writeFileSync(join(repo, 'models/encoder.onnx'), Buffer.alloc(200 * 1024, 1));
  writeFileSync(join(repo, '.gitattributes'), '*.onnx filter=lfs diff=lfs merge=lfs -text\n');
  git(repo, ['init', '-q', '-b', 'main']);
  git(repo, ['config', 'user.name', 'demo']);
  git(repo, ['config', 'user.email', 'demo@example.invalid']);
  git(repo, ['add', '-A']);
  git(repo, ['commit', '-q', '--no-verify', '-m', 'demo']);
});

describe('mlops-lint audit', () => {
  it('prints the JSON report with the stack, models, tracking, reproducibility, evaluation, serving, prompts and lifecycle', () => {
    const r = cli(['audit', '.', '--format', 'json'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual([
      'version',
      'tool',
      'root',
      'git',
      'verdict',
      'summary',
      'stack',
      'notebooks',
      'models',
      'tracking',
      'reproducibility',
      'evaluation',
      'serving',
      'prompts',
      'lifecycle',
      'findings',
      'recommendations',
    ]);
    expect(report).toMatchObject({ version: 1, tool: { name: 'mlops-lint' }, root: '.', git: true, verdict: 'NOT_READY' });
    expect(report.stack.map((s: { name: string; category: string; version: string | null; constraint: string | null; source: string | null }) => [s.name, s.category, s.version, s.constraint, s.source])).toEqual([
      ['PyTorch', 'framework', null, '>=2.1', 'requirements.txt:3'],
      ['Transformers', 'framework', null, null, 'requirements.txt:4'],
      ['scikit-learn', 'framework', '1.4.2', null, 'requirements.txt:5'],
      ['OpenAI', 'llm', null, '>=1.30', 'requirements.txt:7'],
      ['MLflow', 'tracking', null, null, null],
      ['FastAPI', 'serving', null, '>=0.110', 'requirements.txt:1'],
      ['Docker (copies models)', 'serving', null, null, null],
    ]);
    expect(report.notebooks).toEqual(['notebooks/explore.ipynb']);
    expect(report.models).toEqual({
      artifacts: [
        { file: 'models/encoder.onnx', bytes: 204800, storage: 'lfs' },
        { file: 'models/encoder.pt', bytes: 614400, storage: 'git' },
        { file: 'models/sentiment.joblib', bytes: 307200, storage: 'git' },
      ],
      trackedInGit: 2,
      registered: [{ file: 'training/finetune.py', line: 30, cell: null, call: 'mlflow.sklearn.log_model' }],
    });
    expect(report.tracking).toEqual({ entryPoints: ['training/finetune.py', 'training/train.py'], tracked: ['training/finetune.py'], trackers: ['MLflow'] });
    expect(report.reproducibility).toEqual({
      status: 'PARTIAL',
      manifests: ['requirements.txt'],
      scripts: ['training/finetune.py', 'training/train.py'],
      seeded: ['training/finetune.py', 'training/train.py'],
      incompleteSeeds: ['training/train.py'],
      unpinned: [
        { package: 'torch', specifier: '>=2.1', file: 'requirements.txt', line: 3 },
        { package: 'transformers', specifier: '', file: 'requirements.txt', line: 4 },
        { package: 'numpy', specifier: '', file: 'requirements.txt', line: 6 },
        { package: 'openai', specifier: '>=1.30', file: 'requirements.txt', line: 7 },
      ],
      lockFiles: [],
    });
    expect(report.evaluation).toEqual({ goldenSets: [{ file: 'evals/golden.jsonl', rows: 12 }], configs: [], metrics: ['accuracy', 'f1'], accuracyOnly: false });
    expect(report.serving).toMatchObject({
      apps: [{ file: 'app/serve.py', line: 10, cell: null, framework: 'FastAPI' }],
      routes: [
        { file: 'app/serve.py', line: 19, cell: null, path: '/predict' },
        { file: 'app/serve.py', line: 29, cell: null, path: '/explain' },
        { file: 'app/summarize.py', line: 14, cell: null, path: '/summarize' },
      ],
      health: [],
    });
    expect(report.prompts).toEqual({ llmCalls: 2, inline: [{ file: 'app/summarize.py', line: 8, cell: null, chars: 219, lines: 4 }], files: [] });
    const present = Object.fromEntries(Object.entries(report.lifecycle as Record<string, { present: boolean }>).map(([k, v]) => [k, v.present]));
    expect(present).toEqual({ data: true, training: true, tracking: true, evaluation: true, registry: true, serving: true, monitoring: false, retraining: false });

    // The project rules' findings, at their file:line.
    const mine = (report.findings as Array<{ code: string; file: string; line: number; severity: string }>)
      .filter((f) => ['ML102', 'ML202', 'ML403', 'ML501'].includes(f.code))
      .map((f) => `${f.code} ${f.severity} ${f.file}:${f.line}`);
    expect(mine).toEqual([
      'ML102 warning app/serve.py:10',
      'ML403 info app/summarize.py:8',
      'ML501 error models/encoder.pt:1',
      'ML501 error models/sentiment.joblib:1',
      'ML202 warning requirements.txt:3',
      'ML202 warning requirements.txt:4',
      'ML202 warning requirements.txt:6',
      'ML202 warning requirements.txt:7',
    ]);
    expect(report.summary.errors).toBe(report.findings.filter((f: { severity: string }) => f.severity === 'error').length);

    // Recommendations: numbered, errors first, each naming file:line; missing stages last.
    const recs = report.recommendations as Array<{ rank: number; severity: string; code: string | null; locations: string[] }>;
    expect(recs.map((x) => x.rank)).toEqual(recs.map((_, i) => i + 1));
    const ranks = recs.map((x) => ({ error: 0, warning: 1, info: 2 })[x.severity] ?? 3);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(recs.find((x) => x.code === 'ML501')?.locations).toEqual(['models/encoder.pt:1', 'models/sentiment.joblib:1']);
    expect(recs.filter((x) => x.code === null).map((x) => x.locations)).toEqual([['app/serve.py:10'], ['training/train.py']]);
  });

  it('prints every section of the Markdown report with true numbers, and writes it to --output-file', () => {
    const r = cli(['audit', '.', '--output-file', 'report.md'], { cwd: repo });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const md = readFileSync(join(repo, 'report.md'), 'utf8');
    const lines = md.split('\n');
    expect(lines[0]).toBe('# ML Ops Report: NOT_READY');
    expect(lines.filter((l) => l.startsWith('- **'))).toEqual([
      '- **Stack:** PyTorch ≥2.1 + Transformers + scikit-learn 1.4.2 · OpenAI ≥1.30 (LLM) · MLflow (tracking) · FastAPI ≥0.110, Docker (copies models) (serving) · 1 notebook',
      '- **Models:** 3 artifacts (2 tracked in git, 1 in Git LFS; largest models/encoder.pt, 600 KiB), 1 registered (mlflow.sklearn.log_model)',
      '- **Experiment tracking:** 1/2 training entry points log to MLflow',
      '- **Reproducibility:** PARTIAL (seeds set in 2/2 scripts, incomplete in 1; 4 ML packages unpinned)',
      '- **Evaluation:** golden set found (evals/golden.jsonl, 12 rows); metrics: accuracy, f1',
      '- **Serving:** FastAPI app, health check missing, input validation missing on /predict, model loaded per request in /predict',
      '- **Prompts:** 2 LLM calls, 1 long prompt inline in code, no prompts/ folder',
      '- **Lifecycle:** data ✓ training ✓ tracking ✓ evaluation ✓ registry ✓ serving ✓ monitoring ✗ retraining ✗',
    ]);
    expect(md).toMatch(/^## Errors \(\d+\)$/m);
    expect(md).toContain('- [ML501] `models/encoder.pt:1:1` ');
    expect(md).toMatch(/^## Warnings \(\d+\)$/m);
    expect(md).toContain('- [ML102] `app/serve.py:10:7` ');
    expect(md).toMatch(/^## Recommendations\n\n1\. \[ML\d{3}\] /m);
    expect(md).toMatch(/^\d+\. Monitor the served model: .* \(app\/serve\.py:10\)$/m);
  });

  it('works on a folder that is not a git repository', () => {
    const plain = copyDir(DEMO);
    temps.push(plain);
    const r = cli(['audit', plain, '--format', 'json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.git).toBe(false);
    expect(report.models.artifacts).toEqual([]);
    expect(report.findings.filter((f: { code: string }) => f.code === 'ML501')).toEqual([]);
    expect(report.findings.filter((f: { code: string }) => f.code === 'ML202')).toHaveLength(4);
  });

  it('counts a mixed-precision training loop as a training entry point and points the stage gaps at train.py', () => {
    const plain = mkdtempSync(join(tmpdir(), 'mlops-lint-audit-'));
    temps.push(plain);
    // nanoGPT's loop: the optimizer steps through the GradScaler (`scaler.step(optimizer)`), never `optimizer.step()`.
    writeFileSync(
      join(plain, 'train.py'),
      [
        'import torch',
        'import wandb',
        '',
        'torch.manual_seed(1337)',
        'model = torch.nn.Linear(4, 1)',
        'optimizer = torch.optim.AdamW(model.parameters())',
        'scaler = torch.cuda.amp.GradScaler()',
        'wandb.init(project="demo")',
        'for it in range(10):',
        '    loss = model(torch.randn(2, 4)).sum()',
        '    scaler.scale(loss).backward()',
        '    scaler.step(optimizer)',
        '    scaler.update()',
        '    wandb.log({"loss": loss.item()})',
        '',
      ].join('\n'),
    );
    writeFileSync(join(plain, 'bench.py'), 'import torch\n\nmodel = torch.nn.Linear(4, 1)\noptimizer = torch.optim.AdamW(model.parameters())\noptimizer.step()\n');
    const r = cli(['audit', plain, '--format', 'json', '--exit-zero']);
    const report = JSON.parse(r.stdout);
    expect(report.tracking.entryPoints.map((f: string) => f.replace(/^.*\//, ''))).toEqual(['bench.py', 'train.py']);
    expect(report.tracking.tracked.map((f: string) => f.replace(/^.*\//, ''))).toEqual(['train.py']);
    const registry = report.recommendations.find((x: { text: string }) => x.text.startsWith('Register trained models'));
    expect(registry.locations.map((l: string) => l.replace(/^.*\//, ''))).toEqual(['train.py']);
  });

  it('counts a router attached under a health prefix as the health check, as ML102 does', () => {
    const plain = mkdtempSync(join(tmpdir(), 'mlops-lint-audit-'));
    temps.push(plain);
    mkdirSync(join(plain, 'app/routes'), { recursive: true });
    writeFileSync(join(plain, 'app/__init__.py'), '');
    writeFileSync(join(plain, 'app/routes/__init__.py'), '');
    writeFileSync(
      join(plain, 'app/main.py'),
      'from fastapi import FastAPI\n\nfrom app.routes import health, predict\n\napp = FastAPI()\napp.include_router(health.router, prefix="/health")\napp.include_router(predict.router)\n',
    );
    writeFileSync(join(plain, 'app/routes/health.py'), 'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.get("")\ndef ok():\n    return {}\n');
    writeFileSync(join(plain, 'app/routes/predict.py'), 'from fastapi import APIRouter\n\nrouter = APIRouter()\n\n\n@router.post("/predict")\ndef predict(x: int):\n    return {"y": x}\n');
    const report = JSON.parse(cli(['audit', plain, '--format', 'json', '--exit-zero']).stdout);
    expect(report.serving.health).toEqual(['/health']);
    expect(report.findings.filter((f: { code: string }) => f.code === 'ML102')).toEqual([]);
  });

  it('rejects a file or a missing folder with exit code 2', () => {
    expect(cli(['audit', 'app/serve.py'], { cwd: repo }).code).toBe(2);
    expect(cli(['audit', 'no-such-folder'], { cwd: repo }).code).toBe(2);
    expect(cli(['audit', '.', '--format', 'sarif'], { cwd: repo }).code).toBe(2);
  });
});

describe('project rules in check', () => {
  it('run for a folder argument and not for file arguments', () => {
    const codes = (args: string[]) => (JSON.parse(cli(['check', ...args, '--format', 'json'], { cwd: repo }).stdout).diagnostics as Array<{ code: string }>).map((d) => d.code);
    const folder = codes(['.']);
    for (const code of ['ML102', 'ML202', 'ML403', 'ML501']) expect(folder).toContain(code);
    const files = codes(['app/serve.py', 'app/summarize.py']);
    for (const code of ['ML102', 'ML202', 'ML403', 'ML501']) expect(files).not.toContain(code);
  });

  it('report findings only under the paths given, while reading the whole project', () => {
    const r = cli(['check', 'app', '--format', 'json'], { cwd: repo });
    const found = (JSON.parse(r.stdout).diagnostics as Array<{ code: string; file: string; line: number }>).filter((d) => ['ML102', 'ML202', 'ML403', 'ML501'].includes(d.code));
    expect(found.map((d) => `${d.code} ${d.file}:${d.line}`)).toEqual(['ML102 app/serve.py:10', 'ML403 app/summarize.py:8']);
  });

  it('applies ML501 fixes through --diff and --fix, and a second --fix changes nothing', () => {
    const diff = cli(['check', '.', '--select', 'ML501', '--diff'], { cwd: repo });
    expect(diff.stdout).toContain('+++ b/.gitignore');
    expect(diff.stdout).toContain('+/models/encoder.pt\n+/models/sentiment.joblib\n');
    const fixed = cli(['check', '.', '--select', 'ML501', '--fix'], { cwd: repo });
    expect(fixed.code).toBe(1); // the files stay tracked until `git rm --cached`
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toBe('/models/encoder.pt\n/models/sentiment.joblib\n');
    cli(['check', '.', '--select', 'ML501', '--fix'], { cwd: repo });
    expect(readFileSync(join(repo, '.gitignore'), 'utf8')).toBe('/models/encoder.pt\n/models/sentiment.joblib\n');
  });
});
