/**
 * Python distributions: which ones are ML-critical (ML202 unpinned-dependency checks them by default) and which
 * import names they provide (the audit's stack detection). Names are PEP 503-normalised (`scikit-learn`).
 */

/** ML-critical distributions: a different version of any of these changes a model's numbers or an API's shape. */
export const ML_CRITICAL_PACKAGES: ReadonlySet<string> = new Set([
  // deep learning
  'torch',
  'torchvision',
  'torchaudio',
  'torchtext',
  'torchdata',
  'tensorflow',
  'tensorflow-cpu',
  'tensorflow-gpu',
  'tensorflow-macos',
  'tf-keras',
  'keras',
  'jax',
  'jaxlib',
  'flax',
  'optax',
  'lightning',
  'pytorch-lightning',
  'deepspeed',
  'xformers',
  'triton',
  'bitsandbytes',
  'timm',
  'ultralytics',
  'mxnet',
  'paddlepaddle',
  // classical ML and numerics
  'scikit-learn',
  'xgboost',
  'lightgbm',
  'catboost',
  'numpy',
  'pandas',
  'polars',
  'scipy',
  'statsmodels',
  'prophet',
  'gensim',
  // Hugging Face
  'transformers',
  'datasets',
  'tokenizers',
  'accelerate',
  'peft',
  'trl',
  'diffusers',
  'sentence-transformers',
  'safetensors',
  'huggingface-hub',
  'evaluate',
  'sentencepiece',
  'optimum',
  // tracking and registries
  'mlflow',
  'mlflow-skinny',
  'wandb',
  'neptune',
  'comet-ml',
  'clearml',
  'dvc',
  // model formats and runtimes
  'onnx',
  'onnxruntime',
  'onnxruntime-gpu',
  'tensorrt',
  'openvino',
  'vllm',
  'llama-cpp-python',
  'ctranslate2',
  // LLM APIs and frameworks
  'openai',
  'anthropic',
  'cohere',
  'mistralai',
  'google-generativeai',
  'google-genai',
  'litellm',
  'tiktoken',
  'langchain',
  'llama-index',
  'langgraph',
  'dspy',
  'dspy-ai',
  'instructor',
  'guidance',
  // NLP / vision
  'spacy',
  'nltk',
  'opencv-python',
  'opencv-python-headless',
  'faiss-cpu',
  'faiss-gpu',
]);

/** Families named by prefix: `langchain-openai`, `llama-index-llms-openai`, `tensorflow-probability`, … */
const CRITICAL_PREFIXES = ['langchain-', 'llama-index-', 'tensorflow-', 'torch-', 'nvidia-cudnn', 'jax-'];

/** Whether a (PEP 503-normalised) distribution is ML-critical. */
export function isMlCriticalPackage(normalized: string): boolean {
  return ML_CRITICAL_PACKAGES.has(normalized) || CRITICAL_PREFIXES.some((p) => normalized.startsWith(p));
}

/** Import names whose distribution is named differently (`import sklearn` → `scikit-learn`). */
export const IMPORT_DISTRIBUTIONS: ReadonlyMap<string, string> = new Map([
  ['sklearn', 'scikit-learn'],
  ['cv2', 'opencv-python'],
  ['PIL', 'pillow'],
  ['yaml', 'pyyaml'],
  ['tf_keras', 'tf-keras'],
  ['pytorch_lightning', 'pytorch-lightning'],
  ['sentence_transformers', 'sentence-transformers'],
  ['huggingface_hub', 'huggingface-hub'],
  ['llama_index', 'llama-index'],
  ['llama_cpp', 'llama-cpp-python'],
  ['comet_ml', 'comet-ml'],
  ['google.generativeai', 'google-generativeai'],
  ['google.genai', 'google-genai'],
  ['faiss', 'faiss-cpu'],
  ['dvclive', 'dvclive'],
  ['ray', 'ray'],
]);
