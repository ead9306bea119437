/**
 * What counts as loading a model (RULES.md, "Model load"). Names are qualified through the import resolver
 * (`jl.load` → `joblib.load`); a call on an instance reads `module.Class().method`.
 */
const EXACT = new Map<string, string>([
  ['pickle.load', 'pickle'],
  ['pickle.loads', 'pickle'],
  ['joblib.load', 'joblib'],
  ['cloudpickle.load', 'cloudpickle'],
  ['cloudpickle.loads', 'cloudpickle'],
  ['dill.load', 'dill'],
  ['dill.loads', 'dill'],
  ['torch.load', 'torch'],
  ['torch.jit.load', 'torch'],
  ['torch.export.load', 'torch'],
  ['tensorflow.keras.models.load_model', 'keras'],
  ['tensorflow.keras.saving.load_model', 'keras'],
  ['tensorflow.saved_model.load', 'tensorflow'],
  ['tensorflow.lite.Interpreter', 'tensorflow'],
  ['keras.models.load_model', 'keras'],
  ['keras.saving.load_model', 'keras'],
  ['tf_keras.models.load_model', 'keras'],
  ['transformers.pipeline', 'transformers'],
  ['sentence_transformers.SentenceTransformer', 'sentence-transformers'],
  ['sentence_transformers.CrossEncoder', 'sentence-transformers'],
  ['onnxruntime.InferenceSession', 'onnxruntime'],
  ['spacy.load', 'spacy'],
  ['ultralytics.YOLO', 'ultralytics'],
  ['mlflow.pyfunc.load_model', 'mlflow'],
  ['safetensors.torch.load_file', 'safetensors'],
  ['whisper.load_model', 'whisper'],
  ['fasttext.load_model', 'fasttext'],
  ['gensim.models.Word2Vec.load', 'gensim'],
  ['gensim.models.KeyedVectors.load', 'gensim'],
  ['gensim.models.KeyedVectors.load_word2vec_format', 'gensim'],
  ['vllm.LLM', 'vllm'],
  ['llama_cpp.Llama', 'llama-cpp'],
  ['tensorflow_hub.load', 'tensorflow-hub'],
  ['tensorflow_hub.KerasLayer', 'tensorflow-hub'],
  ['open_clip.create_model_and_transforms', 'open_clip'],
]);

/** `mlflow.sklearn.load_model`, `mlflow.pytorch.load_model`, … */
const MLFLOW_FLAVOR = /^mlflow\.(?:\w+\.)?load_model$/;
/** `xgb.Booster().load_model`, `xgb.XGBClassifier().load_model`, `catboost.CatBoostClassifier().load_model`. */
const INSTANCE_LOAD = /^(xgboost|catboost|lightgbm)\.\w+\(\)\.load_model$/;

export interface ModelLoad {
  /** The library, for messages ("joblib", "transformers", …). */
  library: string;
  /** What the user wrote, normalised (`joblib.load`, `AutoModel.from_pretrained`). */
  label: string;
}

/**
 * Whether a call is a model load. `qualified` is the resolver's name for the callee (may be null when the
 * receiver is a local object); `methodName` is the last attribute of the callee as written; `keywords` are the
 * call's keyword argument names.
 */
export function modelLoadOf(qualified: string | null, methodName: string | null, keywords: ReadonlySet<string>): ModelLoad | null {
  if (methodName === 'from_pretrained' || methodName === 'from_single_file') {
    return { library: qualified?.split('.')[0] ?? 'transformers', label: shortLabel(qualified, methodName) };
  }
  if (methodName === 'load_from_checkpoint') return { library: 'lightning', label: shortLabel(qualified, methodName) };
  if (!qualified) return null;
  const lib = EXACT.get(qualified);
  if (lib) return { library: lib, label: qualified };
  if (MLFLOW_FLAVOR.test(qualified)) return { library: 'mlflow', label: qualified };
  if (INSTANCE_LOAD.test(qualified)) return { library: qualified.split('.')[0] as string, label: qualified.replace('()', '(…)') };
  if ((qualified === 'lightgbm.Booster' || qualified === 'lightgbm.basic.Booster') && (keywords.has('model_file') || keywords.has('model_str'))) {
    return { library: 'lightgbm', label: 'lightgbm.Booster' };
  }
  return null;
}

function shortLabel(qualified: string | null, method: string): string {
  if (!qualified) return `*.${method}`;
  const parts = qualified.replace(/\(\)/g, '').split('.');
  return parts.slice(-2).join('.');
}

/** Loads that deserialize arbitrary Python objects (ML502's concern), by qualified name. */
export const PICKLE_LOADS: ReadonlyMap<string, string> = new Map([
  ['pickle.load', 'pickle'],
  ['pickle.loads', 'pickle'],
  ['pickle.Unpickler', 'pickle'],
  ['cloudpickle.load', 'cloudpickle'],
  ['cloudpickle.loads', 'cloudpickle'],
  ['dill.load', 'dill'],
  ['dill.loads', 'dill'],
  ['joblib.load', 'joblib'],
  ['pandas.read_pickle', 'pandas'],
  ['shelve.open', 'shelve'],
  ['jsonpickle.decode', 'jsonpickle'],
]);
