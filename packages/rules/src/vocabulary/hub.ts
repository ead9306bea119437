/**
 * Hugging Face Hub loads: which calls fetch a model or data set from the Hub, where their repository id goes, and
 * what a repository id looks like (ML205 unpinned-hub-revision, ML503 trust-remote-code).
 */

/** Root modules of libraries that load models, tokenizers or data sets from the Hugging Face Hub. */
export const HUB_LIBRARIES: ReadonlySet<string> = new Set([
  'transformers',
  'datasets',
  'diffusers',
  'peft',
  'optimum',
  'trl',
  'setfit',
  'sentence_transformers',
  'huggingface_hub',
  'tokenizers',
  'evaluate',
  'vllm',
  'sglang',
  'lm_eval',
  'auto_gptq',
  'gptqmodel',
  'awq',
  'unsloth',
  'lmdeploy',
  'FlagEmbedding',
  'langchain_huggingface',
  'langchain_community',
  'llama_index',
  'mteb',
  'outlines',
  'modelscope',
]);

/** Method names that load from a repository id whatever class they are called on. */
export const HUB_LOAD_METHODS: ReadonlySet<string> = new Set(['from_pretrained', 'from_config', 'from_model_id', 'from_single_file']);

/** Where a Hub load takes its repository id, and the library (for messages). */
export interface HubLoad {
  library: string;
  /** A readable name of the call for messages (`AutoModel.from_pretrained`, `load_dataset`). */
  label: string;
  /** 0-based position of the repository id among positional arguments. */
  position: number | null;
  /** Keywords that can carry the repository id. */
  keywords: readonly string[];
}

/** Libraries whose `from_pretrained` accepts `revision=`. */
const FROM_PRETRAINED_LIBRARIES: ReadonlySet<string> = new Set([
  'transformers',
  'diffusers',
  'peft',
  'optimum',
  'trl',
  'setfit',
  'sentence_transformers',
  'tokenizers',
  'huggingface_hub',
]);

const PRETRAINED_KEYWORDS = ['pretrained_model_name_or_path', 'model_id'] as const;

/**
 * The Hub loads that take a `revision=` (ML205): `*.from_pretrained` of a Hugging Face library,
 * `transformers.pipeline(model=…)`, `hf_hub_download`, `snapshot_download`, `load_dataset`, `SentenceTransformer`
 * and `CrossEncoder`. `qualified` is the resolver's name of the callee.
 */
export function hubLoadOf(qualified: string | null): HubLoad | null {
  if (!qualified) return null;
  const parts = qualified.split('.');
  const root = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  if (last === 'from_pretrained') {
    const owner = (parts[parts.length - 2] ?? '').replace(/\(\)$/, '');
    const label = `${owner}.from_pretrained`;
    // Unsloth's `FastLanguageModel`/`FastModel`/`FastVisionModel.from_pretrained(model_name=…, revision=…)`.
    if (root === 'unsloth' && /^Fast\w*Model$/.test(owner)) return { library: root, label, position: 0, keywords: ['model_name'] };
    if (!FROM_PRETRAINED_LIBRARIES.has(root)) return null;
    // `PeftModel.from_pretrained(base_model, "org/adapter")`: the adapter id comes second.
    if (root === 'peft' && /^PeftModel\w*$/.test(owner)) return { library: root, label, position: 1, keywords: ['model_id'] };
    return { library: root, label, position: 0, keywords: PRETRAINED_KEYWORDS };
  }
  if (root === 'transformers' && last === 'pipeline' && parts.length <= 3) {
    return { library: root, label: 'pipeline', position: 1, keywords: ['model'] };
  }
  if (root === 'huggingface_hub' && (last === 'hf_hub_download' || last === 'snapshot_download')) {
    return { library: root, label: last, position: 0, keywords: ['repo_id'] };
  }
  if (root === 'datasets' && (last === 'load_dataset' || last === 'load_dataset_builder') && !qualified.includes('()')) {
    return { library: root, label: last, position: 0, keywords: ['path'] };
  }
  if (root === 'sentence_transformers' && (last === 'SentenceTransformer' || last === 'CrossEncoder') && !qualified.includes('()')) {
    return { library: root, label: last, position: 0, keywords: ['model_name_or_path', 'model_name'] };
  }
  return null;
}

/** Extensions of files a repository id never ends with (a local file path does). */
const FILE_EXTENSIONS =
  /\.(?:json|jsonl|txt|csv|tsv|parquet|arrow|bin|pt|pth|ckpt|safetensors|h5|hdf5|keras|onnx|pkl|pickle|joblib|yaml|yml|model|gguf|ggml|npz|npy|zip|tar|gz|tgz|py|md|xml|msgpack|tflite|pb)$/i;

/** First path segments that are conventional local folders (training outputs, checkpoints), not Hub owners. */
const LOCAL_FOLDERS: ReadonlySet<string> = new Set([
  'output',
  'outputs',
  'out',
  'checkpoint',
  'checkpoints',
  'ckpt',
  'ckpts',
  'saved_model',
  'saved_models',
  'save',
  'saved',
  'results',
  'runs',
  'tmp',
  'temp',
  'data',
  'artifacts',
  'weights',
  'exp',
  'exps',
  'experiments',
  'logs',
  'cache',
  'local',
  'pretrained',
  'pretrained_models',
  'trained_models',
  'finetuned',
  'fine_tuned',
  'models',
  'model',
  'mnt',
  'home',
]);

/** Second segments that name a training run's output rather than a Hub repository. */
const LOCAL_LEAVES = /^(?:checkpoint[-_]?\d+|checkpoint[-_]?(?:best|last|final)|best|last|latest|final|best_model|final_model|last_model)$/i;

/** Whether a string is obviously a local path: `./x`, `/x`, `~/x`, `C:\x`, anything with a backslash. */
export function isLocalPath(value: string): boolean {
  return /^[./~]/.test(value) || value.includes('\\') || /^[A-Za-z]:/.test(value) || /^file:/i.test(value);
}

/**
 * Whether a string reads as a Hub repository id `owner/name` (exactly one slash, Hub-legal characters, not a local
 * path, not a file name, not a conventional local output folder such as `outputs/checkpoint-500`).
 */
export function isHubRepoId(value: string): boolean {
  if (isLocalPath(value)) return false;
  const m = /^([A-Za-z0-9][\w.-]*)\/([A-Za-z0-9][\w.-]*)$/.exec(value);
  if (!m) return false;
  const owner = m[1] as string;
  const name = m[2] as string;
  if (value.length > 96 + 1 + 96) return false;
  if (FILE_EXTENSIONS.test(name)) return false;
  if (LOCAL_FOLDERS.has(owner.toLowerCase()) || LOCAL_LEAVES.test(name)) return false;
  // Libraries' own test fixtures (`hf-internal-testing/tiny-random-gpt2`): tiny random models, not dependencies.
  if (/-internal-testing$/i.test(owner) || /^tiny-random-/i.test(name)) return false;
  if (/\.\.|--/.test(value) || /[.-]$/.test(owner) || /[.-]$/.test(name)) return false;
  return true;
}

/** A full 40-hex commit sha, the only revision that cannot move. */
export function isCommitSha(value: string): boolean {
  return /^[0-9a-f]{40}$/i.test(value);
}

/** Revisions that follow the default branch. */
export const FLOATING_REVISIONS: ReadonlySet<string> = new Set(['main', 'master']);
