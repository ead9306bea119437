/** Training entry points, experiment trackers and metrics (ML301, ML302, ML303). */

/** Experiment-tracking modules; a call into any of them (or `SummaryWriter`) counts as tracking. */
export const TRACKER_MODULES: ReadonlyMap<string, string> = new Map([
  ['mlflow', 'mlflow'],
  ['wandb', 'wandb'],
  ['neptune', 'neptune'],
  ['comet_ml', 'comet_ml'],
  ['clearml', 'clearml'],
  ['aim', 'aim'],
  ['dvclive', 'dvclive'],
  ['torch.utils.tensorboard', 'tensorboard'],
  ['tensorboardX', 'tensorboard'],
  ['tensorboard', 'tensorboard'],
  ['tensorflow.summary', 'tensorboard'],
  ['sacred', 'sacred'],
  ['guild', 'guild'],
  ['polyaxon', 'polyaxon'],
  ['lightning.pytorch.loggers', 'lightning-logger'],
  ['pytorch_lightning.loggers', 'lightning-logger'],
]);

/** The tracker a qualified name belongs to, if any. */
export function trackerOf(qualified: string): string | null {
  let best: string | null = null;
  let bestLen = -1;
  for (const [prefix, tracker] of TRACKER_MODULES) {
    if ((qualified === prefix || qualified.startsWith(`${prefix}.`)) && prefix.length > bestLen) {
      best = tracker;
      bestLen = prefix.length;
    }
  }
  return best;
}

/** Keyword values that turn tracking on inside a training API: `report_to="wandb"`, `logger=WandbLogger()`. */
export const TRACKING_REPORT_TO: ReadonlySet<string> = new Set(['wandb', 'mlflow', 'tensorboard', 'comet_ml', 'clearml', 'neptune', 'dvclive', 'aim', 'all']);

/** Module-level training functions. */
export const TRAIN_FUNCTIONS: ReadonlySet<string> = new Set(['xgboost.train', 'lightgbm.train', 'catboost.train', 'xgboost.cv', 'lightgbm.cv']);

/** Metric names and sklearn functions that go beyond accuracy (ML302). */
export const RICH_METRICS = /precision|recall|\bf1|f1_score|fbeta|roc_auc|\bauc\b|average_precision|confusion_matrix|classification_report|log_loss|matthews|cohen_kappa|balanced_accuracy|mean_squared_error|mean_absolute_error|r2_score|\brmse\b|\bmae\b|\bmse\b|perplexity|bleu|rouge|brier|top_k|ndcg|map@|iou|dice/i;
export const ACCURACY_METRICS = /\baccuracy\b|accuracy_score|\bacc\b/i;
