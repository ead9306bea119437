/** Random number generators: what seeds them, what consumes them (ML201, ML204). */

/** `keras` is standalone Keras (Keras 3 may run on any backend); `tf.keras` counts as `tensorflow`. */
export type RngLibrary = 'random' | 'numpy' | 'torch' | 'tensorflow' | 'jax' | 'keras';

/** Per-library seed calls, by qualified name. */
export const SEEDERS: ReadonlyMap<string, RngLibrary> = new Map([
  ['random.seed', 'random'],
  ['numpy.random.seed', 'numpy'],
  ['torch.manual_seed', 'torch'],
  ['torch.cuda.manual_seed', 'torch'],
  ['torch.cuda.manual_seed_all', 'torch'],
  ['torch.random.manual_seed', 'torch'],
  ['tensorflow.random.set_seed', 'tensorflow'],
  ['tensorflow.set_random_seed', 'tensorflow'],
  ['tensorflow.compat.v1.set_random_seed', 'tensorflow'],
  ['tensorflow.compat.v1.random.set_random_seed', 'tensorflow'],
  ['tensorflow.random.set_random_seed', 'tensorflow'],
]);

/** Calls that seed every library at once. */
export const SEED_ALL: ReadonlySet<string> = new Set([
  'transformers.set_seed',
  'transformers.trainer_utils.set_seed',
  'lightning.seed_everything',
  'lightning.pytorch.seed_everything',
  'lightning.pytorch.utilities.seed.seed_everything',
  'lightning.fabric.seed_everything',
  'lightning.pytorch.seed_everything',
  'lightning_fabric.seed_everything',
  'accelerate.utils.set_seed',
  'keras.utils.set_random_seed',
  'tensorflow.keras.utils.set_random_seed',
  'tf_keras.utils.set_random_seed',
  'fastai.torch_core.set_seed',
  'fastai.torch_basics.set_seed',
  'mmengine.runner.set_random_seed',
  'pytorch_lightning.seed_everything',
  'lightning.pytorch.utilities.seed_everything',
  'lightning_fabric.utilities.seed.seed_everything',
  'accelerate.utils.random.set_seed',
  'transformers.enable_full_determinism',
  'transformers.trainer_utils.enable_full_determinism',
]);

/** The statement the ML201 fix inserts for a library, given the seed expression. */
export const SEED_STATEMENT: Readonly<Record<RngLibrary, (seed: string) => { module: string; code: string }>> = {
  random: (seed) => ({ module: 'random', code: `random.seed(${seed})` }),
  numpy: (seed) => ({ module: 'numpy', code: `np.random.seed(${seed})` }),
  torch: (seed) => ({ module: 'torch', code: `torch.manual_seed(${seed})` }),
  tensorflow: (seed) => ({ module: 'tensorflow', code: `tf.random.set_seed(${seed})` }),
  jax: (seed) => ({ module: 'jax', code: `jax.random.PRNGKey(${seed})` }),
  keras: (seed) => ({ module: 'keras', code: `keras.utils.set_random_seed(${seed})` }),
};

/**
 * Which library's global RNG a call consumes, by qualified name; null when it consumes none.
 * numpy's Generator API (`np.random.default_rng(seed)`), `np.random.RandomState(seed)`, `random.Random(seed)` and
 * `torch.Generator()` are explicit generators, so only the legacy global functions count. Model and layer
 * constructors count too (their weights are drawn at construction; see `isRandomInitBuilder`). Arguments are not
 * looked at here: `generator=`, `seed=`, `shuffle=True` are the caller's business.
 */
export function rngConsumerOf(qualified: string): RngLibrary | null {
  if (qualified.startsWith('numpy.random.')) {
    return NUMPY_LEGACY_RANDOM.has(qualified.slice('numpy.random.'.length)) ? 'numpy' : null;
  }
  if (qualified.startsWith('random.')) {
    return RANDOM_MODULE_FUNCTIONS.has(qualified.slice('random.'.length)) ? 'random' : null;
  }
  if (/^torch\.(rand|randn|randint|randperm|rand_like|randn_like|randint_like|bernoulli|multinomial|normal|poisson)$/.test(qualified)) return 'torch';
  if (/^torch\.nn\.init\.(uniform|normal|trunc_normal|xavier_uniform|xavier_normal|kaiming_uniform|kaiming_normal|orthogonal|sparse)_?$/.test(qualified)) return 'torch';
  if (/^torch\.utils\.data\.(?:sampler\.|dataset\.)?(random_split|RandomSampler|SubsetRandomSampler|WeightedRandomSampler)$/.test(qualified)) return 'torch';
  if (/^tensorflow\.random\.(uniform|normal|truncated_normal|shuffle|categorical|gamma|poisson|log_uniform_candidate_sampler|uniform_candidate_sampler|fixed_unigram_candidate_sampler|learned_unigram_candidate_sampler)$/.test(qualified)) return 'tensorflow';
  if (/^tensorflow\.(compat\.v1\.)?(random_normal|random_uniform|truncated_normal|random_shuffle|multinomial|random_crop|random_gamma|random_poisson)$/.test(qualified)) return 'tensorflow';
  if (/^tensorflow\.image\.random_\w+$/.test(qualified)) return 'tensorflow';
  const initializer = /^(tensorflow\.keras|tensorflow|tf_keras|keras)\.initializers\.(RandomNormal|RandomUniform|TruncatedNormal|GlorotNormal|GlorotUniform|HeNormal|HeUniform|LecunNormal|LecunUniform|Orthogonal|VarianceScaling)$/.exec(qualified);
  if (initializer) return initializer[1] === 'keras' ? 'keras' : 'tensorflow';
  return randomInitBuilderOf(qualified);
}

const RANDOM_MODULE_FUNCTIONS = new Set([
  'random',
  'randint',
  'randrange',
  'choice',
  'choices',
  'shuffle',
  'sample',
  'uniform',
  'gauss',
  'normalvariate',
  'triangular',
  'betavariate',
  'expovariate',
  'gammavariate',
  'lognormvariate',
  'vonmisesvariate',
  'paretovariate',
  'weibullvariate',
  'getrandbits',
  'randbytes',
  'binomialvariate',
]);

/** Training or data-splitting calls that make an unseeded script irreproducible (ML201 with no seed at all). */
export const SPLIT_OR_TRAIN_CALLS: ReadonlySet<string> = new Set([
  'sklearn.model_selection.train_test_split',
  'torch.utils.data.random_split',
  'xgboost.train',
  'lightgbm.train',
]);

/** scikit-learn estimators and splitters that take `random_state` (ML204). Keys are class/function names. */
export const RANDOM_STATE_TAKERS: ReadonlySet<string> = new Set([
  'train_test_split',
  'KFold',
  'StratifiedKFold',
  'GroupShuffleSplit',
  'ShuffleSplit',
  'StratifiedShuffleSplit',
  'RepeatedKFold',
  'RepeatedStratifiedKFold',
  'RandomizedSearchCV',
  'HalvingRandomSearchCV',
  'HalvingGridSearchCV',
  'RandomForestClassifier',
  'RandomForestRegressor',
  'ExtraTreesClassifier',
  'ExtraTreesRegressor',
  'GradientBoostingClassifier',
  'GradientBoostingRegressor',
  'HistGradientBoostingClassifier',
  'HistGradientBoostingRegressor',
  'MLPClassifier',
  'MLPRegressor',
  'KMeans',
  'MiniBatchKMeans',
  'DecisionTreeClassifier',
  'DecisionTreeRegressor',
  'IsolationForest',
  'BaggingClassifier',
  'BaggingRegressor',
  'AdaBoostClassifier',
  'AdaBoostRegressor',
  'SGDClassifier',
  'SGDRegressor',
  'TSNE',
  'PCA',
  'TruncatedSVD',
  'NMF',
  'GaussianMixture',
  'LogisticRegression',
  'make_classification',
  'make_regression',
  'make_blobs',
  'shuffle',
  'resample',
]);

/** numpy's legacy global-state sampling functions (`np.random.<fn>`), the ones `np.random.seed` controls. */
export const NUMPY_LEGACY_RANDOM: ReadonlySet<string> = new Set([
  'rand', 'randn', 'randint', 'random_integers', 'random_sample', 'random', 'ranf', 'sample', 'choice', 'bytes',
  'shuffle', 'permutation', 'beta', 'binomial', 'chisquare', 'dirichlet', 'exponential', 'f', 'gamma', 'geometric',
  'gumbel', 'hypergeometric', 'laplace', 'logistic', 'lognormal', 'logseries', 'multinomial', 'multivariate_normal',
  'negative_binomial', 'noncentral_chisquare', 'noncentral_f', 'normal', 'pareto', 'poisson', 'power', 'rayleigh',
  'standard_cauchy', 'standard_exponential', 'standard_gamma', 'standard_normal', 'standard_t', 'triangular',
  'uniform', 'vonmises', 'wald', 'weibull', 'zipf',
]);

/**
 * The library whose RNG initialises the weights of a layer or model built by this call (`nn.Linear(…)`,
 * `tf.keras.Sequential(…)`, `keras.layers.Dense(…)`), or null. Building a model only matters for reproducibility
 * when the file then trains it (an inference script overwrites the weights with `load_state_dict`).
 */
export function randomInitBuilderOf(qualified: string): RngLibrary | null {
  if (/^torch\.nn\.(?:modules\.\w+\.)?(Linear|LazyLinear|Bilinear|Conv[123]d|LazyConv[123]d|ConvTranspose[123]d|LSTM|LSTMCell|GRU|GRUCell|RNN|RNNCell|Embedding|EmbeddingBag|Transformer|TransformerEncoder|TransformerDecoder|TransformerEncoderLayer|TransformerDecoderLayer|MultiheadAttention|Dropout|Dropout[123]d|AlphaDropout|FeatureAlphaDropout|PReLU)$/.test(qualified)) return 'torch';
  const keras = /^(tensorflow\.keras|tf_keras|keras)\.(?:Sequential|Model|models\.Sequential|models\.Model|layers\.(?:Dense|EinsumDense|Conv\w*|DepthwiseConv\w*|SeparableConv\w*|LSTM|GRU|SimpleRNN|ConvLSTM\w*|Embedding|Dropout|SpatialDropout\w*|AlphaDropout|GaussianNoise|GaussianDropout|MultiHeadAttention|Random\w+))$/.exec(qualified);
  if (keras) return keras[1] === 'keras' ? 'keras' : 'tensorflow';
  return null;
}

/** Whether a call builds randomly initialised weights (see `randomInitBuilderOf`). */
export function isRandomInitBuilder(qualified: string): boolean {
  return randomInitBuilderOf(qualified) !== null;
}

/** Base classes whose subclasses draw their weights from a library's RNG when instantiated. */
export const MODEL_BASE_CLASSES: ReadonlyMap<string, RngLibrary> = new Map([
  ['torch.nn.Module', 'torch'],
  ['torch.nn.modules.module.Module', 'torch'],
  ['lightning.LightningModule', 'torch'],
  ['lightning.pytorch.LightningModule', 'torch'],
  ['lightning.pytorch.core.LightningModule', 'torch'],
  ['lightning.pytorch.core.module.LightningModule', 'torch'],
  ['tensorflow.keras.Model', 'tensorflow'],
  ['tensorflow.keras.models.Model', 'tensorflow'],
  ['tensorflow.keras.layers.Layer', 'tensorflow'],
  ['tensorflow.Module', 'tensorflow'],
  ['tf_keras.Model', 'tensorflow'],
  ['keras.Model', 'keras'],
  ['keras.models.Model', 'keras'],
  ['keras.layers.Layer', 'keras'],
]);

/**
 * scikit-learn functions and estimators that draw from numpy's global RNG when `random_state` is missing or None
 * (`check_random_state(None)`). Deterministic-by-default ones (`LinearRegression`, `PCA` on small data,
 * `LogisticRegression` with lbfgs) are left out. Splitters marked `shuffle` only shuffle with `shuffle=True`.
 */
export const SKLEARN_GLOBAL_RNG_USERS: ReadonlyMap<string, 'always' | 'shuffle'> = new Map([
  ['train_test_split', 'always'],
  ['shuffle', 'always'],
  ['resample', 'always'],
  ['ShuffleSplit', 'always'],
  ['StratifiedShuffleSplit', 'always'],
  ['GroupShuffleSplit', 'always'],
  ['RepeatedKFold', 'always'],
  ['RepeatedStratifiedKFold', 'always'],
  ['KFold', 'shuffle'],
  ['StratifiedKFold', 'shuffle'],
  ['StratifiedGroupKFold', 'shuffle'],
  ['RandomizedSearchCV', 'always'],
  ['HalvingRandomSearchCV', 'always'],
  ['RandomForestClassifier', 'always'],
  ['RandomForestRegressor', 'always'],
  ['ExtraTreesClassifier', 'always'],
  ['ExtraTreesRegressor', 'always'],
  ['GradientBoostingClassifier', 'always'],
  ['GradientBoostingRegressor', 'always'],
  ['IsolationForest', 'always'],
  ['BaggingClassifier', 'always'],
  ['BaggingRegressor', 'always'],
  ['MLPClassifier', 'always'],
  ['MLPRegressor', 'always'],
  ['SGDClassifier', 'always'],
  ['SGDRegressor', 'always'],
  ['KMeans', 'always'],
  ['MiniBatchKMeans', 'always'],
  ['GaussianMixture', 'always'],
  ['make_classification', 'always'],
  ['make_regression', 'always'],
  ['make_blobs', 'always'],
  ['make_moons', 'always'],
  ['make_circles', 'always'],
]);

/**
 * Trainers that seed every library themselves from their arguments (`TrainingArguments.seed`, default 42), by
 * module prefix: any `…Trainer` class under these modules counts as a seed-all call.
 */
export const SELF_SEEDING_TRAINER_MODULES: readonly string[] = ['transformers', 'trl', 'setfit', 'sentence_transformers'];

/** The per-library seed function the ML201 fix inserts, how to import its module, and the usual import name. */
export const SEED_FUNCTION: Readonly<Record<RngLibrary, { qualified: string; module: string; importAs: string }>> = {
  random: { qualified: 'random.seed', module: 'random', importAs: 'random' },
  numpy: { qualified: 'numpy.random.seed', module: 'numpy', importAs: 'np' },
  torch: { qualified: 'torch.manual_seed', module: 'torch', importAs: 'torch' },
  tensorflow: { qualified: 'tensorflow.random.set_seed', module: 'tensorflow', importAs: 'tf' },
  jax: { qualified: 'jax.random.PRNGKey', module: 'jax', importAs: 'jax' },
  keras: { qualified: 'keras.utils.set_random_seed', module: 'keras', importAs: 'keras' },
};
