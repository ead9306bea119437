import { defineRule, type RuleContext, type Visitors } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { callArguments, definitionOf, positionalArguments, stringValue, unparenthesize } from '../utils/args.js';
import { importedNames, importedRoots, lastName, methodCall, parsedNodesOf, ScriptReach } from '../utils/training-scripts.js';
import { METRIC_KEYWORDS, METRIC_LOADERS, METRIC_LOG_METHODS, metricKeyKind, metricKind } from '../vocabulary/experiment-tracking.js';

type MessageIds = 'accuracyOnly';
type Context = RuleContext<MessageIds>;
type Kind = 'rich' | 'accuracy' | null;

/** scikit-learn metric helpers that are not a metric of their own. */
const SKLEARN_NEUTRAL = new Set(['make_scorer', 'get_scorer', 'check_scoring', 'get_scorer_names', 'zero_one_loss', 'pairwise_distances', 'pairwise']);
/** torchmetrics containers and aggregators. */
const TORCHMETRICS_NEUTRAL = /^(Metric|MetricCollection|MeanMetric|SumMetric|CatMetric|MaxMetric|MinMetric|RunningMean|RunningSum|MetricTracker|ClasswiseWrapper|MultitaskWrapper)$/;
/** Names that stand for accuracy when passed as a metric (fastai's `accuracy`/`error_rate`, Keras' `"acc"`). */
const ACCURACY_VALUE_NAMES = new Set(['accuracy', 'acc', 'error_rate']);
/** Rich-metric producers that do not say so in their name. */
const RICH_CALLS = /^(wandb\.(sklearn|plot)\.|mlflow\.(models\.)?evaluate$|pandas\.crosstab$|yellowbrick\.classifier\.|scikitplot\.metrics\.)/;
/** Strings that are not metric keys (messages, format strings, paths). */
const METRIC_KEY = /^[\w/\-.@ ]{1,60}$/;

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML302',
    name: 'accuracy-only-metrics',
    severity: 'warning',
    scope: 'file',
    fix: 'none',
    docs: { description: 'Model evaluated with accuracy alone' },
    // Only an accuracy metric is ever reported: a name whose words (split at `_`, digits and camel case, then
    // lower-cased, as `metricKind` reads it) include `acc`, `accs`, `accuracy` or `accuracies`, or fastai's
    // `error_rate`. Such a word is written `acc`/`Acc` followed by `s`, `u`, a capital, a digit or no letter, or
    // in capitals; `accelerate`, `access` and `accumulator`-style names do not qualify.
    skipTestFiles: true,
    triggers: /[aA]cc(?![a-rtv-z])|ACC|error_rate/,
    messages: {
      accuracyOnly:
        'Only accuracy is reported ({{metric}}): on imbalanced classes it hides poor per-class performance; also report precision/recall/F1, ROC AUC or a confusion matrix',
    },
  },
  create(context): Visitors {
    return {
      'module:exit'() {
        check(context);
      },
    };
  },
});

function check(context: Context): void {
  const sites: SyntaxNode[] = [];
  let rich = false;
  const note = (kind: Kind, node: SyntaxNode): void => {
    if (kind === 'rich') rich = true;
    else if (kind === 'accuracy') sites.push(node);
  };

  const roots = importedRoots(context);
  for (const call of parsedNodesOf(context, NodeType.Call)) {
    if (rich) return;
    const q = context.resolve(call);
    note(metricCallKind(q, call), call);
    if (q && RICH_CALLS.test(q)) rich = true;
    if (q && /^mlflow\.(sklearn\.)?autolog$/.test(q) && roots.has('sklearn')) rich = true;
    if (q && METRIC_LOADERS.test(q)) for (const s of stringsIn(callArguments(call))) note(stringKind(s), s);
    if (q === 'sklearn.metrics.make_scorer') {
      const first = positionalArguments(call)[0];
      if (first) note(valueKind(context, first), first);
    }
    const mc = methodCall(call);
    if (mc && METRIC_LOG_METHODS.has(mc.method)) for (const key of loggedKeys(context, call)) note(stringKind(key), key);
    for (const arg of callArguments(call)) {
      if (arg.type !== NodeType.KeywordArgument) continue;
      const name = arg.childForFieldName('name')?.text ?? '';
      const value = arg.childForFieldName('value');
      if (!value) continue;
      if (METRIC_KEYWORDS.has(name)) {
        for (const v of metricValues(value)) {
          const kind = valueKind(context, v);
          // The model-selection metric alone is not a report; a rich one still shows richer evaluation.
          note(name === 'metric_for_best_model' && kind === 'accuracy' ? null : kind, v);
        }
      } else if (name === 'loss' && stringKind(unparenthesize(value)) === 'rich') rich = true;
    }
  }
  if (rich) return;

  // Dict entries that configure or return metrics: `{"eval_metric": "auc"}`, `return {"f1": f1}`.
  for (const pair of parsedNodesOf(context, NodeType.Pair)) {
    const key = pair.childForFieldName('key');
    const keyText = stringValue(key);
    if (keyText === null || !key) continue;
    if (metricKeyKind(keyText) === 'rich') return;
    const value = pair.childForFieldName('value');
    if (value && /^(metric|metrics|eval_metric|scoring)$/.test(keyText)) {
      for (const v of metricValues(value)) note(valueKind(context, v), v);
    } else if (value && returnedByMetricFunction(pair)) note(stringKind(key), key);
  }
  if (rich) return;

  // Metrics computed by hand or imported: `f1 = 2 * p * r / (p + r)`, `from sklearn.metrics import roc_auc_score`.
  for (const assignment of parsedNodesOf(context, NodeType.Assignment)) {
    const right = assignment.childForFieldName('right');
    if (!right || isPlainLiteral(right)) continue;
    const left = assignment.childForFieldName('left');
    const targets = left ? (left.type === NodeType.Identifier ? [left] : left.descendantsOfType(NodeType.Identifier)) : [];
    if (targets.some((t) => metricKind(t.text) === 'rich')) return;
  }
  for (const stmt of parsedNodesOf(context, [NodeType.ImportFromStatement])) {
    for (const { name } of importedNames(stmt)) if (name && metricKind(name) === 'rich') return;
  }

  if (sites.length === 0) return;
  const reach = new ScriptReach(context);
  const first = sites.filter((s) => reach.isReachable(s)).sort((a, b) => a.startIndex - b.startIndex)[0];
  if (!first) return;
  context.report({ node: first, messageId: 'accuracyOnly', data: { metric: label(first) } });
}

function label(node: SyntaxNode): string {
  if (node.type === NodeType.Call) return `\`${lastName(node) ?? 'accuracy'}\``;
  const text = node.text.replace(/\s+/g, ' ');
  return `\`${text.length > 40 ? `${text.slice(0, 39)}…` : text}\``;
}

/** What a call computes: a scikit-learn/torchmetrics/Keras metric, or a helper named after a metric. */
function metricCallKind(q: string | null, call: SyntaxNode): Kind {
  if (q) {
    const last = q.slice(q.lastIndexOf('.') + 1);
    if (q === 'sklearn.metrics.accuracy_score' || q === 'accuracy_score') return 'accuracy';
    if (q.startsWith('sklearn.metrics.')) return SKLEARN_NEUTRAL.has(last) || q.includes('.pairwise') ? null : 'rich';
    if (q.startsWith('torchmetrics.')) {
      // A method of a metric object (`acc.compute()`, `acc.update(…)`) computes the metric of its class.
      const cls = /\.([A-Z]\w*)(?:\(\))?\.[a-z_]\w*$/.exec(q)?.[1] ?? last;
      if (TORCHMETRICS_NEUTRAL.test(cls)) return null;
      return metricKind(cls) ?? 'rich';
    }
    if (/^(tensorflow\.keras|keras|tf_keras)\.metrics\.\w+$/.test(q) || q === 'fastai.metrics.accuracy') return metricKind(last);
    if (q === 'fastai.metrics.error_rate') return 'accuracy';
  }
  for (const name of calleeNames(call)) if (metricKind(name) === 'rich') return 'rich';
  return null;
}

/** The names of a callee written as a dotted chain: `ConfusionMatrixDisplay.from_predictions` → both names. */
function calleeNames(call: SyntaxNode): string[] {
  const out: string[] = [];
  let fn = call.childForFieldName('function');
  while (fn?.type === NodeType.Attribute) {
    const attr = fn.childForFieldName('attribute');
    if (attr) out.push(attr.text);
    fn = fn.childForFieldName('object');
  }
  if (fn?.type === NodeType.Identifier) out.push(fn.text);
  return out;
}

/** Strings among some nodes and their list/tuple items. */
function stringsIn(nodes: readonly SyntaxNode[]): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const n of nodes) {
    const v = unparenthesize(n.type === NodeType.KeywordArgument ? (n.childForFieldName('value') ?? n) : n);
    if (v.type === NodeType.String) out.push(v);
    else if (v.type === NodeType.List || v.type === NodeType.Tuple) out.push(...v.namedChildren.filter((c) => c.type === NodeType.String));
  }
  return out;
}

/** A metric key as written: plain strings, and f-strings read with their fields blanked (`f"{stage}_acc"`). */
function stringKind(node: SyntaxNode): Kind {
  if (node.type !== NodeType.String) return null;
  const plain = stringValue(node);
  const text = plain ?? node.children.filter((c) => c.type === 'string_content').map((c) => c.text).join('_');
  if (!METRIC_KEY.test(text)) return null;
  return metricKeyKind(text);
}

/** A metric given as a value: a string, a name (`accuracy`, `error_rate`), or a metric object/call. */
function valueKind(context: Context, node: SyntaxNode): Kind {
  const n = unparenthesize(node);
  if (n.type === NodeType.String) return stringKind(n);
  if (n.type === NodeType.Call) return metricCallKind(context.resolve(n), n);
  if (n.type === NodeType.Identifier || n.type === NodeType.Attribute) {
    const q = context.resolve(n);
    if (q === 'sklearn.metrics.accuracy_score' || q === 'fastai.metrics.accuracy' || q === 'fastai.metrics.error_rate') return 'accuracy';
    const name = lastName(n) ?? '';
    if (ACCURACY_VALUE_NAMES.has(name) && (q === null || q === name || q.startsWith('fastai.'))) return 'accuracy';
    return metricKind(name) === 'rich' ? 'rich' : null;
  }
  return null;
}

/** The metrics of a `metrics=` / `scoring=` value: one item, or the items (and dict keys/values) of a collection. */
function metricValues(value: SyntaxNode): SyntaxNode[] {
  const v = unparenthesize(value);
  if (v.type === NodeType.List || v.type === NodeType.Tuple || v.type === 'set') return v.namedChildren.filter((c) => c.type !== NodeType.Comment);
  if (v.type === NodeType.Dictionary) {
    const out: SyntaxNode[] = [];
    for (const pair of v.namedChildren) {
      if (pair.type !== NodeType.Pair) continue;
      const k = pair.childForFieldName('key');
      const val = pair.childForFieldName('value');
      if (k) out.push(k);
      if (val) out.push(val);
    }
    return out;
  }
  return [v];
}

/** The keys a logging call records: its first string argument, or the string keys of a dict it receives. */
function loggedKeys(context: Context, call: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const args = callArguments(call);
  const first = args[0];
  if (first && first.type !== NodeType.KeywordArgument && unparenthesize(first).type === NodeType.String) out.push(unparenthesize(first));
  for (const arg of args) {
    let value = unparenthesize(arg.type === NodeType.KeywordArgument ? (arg.childForFieldName('value') ?? arg) : arg);
    if (value.type === NodeType.Identifier) {
      const def = definitionOf(context.file, value);
      if (def?.kind === 'value') value = unparenthesize(def.node);
    }
    if (value.type !== NodeType.Dictionary) continue;
    for (const pair of value.namedChildren) {
      const key = pair.type === NodeType.Pair ? pair.childForFieldName('key') : null;
      if (key?.type === NodeType.String) out.push(key);
    }
  }
  return out;
}

/** A dict entry in a `return {…}` of a function named like `compute_metrics`. */
function returnedByMetricFunction(pair: SyntaxNode): boolean {
  const dict = pair.parent;
  if (dict?.type !== NodeType.Dictionary || dict.parent?.type !== NodeType.ReturnStatement) return false;
  for (let p = dict.parent.parent; p; p = p.parent) {
    if (p.type === NodeType.FunctionDefinition) return /metric|evaluat|score/i.test(p.childForFieldName('name')?.text ?? '');
  }
  return false;
}

function isPlainLiteral(node: SyntaxNode): boolean {
  const n = unparenthesize(node);
  return ([NodeType.String, NodeType.Integer, NodeType.Float, NodeType.True, NodeType.False, NodeType.None, 'unary_operator'] as string[]).includes(n.type);
}
