import { defineRule, type Edit, type Fixer, type RuleContext } from '@mlops-lint/core';
import { NodeType, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import {
  argumentList,
  callArguments,
  definitionOf,
  definitionOfName,
  dictionarySplats,
  keywordArgument,
  keywordValue,
  literalDictEntries,
  literalValue,
  mayMutateDict,
  positionalArguments,
  resolvedLiteral,
  splatValue,
  unparenthesize,
  type LiteralValue,
} from '../utils/args.js';
import { RANDOM_STATE_TAKERS, SEED_ALL, SEEDERS } from '../vocabulary/reproducibility.js';

type MessageIds = 'missingRandomState' | 'addRandomState';

/** scikit-learn callables outside the shared list that take `random_state` (checked in `sklearnTarget`). */
const EXTRA_TAKERS: ReadonlySet<string> = new Set(['GroupKFold', 'StratifiedGroupKFold', 'SVC', 'NuSVC', 'MiniBatchNMF']);

/** Callables whose positional arguments are data arrays, so any number of them says nothing about `random_state`. */
const ARRAY_FUNCTIONS: ReadonlySet<string> = new Set(['train_test_split', 'shuffle', 'resample']);

/**
 * How many leading positional arguments cannot be `random_state` (1 for the rest): `KFold(n_splits, shuffle)`,
 * and the random searches' `(estimator, param_distributions)` (`RandomizedSearchCV(rf, grid, n_iter=50)`).
 */
const POSITIONAL_BEFORE_SEED: ReadonlyMap<string, number> = new Map([
  ['KFold', 2],
  ['StratifiedKFold', 2],
  ['RandomizedSearchCV', 2],
  ['HalvingRandomSearchCV', 2],
]);

/** Pandas-like libraries whose `DataFrame.sample` takes `random_state`. */
const PANDAS_LIKE = ['pandas', 'modin.pandas', 'dask.dataframe', 'geopandas', 'cudf'];

/** Names people give DataFrames: `df`, `train_df`, `df_test`, `dataframe`, `frame`. */
const DATAFRAME_NAME = /(?:^|_)(?:df|dfs|dataframe|frame)(?:_|\d|$)|^df/i;

/** Names a seed variable goes by, in order of preference. */
const SEED_NAMES = ['SEED', 'RANDOM_STATE', 'RANDOM_SEED', 'seed', 'random_state', 'random_seed'];

interface Target {
  /** What varies between runs, for the message. */
  effect: string;
}

/**
 * ML204: a scikit-learn splitter, estimator or sampler whose result depends on a random number generator, or a
 * pandas `DataFrame.sample`, called without `random_state`. Only names that resolve into `sklearn.` count (a local
 * class named `KMeans` does not); splitters that do not shuffle (`KFold()` without `shuffle=True`,
 * `train_test_split(..., shuffle=False)`) and estimators whose randomness is off by default (`LogisticRegression`
 * with the default solver, `PCA` without a randomized solver) stay quiet, and so does a call with a `**kwargs`
 * splat whose keys are unknown. The unsafe fix adds `random_state=<seed>`, reusing a seed variable in scope.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML204',
    name: 'missing-random-state',
    severity: 'info',
    scope: 'file',
    fix: 'unsafe',
    docs: { description: 'Random scikit-learn split, estimator or DataFrame sample without random_state' },
    triggers: ['sklearn', '.sample('],
    messages: {
      missingRandomState: '`{{call}}` has no `random_state`, so {{effect}} between runs',
      addRandomState: 'Add `random_state={{seed}}`',
    },
  },
  create(context) {
    let pandasImported: boolean | null = null;
    let globalSeed: boolean | null = null;
    const importsPandas = (): boolean => {
      pandasImported ??= PANDAS_LIKE.some((m) => context.file.resolver.importsModule(m));
      return pandasImported;
    };
    return {
      call(node) {
        const callee = node.childForFieldName('function');
        const args = argumentList(node);
        if (!callee || !args) return;
        if (keywordArgument(node, 'random_state')) return;
        // A bare expression statement (`KMeans()`, `df.sample(5)` in a notebook cell) only displays its result.
        if (node.parent?.type === NodeType.ExpressionStatement) return;
        const target = sklearnTarget(context, node) ?? pandasSample(context, node, importsPandas);
        if (!target) return;
        if (reseededByEnsemble(context, node)) return;
        const splats = splatState(context, node);
        if (splats === 'unknown' || splats === 'present') return;
        if (configuredLater(context, node)) return;

        const nameNode = callee.type === NodeType.Attribute ? (callee.childForFieldName('attribute') ?? callee) : callee;
        const seed = seedFor(context, node);
        // The same call repeated by a loop for fresh draws (bootstrap resamples, random restarts): a constant seed
        // would make every iteration identical, so no fix; and with numpy's global seed set the draws are
        // already reproducible.
        const repeated = !seed.loop && repeatedInLoop(node);
        if (repeated) {
          globalSeed ??= hasGlobalSeed(context);
          if (globalSeed) return;
        }
        context.report({
          range: [nameNode.startIndex, nameNode.endIndex],
          messageId: 'missingRandomState',
          data: { call: compact(callee.text), effect: target.effect },
          fix: repeated
            ? null
            : {
                messageId: 'addRandomState',
                data: { seed: seed.text },
                applicability: 'unsafe',
                edits: (fixer) => insertKeyword(context.file, fixer, args, `random_state=${seed.text}`),
              },
        });
      },
    };
  },
});

/** The scikit-learn callable this call constructs or calls, when its result is random without `random_state`. */
function sklearnTarget(context: RuleContext<MessageIds>, call: SyntaxNode): Target | null {
  const qualified = context.resolve(call);
  if (!qualified?.startsWith('sklearn.') || qualified.includes('()')) return null;
  const name = qualified.slice(qualified.lastIndexOf('.') + 1);
  if (!RANDOM_STATE_TAKERS.has(name) && !EXTRA_TAKERS.has(name)) return null;
  const positional = positionalArguments(call);
  const hasListSplat = callArguments(call).some((a) => a.type === NodeType.ListSplat);
  if (!ARRAY_FUNCTIONS.has(name)) {
    // Old positional style (`KFold(5, True, 0)`, `RandomForestClassifier(100, 'gini', 5, …)`) may pass
    // random_state by position; a `*args` splat may too.
    if (positional.length > (POSITIONAL_BEFORE_SEED.get(name) ?? 1) || hasListSplat) return null;
  }
  const literal = (kw: string, position: number | null = null): LiteralValue | null => {
    const value = keywordValue(call, kw) ?? (position === null ? null : (positional[position] ?? null));
    return value ? resolvedLiteral(context.file, value) : null;
  };
  const isTrue = (v: LiteralValue | null): boolean => v?.kind === 'bool' && v.value;
  const isString = (v: LiteralValue | null, ...options: string[]): boolean => v?.kind === 'string' && options.includes(v.value);
  const given = (kw: string): boolean => keywordValue(call, kw) !== null;

  switch (name) {
    case 'train_test_split':
      // `shuffle=False` (time series) uses no randomness; a shuffle flag we cannot read may be False.
      return given('shuffle') && !isTrue(literal('shuffle')) ? null : { effect: 'the train/test split differs' };
    case 'KFold':
    case 'StratifiedKFold':
    case 'GroupKFold':
    case 'StratifiedGroupKFold':
      return isTrue(literal('shuffle', name === 'KFold' || name === 'StratifiedKFold' ? 1 : null)) ? { effect: 'the folds differ' } : null;
    case 'ShuffleSplit':
    case 'StratifiedShuffleSplit':
    case 'GroupShuffleSplit':
    case 'RepeatedKFold':
    case 'RepeatedStratifiedKFold':
      return { effect: 'the splits differ' };
    case 'RandomizedSearchCV':
    case 'HalvingRandomSearchCV':
      return { effect: 'the sampled candidates differ' };
    case 'HalvingGridSearchCV':
      // Random only when subsampling by a resource other than the number of samples.
      return given('resource') && !isString(literal('resource'), 'n_samples') ? { effect: 'the subsamples differ' } : null;
    case 'LogisticRegression':
      return isString(literal('solver'), 'sag', 'saga', 'liblinear') ? { effect: 'the fitted model differs' } : null;
    case 'PCA':
      return isString(literal('svd_solver'), 'randomized', 'arpack') ? { effect: 'the components differ' } : null;
    case 'NMF':
    case 'MiniBatchNMF':
      return isString(literal('init'), 'random', 'nndsvdar') ? { effect: 'the factorization differs' } : null;
    case 'SGDClassifier':
    case 'SGDRegressor': {
      const shuffle = literal('shuffle');
      const shuffled = !given('shuffle') || isTrue(shuffle);
      return shuffled || isTrue(literal('early_stopping')) ? { effect: 'the fitted model differs' } : null;
    }
    case 'SVC':
    case 'NuSVC':
      return isTrue(literal('probability')) ? { effect: 'the probability estimates differ' } : null;
    case 'make_classification':
    case 'make_regression':
    case 'make_blobs':
      return { effect: 'the generated data differs' };
    case 'shuffle':
    case 'resample':
      return { effect: 'the row order differs' };
    case 'KMeans':
    case 'MiniBatchKMeans':
    case 'GaussianMixture':
      return { effect: 'the clusters differ' };
    case 'TSNE':
    case 'TruncatedSVD':
      return { effect: 'the embedding differs' };
    default:
      return { effect: 'the fitted model differs' };
  }
}

/**
 * `DataFrame.sample(...)` (also `Series`/`GroupBy`): only when the receiver is plausibly a DataFrame: it comes from a
 * pandas call, or the file imports pandas and the call says `frac=`, or says `n=`/a count on a receiver named like a
 * DataFrame. `random.sample(population, k)`, `dist.sample()`, `pm.sample(1000)` and polars/Spark samples stay out.
 */
function pandasSample(context: RuleContext<MessageIds>, call: SyntaxNode, importsPandas: () => boolean): Target | null {
  const callee = call.childForFieldName('function');
  if (callee?.type !== NodeType.Attribute || callee.childForFieldName('attribute')?.text !== 'sample') return null;
  // Polars (`seed=`, `fraction=`), Spark (`withReplacement`, `fraction=`).
  for (const kw of ['seed', 'fraction', 'withReplacement', 'with_replacement', 'shuffle']) if (keywordArgument(call, kw)) return null;
  // DataFrame.sample(n, frac, replace, weights, random_state, …): a fifth positional argument is random_state.
  const positional = positionalArguments(call);
  if (positional.length >= 5 || callArguments(call).some((a) => a.type === NodeType.ListSplat)) return null;

  const effect: Target = { effect: 'the sampled rows differ' };
  const full = context.resolve(call);
  if (full !== null && isPandasName(full)) return effect;
  const receiver = callee.childForFieldName('object');
  const root = receiver ? rootName(receiver) : null;
  if (root) {
    const binding = context.file.resolver.lookup(root.text, root);
    if (binding?.kind === 'import') return null;
    const rootQualified = context.resolve(root);
    if (rootQualified !== null && isPandasName(rootQualified)) return effect;
    // A name bound to another library's object (`rng = np.random.default_rng()`, `dist = torch.distributions…`).
    if (rootQualified !== null && binding !== null && !isPandasName(rootQualified)) return null;
  }
  if (!importsPandas()) return null;
  if (keywordArgument(call, 'frac')) return effect;
  const first = positional[0] ?? null;
  const count = keywordValue(call, 'n') ?? first;
  const countValue = count ? literalValue(count) : null;
  const countGiven = keywordValue(call, 'n') !== null || countValue?.kind === 'int';
  if (countGiven && root && DATAFRAME_NAME.test(root.text)) return effect;
  return null;
}

function isPandasName(qualified: string): boolean {
  return PANDAS_LIKE.some((m) => qualified === m || qualified.startsWith(`${m}.`));
}

/** The name an expression chain starts from: `df` in `df[df.y == 1].groupby("g")`. */
function rootName(node: SyntaxNode): SyntaxNode | null {
  let current: SyntaxNode | null = unparenthesize(node);
  for (let i = 0; current && i < 32; i++) {
    switch (current.type) {
      case NodeType.Identifier:
        return current;
      case NodeType.Attribute:
        current = current.childForFieldName('object');
        break;
      case NodeType.Subscript:
        current = current.childForFieldName('value');
        break;
      case NodeType.Call:
        current = current.childForFieldName('function');
        break;
      case NodeType.ParenthesizedExpression:
        current = unparenthesize(current);
        break;
      default:
        return null;
    }
  }
  return null;
}

/**
 * `**splat` arguments: `'present'` when one is a dict display (or a name simply assigned one and never mutated)
 * holding `random_state`, `'unknown'` when any has keys we cannot see, `'absent'` otherwise.
 */
function splatState(context: RuleContext<MessageIds>, call: SyntaxNode): 'present' | 'absent' | 'unknown' {
  let state: 'present' | 'absent' | 'unknown' = 'absent';
  for (const splat of dictionarySplats(call)) {
    const inner = splatValue(splat);
    if (!inner) return 'unknown';
    let dict: SyntaxNode | null = unparenthesize(inner);
    if (dict.type === NodeType.Identifier) {
      const def = definitionOf(context.file, dict);
      dict = def?.kind === 'value' && !mayMutateDict(context.file, dict.text) ? def.node : null;
    }
    const entries = literalDictEntries(dict);
    if (!entries) return 'unknown';
    if (entries.has('random_state')) state = 'present';
  }
  return state;
}

/** Meta-estimators that hand every sub-estimator a seed drawn from their own `random_state`. */
const RESEEDING_ENSEMBLES: ReadonlySet<string> = new Set(['BaggingClassifier', 'BaggingRegressor', 'AdaBoostClassifier', 'AdaBoostRegressor']);

/**
 * `BaggingClassifier(DecisionTreeClassifier(), random_state=42)`: the ensemble seeds its base estimator, so the
 * inner call needs no `random_state` (the ensemble itself is checked on its own).
 */
function reseededByEnsemble(context: RuleContext<MessageIds>, call: SyntaxNode): boolean {
  let arg: SyntaxNode = call;
  if (arg.parent?.type === NodeType.KeywordArgument) arg = arg.parent;
  const list = arg.parent;
  const outer = list?.type === NodeType.ArgumentList ? list.parent : null;
  if (outer?.type !== NodeType.Call) return false;
  const qualified = context.resolve(outer);
  if (!qualified?.startsWith('sklearn.')) return false;
  return RESEEDING_ENSEMBLES.has(qualified.slice(qualified.lastIndexOf('.') + 1));
}

/** `rf = RandomForestClassifier(); rf.set_params(random_state=0)` or `rf.random_state = 0` sets it after the call. */
function configuredLater(context: RuleContext<MessageIds>, call: SyntaxNode): boolean {
  const parent = call.parent;
  if (parent?.type !== NodeType.Assignment || parent.childForFieldName('right')?.startIndex !== call.startIndex) return false;
  const left = parent.childForFieldName('left');
  if (left?.type !== NodeType.Identifier) return false;
  const id = left.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const re = new RegExp(String.raw`(?<![\w.])${id}\s*\.\s*(?:set_params\s*\([^)]*\brandom_state\b|random_state\s*=(?!=))`);
  return re.test(context.file.text.slice(call.endIndex));
}

/**
 * The seed to pass: a seed variable in scope (`SEED`, `RANDOM_STATE`, `seed`, … assigned an int, an int parameter, a
 * `for seed in …` loop), else the int given to a global seeding call (`np.random.seed(123)`), else `42`.
 */
function seedFor(context: RuleContext<MessageIds>, call: SyntaxNode): { text: string; loop: boolean } {
  const file = context.file;
  const inFunction = enclosingFunction(call) !== null;
  // The innermost binding wins (a `seed` parameter over a module-level `SEED`); then the order of SEED_NAMES.
  let best: { name: string; depth: number; loop: boolean } | null = null;
  for (const name of SEED_NAMES) {
    const def = definitionOfName(file, name, call);
    if (!def) continue;
    const site = def.site;
    const visible = site.startIndex < call.startIndex || (inFunction && enclosingFunction(site) === null);
    if (!visible || !isIntSeed(file, def, call)) continue;
    // A `for seed in …` loop around the call is closer than any assignment at the same level.
    const depth = functionDepth(site) + (def.kind === 'loop' ? 0.5 : 0);
    if (!best || depth > best.depth) best = { name, depth, loop: def.kind === 'loop' };
  }
  if (best) return { text: best.name, loop: best.loop };
  for (const seeding of file.root.descendantsOfType(NodeType.Call)) {
    if (seeding.startIndex > call.startIndex) break;
    const qualified = context.resolve(seeding);
    if (qualified === null || (!SEEDERS.has(qualified) && !SEED_ALL.has(qualified))) continue;
    const first = positionalArguments(seeding)[0] ?? keywordValue(seeding, 'seed');
    const value = first ? literalValue(first) : null;
    if (value?.kind === 'int' && value.value >= 0) return { text: String(value.value), loop: false };
  }
  return { text: '42', loop: false };
}

/** Whether the file seeds numpy's global generator, which scikit-learn draws from when `random_state` is None. */
function hasGlobalSeed(context: RuleContext<MessageIds>): boolean {
  for (const call of context.file.root.descendantsOfType(NodeType.Call)) {
    const qualified = context.resolve(call);
    if (qualified !== null && (SEEDERS.get(qualified) === 'numpy' || SEED_ALL.has(qualified))) return true;
  }
  return false;
}

const LOOP_TYPES: ReadonlySet<string> = new Set([
  NodeType.ForStatement,
  NodeType.WhileStatement,
  'list_comprehension',
  'set_comprehension',
  'dictionary_comprehension',
  'generator_expression',
]);

/**
 * Whether a loop or comprehension runs this call again and again with the same arguments: none of its arguments
 * mentions a loop variable (`[resample(X) for _ in range(1000)]`, but not `for k in ks: KMeans(n_clusters=k)`).
 */
function repeatedInLoop(call: SyntaxNode): boolean {
  const targets = new Set<string>();
  let inLoop = false;
  for (let child: SyntaxNode = call, p = call.parent; p; child = p, p = p.parent) {
    if (p.type === NodeType.FunctionDefinition || p.type === NodeType.Lambda || p.type === NodeType.ClassDefinition) break;
    if (!LOOP_TYPES.has(p.type)) continue;
    if (p.type === NodeType.ForStatement) {
      // Only the body repeats, not the iterable (`for x in train_test_split(...)`).
      const body = p.childForFieldName('body');
      if (!body || child.startIndex < body.startIndex) continue;
      for (const id of p.childForFieldName('left')?.descendantsOfType(NodeType.Identifier) ?? []) targets.add(id.text);
    } else if (p.type !== NodeType.WhileStatement) {
      for (const clause of p.namedChildren.filter((c) => c.type === 'for_in_clause')) {
        for (const id of clause.childForFieldName('left')?.descendantsOfType(NodeType.Identifier) ?? []) targets.add(id.text);
      }
    }
    inLoop = true;
  }
  if (!inLoop) return false;
  const args = argumentList(call);
  const used = args?.descendantsOfType(NodeType.Identifier) ?? [];
  return !used.some((id) => targets.has(id.text));
}

/** Whether a seed-named binding holds an int: an int assignment, an int parameter, or the loop the call is in. */
function isIntSeed(file: SourceFile, def: NonNullable<ReturnType<typeof definitionOfName>>, call: SyntaxNode): boolean {
  switch (def.kind) {
    case 'value':
      return resolvedLiteral(file, def.node)?.kind === 'int';
    case 'parameter':
      return (def.defaultValue ? literalValue(def.defaultValue)?.kind === 'int' : false) || def.annotation?.text === 'int';
    case 'loop':
      return def.site.startIndex <= call.startIndex && call.endIndex <= def.site.endIndex;
  }
}

function functionDepth(node: SyntaxNode): number {
  let depth = 0;
  for (let p = node.parent; p; p = p.parent) if (p.type === NodeType.FunctionDefinition || p.type === NodeType.Lambda) depth++;
  return depth;
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) if (p.type === NodeType.FunctionDefinition || p.type === NodeType.Lambda) return p;
  return null;
}

/**
 * Inserts `text` as the last argument of an argument list, following its layout: `()` → `(text)`; `(a, b)` →
 * `(a, b, text)`; one argument per line → a new line with the same indentation, keeping a trailing comma and any
 * comment at the end of the last argument's line where they are.
 */
function insertKeyword(file: SourceFile, fixer: Fixer, args: SyntaxNode, text: string): Edit[] {
  const source = file.text;
  const items = args.namedChildren.filter((c) => c.type !== NodeType.Comment);
  const last = items[items.length - 1];
  const close = args.lastChild;
  if (!last || !close || close.type !== ')') {
    const open = args.firstChild;
    return open ? [fixer.insertTextAfter(open, text)] : [];
  }
  let comma: SyntaxNode | null = null;
  for (let next = last.nextSibling; next && next.startIndex < close.startIndex; next = next.nextSibling) {
    if (next.type === ',') comma = next;
  }
  const lineOf = (offset: number): number => file.lineIndex.lineOf(offset);
  if (lineOf(last.endIndex) === lineOf(close.startIndex)) {
    return [comma ? fixer.insertTextAfter(comma, ` ${text},`) : fixer.insertTextAfter(last, `, ${text}`)];
  }
  // One argument per line: the new one goes on its own line, indented like the line the last argument starts on.
  const lineStart = source.lastIndexOf('\n', last.startIndex - 1) + 1;
  // The indentation of the last argument's line; when that line also holds the opening parenthesis
  // (`f(a=1,  # note` + newline + `)`), the column just after it, under the first argument.
  const indent =
    args.startIndex >= lineStart
      ? ' '.repeat(args.startIndex + 1 - lineStart)
      : (/^[ \t]*/.exec(source.slice(lineStart, last.startIndex))?.[0] ?? '');
  const anchor = comma ?? last;
  const eol = lineEnd(source, anchor.endIndex);
  if (comma) return [fixer.insertAt(eol, `\n${indent}${text},`)];
  if (eol === last.endIndex) return [fixer.insertAt(eol, `,\n${indent}${text}`)];
  return [fixer.insertTextAfter(last, ','), fixer.insertAt(eol, `\n${indent}${text}`)];
}

function lineEnd(source: string, offset: number): number {
  let i = offset;
  while (i < source.length && source[i] !== '\n' && source[i] !== '\r') i++;
  return i;
}

function compact(text: string): string {
  const written = text.replace(/\s+/g, '');
  return written.length <= 60 ? written : `…${written.slice(-40)}`;
}
