/** Model and data artifacts by file extension (ML501 model-artifact-in-git, the audit's model inventory). */

/** Serialized models and objects: weights, checkpoints, pickles, exported graphs. */
export const MODEL_EXTENSIONS: ReadonlySet<string> = new Set([
  '.pt',
  '.pth',
  '.ckpt',
  '.h5',
  '.hdf5',
  '.keras',
  '.pkl',
  '.pickle',
  '.joblib',
  '.onnx',
  '.safetensors',
  '.bin',
  '.pb',
  '.tflite',
  '.gguf',
  '.mlmodel',
]);

/** Data files that grow past what git handles well. */
export const DATA_EXTENSIONS: ReadonlySet<string> = new Set(['.npy', '.npz', '.parquet', '.feather', '.arrow', '.tfrecord', '.csv']);

/** Default thresholds (RULES.md, ML501): models above 100 KiB, data above 10 MiB. */
export const DEFAULT_MODEL_LIMIT_KIB = 100;
export const DEFAULT_DATA_LIMIT_MIB = 10;

/** The lower-case extension of a path's file name (`.pt`), or '' (none, or a dot file such as `.gitignore`). */
export function extensionOf(path: string): string {
  const base = path.slice(path.lastIndexOf('/') + 1).toLowerCase();
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot);
}

/**
 * The artifact kind of a path by its extension (ML501's lists), or null. With `archives`, model-server archives
 * count as models too (TorchServe `.mar`), which the audit's inventory wants and ML501 does not list.
 */
export function artifactKindOf(path: string, opts: { archives?: boolean } = {}): 'model' | 'data' | null {
  const ext = extensionOf(path);
  if (MODEL_EXTENSIONS.has(ext)) return 'model';
  if (DATA_EXTENSIONS.has(ext)) return 'data';
  if (opts.archives && ext === '.mar') return 'model';
  return null;
}

/** A byte count for messages: `312 KiB`, `2.4 MiB`, `1.1 GiB`. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 10 ? Math.round(value) : Math.round(value * 10) / 10} ${units[unit]}`;
}
