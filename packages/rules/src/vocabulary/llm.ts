/**
 * LLM calls: what sends a prompt to a model. Shared by ML401 (prompt injection), ML402 (token limits) and ML403
 * (inline prompts), so the three rules always agree.
 */

export interface LlmCall {
  /** Provider or library, for messages. */
  provider: string;
  /** Which keyword limits the output for this API (ML402's fix inserts it). */
  tokenKeyword: string;
  /** Whether the call is a chat/completion request whose output length a token keyword bounds. */
  bounded: boolean;
}

/** Client constructors: `openai.OpenAI()` and friends. */
const OPENAI_COMPATIBLE_CLIENTS = new Set([
  'openai.OpenAI',
  'openai.AsyncOpenAI',
  'openai.AzureOpenAI',
  'openai.AsyncAzureOpenAI',
  'groq.Groq',
  'groq.AsyncGroq',
  'together.Together',
  'fireworks.client.Fireworks',
  'cerebras.cloud.sdk.Cerebras',
]);
const ANTHROPIC_CLIENTS = new Set(['anthropic.Anthropic', 'anthropic.AsyncAnthropic', 'anthropic.AnthropicBedrock', 'anthropic.AnthropicVertex']);

/** Exact qualified names of module-level LLM functions. */
const MODULE_CALLS = new Map<string, LlmCall>([
  ['openai.ChatCompletion.create', { provider: 'openai', tokenKeyword: 'max_tokens', bounded: true }],
  ['openai.ChatCompletion.acreate', { provider: 'openai', tokenKeyword: 'max_tokens', bounded: true }],
  ['openai.Completion.create', { provider: 'openai', tokenKeyword: 'max_tokens', bounded: true }],
  ['openai.Completion.acreate', { provider: 'openai', tokenKeyword: 'max_tokens', bounded: true }],
  ['openai.chat.completions.create', { provider: 'openai', tokenKeyword: 'max_completion_tokens', bounded: true }],
  ['openai.completions.create', { provider: 'openai', tokenKeyword: 'max_tokens', bounded: true }],
  ['openai.responses.create', { provider: 'openai', tokenKeyword: 'max_output_tokens', bounded: true }],
  ['litellm.completion', { provider: 'litellm', tokenKeyword: 'max_tokens', bounded: true }],
  ['litellm.acompletion', { provider: 'litellm', tokenKeyword: 'max_tokens', bounded: true }],
  ['litellm.text_completion', { provider: 'litellm', tokenKeyword: 'max_tokens', bounded: true }],
  ['ollama.chat', { provider: 'ollama', tokenKeyword: 'options', bounded: false }],
  ['ollama.generate', { provider: 'ollama', tokenKeyword: 'options', bounded: false }],
  ['cohere.Client().chat', { provider: 'cohere', tokenKeyword: 'max_tokens', bounded: true }],
  ['cohere.Client().generate', { provider: 'cohere', tokenKeyword: 'max_tokens', bounded: true }],
  ['cohere.ClientV2().chat', { provider: 'cohere', tokenKeyword: 'max_tokens', bounded: true }],
  ['mistralai.Mistral().chat.complete', { provider: 'mistral', tokenKeyword: 'max_tokens', bounded: true }],
  ['ollama.Client().chat', { provider: 'ollama', tokenKeyword: 'options', bounded: false }],
  ['ollama.Client().generate', { provider: 'ollama', tokenKeyword: 'options', bounded: false }],
  ['ollama.AsyncClient().chat', { provider: 'ollama', tokenKeyword: 'options', bounded: false }],
  // llama-cpp-python: `create_chat_completion` defaults to `max_tokens=None` (until the context is full); plain
  // completions default to 16 tokens and are left out.
  ['llama_cpp.Llama().create_chat_completion', { provider: 'llama-cpp', tokenKeyword: 'max_tokens', bounded: true }],
  ['llama_cpp.Llama.from_pretrained().create_chat_completion', { provider: 'llama-cpp', tokenKeyword: 'max_tokens', bounded: true }],
]);

/** LangChain chat/LLM classes: an instance's invoke/predict/run/stream/batch or call sends a prompt. */
const LANGCHAIN_MODEL = /^(?:langchain(?:_community|_openai|_anthropic|_google_genai|_ollama|_mistralai|_groq|_aws|_huggingface)?)(?:\.[\w]+)*\.(Chat\w+|OpenAI|AzureOpenAI|Ollama|HuggingFaceHub|HuggingFacePipeline|HuggingFaceEndpoint|LlamaCpp|Bedrock|VertexAI|Cohere)$/;
const LANGCHAIN_CHAIN = /^langchain(?:\.[\w]+)*\.(LLMChain|ConversationChain|RetrievalQA|ConversationalRetrievalChain)$/;
const LANGCHAIN_METHODS = new Set(['invoke', 'ainvoke', 'predict', 'apredict', 'run', 'arun', 'stream', 'astream', 'batch', 'abatch', 'generate', 'agenerate', 'call', '__call__']);
const LANGCHAIN_TOKEN_KEYWORD = 'max_tokens';

/** Gemini / Vertex generative models. */
const GEMINI_MODELS = new Set(['google.generativeai.GenerativeModel', 'vertexai.generative_models.GenerativeModel', 'vertexai.preview.generative_models.GenerativeModel']);

/**
 * Classifies a call as an LLM call. `qualified` is the resolver's callee name; `rawCallee` is the callee text as
 * written (used, together with the file's imports, when the client is a parameter or attribute the resolver cannot
 * follow: `self.client.chat.completions.create`).
 */
export function llmCallOf(qualified: string | null, rawCallee: string, importsOf: (module: string) => boolean, hints: LlmCallHints = {}): LlmCall | null {
  if (qualified && PIPELINE_OBJECT_CALL.test(qualified)) {
    // Calling a pipeline object: only generative tasks take a prompt (a sentiment pipeline does not).
    return hints.pipelineTask && GENERATIVE_PIPELINE_TASKS.has(hints.pipelineTask) ? { provider: 'transformers', tokenKeyword: 'max_new_tokens', bounded: true } : null;
  }
  if (qualified) {
    const exact = MODULE_CALLS.get(qualified);
    if (exact) return exact;
    const instance = /^(.*)\(\)\.(.+)$/.exec(qualified);
    if (instance) {
      const [, ctor, written] = instance as unknown as [string, string, string];
      // `client.chat.completions.with_raw_response.create(...)` sends the same request.
      const rest = written.replace(/(^|\.)with_(?:raw|streaming)_response\./, '$1');
      if (OPENAI_COMPATIBLE_CLIENTS.has(ctor) || /\.(OpenAI|AsyncOpenAI|AzureOpenAI)$/.test(ctor)) {
        if (rest === 'chat.completions.create' || rest === 'beta.chat.completions.parse' || rest === 'chat.completions.parse') {
          return { provider: providerOf(ctor), tokenKeyword: 'max_completion_tokens', bounded: true };
        }
        if (rest === 'completions.create') return { provider: providerOf(ctor), tokenKeyword: 'max_tokens', bounded: true };
        if (rest === 'responses.create' || rest === 'responses.parse') return { provider: providerOf(ctor), tokenKeyword: 'max_output_tokens', bounded: true };
      }
      if (ANTHROPIC_CLIENTS.has(ctor) && (rest === 'messages.create' || rest === 'messages.stream' || rest === 'completions.create')) {
        return { provider: 'anthropic', tokenKeyword: rest === 'completions.create' ? 'max_tokens_to_sample' : 'max_tokens', bounded: true };
      }
      if ((LANGCHAIN_MODEL.test(ctor) || LANGCHAIN_CHAIN.test(ctor)) && LANGCHAIN_METHODS.has(rest)) {
        return { provider: 'langchain', tokenKeyword: LANGCHAIN_TOKEN_KEYWORD, bounded: false };
      }
      if (GEMINI_MODELS.has(ctor) && (rest === 'generate_content' || rest === 'generate_content_async')) {
        return { provider: 'gemini', tokenKeyword: 'generation_config', bounded: false };
      }
      if (ctor === 'google.genai.Client' && (rest === 'models.generate_content' || rest === 'aio.models.generate_content')) {
        return { provider: 'gemini', tokenKeyword: 'config', bounded: false };
      }
      if ((ctor === 'transformers.pipeline' || ctor === 'transformers.pipelines.pipeline') && rest === '__call__') {
        return { provider: 'transformers', tokenKeyword: 'max_new_tokens', bounded: true };
      }
    }
  }
  // A client the resolver cannot follow (a parameter, `self.client`): the API shape plus the file's imports decide.
  const tail = rawCallee.replace(/\s+/g, '');
  if (/\.chat\.completions\.(create|parse)$/.test(tail) && (importsOf('openai') || importsOf('groq') || importsOf('together') || importsOf('litellm'))) {
    return { provider: 'openai', tokenKeyword: 'max_completion_tokens', bounded: true };
  }
  if (/\.responses\.create$/.test(tail) && importsOf('openai')) return { provider: 'openai', tokenKeyword: 'max_output_tokens', bounded: true };
  if (/\.messages\.(create|stream)$/.test(tail) && importsOf('anthropic')) return { provider: 'anthropic', tokenKeyword: 'max_tokens', bounded: true };
  return null;
}

function providerOf(ctor: string): string {
  return ctor.split('.')[0] ?? 'openai';
}

/** Keyword arguments that bound an LLM's output (ML402). */
export const TOKEN_LIMIT_KEYWORDS: ReadonlySet<string> = new Set([
  'max_tokens',
  'max_completion_tokens',
  'max_output_tokens',
  'max_new_tokens',
  'max_tokens_to_sample',
  'num_predict',
  'max_length',
]);

/** Prompt template constructors (ML403). */
export const PROMPT_TEMPLATE_CONSTRUCTORS: ReadonlySet<string> = new Set([
  'langchain.prompts.PromptTemplate',
  'langchain.prompts.ChatPromptTemplate',
  'langchain.prompts.PromptTemplate.from_template',
  'langchain.prompts.ChatPromptTemplate.from_template',
  'langchain.prompts.ChatPromptTemplate.from_messages',
  'langchain_core.prompts.PromptTemplate',
  'langchain_core.prompts.ChatPromptTemplate',
  'langchain_core.prompts.PromptTemplate.from_template',
  'langchain_core.prompts.ChatPromptTemplate.from_template',
  'langchain_core.prompts.ChatPromptTemplate.from_messages',
  'langchain_core.prompts.SystemMessagePromptTemplate.from_template',
  'langchain_core.prompts.HumanMessagePromptTemplate.from_template',
  'llama_index.core.PromptTemplate',
]);

/** What a caller knows beyond the callee's name (optional; without it the shapes below are not LLM calls). */
export interface LlmCallHints {
  /** For a call of a `transformers.pipeline(...)` object: the pipeline's task, from {@link pipelineTaskOf}. */
  pipelineTask?: string | null;
}

/**
 * The resolver names the callee of a pipeline object's call `transformers.pipeline()`
 * (`gen = pipeline("text-generation"); gen(prompt)`), and so for `pipeline(...)(prompt)`.
 */
export const PIPELINE_OBJECT_CALL = /^transformers(?:\.pipelines)?\.pipeline\(\)$/;

/** transformers pipeline tasks whose input is a prompt for a generative model. */
export const GENERATIVE_PIPELINE_TASKS: ReadonlySet<string> = new Set(['text-generation', 'text2text-generation', 'conversational', 'image-text-to-text']);

/** Hub model ids of chat/instruction LLMs, for a `pipeline(model=...)` without a task. */
const GENERATIVE_MODEL_ID = /llama|mistral|mixtral|gpt|phi-?\d|qwen|gemma|falcon|zephyr|vicuna|instruct|chat|dolly|bloom|opt-|starcoder|codegen|flan|smollm|olmo|deepseek/i;

/** The part of a tree-sitter call node {@link pipelineTaskOf} reads (vocabulary files do not import the parser). */
interface PipelineArgNode {
  type: string;
  text: string;
  childForFieldName(field: string): PipelineArgNode | null;
}
interface PipelineCallNode {
  childForFieldName(field: string): { namedChildren: PipelineArgNode[] } | null;
}

/**
 * The task of a `transformers.pipeline(...)` construction call: its first positional string or `task=`; without
 * one, `text-generation` when `model=` names a chat/instruction LLM. `null` when unknown.
 */
export function pipelineTaskOf(construction: PipelineCallNode): string | null {
  const args = construction.childForFieldName('arguments');
  if (!args) return null;
  let model: string | null = null;
  let positional = 0;
  for (const a of args.namedChildren) {
    if (a.type === 'keyword_argument') {
      const name = a.childForFieldName('name')?.text;
      const value = a.childForFieldName('value');
      if (name === 'task' && value?.type === 'string') return stringValue(value.text);
      if (name === 'model' && value?.type === 'string') model = stringValue(value.text);
    } else if (a.type !== 'comment') {
      if (positional === 0 && a.type === 'string') return stringValue(a.text);
      positional++;
    }
  }
  return model !== null && GENERATIVE_MODEL_ID.test(model) ? 'text-generation' : null;
}

function stringValue(literal: string): string {
  return literal.replace(/^[a-zA-Z]*(['"]{1,3})/, '').replace(/['"]{1,3}$/, '');
}
