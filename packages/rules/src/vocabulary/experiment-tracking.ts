/**
 * What training, tracking and evaluation look like in ML code (ML301, ML302, ML303), beyond `training.ts`:
 * which `.fit(` receivers are models rather than preprocessing, which imports and calls record a run, and how
 * metric names read.
 */

// ---------------------------------------------------------------------------------------------------------------
// Training (ML301)

/** Libraries whose objects' `.fit(` trains a model (unless the class is preprocessing, see below). */
export const ML_FIT_LIBRARIES: ReadonlySet<string> = new Set([
  'sklearn',
  'xgboost',
  'lightgbm',
  'catboost',
  'keras',
  'tf_keras',
  'tensorflow',
  'skorch',
  'autogluon',
  'pytorch_tabnet',
  'ngboost',
  'interpret',
  'imblearn',
  'cuml',
  'sentence_transformers',
  'fastai',
  'transformers',
  'tabpfn',
  'flaml',
  'tpot',
]);

/** Modules whose import makes an unresolved `model.fit(X, y)` a model fit (with a model-like receiver name). */
export const ML_IMPORT_ROOTS: ReadonlySet<string> = new Set([...ML_FIT_LIBRARIES, 'torch', 'lightning', 'pytorch_lightning']);

/** Paths of preprocessing / unsupervised-analysis objects whose `.fit` is not model training. */
export const PREPROCESSING_PATH =
  /\.(preprocessing|feature_extraction|feature_selection|decomposition|manifold|impute|random_projection|kernel_approximation|cluster|mixture|covariance|over_sampling|under_sampling|combine|layers)(\.|$)|^sklearn\.neighbors\.(NearestNeighbors|KernelDensity)$/;

/** Class names of preprocessing objects (StandardScaler, LabelEncoder, TfidfVectorizer, PCA, …). */
export const PREPROCESSING_CLASS =
  /(Scaler|Encoder|Vectori[sz]er|Imputer|Binarizer|Discretizer|Normalizer|Selector|Transformer|ImageDataGenerator|Tokenizer|Sampler)$|^(PCA|IncrementalPCA|KernelPCA|SparsePCA|TruncatedSVD|NMF|FastICA|TSNE|UMAP|Isomap|KMeans|MiniBatchKMeans|DBSCAN|HDBSCAN|OPTICS|AgglomerativeClustering|GaussianMixture|SMOTE\w*|ADASYN|RFE|RFECV|SelectKBest|VarianceThreshold|PolynomialFeatures|SplineTransformer|ColumnTransformer|FeatureUnion|make_column_transformer|make_union|NearestNeighbors|KernelDensity|CountVectorizer|HashingVectorizer|DictVectorizer)$/;

/** Bare (unresolved, e.g. star-imported) class names that are estimators or models. */
export const ESTIMATOR_CLASS =
  /(Classifier|Regressor|Regression|SVC|SVR|Booster|Lasso|LassoCV|Ridge|RidgeCV|ElasticNet|ElasticNetCV|Perceptron|NB|SearchCV|Sequential|TabularPredictor|Pipeline)$|^make_pipeline$/;

/** Pipeline constructors: a pipeline trains when one of its steps is a model. */
export const PIPELINE_CONSTRUCTOR = /(^|\.)(Pipeline|make_pipeline)$/;

/** Words in a receiver name that say "model": `clf`, `model`, `xgb_model`, `rf`, `pipe`, `grid_search`, … */
export const MODEL_NAME_TOKENS: ReadonlySet<string> = new Set([
  'model', 'models', 'clf', 'classifier', 'classifiers', 'regressor', 'regressors', 'estimator', 'estimators',
  'pipe', 'pipeline', 'grid', 'gs', 'gscv', 'search', 'xgb', 'xgboost', 'lgbm', 'lgb', 'gbm', 'gbr', 'gbc', 'catboost',
  'cb', 'rf', 'rfc', 'rfr', 'forest', 'tree', 'dtc', 'dtr', 'svm', 'svc', 'svr', 'knn', 'lr', 'logreg', 'reg', 'regr',
  'net', 'network', 'learner', 'learn', 'automl', 'ensemble', 'booster', 'bst', 'stack', 'stacking', 'voting', 'mlp',
  'nb', 'gnb', 'mnb', 'ridge', 'lasso', 'elasticnet', 'ann', 'cnn', 'rnn', 'lstm', 'gru', 'autoencoder', 'vae', 'gan',
  'predictor', 'baseline', 'tabnet', 'keras',
]);

/** Words in a receiver name that say "preprocessing": `scaler`, `label_encoder`, `tfidf`, … */
export const PREPROCESSING_NAME_TOKENS: ReadonlySet<string> = new Set([
  'scaler', 'scale', 'scaling', 'encoder', 'enc', 'le', 'ohe', 'lb', 'mlb', 'vectorizer', 'vectoriser', 'vect', 'vec',
  'tfidf', 'imputer', 'pca', 'svd', 'tsne', 'umap', 'tokenizer', 'tok', 'normalizer', 'binarizer', 'selector',
  'poly', 'discretizer', 'transformer', 'preprocessor', 'preprocessing', 'prep', 'kde', 'dist', 'distribution',
  'kmeans', 'km', 'cluster', 'clusterer', 'clustering', 'dbscan', 'sampler', 'smote', 'nmf', 'ica', 'datagen',
  'featurizer',
]);

/** Keyword arguments that only a training `.fit(` takes (Keras, XGBoost/LightGBM sklearn API). */
export const TRAINING_FIT_KEYWORDS: ReadonlySet<string> = new Set([
  'epochs', 'batch_size', 'validation_data', 'validation_split', 'steps_per_epoch', 'validation_steps',
  'initial_epoch', 'eval_set', 'early_stopping_rounds', 'class_weight',
]);

/** Module-level training functions beyond `TRAIN_FUNCTIONS`. */
export const MORE_TRAIN_FUNCTIONS: ReadonlySet<string> = new Set([
  'xgboost.training.train',
  'lightgbm.engine.train',
  'fasttext.train_supervised',
  'fasttext.train_unsupervised',
  'optax.apply_updates',
]);

/** fastai `Learner` training methods. */
export const FASTAI_FIT_METHODS: ReadonlySet<string> = new Set(['fit', 'fit_one_cycle', 'fine_tune', 'fit_flat_cos', 'fit_sgdr']);

/** Hugging Face-style trainers whose `.train()` reports to trackers chosen by `TrainingArguments(report_to=…)`. */
export const HF_TRAINER = /^(transformers|trl|setfit|sentence_transformers)\.(\w+\.)*\w*Trainer$/;
/** Their argument classes. */
export const HF_TRAINING_ARGUMENTS = /^(transformers|trl|setfit|sentence_transformers)\.(\w+\.)*(\w*TrainingArguments|SFTConfig|DPOConfig|ORPOConfig|KTOConfig|CPOConfig|RewardConfig|GRPOConfig|PPOConfig)$/;
/** Lightning's trainer (which logs through a default TensorBoard/CSV logger unless `logger=False`). */
export const LIGHTNING_TRAINER = /^lightning(\.pytorch)?(\.trainer)?(\.trainer)?\.Trainer$/;
export const LIGHTNING_FABRIC = /^lightning(\.fabric)?\.Fabric$|^lightning_fabric\.Fabric$/;

// ---------------------------------------------------------------------------------------------------------------
// Tracking (ML301, ML303)

/** Tracking modules beyond `TRACKER_MODULES` (which `trackerOf` knows). */
export const MORE_TRACKER_MODULES =
  /^(visdom|tensorboard_logger|tensorboardX|trains|neptune_client|neptunecontrib|ray\.(tune|air|train)|lightning\.fabric\.loggers|lightning_fabric\.loggers|mlflow|wandb|aim|guildai|sacred|polyaxon|livelossplot|hiplot|swanlab|trackio)(\.|$)/;

/** Class names of tracker loggers and callbacks: `WandbLogger`, `MLflowCallback`, `TensorBoard`, `SummaryWriter`, … */
export const TRACKER_CLASS =
  /^(Wandb|WandB|MLFlow|MLflow|Mlflow|TensorBoard|Tensorboard|Comet|Neptune|ClearML|DVCLive|DvcLive|Aim|Sacred|SwanLab)\w*$|^(SummaryWriter|CSVLogger|TensorBoard)$/;

/** Method names only experiment trackers have: `writer.add_scalar`, `logger.log_metrics`, `accelerator.init_trackers`. */
export const TRACKING_METHODS: ReadonlySet<string> = new Set([
  'add_scalar', 'add_scalars', 'add_histogram', 'add_hparams', 'log_metric', 'log_metrics', 'log_param', 'log_params',
  'log_hyperparams', 'log_artifact', 'log_artifacts', 'report_scalar', 'init_trackers', 'log_model',
]);

/** General-purpose logging libraries: importing a `Logger` from them is not experiment tracking. */
export const GENERAL_LOGGING_MODULE =
  /^(logging|loguru|absl|structlog|rich|colorlog|tqdm|warnings|coloredlogs|transformers\.utils\.logging|transformers\.logging|datasets\.utils\.logging|diffusers\.utils\.logging|accelerate\.logging|torch\.distributed|lightning\.pytorch\.utilities|mmengine\.logging|mmcv\.utils|detectron2\.utils\.logger)(\.|$)/;

/** Names of project helpers that track runs: `init_wandb`, `MLflowTracker`, `TBLogger`, `Visualizer`, `log_metrics`. */
export const LOCAL_TRACKER_NAME =
  /wandb|mlflow|tensorboard|neptune|comet|clearml|dvclive|visdom|tracker|tracking|summary_?writer|(^|_)log_(metrics?|params?|hparams?|scalars?)$|[a-z0-9]Loggers?$|^(TB|Tb|Experiment|Metric|Metrics|Train|Training)?Loggers?$|Visuali[sz]er$/;

/** Names that configure a plain Python logger. */
export const PYTHON_LOGGER_HELPER = /^(setup|get|init|create|configure|make|build)_?[lL]ogger$|^getLogger$/;

/** Environment variables that point a framework integration at a tracker (`WANDB_PROJECT`, `MLFLOW_TRACKING_URI`). */
export const TRACKER_ENV = /^(WANDB|MLFLOW|COMET|NEPTUNE|CLEARML|DVCLIVE|AIM)_[A-Z_]+$/;
/** …except the ones that switch a tracker off or only tune its output. */
export const TRACKER_ENV_OFF = /^(WANDB_(DISABLED|MODE|SILENT|CONSOLE|WATCH|LOG_MODEL)|COMET_DISABLE\w*|MLFLOW_(DISABLE\w*))$/;

/** `report_to=` values that switch trackers off. */
export const REPORT_TO_OFF: ReadonlySet<string> = new Set(['none', 'None', '']);

/** Words of hardware/environment metadata (ML303): GPU type, CUDA, device, library versions, git commit. */
export const RUN_METADATA =
  /gpu|cuda|device|nvidia|hardware|__version__|version|git|commit|\bsha\b|platform|hostname|cudnn|requirements|environment|\bconda\b|pip_freeze|accelerator|\b(a100|h100|h200|v100|a10g?|l4|l40s?|t4|rtx\w*|tesla|tpu)\b/i;

/** String literals that place work on a GPU: `"cuda"`, `"cuda:0"`, `"gpu"`, `"/GPU:0"`, `"/device:GPU:0"`. */
export const GPU_DEVICE_STRING = /^(cuda(:\d+)?|gpu|\/?(device:)?gpu(:\d+)?)$/i;

// ---------------------------------------------------------------------------------------------------------------
// Metrics (ML302)

function normalizeMetricName(name: string): string {
  const norm = `_${name
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9@]+/g, '_')
    .replace(/@/g, '_')}_`;
  // Mixed/matmul precision settings are not the precision metric.
  return norm.replace(/_(matmul|mixed|float\d*|half|double|default|amp|fp\d+|bf16|set|print|numeric|display|decimal)_precision_/g, '_');
}

const GAN_ACCURACY = /_(generator|discriminator|disc|gen|netd|netg|d|g)_(acc|accuracy)\d*_/;
const TOKEN_ACCURACY = /_(token|tokens|tok|next_token|per_token|char|character)_(acc|accuracy)\d*_/;
const ACCURACY_NAME = /_(acc|accuracy|accuracies|accs)\d*_/;
const RICH_NAME =
  /_(precision|precisions|recall|recalls|f1|f1s|f\d|fbeta|fscore|f_score|f_measure|auc|auroc|auprc|roc|average_precision|avg_precision|confusion|classification_report|mcc|matthews|kappa|cohen|balanced_acc|balanced_accuracy|log_loss|logloss|brier|iou|miou|jaccard|dice|bleu|rouge\w*|sacrebleu|meteor|bertscore|perplexity|ppl|wer|cer|ndcg|mrr|sensitivity|specificity|tpr|fpr|tnr|ppv|npv|hamming|mse|rmse|mae|mape|smape|msle|rmsle|r2|rsquared|explained_variance|mean_squared|mean_absolute|median_absolute|huber|pearson|pearsonr|spearman|spearmanr|crosstab)_|_top_?([2-9]|\d\d+|k)_|_acc_?([2-9]|\d\d+)_|_accuracy_?([2-9]|\d\d+)_/;

/**
 * How a metric name reads: `rich` for anything beyond accuracy (precision, recall, F1, AUC, confusion matrix,
 * calibration, top-k, segmentation/NLP/regression metrics), `accuracy` for plain accuracy (`acc`, `val_accuracy`,
 * `accuracy_score`, `MulticlassAccuracy`), null for neither (loss, learning rate, …).
 */
export function metricKind(name: string): 'rich' | 'accuracy' | null {
  const norm = normalizeMetricName(name);
  if (RICH_NAME.test(norm)) return 'rich';
  // A GAN's generator/discriminator accuracy is a training diagnostic, not a classifier evaluation.
  if (GAN_ACCURACY.test(norm)) return null;
  // Next-token accuracy of a language model is a training diagnostic over a vocabulary, not a classifier's score.
  if (TOKEN_ACCURACY.test(norm)) return null;
  if (ACCURACY_NAME.test(norm)) return 'accuracy';
  return null;
}

/**
 * How a logged metric key reads (`metricKind`, plus: a quality score logged under its own key, `diff_score`,
 * `val_score`, is another evaluation metric; `accuracy_score` is not).
 */
export function metricKeyKind(key: string): 'rich' | 'accuracy' | null {
  const norm = normalizeMetricName(key);
  if (/_scores?_/.test(norm) && !/_acc(uracy)?_scores?_/.test(norm)) return 'rich';
  return metricKind(key);
}

/** Methods that log a metric under a key: `wandb.log({...})`, `mlflow.log_metric("acc", …)`, `self.log("val_acc", …)`. */
export const METRIC_LOG_METHODS: ReadonlySet<string> = new Set([
  'log', 'log_metric', 'log_metrics', 'add_scalar', 'add_scalars', 'log_dict', 'scalar', 'report_scalar', 'log_scalar',
  'log_scalars', 'log_summary',
]);

/** Calls that load a metric by name: `evaluate.load("accuracy")`, `datasets.load_metric("f1")`. */
export const METRIC_LOADERS = /^(evaluate\.(load|combine)|datasets\.load_metric)$/;

/** Keyword arguments naming metrics: `metrics=["accuracy"]`, `scoring="f1_macro"`, `eval_metric="auc"`. */
export const METRIC_KEYWORDS: ReadonlySet<string> = new Set(['metrics', 'metric', 'scoring', 'eval_metric', 'weighted_metrics', 'metric_for_best_model']);
