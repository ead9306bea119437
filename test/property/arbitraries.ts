import fc from 'fast-check';
import type { Fixture } from './support.js';

/**
 * Generators of hostile variants of real inputs: edits of the rule fixtures (what a file looks like half-way through
 * being typed, pasted into, or mangled by a tool), and notebooks built from scratch, valid and not.
 */

/** Fragments a Python file is made of, and what breaks it: brackets, indentation, strings, line ends, magics. */
const TOKENS = [
  '(', ')', '[', ']', '{', '}', ':', ',', '.', '=', '==', '+', '*', '**', '@', '\\', '#', '# noqa', '# noqa: ML101',
  '# mlops-lint: noqa: ML502', '"', "'", '"""', "'''", 'f"', 'rb"', '{x}', '\n', '\r\n', '\r', '\t', '    ', '        ',
  ' ', 'def ', 'async def ', 'class ', 'lambda', 'return ', 'yield ', 'await ', 'if ', 'elif ', 'else:', 'for ', 'in ',
  'while ', 'with ', ' as ', 'try:', 'except:', 'finally:', 'import ', 'from ', 'global ', 'nonlocal ', 'del ', 'pass',
  'match x:\n    case 1:\n        pass\n', ':=', '...', 'None', 'True', 'False', 'self', 'request', 'model', 'x', '_',
  'torch.load(', 'pickle.load(f)', 'joblib.load("m.pkl")', 'yaml.load(s)', 'torch.manual_seed(0)', 'np.random.rand(3)',
  'random.random()', 'openai.chat.completions.create(model="gpt-4o", messages=m)', 'from_pretrained("gpt2")',
  'trust_remote_code=True', 'weights_only=False', 'max_tokens=', '@app.route("/predict")', '@app.post("/x")',
  'app.run(debug=True)', 'model.eval()', 'with torch.no_grad():', 'mlflow.start_run()', 'wandb.init()',
  'accuracy_score(y, p)', 'train_test_split(X, y)', 'import torch\n', 'import pickle\n', 'from flask import Flask\n',
  '%matplotlib inline\n', '!pip install torch\n', '%%bash\n', 'np.mean?', 'é', '😀', '\u00a0', '\u2028', '\uFEFF',
  '\u200b', '\f', '\v', '\u0000',
];

/** A token, or a short random string of any code points (lone surrogates included: JS strings can hold them). */
const fragment: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...TOKENS) },
  { weight: 1, arbitrary: fc.string({ maxLength: 6, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.array(fc.constantFrom(...TOKENS), { minLength: 2, maxLength: 6 }).map((parts) => parts.join('')) },
);

/** A position as a fraction of the text, so that one value means something in a text of any length. */
const where = fc.double({ min: 0, max: 1, noNaN: true });

export type TextEdit =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'replace'; at: number; length: number; text: string }
  | { kind: 'duplicateLine'; line: number }
  | { kind: 'deleteLine'; line: number }
  | { kind: 'swapLines'; a: number; b: number }
  | { kind: 'indentLine'; line: number; by: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'insertLines'; line: number; text: string };

export const textEdit: fc.Arbitrary<TextEdit> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: where, text: fragment }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: where, length: fc.integer({ min: 1, max: 40 }) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: where, length: fc.integer({ min: 1, max: 12 }), text: fragment }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('duplicateLine' as const), line: where }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('deleteLine' as const), line: where }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('swapLines' as const), a: where, b: where }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('indentLine' as const), line: where, by: fc.constantFrom('    ', '\t', ' ', '') }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: where }) },
);

function offset(text: string, fraction: number): number {
  return Math.min(text.length, Math.floor(fraction * (text.length + 1)));
}

/** Applies one edit; line edits split on `\n` and keep every other character (`\r` included) where it was. */
export function applyTextEdit(text: string, edit: TextEdit): string {
  switch (edit.kind) {
    case 'insert': {
      const at = offset(text, edit.at);
      return text.slice(0, at) + edit.text + text.slice(at);
    }
    case 'delete': {
      const at = offset(text, edit.at);
      return text.slice(0, at) + text.slice(at + edit.length);
    }
    case 'replace': {
      const at = offset(text, edit.at);
      return text.slice(0, at) + edit.text + text.slice(at + edit.length);
    }
    case 'truncate':
      return text.slice(0, offset(text, edit.at));
    default: {
      const lines = text.split('\n');
      const pick = (fraction: number): number => Math.min(lines.length - 1, Math.floor(fraction * lines.length));
      if (edit.kind === 'duplicateLine') {
        const i = pick(edit.line);
        lines.splice(i, 0, lines[i] ?? '');
      } else if (edit.kind === 'deleteLine') {
        lines.splice(pick(edit.line), 1);
      } else if (edit.kind === 'insertLines') {
        lines.splice(pick(edit.line), 0, ...edit.text.replace(/\n$/, '').split('\n'));
      } else if (edit.kind === 'swapLines') {
        const a = pick(edit.a);
        const b = pick(edit.b);
        [lines[a], lines[b]] = [lines[b] ?? '', lines[a] ?? ''];
      } else if (edit.kind === 'indentLine') {
        const i = pick(edit.line);
        lines[i] = edit.by + (lines[i] ?? '');
      }
      return lines.join('\n');
    }
  }
}

export type LineEnds = 'lf' | 'crlf' | 'cr';

export interface EditedFixture {
  fixture: Fixture;
  /** The line ends a `.py` fixture was converted to before the edits (the fixtures themselves use `\n`). */
  lineEnds: LineEnds;
  edits: TextEdit[];
  /** For notebooks: edit the JSON text itself rather than one cell's source. */
  raw: boolean;
  /** For notebooks: which cell's source to edit, as a fraction of the cell count. */
  cell: number;
  text: string;
}

/**
 * A fixture file with a few random edits. A `.py` file is edited as text; a notebook mostly inside one cell's
 * source (the JSON stays a notebook, in the file's own layout), sometimes as raw JSON text.
 */
export function editedFixture(all: readonly Fixture[]): fc.Arbitrary<EditedFixture> {
  return fc
    .record({
      index: fc.integer({ min: 0, max: all.length - 1 }),
      lineEnds: fc.constantFrom<LineEnds>('lf', 'lf', 'lf', 'lf', 'crlf', 'crlf', 'cr'),
      edits: fc.array(textEdit, { minLength: 1, maxLength: 4 }),
      grafts: fc.array(fc.record({ donor: fc.integer({ min: 0, max: all.length - 1 }), from: where, count: fc.integer({ min: 1, max: 8 }), at: where }), { maxLength: 2 }),
      rawWeight: fc.integer({ min: 0, max: 9 }),
      cell: where,
    })
    .map(({ index, lineEnds, edits: ownEdits, grafts, rawWeight, cell }) => {
      const fixture = all[index] as Fixture;
      // Lines of another fixture pasted in: handlers meet loads, prompts meet seeds, in combinations no fixture has.
      const edits: TextEdit[] = [...grafts.map((g) => graft(all[g.donor] as Fixture, g.from, g.count, g.at)), ...ownEdits];
      const raw = fixture.notebook && rawWeight === 0;
      if (fixture.notebook && !raw) return { fixture, lineEnds: 'lf' as const, edits, raw, cell, text: editNotebookCell(fixture.text, cell, edits) };
      const base = fixture.notebook || lineEnds === 'lf' ? fixture.text : fixture.text.replace(/\n/g, lineEnds === 'crlf' ? '\r\n' : '\r');
      return { fixture, lineEnds: fixture.notebook ? ('lf' as const) : lineEnds, edits, raw, cell, text: edits.reduce(applyTextEdit, base) };
    });
}

/** An edit pasting `count` lines of a donor fixture (the code of its cells, for a notebook) at the start of a line. */
function graft(donor: Fixture, from: number, count: number, at: number): TextEdit {
  let code = donor.text;
  if (donor.notebook) {
    try {
      const nb = JSON.parse(donor.text) as { cells?: Array<{ source?: unknown }> };
      code = (nb.cells ?? []).map((c) => (Array.isArray(c.source) ? c.source.join('') : typeof c.source === 'string' ? c.source : '')).join('\n');
    } catch {
      code = '';
    }
  }
  const lines = code.split('\n');
  const first = Math.min(lines.length - 1, Math.floor(from * lines.length));
  return { kind: 'insertLines', line: at, text: `${lines.slice(first, first + count).join('\n')}\n` };
}

/** Applies text edits to one cell's source of a notebook, writing the JSON back with the file's own indentation. */
export function editNotebookCell(json: string, cellFraction: number, edits: readonly TextEdit[]): string {
  let nb: { cells?: Array<{ source?: unknown }> };
  try {
    nb = JSON.parse(json) as typeof nb;
  } catch {
    return edits.reduce(applyTextEdit, json);
  }
  const cells = Array.isArray(nb.cells) ? nb.cells : [];
  const cell = cells[Math.min(cells.length - 1, Math.floor(cellFraction * cells.length))];
  if (!cell) return edits.reduce(applyTextEdit, json);
  const asList = Array.isArray(cell.source);
  const source = asList ? (cell.source as string[]).join('') : typeof cell.source === 'string' ? cell.source : '';
  const edited = edits.reduce(applyTextEdit, source);
  cell.source = asList ? (edited.match(/[^\n]*\n|[^\n]+$/g) ?? []) : edited;
  const indent = /^\{\r?\n( +|\t)/.exec(json)?.[1] ?? 1;
  return JSON.stringify(nb, null, indent) + (json.endsWith('\n') ? '\n' : '');
}

// ---------------------------------------------------------------------------------------------------------------
// Notebooks from scratch

const PY_LINES = [
  'import torch\n', 'import numpy as np\n', 'import pickle, joblib, yaml\n', 'from transformers import AutoModel\n',
  'from flask import Flask, request\n', 'import openai\n', 'app = Flask(__name__)\n', 'model = torch.load("m.pt")\n',
  'data = pickle.load(open(path, "rb"))\n', 'x = np.random.rand(10)\n', 'torch.manual_seed(0)\n',
  'm = AutoModel.from_pretrained("org/model", trust_remote_code=True)\n', '@app.route("/predict")\n',
  'def predict():\n', '    return model(request.json)\n', 'app.run(debug=True)\n', 'print(x)\n',
  'resp = openai.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "hi " + q}])\n',
  'for i in range(3):\n', '    pass\n', 'if x:\n', '    y = 1\n', 'else:\n', 'def broken(:\n', ')))\n', '"""unclosed\n',
  '%matplotlib inline\n', '%%time\n', '%%bash\n', '!pip install torch\n', 'files = !ls\n', 'np.mean?\n', '?np\n',
  '%timeit f()\n', '# comment\n', '\n', '   \n', 'x = 1  # noqa\n', 'é = "ü😀"\n', '\t\tz = 2\n', 'y = 3\r\n',
];

const source: fc.Arbitrary<string> = fc.array(fc.constantFrom(...PY_LINES), { maxLength: 8 }).map((lines) => lines.join(''));

const output = fc.oneof(
  fc.record({ output_type: fc.constant('stream'), name: fc.constantFrom('stdout', 'stderr'), text: fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }) }),
  fc.record({
    output_type: fc.constant('execute_result'),
    execution_count: fc.option(fc.nat(50), { nil: null }),
    data: fc.record({ 'text/plain': fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }) }),
    metadata: fc.constant({}),
  }),
  fc.record({ output_type: fc.constant('display_data'), data: fc.record({ 'image/png': fc.base64String({ maxLength: 64 }) }), metadata: fc.constant({}) }),
  fc.record({ output_type: fc.constant('error'), ename: fc.constant('ValueError'), evalue: fc.string({ maxLength: 10 }), traceback: fc.array(fc.string({ maxLength: 20 }), { maxLength: 2 }) }),
);

const cell = fc
  .record({
    cellType: fc.constantFrom('code', 'code', 'code', 'markdown', 'raw', 'weird'),
    source,
    asList: fc.boolean(),
    executionCount: fc.option(fc.nat(40), { nil: null }),
    outputs: fc.array(output, { maxLength: 2 }),
    attachment: fc.boolean(),
    id: fc.option(fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 8, maxLength: 8 }), { nil: undefined }),
  })
  .map(({ cellType, source: text, asList, executionCount, outputs, attachment, id }) => {
    const src = asList ? (text.match(/[^\n]*\n|[^\n]+$/g) ?? []) : text;
    const base: Record<string, unknown> = { cell_type: cellType, metadata: {}, source: src };
    if (id !== undefined) base['id'] = id;
    if (cellType === 'code') {
      base['execution_count'] = executionCount;
      base['outputs'] = outputs;
    }
    if (attachment && cellType === 'markdown') base['attachments'] = { 'a.png': { 'image/png': 'iVBORw0KGgo=' } };
    return base;
  });

/** Ways a notebook can be broken: each must give one problem line, never a crash. */
const damage = fc.constantFrom(
  'none', 'none', 'none', 'none', 'none', 'none',
  'cells-not-list', 'no-cells', 'source-number', 'cell-not-object', 'cell-type-number', 'truncated', 'not-object',
);

export interface GeneratedNotebook {
  json: string;
  /** What was done to break it (`none` for a valid notebook). */
  damage: string;
  /** Whether the damage took effect (some need a cell to damage). */
  damaged: boolean;
}

/** A notebook: nbformat 4 (sometimes 3, with worksheets), any language metadata, random cells, maybe damaged. */
export const notebook: fc.Arbitrary<GeneratedNotebook> = fc
  .record({
    cells: fc.array(cell, { maxLength: 6 }),
    nbformat: fc.constantFrom(4, 4, 4, 4, 3),
    language: fc.constantFrom('python', 'python', 'python3', 'R', null),
    indent: fc.constantFrom(1, 2, 0, '\t'),
    damage,
    bom: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    trailingNewline: fc.boolean(),
  })
  .map(({ cells, nbformat, language, indent, damage: how, bom, trailingNewline }) => {
    const metadata: Record<string, unknown> = language === null ? {} : { kernelspec: { name: 'k', language, display_name: 'K' } };
    let nb: Record<string, unknown>;
    if (nbformat === 3) {
      const v3cells = cells.map((c) => {
        const { source: src, ...rest } = c;
        return c['cell_type'] === 'code' ? { ...rest, input: src, language: 'python', prompt_number: c['execution_count'] ?? null } : c;
      });
      nb = { nbformat: 3, nbformat_minor: 0, metadata, worksheets: [{ cells: v3cells, metadata: {} }] };
    } else {
      nb = { nbformat: 4, nbformat_minor: 5, metadata, cells };
    }
    const list = (nbformat === 3 ? (nb['worksheets'] as Array<{ cells: unknown[] }>)[0]?.cells : nb['cells']) as Array<Record<string, unknown>>;
    const first = list[0];
    let damaged = true;
    switch (how) {
      case 'cells-not-list':
        if (nbformat === 3) nb['worksheets'] = { 0: {} };
        else nb['cells'] = { 0: first ?? {} };
        break;
      case 'no-cells':
        delete nb['cells'];
        delete nb['worksheets'];
        break;
      case 'source-number':
        if (first) first[nbformat === 3 && first['cell_type'] === 'code' ? 'input' : 'source'] = 42;
        else damaged = false;
        break;
      case 'cell-not-object':
        list.push('cell' as unknown as Record<string, unknown>);
        break;
      case 'cell-type-number':
        if (first) first['cell_type'] = 3;
        else damaged = false;
        break;
      case 'truncated':
      case 'not-object':
        break;
      default:
        damaged = false;
        break;
    }
    let json = JSON.stringify(how === 'not-object' ? [nb] : nb, null, indent) + (trailingNewline ? '\n' : '');
    if (how === 'truncated') json = json.slice(0, Math.floor(json.length / 2));
    return { json: bom ? `\uFEFF${json}` : json, damage: how, damaged };
  });
