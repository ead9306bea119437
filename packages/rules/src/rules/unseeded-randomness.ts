import { defineRule, type Edit, type RuleContext, type Visitors } from '@mlops-lint/core';
import { canonicalName, NodeType, type SyntaxNode } from '@mlops-lint/parser';
import {
  MODEL_BASE_CLASSES,
  randomInitBuilderOf,
  rngConsumerOf,
  SEED_ALL,
  SEED_FUNCTION,
  SEEDERS,
  SELF_SEEDING_TRAINER_MODULES,
  SKLEARN_GLOBAL_RNG_USERS,
  type RngLibrary,
} from '../vocabulary/reproducibility.js';

type MessageIds = 'partialSeed' | 'noSeed' | 'addSeeds';

/** A per-library seed call that runs with a real seed (not `random.seed()`, not in a DataLoader worker init). */
interface SeedCall {
  call: SyntaxNode;
  library: RngLibrary;
  /** Its qualified name (`torch.cuda.manual_seed_all`). */
  name: string;
}

/** What a local class is, by the bases it derives from. */
type ClassKind = RngLibrary | 'self-seeding';

/** Calls whose names mention seeding but do not seed the global RNGs (or seed them from entropy). */
const NOT_A_SEED_ALL = new Set(['seed', 'manual_seed', 'initial_seed', 'seed_worker', 'worker_init_fn', 'reseed', 'from_seed']);
/** RNG-library calls named like seeding that draw a fresh, non-reproducible seed. */
const ENTROPY_SEEDS = /^(torch\.(cuda\.|random\.)?(seed|seed_all|initial_seed)|numpy\.random\.\w+|random\.\w+)$/;

/** The import statement the fix adds for a module under a name (`import numpy as np`, `import random`). */
const IMPORT_TEXT = (module: string, name: string): string => (module === name ? `import ${module}` : `import ${module} as ${name}`);

/** Words in an assignment target that mark a random value as cosmetic: ports, dummy export inputs, run names. */
const COSMETIC_TARGET_WORDS = new Set(['port', 'dummy', 'fake', 'warmup', 'color', 'colour', 'colors', 'colours', 'uuid', 'suffix', 'jitter', 'delay', 'backoff', 'sleep']);
const COSMETIC_TARGET = /(^|_)(warm_up|run_?(name|id)|(example|sample|test)_?inputs?)($|_)/i;
/** Receiver names of `.fit(` calls that fit a preprocessing step, not a model. */
const PREPROCESSOR_WORDS = new Set(['enc', 'encoder', 'le', 'ohe', 'scaler', 'imputer', 'vectorizer', 'vectoriser', 'vec', 'tfidf', 'tokenizer', 'normalizer', 'binarizer', 'preprocessor', 'transformer']);
/** Words in a function name that mark its randomness as operational, not experimental (retries, ports, naming). */
const COSMETIC_FUNCTION_WORDS = new Set(['retry', 'retries', 'backoff', 'jitter', 'sleep', 'port', 'color', 'colour', 'colors', 'colours', 'uuid', 'password', 'salt']);

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML201',
    name: 'unseeded-randomness',
    severity: 'warning',
    scope: 'file',
    fix: 'safe',
    docs: { description: 'Random number generators used without a seed, or seeded for only some libraries' },
    skipTestFiles: true,
    triggers: /seed|split|fit|train|step|gradients|minimize/,
    messages: {
      partialSeed: '`{{seed}}` is set but {{missing}} {{verb}} not; runs are not reproducible',
      noSeed: '`{{call}}` runs with no random seed set; runs are not reproducible',
      addSeeds: 'Insert {{calls}} after the existing seed call',
    },
  },
  create(context): Visitors {
    const calls: SyntaxNode[] = [];
    const classes: SyntaxNode[] = [];
    const functions: SyntaxNode[] = [];
    const imports: SyntaxNode[] = [];
    const pushImport = (node: SyntaxNode): void => {
      imports.push(node);
    };
    return {
      call(node) {
        calls.push(node);
      },
      class_definition(node) {
        classes.push(node);
      },
      function_definition(node) {
        functions.push(node);
      },
      import_statement: pushImport,
      import_from_statement: pushImport,
      future_import_statement: pushImport,
      'module:exit'() {
        analyze(context, { calls, classes, functions, imports });
      },
    };
  },
});

interface Collected {
  calls: SyntaxNode[];
  classes: SyntaxNode[];
  functions: SyntaxNode[];
  imports: SyntaxNode[];
}

function analyze(context: RuleContext<MessageIds>, collected: Collected): void {
  const { calls, classes, functions, imports } = collected;
  const resolver = context.file.resolver;
  const classKinds = classKindsOf(context, classes);
  const functionNames = new Set(functions.map((f) => f.childForFieldName('name')?.text ?? ''));
  const workerFunctions = workerFunctionNames(calls, functions);

  const allSeeds: SeedCall[] = [];
  const workerSeeded = new Set<RngLibrary>();
  let seedAll = false;
  let mentionsSeed = false;
  let trains = false;
  const useSites: Array<{ call: SyntaxNode; library: RngLibrary }> = [];
  const buildSites: Array<{ call: SyntaxNode; library: RngLibrary }> = [];
  /** Training or splitting that is random by itself. */
  const trainingCalls: SyntaxNode[] = [];
  /** Any other training (`LinearRegression().fit`, `xgb.train`): irreproducible when the file draws random data. */
  const otherTraining: SyntaxNode[] = [];

  for (const call of calls) {
    const fn = call.childForFieldName('function');
    if (!fn) continue;
    const last = lastName(fn);
    const q = importedName(context, call);

    if (last && /seed/i.test(last)) {
      mentionsSeed = true;
      if (q && SEEDERS.has(q)) {
        const library = SEEDERS.get(q) as RngLibrary;
        // A DataLoader worker's seed covers the work done in workers (dataset augmentation): the library counts as
        // seeded, but the call is no place to report or fix the main process.
        if (inWorkerInit(call, workerFunctions)) workerSeeded.add(library);
        else if (hasSeedValue(call)) allSeeds.push({ call, library, name: q });
        continue;
      }
      if (q && SEED_ALL.has(q)) {
        seedAll = true;
        continue;
      }
      if (isOpaqueSeedAll(call, fn, last, q, functionNames, workerFunctions)) seedAll = true;
      continue;
    }
    if (last === 'backward' || last === 'fit' || last === 'fit_generator' || last === 'train_on_batch' || last === 'train' || last === 'apply_gradients') trains = true;
    if (q && /^torch\.optim\.(?:\w+\.)*[A-Z]\w*$/.test(q)) trains = true;

    // Local classes: nn.Module / keras Model subclasses, or a subclass of a self-seeding trainer.
    if (fn.type === NodeType.Identifier && resolver.lookup(fn.text, fn)?.kind !== 'import') {
      const kind = classKinds.get(fn.text);
      if (kind === 'self-seeding') seedAll = true;
      else if (kind) buildSites.push({ call, library: kind });
    }
    if (q) {
      if (isSelfSeedingTrainer(q) || isSeedingCli(call, q)) seedAll = true;
      const consumed = consumerOf(call, q);
      if (consumed && !isCosmetic(context, call)) {
        if (isBuilder(call, q)) buildSites.push({ call, library: consumed });
        else useSites.push({ call, library: consumed });
      }
    }
    if (isTrainingCall(context, call, fn, q, classKinds)) trainingCalls.push(call);
    else if (isOtherTraining(context, call, fn, q)) otherTraining.push(call);
  }

  if (seedAll) return;
  const reachable = reachability(context, functions, classes);
  // Only seeds that set up a run count; `def noise(seed): torch.manual_seed(seed)` seeds one computation.
  const seeds = allSeeds.filter((s) => isSetupSeed(s.call, reachable));
  // In a script with a `__main__` block, a helper nobody calls does not use its library's generator; in a module
  // without one, any function may be called from elsewhere.
  const mainGuard = hasMainGuard(context);
  const runs = (node: SyntaxNode): boolean => !mainGuard || reachable(node);
  const used = new Set(useSites.filter((u) => runs(u.call)).map((u) => u.library));
  if (trains) for (const b of buildSites) if (runs(b.call)) used.add(b.library);

  if (seeds.length > 0) {
    const seeded = new Set([...seeds.map((s) => s.library), ...workerSeeded]);
    if (seeded.has('tensorflow')) seeded.add('keras');
    const missing = [...used].filter((lib) => !seeded.has(lib)).sort();
    if (missing.length === 0) return;
    const first = seeds[0] as SeedCall;
    // A CUDA-only seed usually sits under `if torch.cuda.is_available():`; the new seeds must not.
    const anchor = seeds.find((s) => !s.name.includes('.cuda.'));
    const fix = anchor ? buildFix(context, anchor.call, allSeeds, missing, imports) : null;
    context.report({
      node: first.call,
      messageId: 'partialSeed',
      data: {
        seed: calleeText(first.call),
        missing: missing.map((m) => `\`${m}\``).join(', '),
        verb: missing.length === 1 ? 'is' : 'are',
      },
      fix: fix ? { messageId: 'addSeeds', data: { calls: fix.calls }, edits: () => fix.edits } : null,
    });
    return;
  }

  // No seed at all: only scripts and notebooks that train or split, and never a file that handles seeds in any
  // way we cannot see (`env.seed(0)`, `g.manual_seed(0)`, a seed helper from another module).
  if (mentionsSeed) return;
  // Deterministic training is irreproducible only on random data or from randomly initialised weights.
  // Module-level code after a module-level training statement cannot feed it (a demo's `random.choice` defaults).
  const canFeed = (site: SyntaxNode, training: SyntaxNode): boolean =>
    reachable(site) && (site.startIndex < training.startIndex || inFunction(site) || inFunction(training));
  const randomFor = (t: SyntaxNode): boolean => useSites.some((u) => canFeed(u.call, t)) || buildSites.some((b) => canFeed(b.call, t));
  const candidates = [...trainingCalls, ...otherTraining.filter(randomFor)];
  const first = candidates.filter(reachable).sort((a, b) => a.startIndex - b.startIndex)[0];
  if (first) context.report({ node: first, messageId: 'noSeed', data: { call: calleeText(first) } });
}

// ---------------------------------------------------------------------------------------------------------------
// Arguments

function argumentItems(call: SyntaxNode): SyntaxNode[] {
  const args = call.childForFieldName('arguments');
  return args?.type === NodeType.ArgumentList ? args.namedChildren.filter((c) => c.type !== NodeType.Comment) : [];
}

/** The value of keyword argument `name=…`, or null. */
function keywordValue(call: SyntaxNode, name: string): SyntaxNode | null {
  for (const arg of argumentItems(call)) {
    if (arg.type === NodeType.KeywordArgument && arg.childForFieldName('name')?.text === name) return arg.childForFieldName('value');
  }
  return null;
}

/** Positional arguments before the first keyword or splat. */
function positionalArguments(call: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const arg of argumentItems(call)) {
    if (arg.type === NodeType.KeywordArgument || arg.type === NodeType.ListSplat || arg.type === NodeType.DictionarySplat) break;
    out.push(arg);
  }
  return out;
}

function hasDictionarySplat(call: SyntaxNode): boolean {
  return argumentItems(call).some((a) => a.type === NodeType.DictionarySplat);
}

/** The right-hand side of the one plain assignment `name = value` in the scope that uses `name`; else null. */
function singleAssignedValue(name: SyntaxNode): SyntaxNode | null {
  let scope: SyntaxNode | null = enclosingFunction(name);
  if (!scope) {
    scope = name;
    while (scope.parent) scope = scope.parent;
  }
  const body = scope.type === NodeType.Module ? scope : scope.childForFieldName('body');
  if (!body) return null;
  const values: SyntaxNode[] = [];
  for (const assignment of body.descendantsOfType(NodeType.Assignment)) {
    const left = assignment.childForFieldName('left');
    if (left?.type !== NodeType.Identifier || left.text !== name.text) continue;
    const owner = enclosingFunction(assignment);
    if ((owner?.startIndex ?? -1) !== (scope.type === NodeType.Module ? -1 : scope.startIndex)) continue;
    const right = assignment.childForFieldName('right');
    if (right) values.push(right);
  }
  return values.length === 1 ? (values[0] as SyntaxNode) : null;
}

// ---------------------------------------------------------------------------------------------------------------
// Names

/** The last name of a callee: `fit` of `model.fit`, `train_test_split` of `train_test_split`. */
function lastName(fn: SyntaxNode): string | null {
  if (fn.type === NodeType.Identifier) return fn.text;
  if (fn.type === NodeType.Attribute) return fn.childForFieldName('attribute')?.text ?? null;
  return null;
}

/** The callee as written, whitespace squeezed, for messages. */
function calleeText(call: SyntaxNode): string {
  return (call.childForFieldName('function')?.text ?? call.text).replace(/\s+/g, '');
}

/** The identifier a callee chain starts from (`np` of `np.random.seed`, `model` of `model.fit`). */
function rootIdentifier(node: SyntaxNode | null): SyntaxNode | null {
  let current = node;
  while (current) {
    if (current.type === NodeType.Identifier) return current;
    if (current.type === NodeType.Attribute) current = current.childForFieldName('object');
    else if (current.type === NodeType.Call) current = current.childForFieldName('function');
    else if (current.type === NodeType.ParenthesizedExpression) current = current.firstNamedChild;
    else return null;
  }
  return null;
}

/**
 * The qualified name of a call's callee when its root name is bound in the file (an import, or a simple alias of
 * one). A name bound nowhere (a builtin, a typo, `random` never imported) gives null, so that nothing is guessed.
 */
function importedName(context: RuleContext<MessageIds>, call: SyntaxNode): string | null {
  const q = context.resolve(call);
  if (!q) return null;
  const root = rootIdentifier(call.childForFieldName('function'));
  if (!root || !context.file.resolver.lookup(root.text, root)) return null;
  return q;
}

// ---------------------------------------------------------------------------------------------------------------
// Seeds

/** Whether a seed call passes a seed: `random.seed()` and `np.random.seed(None)` reseed from entropy. */
function hasSeedValue(call: SyntaxNode): boolean {
  const value = seedArgument(call);
  return value !== null && value.type !== NodeType.None;
}

function seedArgument(call: SyntaxNode): SyntaxNode | null {
  return positionalArguments(call)[0] ?? keywordValue(call, 'seed') ?? keywordValue(call, 'a') ?? null;
}

/** Function names that set a run up, where a seed call is a global seed. */
const SETUP_FUNCTION = /seed|main|setup|set_up|configure|train|run|experiment|reproduc|determinis|fit|prepare|init_?(env|environment|experiment|distributed|seed)/i;
/** Classes whose constructor sets a run up. */
const SETUP_CLASS = /Trainer|Experiment|Runner|Pipeline|Engine|Learner|Solver|Agent|Task|Config/;

/**
 * Whether a seed call seeds the run: at module level (the `__main__` block included), in a function named for
 * setting up or running (`set_seed`, `main`, `train`), in the constructor of a trainer-like class, or in a
 * top-level function the script's entry code calls.
 */
function isSetupSeed(call: SyntaxNode, reachable: (node: SyntaxNode) => boolean): boolean {
  const fn = enclosingFunction(call);
  if (!fn) return true;
  const name = fn.childForFieldName('name')?.text ?? '';
  if (SETUP_FUNCTION.test(name)) return true;
  if (name === '__init__') {
    const cls = fn.parent?.parent?.type === NodeType.ClassDefinition ? fn.parent.parent : fn.parent?.parent?.parent?.type === NodeType.ClassDefinition ? fn.parent.parent.parent : null;
    if (cls && SETUP_CLASS.test(cls.childForFieldName('name')?.text ?? '')) return true;
  }
  const top = fn.parent?.type === NodeType.Module || (fn.parent?.type === NodeType.DecoratedDefinition && fn.parent.parent?.type === NodeType.Module);
  return top && reachable(call);
}

/** Names of functions used as DataLoader `worker_init_fn`s, or named like one: their seeds are per worker. */
function workerFunctionNames(calls: SyntaxNode[], functions: SyntaxNode[]): Set<string> {
  const names = new Set<string>();
  for (const f of functions) {
    const name = f.childForFieldName('name')?.text;
    if (name && /worker/i.test(name)) names.add(name);
  }
  for (const call of calls) {
    const value = keywordValue(call, 'worker_init_fn');
    if (value?.type === NodeType.Identifier) names.add(value.text);
  }
  return names;
}

function inWorkerInit(node: SyntaxNode, workers: Set<string>): boolean {
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === NodeType.FunctionDefinition && workers.has(p.childForFieldName('name')?.text ?? '')) return true;
    if (p.type === NodeType.KeywordArgument && p.childForFieldName('name')?.text === 'worker_init_fn') return true;
  }
  return false;
}

/**
 * A seed-named call this file cannot see into (`set_seed(42)` from a project module, `utils.seed_everything(cfg)`,
 * `fabric.seed_everything(0)`): it most likely seeds every library, so the rule stays quiet. Same-file helpers are
 * not opaque (their seed calls are read directly), and neither are the RNG libraries' own non-seeding calls
 * (`torch.seed()` draws a fresh seed; `g.manual_seed(0)` seeds only that generator).
 */
function isOpaqueSeedAll(
  call: SyntaxNode,
  fn: SyntaxNode,
  last: string,
  q: string | null,
  functionNames: Set<string>,
  workers: Set<string>,
): boolean {
  if (NOT_A_SEED_ALL.has(last.toLowerCase()) || /^(get|initial|generate)/i.test(last) || /^[A-Z]/.test(last)) return false;
  if (q && ENTROPY_SEEDS.test(q)) return false;
  if (workers.has(last)) return false;
  if (inWorkerInit(call, workers)) return false;
  if (fn.type === NodeType.Identifier && functionNames.has(last)) return false;
  if (fn.type === NodeType.Attribute && fn.childForFieldName('object')?.text === 'self' && functionNames.has(last)) return false;
  return true;
}

/** `transformers.Trainer(...)`, `trl.SFTTrainer(...)`: these seed everything from `TrainingArguments.seed`. */
/**
 * `LightningCLI(...)` calls `seed_everything` before it builds the model, with `seed_everything_default` (`True` by
 * default: a drawn seed, saved in the run's config) unless that is `False`/`None`.
 */
function isSeedingCli(call: SyntaxNode, q: string): boolean {
  if (!/^(?:lightning(?:\.pytorch)?|pytorch_lightning)(?:\.utilities)?\.cli\.LightningCLI$/.test(q) && !/^(?:lightning(?:\.pytorch)?|pytorch_lightning)\.LightningCLI$/.test(q)) return false;
  const value = keywordValue(call, 'seed_everything_default');
  return value === null || (value.type !== NodeType.False && value.type !== NodeType.None);
}

function inFunction(node: SyntaxNode): boolean {
  for (let p = node.parent; p; p = p.parent) if (p.type === NodeType.FunctionDefinition || p.type === NodeType.ClassDefinition) return true;
  return false;
}

function isSelfSeedingTrainer(q: string): boolean {
  const top = q.split('.')[0] ?? '';
  return SELF_SEEDING_TRAINER_MODULES.includes(top) && /\.\w*Trainer$/.test(q);
}

// ---------------------------------------------------------------------------------------------------------------
// RNG use

/** Local classes that build models (nn.Module, LightningModule, keras Model subclasses) or self-seeding trainers. */
function classKindsOf(context: RuleContext<MessageIds>, classes: SyntaxNode[]): Map<string, ClassKind> {
  const kinds = new Map<string, ClassKind>();
  const bases = new Map<string, SyntaxNode[]>();
  for (const c of classes) {
    const name = c.childForFieldName('name')?.text;
    const supers = c.childForFieldName('superclasses');
    if (name && supers) bases.set(name, supers.namedChildren.filter((b) => b.type === NodeType.Identifier || b.type === NodeType.Attribute));
  }
  for (let round = 0; round < 4; round++) {
    let changed = false;
    for (const [name, list] of bases) {
      if (kinds.has(name)) continue;
      for (const base of list) {
        const q = context.resolve(base);
        let kind: ClassKind | undefined;
        if (q && MODEL_BASE_CLASSES.has(q)) kind = MODEL_BASE_CLASSES.get(q);
        else if (q && isSelfSeedingTrainer(q)) kind = 'self-seeding';
        else if (base.type === NodeType.Identifier) kind = kinds.get(base.text);
        if (kind) {
          kinds.set(name, kind);
          changed = true;
          break;
        }
      }
    }
    if (!changed) break;
  }
  return kinds;
}

/** The library whose global RNG this call draws from, given its arguments; null when none (or an explicit one). */
function consumerOf(call: SyntaxNode, q: string): RngLibrary | null {
  const built = builderWithArguments(call, q);
  if (built) return built;
  const lib = rngConsumerOf(q);
  if (lib) {
    if (lib === 'torch' && keywordValue(call, 'generator')) return null;
    // An op-level `seed=` makes a TF op deterministic even without a global seed.
    if ((lib === 'tensorflow' || lib === 'keras') && !randomInitBuilderOf(q) && keywordValue(call, 'seed')) return null;
    return lib;
  }
  if (/^torch\.utils\.data\.(dataloader\.)?DataLoader$/.test(q)) {
    return keywordValue(call, 'shuffle')?.type === NodeType.True && !keywordValue(call, 'generator') ? 'torch' : null;
  }
  if (q.startsWith('sklearn.')) return sklearnUsesGlobalRng(call, q) ? 'numpy' : null;
  // `df.sample(frac=1)` shuffles rows with numpy's global RNG; `df.sample(5)` to peek at rows does not matter.
  if (/^pandas\..*\.sample$/.test(q)) return keywordValue(call, 'frac') && !hasKeywordOrSplat(call, 'random_state') ? 'numpy' : null;
  if (/^datasets\..*\.(shuffle|train_test_split)$/.test(q)) return hasKeywordOrSplat(call, 'seed') || keywordValue(call, 'generator') ? null : 'numpy';
  if (/^tensorflow\.data\..*\.shuffle$/.test(q)) return hasKeywordOrSplat(call, 'seed') ? null : 'tensorflow';
  return null;
}

/**
 * Model constructors whose randomness depends on their arguments: a torchvision or timm model without
 * pretrained weights, a transformers model built `from_config`.
 */
function builderWithArguments(call: SyntaxNode, q: string): RngLibrary | null {
  if (/^torchvision\.models\.(?:\w+\.)?[a-z]\w*$/.test(q) && !/\.(get_weight|get_model_weights|list_models|get_model_builder)$/.test(q)) {
    return pretrained(call, 'weights') || pretrained(call, 'pretrained') ? null : 'torch';
  }
  if (q === 'timm.create_model') return pretrained(call, 'pretrained') ? null : 'torch';
  if (/^transformers\.\w+\.from_config$/.test(q)) return /^transformers\.TF/.test(q) ? 'tensorflow' : /^transformers\.Flax/.test(q) ? null : 'torch';
  return null;
}

/** Whether a `weights=`/`pretrained=` argument asks for pretrained weights (anything but absent, None or False). */
function pretrained(call: SyntaxNode, keyword: string): boolean {
  const value = keywordValue(call, keyword);
  return value !== null && value.type !== NodeType.None && value.type !== NodeType.False;
}

/** Whether the call builds weights from the RNG (it only matters when the file trains). */
function isBuilder(call: SyntaxNode, q: string): boolean {
  return randomInitBuilderOf(q) !== null || builderWithArguments(call, q) !== null;
}

function hasKeywordOrSplat(call: SyntaxNode, name: string): boolean {
  return keywordValue(call, name) !== null || hasDictionarySplat(call);
}

/** A scikit-learn call that falls back to numpy's global RNG: no `random_state` (or `None`), shuffling on. */
function sklearnUsesGlobalRng(call: SyntaxNode, q: string): boolean {
  const name = q.slice(q.lastIndexOf('.') + 1);
  const mode = SKLEARN_GLOBAL_RNG_USERS.get(name);
  if (!mode) return false;
  if (hasDictionarySplat(call)) return false;
  const state = keywordValue(call, 'random_state');
  if (state && state.type !== NodeType.None) return false;
  const shuffle = keywordValue(call, 'shuffle');
  if (mode === 'shuffle') return shuffle?.type === NodeType.True;
  return shuffle?.type !== NodeType.False;
}

/**
 * Randomness that does not make an experiment irreproducible: a free port, a run name, a retry jitter, a dummy
 * tensor for `torch.onnx.export`, text in an f-string.
 */
function isCosmetic(context: RuleContext<MessageIds>, call: SyntaxNode): boolean {
  if (/\bstring\.(ascii_\w+|digits|hexdigits|letters|lowercase|uppercase|printable)\b/.test(call.text)) return true;
  for (let p = call.parent; p; p = p.parent) {
    switch (p.type) {
      case NodeType.Interpolation:
        return true;
      case NodeType.Call: {
        const fn = p.childForFieldName('function');
        const text = fn?.text ?? '';
        if (text === 'str' || /(^|\.)sleep$/.test(text)) return true;
        // `"".join(random.choices(...))` builds a string; `os.path.join(root, random.choice(files))` picks data.
        if (fn?.type === NodeType.Attribute && fn.childForFieldName('attribute')?.text === 'join' && fn.childForFieldName('object')?.type === NodeType.String) return true;
        const q = context.resolve(p);
        if (q && /^torch\.(onnx\.export|jit\.trace|jit\.script)$/.test(q)) return true;
        break;
      }
      case NodeType.Assignment: {
        const left = p.childForFieldName('left');
        if (left && (COSMETIC_TARGET.test(left.text) || words(left.text).some((w) => COSMETIC_TARGET_WORDS.has(w)))) return true;
        if (left?.type === NodeType.Subscript && /environ/.test(left.text)) return true;
        break;
      }
      case NodeType.FunctionDefinition: {
        const name = p.childForFieldName('name')?.text ?? '';
        return words(name).some((w) => COSMETIC_FUNCTION_WORDS.has(w));
      }
      default:
        break;
    }
  }
  return false;
}

/** `dummy_input` → `dummy`, `input`; `self.freePort` → `self`, `freeport`. */
function words(text: string): string[] {
  return text.toLowerCase().split(/[^a-z0-9]+/).filter((w) => w.length > 0);
}

// ---------------------------------------------------------------------------------------------------------------
// Training and splitting (the "no seed at all" case)

/** Whether a call trains or splits with randomness that a global seed would fix. */
function isTrainingCall(
  context: RuleContext<MessageIds>,
  call: SyntaxNode,
  fn: SyntaxNode,
  q: string | null,
  classKinds: Map<string, ClassKind>,
): boolean {
  if (q) {
    if (q.startsWith('sklearn.') && q.endsWith('.train_test_split')) return sklearnUsesGlobalRng(call, q);
    if (/^datasets\..*\.train_test_split$/.test(q)) return !hasKeywordOrSplat(call, 'seed') && !keywordValue(call, 'generator');
    if (/^torch\.utils\.data\.(dataset\.)?random_split$/.test(q)) return !keywordValue(call, 'generator');
  }
  if (fn.type !== NodeType.Attribute || fn.childForFieldName('attribute')?.text !== 'fit') return false;
  const receiver = fn.childForFieldName('object');
  if (!receiver) return false;
  const constructor = constructorOf(context, receiver);
  if (constructor) {
    const cq = importedName(context, constructor);
    if (cq) {
      if (randomInitBuilderOf(cq)) return true;
      if (/^lightning\.(pytorch\.)?Trainer$/.test(cq)) return true;
      if (cq.startsWith('sklearn.')) return sklearnUsesGlobalRng(constructor, cq);
      return false;
    }
    const cfn = constructor.childForFieldName('function');
    const kind = cfn?.type === NodeType.Identifier ? classKinds.get(cfn.text) : undefined;
    if (kind) return kind === 'tensorflow' || kind === 'keras';
  }
  // `model = build_model(); model.fit(x, y, epochs=10)`: a Keras-style fit of a model built elsewhere.
  return keywordValue(call, 'epochs') !== null && (context.file.resolver.importsModule('tensorflow') || context.file.resolver.importsModule('keras'));
}

/**
 * Training that is deterministic by itself but not on random data: any other model `.fit(` (not a scaler's or a
 * vectorizer's), `xgb.train`, `lgb.train`, a torch optimizer step.
 */
function isOtherTraining(context: RuleContext<MessageIds>, call: SyntaxNode, fn: SyntaxNode, q: string | null): boolean {
  if (q && /^(xgboost|lightgbm|catboost)\.train$/.test(q)) return true;
  if (q && /^(tensorflow|keras|tf_keras)\..*\.(apply_gradients|minimize)$/.test(q)) return true;
  if (isOptimizerStep(context, call)) return true;
  if (fn.type !== NodeType.Attribute || fn.childForFieldName('attribute')?.text !== 'fit') return false;
  const receiver = fn.childForFieldName('object');
  if (receiver && words(receiver.text).some((w) => PREPROCESSOR_WORDS.has(w))) return false;
  const constructor = receiver ? constructorOf(context, receiver) : null;
  const cq = constructor ? importedName(context, constructor) : null;
  return !(cq && /^sklearn\.(preprocessing|impute|feature_extraction|feature_selection)\./.test(cq));
}

/** The constructor call behind a receiver: `Model(...)` itself, or the call a name was simply assigned. */
function constructorOf(context: RuleContext<MessageIds>, receiver: SyntaxNode): SyntaxNode | null {
  if (receiver.type === NodeType.Call) return receiver;
  if (receiver.type !== NodeType.Identifier) return null;
  const binding = context.file.resolver.lookup(receiver.text, receiver);
  if (binding?.kind === 'alias' && binding.value.type === NodeType.Call) return binding.value;
  const value = singleAssignedValue(receiver);
  return value?.type === NodeType.Call ? value : null;
}

/** `optimizer.step()` of a torch optimizer: resolved, or a parameter/attribute named like one in a torch file. */
function isOptimizerStep(context: RuleContext<MessageIds>, call: SyntaxNode): boolean {
  const fn = call.childForFieldName('function');
  if (fn?.type !== NodeType.Attribute || fn.childForFieldName('attribute')?.text !== 'step') return false;
  const q = importedName(context, call);
  if (q !== null) return /^torch\.optim\.(?:\w+\.)*[A-Z]\w*\(\)\.step$/.test(q);
  const receiver = fn.childForFieldName('object');
  const name = receiver?.type === NodeType.Attribute ? receiver.childForFieldName('attribute')?.text : receiver?.text;
  return !!name && /(^|_)(opt|optim|optimizer|optimiser)(_\w+)?$/i.test(name) && context.file.resolver.importsModule('torch');
}

/**
 * Which code runs when the file runs: in a notebook, everything; in a script, module-level statements (the
 * `__main__` block included) and the top-level functions and classes they name, transitively. A library module
 * that only defines functions reaches nothing.
 */
function reachability(context: RuleContext<MessageIds>, functions: SyntaxNode[], classes: SyntaxNode[]): (node: SyntaxNode) => boolean {
  if (context.isNotebook) return () => true;
  const defs = new Map<string, SyntaxNode[]>();
  for (const d of [...functions, ...classes]) {
    const name = d.childForFieldName('name')?.text;
    if (!name || topLevelDefinition(d) === null) continue;
    const list = defs.get(name) ?? [];
    list.push(d);
    defs.set(name, list);
  }
  const reached = new Set<number>();
  const queue: SyntaxNode[] = [];
  const reach = (d: SyntaxNode): void => {
    if (reached.has(d.startIndex)) return;
    reached.add(d.startIndex);
    queue.push(d);
  };
  const scan = (node: SyntaxNode): void => {
    for (const id of node.descendantsOfType(NodeType.Identifier)) for (const d of defs.get(id.text) ?? []) reach(d);
  };
  for (const stmt of context.file.root.namedChildren) {
    const def = stmt.type === NodeType.DecoratedDefinition ? stmt.childForFieldName('definition') : stmt;
    if (def && (def.type === NodeType.FunctionDefinition || def.type === NodeType.ClassDefinition)) {
      if (stmt.type === NodeType.DecoratedDefinition && isEntryDecorated(stmt)) reach(def);
      continue;
    }
    scan(stmt);
  }
  // The whole definition: a class's bases and a function's decorators and defaults name code too.
  while (queue.length > 0) scan(queue.pop() as SyntaxNode);
  return (node) => {
    let top: SyntaxNode = node;
    while (top.parent && top.parent.type !== NodeType.Module) top = top.parent;
    const def = top.type === NodeType.DecoratedDefinition ? top.childForFieldName('definition') : top;
    if (def && (def.type === NodeType.FunctionDefinition || def.type === NodeType.ClassDefinition)) return reached.has(def.startIndex);
    return true;
  };
}

/** Whether the file has an `if __name__ == "__main__":` block at module level. */
function hasMainGuard(context: RuleContext<MessageIds>): boolean {
  return context.file.root.namedChildren.some(
    (stmt) => stmt.type === NodeType.IfStatement && /__name__\s*==\s*['"]__main__['"]|['"]__main__['"]\s*==\s*__name__/.test(stmt.childForFieldName('condition')?.text ?? ''),
  );
}

/** A function or class defined at module level (possibly decorated), or null for methods and nested functions. */
function topLevelDefinition(def: SyntaxNode): SyntaxNode | null {
  const parent = def.parent;
  if (parent?.type === NodeType.Module) return def;
  if (parent?.type === NodeType.DecoratedDefinition && parent.parent?.type === NodeType.Module) return def;
  return null;
}

/** CLI entry points registered by decorator (`@app.command()`, `@hydra.main(...)`, `@click.command()`). */
function isEntryDecorated(node: SyntaxNode): boolean {
  return node.namedChildren.some((c) => c.type === NodeType.Decorator && /\b(command|main|flow|task|step)\b/.test(c.text));
}

// ---------------------------------------------------------------------------------------------------------------
// The fix

interface SeedFix {
  edits: Edit[];
  calls: string;
}

/**
 * Inserts the missing per-library seed calls right after the run of seed statements the first seed call starts,
 * with the same indentation and the same seed expression, plus the imports they need after the last top-level
 * import before that code (in a notebook, inside the seed's cell). Null when any of that is not certain.
 */
function buildFix(
  context: RuleContext<MessageIds>,
  seedCall: SyntaxNode,
  seeds: SeedCall[],
  missing: RngLibrary[],
  imports: SyntaxNode[],
): SeedFix | null {
  const text = context.file.text;
  const stmt = seedCall.parent;
  if (stmt?.type !== NodeType.ExpressionStatement) return null;
  const inner = stmt.namedChildren.filter((c) => c.type !== NodeType.Comment);
  if (inner.length !== 1 || inner[0]?.startIndex !== seedCall.startIndex) return null;
  const arg = seedArgument(seedCall);
  if (!arg || !isSimpleExpression(arg)) return null;
  const seed = arg.text;

  let libs = [...missing];
  if (libs.includes('keras')) {
    // Keras seeds python, numpy and its backend at once; insert it only when every seed call uses this same value.
    if (!seeds.every((s) => seedArgument(s.call)?.text === seed)) return null;
    libs = libs.filter((l) => l !== 'random' && l !== 'numpy' && l !== 'tensorflow');
  }

  // The line the seed statement starts on must belong to its block (not `if x: torch.manual_seed(0)`).
  let first: SyntaxNode = stmt;
  for (let prev = first.previousNamedSibling; prev && prev.endPosition.row === first.startPosition.row; prev = prev.previousNamedSibling) first = prev;
  const lineStart = text.lastIndexOf('\n', first.startIndex - 1) + 1;
  const indent = text.slice(lineStart, first.startIndex);
  if (!/^[ \t]*$/.test(indent)) return null;

  // After the run of seed statements, and after anything else sharing their last line.
  const seedStarts = new Set(seeds.map((s) => s.call.startIndex));
  let last: SyntaxNode = stmt;
  for (let next = last.nextNamedSibling; next; next = next.nextNamedSibling) {
    const call = next.type === NodeType.ExpressionStatement && next.namedChildCount === 1 ? next.firstNamedChild : null;
    if (!call || !seedStarts.has(call.startIndex) || next.startPosition.row === last.endPosition.row) break;
    last = next;
  }
  for (let next = last.nextNamedSibling; next && next.startPosition.row === last.endPosition.row; next = next.nextNamedSibling) last = next;
  const seedAt = lineEndAfter(text, last.endIndex);
  if (seedAt === null) return null;

  const statements: string[] = [];
  const newImports: string[] = [];
  for (const lib of libs) {
    const target = SEED_FUNCTION[lib];
    const access = accessFor(context, target.qualified, target.module, target.importAs, seedCall, imports);
    if (!access) return null;
    statements.push(`${access.expression}(${seed})`);
    if (access.importText && !newImports.includes(access.importText)) newImports.push(access.importText);
  }
  if (statements.length === 0) return null;

  const edits: Edit[] = [];
  const seedText = statements.map((s) => `\n${indent}${s}`).join('');
  if (newImports.length > 0) {
    const anchor = importAnchor(context, seedCall, imports);
    if (!anchor) return null;
    const importText = anchor.after ? newImports.map((i) => `\n${i}`).join('') : newImports.map((i) => `${i}\n`).join('');
    if (anchor.offset === seedAt) edits.push({ start: seedAt, end: seedAt, text: importText + seedText });
    else edits.push({ start: anchor.offset, end: anchor.offset, text: importText }, { start: seedAt, end: seedAt, text: seedText });
  } else {
    edits.push({ start: seedAt, end: seedAt, text: seedText });
  }
  return { edits, calls: statements.map((s) => `\`${s}\``).join(', ') };
}

/** A literal, a name or an attribute chain (`42`, `SEED`, `args.seed`, `cfg.train.seed`). */
function isSimpleExpression(node: SyntaxNode): boolean {
  if (node.type === NodeType.Integer || node.type === NodeType.Identifier) return true;
  if (node.type === NodeType.Attribute) {
    const object = node.childForFieldName('object');
    return object !== null && (object.type === NodeType.Identifier || object.type === NodeType.Attribute) && isSimpleExpression(object);
  }
  return false;
}

/**
 * The end of the line holding `offset` (before `\r\n`), when the rest of that line is blank or a comment; null
 * when more code follows on it.
 */
function lineEndAfter(text: string, offset: number): number | null {
  let end = text.indexOf('\n', offset);
  if (end === -1) end = text.length;
  if (end > offset && text[end - 1] === '\r') end--;
  return /^[ \t;]*(#.*)?$/.test(text.slice(offset, end)) ? end : null;
}

/**
 * How to write `qualified` (e.g. `numpy.random.seed`) at the seed call: through a name the file already imports
 * for the module or a submodule (`np`, `numpy_`, `npr` for `numpy.random`), else through a new import under the
 * usual name when that name is free.
 */
function accessFor(
  context: RuleContext<MessageIds>,
  qualified: string,
  module: string,
  importAs: string,
  at: SyntaxNode,
  imports: SyntaxNode[],
): { expression: string; importText: string | null } | null {
  const resolver = context.file.resolver;
  const inFunction = enclosingFunction(at) !== null;
  let best: { expression: string; exact: boolean } | null = null;
  for (const stmt of imports) {
    for (const { name, target } of importBindings(stmt)) {
      if (qualified !== target && !qualified.startsWith(`${target}.`)) continue;
      const binding = resolver.lookup(name, at);
      if (binding?.kind !== 'import' || binding.name !== target) continue;
      if (!inFunction && binding.at > at.startIndex) continue;
      const candidate = { expression: name + qualified.slice(target.length), exact: target === module };
      if (!best || (candidate.exact && !best.exact)) best = candidate;
    }
  }
  if (best) return { expression: best.expression, importText: null };
  // The usual name must be free, or be this very module imported only further down (a later notebook cell).
  const taken = resolver.lookup(importAs, at);
  if (taken !== null && !(taken.kind === 'import' && taken.name === module)) return null;
  return { expression: importAs + qualified.slice(module.length), importText: IMPORT_TEXT(module, importAs) };
}

/** The names an import statement binds and the qualified names they stand for. */
function importBindings(stmt: SyntaxNode): Array<{ name: string; target: string }> {
  const out: Array<{ name: string; target: string }> = [];
  if (stmt.type === NodeType.ImportStatement) {
    for (const child of stmt.namedChildren) {
      if (child.type === NodeType.DottedName) {
        const first = child.namedChildren[0]?.text ?? child.text;
        out.push({ name: first, target: canonicalName(first) });
      } else if (child.type === NodeType.AliasedImport) {
        const name = child.childForFieldName('name');
        const alias = child.childForFieldName('alias');
        if (name && alias) out.push({ name: alias.text, target: canonicalName(name.text) });
      }
    }
  } else if (stmt.type === NodeType.ImportFromStatement) {
    const moduleNode = stmt.childForFieldName('module_name');
    if (!moduleNode || moduleNode.type === NodeType.RelativeImport) return out;
    const moduleName = moduleNode.text.replace(/\s+/g, '');
    for (const child of stmt.childrenForFieldName('name')) {
      if (child.type === NodeType.DottedName) out.push({ name: child.text, target: canonicalName(`${moduleName}.${child.text}`) });
      else if (child.type === NodeType.AliasedImport) {
        const name = child.childForFieldName('name');
        const alias = child.childForFieldName('alias');
        if (name && alias) out.push({ name: alias.text, target: canonicalName(`${moduleName}.${name.text}`) });
      }
    }
  }
  return out;
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) if (p.type === NodeType.FunctionDefinition || p.type === NodeType.Lambda) return p;
  return null;
}

/**
 * Where new imports go: at the end of the line of the last top-level import before the seed's top-level
 * statement (in a notebook, only imports of the seed's own cell count), else at the start of that statement's line.
 */
function importAnchor(context: RuleContext<MessageIds>, seedCall: SyntaxNode, imports: SyntaxNode[]): { offset: number; after: boolean } | null {
  const text = context.file.text;
  let top: SyntaxNode = seedCall;
  while (top.parent && top.parent.type !== NodeType.Module) top = top.parent;
  if (!top.parent) return null;
  const cell = context.file.cellAt(seedCall.startIndex);
  const regionStart = cell ? cell.virtualStart : 0;
  let lastImport: SyntaxNode | null = null;
  for (const stmt of imports) {
    if (stmt.parent?.type !== NodeType.Module) continue;
    if (stmt.startIndex < regionStart || stmt.endIndex > top.startIndex) continue;
    if (!lastImport || stmt.startIndex > lastImport.startIndex) lastImport = stmt;
  }
  if (lastImport) {
    const end = lineEndAfter(text, lastImport.endIndex);
    if (end !== null) return { offset: end, after: true };
  }
  const lineStart = text.lastIndexOf('\n', top.startIndex - 1) + 1;
  if (lineStart < regionStart) return null;
  return { offset: lineStart, after: false };
}
