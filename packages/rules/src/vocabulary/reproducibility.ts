/** Random number generators: what seeds them, what consumes them (ML201, ML204). */

export type RngLibrary = 'random' | 'numpy' | 'torch' | 'tensorflow' | 'jax';

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
]);

/** The statement the ML201 fix inserts for a library, given the seed expression. */
export const SEED_STATEMENT: Readonly<Record<RngLibrary, (seed: string) => { module: string; code: string }>> = {
  random: (seed) => ({ module: 'random', code: `random.seed(${seed})` }),
  numpy: (seed) => ({ module: 'numpy', code: `np.random.seed(${seed})` }),
  torch: (seed) => ({ module: 'torch', code: `torch.manual_seed(${seed})` }),
  tensorflow: (seed) => ({ module: 'tensorflow', code: `tf.random.set_seed(${seed})` }),
  jax: (seed) => ({ module: 'jax', code: `jax.random.PRNGKey(${seed})` }),
};

/**
 * Which library's RNG a call consumes, by qualified name; null when it consumes none.
 * numpy's Generator API (`np.random.default_rng(seed)`) is explicit, so only the legacy global functions count.
 */
export function rngConsumerOf(qualified: string): RngLibrary | null {
  if (qualified.startsWith('numpy.random.')) {
    const fn = qualified.slice('numpy.random.'.length);
    if (fn === 'seed' || fn === 'default_rng' || fn === 'RandomState' || fn === 'Generator' || fn === 'SeedSequence' || fn.startsWith('default_rng(') || fn.includes('(')) return null;
    return 'numpy';
  }
  if (qualified.startsWith('random.')) {
    const fn = qualified.slice('random.'.length);
    if (fn === 'seed' || fn === 'Random' || fn === 'SystemRandom' || fn.includes('(') || fn.includes('.')) return null;
    return RANDOM_MODULE_FUNCTIONS.has(fn) ? 'random' : null;
  }
  if (/^torch\.(rand|randn|randint|randperm|rand_like|randn_like|randint_like|bernoulli|multinomial|normal|poisson)$/.test(qualified)) return 'torch';
  if (/^torch\.nn\.(init\.\w+|Linear|Conv[123]d|ConvTranspose[123]d|LSTM|GRU|RNN|Embedding|Transformer\w*|MultiheadAttention|Dropout\w*|Bilinear)$/.test(qualified)) return 'torch';
  if (/^torch\.utils\.data\.(random_split|RandomSampler)$/.test(qualified)) return 'torch';
  if (/^tensorflow\.random\.(?!set_seed|Generator|experimental)\w+$/.test(qualified)) return 'tensorflow';
  if (/^(tensorflow\.)?keras\.(Sequential|Model|layers\.\w+|models\.Sequential|models\.Model)$/.test(qualified)) return 'tensorflow';
  return null;
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
