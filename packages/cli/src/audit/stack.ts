/**
 * Stack detection: which ML frameworks, LLM libraries, trackers, serving stacks and orchestrators a project uses,
 * from the imports of its Python files and notebooks and from its dependency manifests, with versions from lock
 * files, a local virtual environment or the manifests' constraints; plus what files alone show (TorchServe
 * archives, Triton and TF Serving configs, `bentofile.yaml`, Dockerfiles that copy models, `mlruns/`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Dependency, Project } from '@mlops-lint/core';
import type { FileFacts } from '@mlops-lint/rules';

export type StackCategory = 'framework' | 'llm' | 'tracking' | 'serving' | 'orchestration';

interface CatalogEntry {
  name: string;
  category: StackCategory;
  /** Distributions (PEP 503), in order of preference for the version. */
  packages: readonly string[];
  /** Import prefixes (`torch`, `torch.utils.tensorboard`). */
  imports: readonly string[];
}

/** What the detector recognises. Order is the report's order within a category. */
export const STACK_CATALOG: readonly CatalogEntry[] = [
  { name: 'PyTorch', category: 'framework', packages: ['torch'], imports: ['torch'] },
  { name: 'TensorFlow', category: 'framework', packages: ['tensorflow', 'tensorflow-cpu', 'tensorflow-gpu', 'tensorflow-macos'], imports: ['tensorflow'] },
  { name: 'Keras', category: 'framework', packages: ['keras', 'tf-keras'], imports: ['keras', 'tf_keras'] },
  { name: 'JAX', category: 'framework', packages: ['jax', 'flax'], imports: ['jax', 'flax'] },
  { name: 'Lightning', category: 'framework', packages: ['lightning', 'pytorch-lightning'], imports: ['lightning', 'pytorch_lightning'] },
  { name: 'Transformers', category: 'framework', packages: ['transformers'], imports: ['transformers'] },
  { name: 'Diffusers', category: 'framework', packages: ['diffusers'], imports: ['diffusers'] },
  { name: 'PEFT', category: 'framework', packages: ['peft'], imports: ['peft'] },
  { name: 'Sentence Transformers', category: 'framework', packages: ['sentence-transformers'], imports: ['sentence_transformers'] },
  { name: 'scikit-learn', category: 'framework', packages: ['scikit-learn'], imports: ['sklearn'] },
  { name: 'XGBoost', category: 'framework', packages: ['xgboost'], imports: ['xgboost'] },
  { name: 'LightGBM', category: 'framework', packages: ['lightgbm'], imports: ['lightgbm'] },
  { name: 'CatBoost', category: 'framework', packages: ['catboost'], imports: ['catboost'] },
  { name: 'spaCy', category: 'framework', packages: ['spacy'], imports: ['spacy'] },
  { name: 'Ultralytics', category: 'framework', packages: ['ultralytics'], imports: ['ultralytics'] },
  { name: 'ONNX Runtime', category: 'framework', packages: ['onnxruntime', 'onnxruntime-gpu'], imports: ['onnxruntime'] },
  { name: 'OpenAI', category: 'llm', packages: ['openai'], imports: ['openai'] },
  { name: 'Anthropic', category: 'llm', packages: ['anthropic'], imports: ['anthropic'] },
  { name: 'LangChain', category: 'llm', packages: ['langchain', 'langchain-core', 'langchain-openai', 'langchain-community'], imports: ['langchain', 'langchain_core', 'langchain_openai', 'langchain_community', 'langchain_anthropic'] },
  { name: 'LlamaIndex', category: 'llm', packages: ['llama-index', 'llama-index-core'], imports: ['llama_index'] },
  { name: 'LiteLLM', category: 'llm', packages: ['litellm'], imports: ['litellm'] },
  { name: 'vLLM', category: 'llm', packages: ['vllm'], imports: ['vllm'] },
  { name: 'Ollama', category: 'llm', packages: ['ollama'], imports: ['ollama'] },
  { name: 'Cohere', category: 'llm', packages: ['cohere'], imports: ['cohere'] },
  { name: 'Mistral', category: 'llm', packages: ['mistralai'], imports: ['mistralai'] },
  { name: 'Gemini', category: 'llm', packages: ['google-generativeai', 'google-genai'], imports: ['google.generativeai', 'google.genai', 'vertexai'] },
  { name: 'MLflow', category: 'tracking', packages: ['mlflow', 'mlflow-skinny'], imports: ['mlflow'] },
  { name: 'Weights & Biases', category: 'tracking', packages: ['wandb'], imports: ['wandb'] },
  { name: 'Neptune', category: 'tracking', packages: ['neptune', 'neptune-client'], imports: ['neptune'] },
  { name: 'Comet', category: 'tracking', packages: ['comet-ml'], imports: ['comet_ml'] },
  { name: 'ClearML', category: 'tracking', packages: ['clearml'], imports: ['clearml'] },
  { name: 'TensorBoard', category: 'tracking', packages: ['tensorboard', 'tensorboardx'], imports: ['torch.utils.tensorboard', 'tensorboardX', 'tensorboard'] },
  { name: 'DVCLive', category: 'tracking', packages: ['dvclive'], imports: ['dvclive'] },
  { name: 'Aim', category: 'tracking', packages: ['aim'], imports: ['aim'] },
  { name: 'FastAPI', category: 'serving', packages: ['fastapi'], imports: ['fastapi'] },
  { name: 'Flask', category: 'serving', packages: ['flask'], imports: ['flask'] },
  { name: 'Starlette', category: 'serving', packages: ['starlette'], imports: ['starlette'] },
  { name: 'BentoML', category: 'serving', packages: ['bentoml'], imports: ['bentoml'] },
  { name: 'Ray Serve', category: 'serving', packages: ['ray'], imports: ['ray.serve'] },
  { name: 'TorchServe', category: 'serving', packages: ['torchserve'], imports: ['ts.torch_handler'] },
  { name: 'Triton', category: 'serving', packages: ['tritonclient'], imports: ['tritonclient', 'triton_python_backend_utils'] },
  { name: 'KServe', category: 'serving', packages: ['kserve'], imports: ['kserve'] },
  { name: 'SageMaker', category: 'serving', packages: ['sagemaker'], imports: ['sagemaker'] },
  { name: 'Gradio', category: 'serving', packages: ['gradio'], imports: ['gradio'] },
  { name: 'Streamlit', category: 'serving', packages: ['streamlit'], imports: ['streamlit'] },
  { name: 'Airflow', category: 'orchestration', packages: ['apache-airflow'], imports: ['airflow'] },
  { name: 'Prefect', category: 'orchestration', packages: ['prefect'], imports: ['prefect'] },
  { name: 'Dagster', category: 'orchestration', packages: ['dagster'], imports: ['dagster'] },
  { name: 'Kubeflow Pipelines', category: 'orchestration', packages: ['kfp'], imports: ['kfp'] },
  { name: 'ZenML', category: 'orchestration', packages: ['zenml'], imports: ['zenml'] },
  { name: 'Metaflow', category: 'orchestration', packages: ['metaflow'], imports: ['metaflow'] },
  { name: 'Flyte', category: 'orchestration', packages: ['flytekit'], imports: ['flytekit'] },
];

export interface StackItem {
  name: string;
  category: StackCategory;
  /** The distribution the version is for, or null when only files show it. */
  package: string | null;
  /** The version installed or locked (`2.1.2`), or the exact pin; null when unknown. */
  version: string | null;
  /** The manifest's constraint when no exact version is known (`>=2.1`), else null. */
  constraint: string | null;
  /** Where the version or constraint comes from (`poetry.lock`, `requirements.txt:3`, `installed metadata`). */
  source: string | null;
  /** Files that import it (or that show it, for file-only detections), at most five. */
  evidence: string[];
}

/** What the stack line prints for an item: `PyTorch 2.1.2`, `PyTorch ≥2.1`, `PyTorch`. */
export function itemLabel(item: StackItem): string {
  if (item.version) return `${item.name} ${item.version}`;
  if (item.constraint) {
    const m = /^(>=|~=|\^|~|==|>)\s*([\d.]+)/.exec(item.constraint);
    if (m) return `${item.name} ${m[1] === '==' ? '' : '≥'}${m[2]}`;
  }
  return item.name;
}

/** Every dotted prefix of every import (`a`, `a.b`, `a.b.c` for `import a.b.c`) → the files importing it. */
export function importersByPrefix(facts: readonly FileFacts[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const f of facts) {
    for (const m of f.imports) {
      for (let i = m.indexOf('.'); ; i = m.indexOf('.', i + 1)) {
        const prefix = i === -1 ? m : m.slice(0, i);
        let files = out.get(prefix);
        if (!files) out.set(prefix, (files = new Set()));
        files.add(f.file);
        if (i === -1) break;
      }
    }
  }
  return out;
}

/**
 * Detects the stack. `display` turns a project-relative path into the report's path convention.
 */
export function detectStack(project: Project, facts: readonly FileFacts[], display: (projectFile: string) => string): StackItem[] {
  const deps = project.dependencies;
  const byPrefix = importersByPrefix(facts);
  const items: StackItem[] = [];
  for (const entry of STACK_CATALOG) {
    const found = new Set<string>();
    for (const p of entry.imports) for (const file of byPrefix.get(p) ?? []) found.add(file);
    const importers = [...found].sort();
    const declared = deps.filter((d) => entry.packages.includes(d.normalized));
    if (importers.length === 0 && declared.length === 0) continue;
    items.push({ name: entry.name, category: entry.category, ...versionOf(project, entry.packages, declared, display), evidence: importers.slice(0, 5) });
  }
  // What files alone show.
  const files = project.files.map((f) => f.path);
  const fileOnly = (name: string, category: StackCategory, evidence: string[]): void => {
    if (evidence.length === 0) return;
    const existing = items.find((i) => i.name === name);
    if (existing) {
      for (const e of evidence.map(display)) if (existing.evidence.length < 5 && !existing.evidence.includes(e)) existing.evidence.push(e);
      return;
    }
    items.push({ name, category, package: null, version: null, constraint: null, source: null, evidence: evidence.slice(0, 5).map(display) });
  };
  fileOnly('TorchServe', 'serving', files.filter((f) => f.endsWith('.mar')));
  fileOnly('Triton', 'serving', files.filter((f) => f.endsWith('/config.pbtxt') || f === 'config.pbtxt'));
  fileOnly('TF Serving', 'serving', files.filter((f) => /(^|\/)models\.config$/.test(f) || (/\.config$/.test(f) && /model_config_list/.test(project.readText(f) ?? ''))));
  fileOnly('BentoML', 'serving', files.filter((f) => /(^|\/)bentofile\.ya?ml$/.test(f)));
  fileOnly('KServe', 'serving', files.filter((f) => /\.ya?ml$/.test(f) && /kind:\s*InferenceService/.test(smallText(project, f))));
  fileOnly('Docker (copies models)', 'serving', files.filter((f) => /(^|\/)Dockerfile[\w.-]*$/.test(f) && copiesModels(project.readText(f) ?? '')));
  fileOnly('MLflow', 'tracking', existsSync(join(project.root, 'mlruns')) || project.hasDir('mlruns') ? ['mlruns/'] : []);
  fileOnly('Weights & Biases', 'tracking', existsSync(join(project.root, 'wandb')) || project.hasDir('wandb') ? ['wandb/'] : []);
  fileOnly('DVC', 'tracking', files.filter((f) => f === 'dvc.yaml' || f.endsWith('/dvc.yaml') || f.startsWith('.dvc/')).slice(0, 1));
  return items;
}

const AUXILIARY = /(^|[/_.-])(tests?|dev|docs?|lint|typing|types|ci|examples?|benchmarks?|notebooks?|extras?)([/_.-]|$)/i;

/** Lower is more central: depth of the manifest, plus a penalty for auxiliary manifests and optional groups. */
function centrality(d: Dependency): number {
  return d.file.split('/').length + (AUXILIARY.test(d.file) ? 10 : 0) + (d.group !== null ? 5 : 0);
}

function strength(d: Dependency): number {
  return d.exact !== null ? 0 : d.specifier !== '' && d.specifier !== '*' ? 1 : 2;
}

function smallText(project: Project, file: string): string {
  const size = project.sizeOf(file);
  return size !== null && size < 256 * 1024 ? (project.readText(file) ?? '') : '';
}

/** A Dockerfile that bakes model files into the image. */
function copiesModels(text: string): boolean {
  return /^\s*(?:COPY|ADD)\s+.*(?:\bmodels?\/|\bcheckpoints?\/|\bweights\/|\.(?:pt|pth|pkl|joblib|onnx|safetensors|h5|keras|bin|gguf)\b)/im.test(text);
}

function versionOf(
  project: Project,
  packages: readonly string[],
  declared: readonly Dependency[],
  display: (file: string) => string,
): Pick<StackItem, 'package' | 'version' | 'constraint' | 'source'> {
  for (const pkg of packages) {
    const resolved = project.resolvedVersion(pkg);
    if (resolved) return { package: pkg, version: resolved.version, constraint: null, source: resolved.source === 'installed metadata' ? resolved.source : display(resolved.source) };
  }
  // The declaration that says most about what runs: runtime manifests near the root first (not docs, tests,
  // typing or example requirements), then an exact pin over a range over nothing.
  const ranked = [...declared].sort((a, b) => centrality(a) - centrality(b) || strength(a) - strength(b) || a.line - b.line);
  const best = ranked[0];
  if (best) {
    const constraint = best.exact === null && best.specifier !== '' && best.specifier !== '*' ? best.specifier : null;
    return { package: best.normalized, version: best.exact, constraint, source: `${display(best.file)}:${best.line}` };
  }
  return { package: packages[0] ?? null, version: null, constraint: null, source: null };
}
