import { defineRule } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import {
  dictionarySplats,
  hasListSplat,
  keywordNames,
  keywordValue,
  literalDictEntries,
  positionalArguments,
  splatValue,
  stringValue,
  unparenthesize,
} from '../utils/args.js';
import { addKeywordEdits, appendItemEdits, assignedValues, soleAssignedValue } from '../utils/calls.js';
import { llmCallOf, PIPELINE_OBJECT_CALL, pipelineTaskOf, TOKEN_LIMIT_KEYWORDS, type LlmCall } from '../vocabulary/llm.js';

type MessageIds = 'unbounded' | 'anthropicRequired' | 'unboundedModel' | 'implicitDefault' | 'addLimit';

const DEFAULT_LIMIT = 1024;

/**
 * LangChain / LlamaIndex model classes whose output is unbounded unless the constructor sets a limit, with the
 * keyword the fix adds. Classes that ship a finite default are left out on purpose: `ChatAnthropic` (1024),
 * `OpenAI`/`AzureOpenAI` completion LLMs and `LlamaCpp` (256), `HuggingFaceEndpoint` (512).
 */
const MODEL_CLASSES: ReadonlyMap<string, string> = new Map([
  ['ChatOpenAI', 'max_tokens'],
  ['AzureChatOpenAI', 'max_tokens'],
  ['ChatGroq', 'max_tokens'],
  ['ChatMistralAI', 'max_tokens'],
  ['ChatFireworks', 'max_tokens'],
  ['ChatTogether', 'max_tokens'],
  ['ChatDeepSeek', 'max_tokens'],
  ['ChatXAI', 'max_tokens'],
  ['ChatLiteLLM', 'max_tokens'],
  ['ChatOllama', 'num_predict'],
  ['OllamaLLM', 'num_predict'],
  ['ChatGoogleGenerativeAI', 'max_output_tokens'],
  ['ChatVertexAI', 'max_output_tokens'],
]);
const MODEL_CLASS_MODULE = /^(?:langchain(?:_[a-z]+)*|llama_index)(?:\.\w+)*$/;
/** LlamaIndex's OpenAI LLM (`from llama_index.llms.openai import OpenAI`) has no default limit either. */
const LLAMA_INDEX_OPENAI = /^llama_index\.llms\.(?:openai|azure_openai)\.(?:OpenAI|AzureOpenAI)$/;

/** Keywords whose value is a dict or config object that may carry the limit (`options={"num_predict": …}`). */
const CONTAINER_KEYWORDS = ['options', 'generation_config', 'config', 'model_kwargs', 'extra_body', 'pipeline_kwargs', 'generate_kwargs', 'llm_kwargs', 'additional_kwargs'];
/** Config constructors whose keyword arguments are the config's keys. */
const CONFIG_CLASS = /(?:^|\.)(?:dict|GenerationConfig|GenerateContentConfig|Options)$/;

/** `model.from_pretrained(...)[.to()/.cuda()/…].generate`, with the model class captured. */
const HF_GENERATE = /^(?:(.+)\.)?(\w+)\.from_pretrained\(\)(?:\.(?:to|cuda|eval|half|bfloat16|float|requires_grad_|merge_and_unload)\(\))*\.generate$/;
/** Model classes whose `generate` writes open-ended text. */
const HF_TEXT_MODEL = /^(?:AutoModelForCausalLM|AutoModelForSeq2SeqLM|AutoPeftModelForCausalLM|PeftModel|PeftModelForCausalLM|AutoModelForImageTextToText|AutoModelForVision2Seq|\w+ForCausalLM|\w+LMHeadModel|\w+ForConditionalGeneration)$/;
/** …except speech, audio and captioning models, whose outputs are bounded by the input or the architecture. */
const HF_NOT_TEXT = /^(?:Whisper|Speech|SpeechT5|Musicgen|MusicGen|Bark|Seamless|Pop2Piano|Blip|InstructBlip|Pix2Struct|Kosmos|Florence|Git|VisionEncoderDecoder|Wav2Vec|Qwen2Audio|Moshi|Dia)/;
/** The model's own generation config sets the length somewhere in the file. */
const GENERATION_CONFIG_SET = /\.generation_config(?:\.(?:max_new_tokens|max_length)\s*=(?!=)|\s*=(?!=))/;

/** Provider modules: a resolved call into one of them that `llmCallOf` does not know is not a generation call. */
const PROVIDER_ROOT = /^(?:openai|anthropic|groq|together|litellm|cohere|mistralai|ollama|google|vertexai|langchain\w*|llama_index|transformers)(?:\.|\(|$)/;

/** OpenAI reasoning models reject `max_tokens`; they take `max_completion_tokens`. */
const REASONING_MODEL = /^(?:o\d|gpt-5)/;

interface Finding {
  messageId: MessageIds;
  keyword: string;
  fallback?: string;
}

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML402',
    name: 'unbounded-llm-tokens',
    severity: 'warning',
    scope: 'file',
    fix: 'unsafe',
    docs: { description: 'An LLM generation call that sets no limit on the number of output tokens' },
    skipTestFiles: true,
    // Provider libraries; Hugging Face models only with `generate` or a `pipeline` (lookaheads: the text is tested once).
    triggers:
      /openai|OpenAI|anthropic|litellm|ollama|langchain|llama_cpp|llama_index|genai|generativeai|vertexai|cohere|mistralai|groq|together|fireworks|cerebras|^(?=[^]*(?:transformers|peft|from_pretrained|pipeline))(?=[^]*(?:generate|pipeline))/,
    messages: {
      unbounded: '`{{callee}}` sets no output token limit (`{{keyword}}`): a runaway or looping generation runs to the context limit, costing money and latency',
      anthropicRequired: '`{{callee}}` has no `{{keyword}}`: the Anthropic API requires it, so this call fails before any request is sent',
      unboundedModel: '`{{callee}}(…)` sets no output token limit (`{{keyword}}`), so every generation through this model is unbounded',
      implicitDefault: '`{{callee}}` sets no `{{keyword}}`: the output length falls back to an implicit default ({{fallback}}), which silently truncates or runs long',
      addLimit: 'Add `{{text}}`',
    },
  },
  create(context) {
    const source = context.file.text;
    const importsOf = (m: string): boolean => context.file.resolver.importsModule(m);
    const hfConfigured = GENERATION_CONFIG_SET.test(source);

    return {
      call(node) {
        const callee = node.childForFieldName('function');
        if (!callee) return;
        const qualified = context.resolve(node);

        if (qualified) {
          const cls = modelClassOf(qualified);
          if (cls) {
            checkModelConstructor(node, callee, cls);
            return;
          }
          const hf = HF_GENERATE.exec(qualified);
          if (hf) {
            checkHfGenerate(node, hf[1] ?? '', hf[2] ?? '', callee);
            return;
          }
        }

        if (!qualified) {
          // `self.model.generate(...)` with `self.model = AutoModelForCausalLM.from_pretrained(...)` in the class.
          const assigned = selfAttributeSource(callee);
          const hf = assigned ? HF_GENERATE.exec(`${assigned}.generate`) : null;
          if (hf) {
            checkHfGenerate(node, hf[1] ?? '', hf[2] ?? '', callee);
            return;
          }
        }

        const call = classify(qualified, callee);
        if (!call) return;
        if (call.provider === 'langchain') return; // the limit lives on the model's constructor (checked above)
        if (call.provider === 'transformers') {
          checkPipelineCall(node, callee);
          return;
        }
        checkApiCall(node, callee, call);
      },
    };

    function classify(qualified: string | null, callee: SyntaxNode): LlmCall | null {
      const raw = callee.text;
      // Test doubles: `client = MagicMock(); client.chat.completions.create(...)`.
      if (qualified && /(?:^|\.)(?:mock|unittest\.mock|pytest_mock)\.|Mock\(\)/.test(qualified)) return null;
      if (/\.threads\.|\.assistants\.|\.batches\.|\.files\.|\.count_tokens$/.test(raw.replace(/\s+/g, ''))) return null;
      let pipelineTask: string | null = null;
      if (qualified && PIPELINE_OBJECT_CALL.test(qualified)) {
        const construction = constructionOf(callee);
        pipelineTask = construction ? pipelineTaskOf(construction) : null;
      }
      const direct = llmCallOf(qualified, '', importsOf, { pipelineTask });
      if (direct) return direct;
      // Known provider objects whose other methods are not generations (`client.embeddings.create`).
      if (qualified && PROVIDER_ROOT.test(qualified)) return null;
      return llmCallOf(null, raw, importsOf);
    }

    function checkApiCall(node: SyntaxNode, callee: SyntaxNode, call: LlmCall): void {
      if (positionalArguments(node).length > 2) return;
      const calleeText = calleeLabel(callee);
      if (call.provider === 'ollama') {
        if (limitState(node) !== 'unbounded') return;
        const options = keywordValue(node, 'options');
        const fix = options
          ? options.type === NodeType.Dictionary
            ? { text: `"num_predict": ${DEFAULT_LIMIT}`, edits: () => appendItemEdits(options, `"num_predict": ${DEFAULT_LIMIT}`, source) }
            : null
          : { text: `options={"num_predict": ${DEFAULT_LIMIT}}`, edits: () => addKeywordEdits(node, 'options', `{"num_predict": ${DEFAULT_LIMIT}}`, source) };
        report(node, { messageId: 'unbounded', keyword: 'options={"num_predict": …}' }, calleeText, fix);
        return;
      }
      if (call.provider === 'gemini') {
        checkGemini(node, callee, call.tokenKeyword);
        return;
      }
      if (!call.bounded) return;
      if (limitState(node) !== 'unbounded') return;
      const keyword = fixKeyword(node, call);
      if (call.provider === 'anthropic') {
        report(node, { messageId: 'anthropicRequired', keyword }, calleeText, keywordFix(node, keyword));
        return;
      }
      const legacyCompletion = /(?:^|\.)(?:Completion\.a?create|completions\.create)$/.test(callee.text.replace(/\s+/g, '')) && !/chat\.completions\.create$/.test(callee.text.replace(/\s+/g, ''));
      if (legacyCompletion) {
        report(node, { messageId: 'implicitDefault', keyword, fallback: 'the completions endpoint stops at 16 tokens' }, calleeText, keywordFix(node, keyword));
        return;
      }
      report(node, { messageId: 'unbounded', keyword }, calleeText, keywordFix(node, keyword));
    }

    /** Gemini: `generation_config=`/`config=` on the call, else on the `GenerativeModel(...)` it was made with. */
    function checkGemini(node: SyntaxNode, callee: SyntaxNode, containerKeyword: string): void {
      if (limitState(node) !== 'unbounded') return;
      const container = keywordValue(node, containerKeyword);
      if (!container && containerKeyword === 'generation_config') {
        const receiver = callee.type === NodeType.Attribute ? callee.childForFieldName('object') : null;
        const model = receiver ? constructionOf(receiver) : null;
        if (!model) return;
        const modelState = limitState(model);
        if (modelState !== 'unbounded') return;
        if (keywordValue(model, 'generation_config')) {
          // The model has a config without a limit: say so, but leave the choice of where to add it to the user.
          report(node, { messageId: 'unbounded', keyword: 'max_output_tokens' }, calleeLabel(callee), null);
          return;
        }
      }
      const item = `"max_output_tokens": ${DEFAULT_LIMIT}`;
      let fix: { text: string; edits: () => ReturnType<typeof appendItemEdits> } | null = null;
      if (!container) fix = { text: `${containerKeyword}={${item}}`, edits: () => addKeywordEdits(node, containerKeyword, `{${item}}`, source) };
      else if (container.type === NodeType.Dictionary) fix = { text: item, edits: () => appendItemEdits(container, item, source) };
      else if (container.type === NodeType.Call && CONFIG_CLASS.test(container.childForFieldName('function')?.text ?? '')) {
        fix = { text: `max_output_tokens=${DEFAULT_LIMIT}`, edits: () => addKeywordEdits(container, 'max_output_tokens', String(DEFAULT_LIMIT), source) };
      }
      report(node, { messageId: 'unbounded', keyword: `${containerKeyword}={"max_output_tokens": …}` }, calleeLabel(callee), fix);
    }

    function checkModelConstructor(node: SyntaxNode, callee: SyntaxNode, keyword: string): void {
      if (positionalArguments(node).length > 0) return;
      if (limitState(node) !== 'unbounded') return;
      // `ChatOpenAI(...).bind(max_tokens=256)`
      const parent = node.parent;
      if (parent?.type === NodeType.Attribute && parent.childForFieldName('attribute')?.text === 'bind') {
        const bindCall = parent.parent;
        if (bindCall?.type === NodeType.Call && limitState(bindCall) !== 'unbounded') return;
      }
      report(node, { messageId: 'unboundedModel', keyword }, calleeLabel(callee), keywordFix(node, keyword));
    }

    function checkHfGenerate(node: SyntaxNode, modulePath: string, cls: string, callee: SyntaxNode): void {
      if (!HF_TEXT_MODEL.test(cls) || HF_NOT_TEXT.test(cls)) return;
      const root = modulePath.split('.')[0] ?? '';
      if (!['transformers', 'peft', 'optimum'].includes(root) && !importsOf('transformers')) return;
      if (hfConfigured || positionalArguments(node).length > 1) return;
      if (keywordValue(node, 'generation_config') || keywordValue(node, 'max_time')) return;
      if (limitState(node) !== 'unbounded') return;
      report(
        node,
        { messageId: 'implicitDefault', keyword: 'max_new_tokens', fallback: "the model's generation config, or 20 tokens in all when it sets none" },
        calleeLabel(callee),
        keywordFix(node, 'max_new_tokens'),
      );
    }

    function checkPipelineCall(node: SyntaxNode, callee: SyntaxNode): void {
      if (hfConfigured || positionalArguments(node).length > 1) return;
      if (keywordValue(node, 'generation_config') || limitState(node) !== 'unbounded') return;
      const construction = constructionOf(callee);
      if (!construction) return;
      if (keywordValue(construction, 'generation_config') || limitState(construction) !== 'unbounded') return;
      report(
        node,
        { messageId: 'implicitDefault', keyword: 'max_new_tokens', fallback: "the model's generation config, or 20 tokens in all when it sets none" },
        calleeLabel(callee),
        keywordFix(node, 'max_new_tokens'),
      );
    }

    function report(node: SyntaxNode, finding: Finding, callee: string, fix: { text: string; edits: () => ReturnType<typeof appendItemEdits> } | null): void {
      context.report({
        node,
        messageId: finding.messageId,
        data: { callee, keyword: finding.keyword, fallback: finding.fallback ?? '' },
        fix: fix ? { messageId: 'addLimit', data: { text: fix.text }, applicability: 'unsafe', edits: fix.edits } : null,
      });
    }

    function keywordFix(node: SyntaxNode, keyword: string): { text: string; edits: () => ReturnType<typeof appendItemEdits> } {
      return { text: `${keyword}=${DEFAULT_LIMIT}`, edits: () => addKeywordEdits(node, keyword, String(DEFAULT_LIMIT), source) };
    }

    /**
     * Whether a call (or a constructor) bounds the output: a limit keyword; a config dict/object (`options=`,
     * `generation_config=`, `model_kwargs=`, …) or a `**splat` holding one. `unknown` when a config or splat
     * cannot be read (a parameter, a helper's result), so the rule stays quiet.
     */
    function limitState(call: SyntaxNode): 'bounded' | 'unknown' | 'unbounded' {
      for (const name of keywordNames(call)) if (TOKEN_LIMIT_KEYWORDS.has(name)) return 'bounded';
      let unknown = hasListSplat(call);
      for (const key of CONTAINER_KEYWORDS) {
        const value = keywordValue(call, key);
        if (!value) continue;
        const state = containerState(value, 0);
        if (state === 'bounded') return 'bounded';
        if (state === 'unknown') unknown = true;
      }
      for (const splat of dictionarySplats(call)) {
        const value = splatValue(splat);
        const state = value ? containerState(value, 0, true) : 'unknown';
        if (state === 'bounded') return 'bounded';
        if (state === 'unknown') unknown = true;
      }
      return unknown ? 'unknown' : 'unbounded';
    }

    function containerState(node: SyntaxNode, depth: number, splat = false): 'bounded' | 'unknown' | 'unbounded' {
      if (depth > 4) return 'unknown';
      const n = unparenthesize(node);
      if (n.type === NodeType.None) return 'unbounded';
      if (n.type === NodeType.Identifier) {
        // `**inputs` from a tokenizer/processor call holds tensors, never generation settings.
        if (splat && isTokenizerOutput(n)) return 'unbounded';
        const value = soleAssignedValue(n.text, n);
        return value ? containerState(value, depth + 1) : 'unknown';
      }
      let keys: Map<string, SyntaxNode | null> | null = null;
      const entries = literalDictEntries(n);
      if (entries) {
        keys = new Map([...entries].map(([k, v]) => [k, v.value]));
      } else if (n.type === NodeType.Call && CONFIG_CLASS.test(n.childForFieldName('function')?.text ?? '')) {
        if (positionalArguments(n).length > 0 || dictionarySplats(n).length > 0 || hasListSplat(n)) return 'unknown';
        keys = new Map([...keywordNames(n)].map((k) => [k, keywordValue(n, k)]));
      } else if (splat && isTokenizerOutput(n)) {
        return 'unbounded';
      }
      if (!keys) return 'unknown';
      let unknown = false;
      for (const [key, value] of keys) {
        if (TOKEN_LIMIT_KEYWORDS.has(key)) return 'bounded';
        if (CONTAINER_KEYWORDS.includes(key) && value) {
          const state = containerState(value, depth + 1);
          if (state === 'bounded') return 'bounded';
          if (state === 'unknown') unknown = true;
        }
      }
      return unknown ? 'unknown' : 'unbounded';
    }

    /**
     * `tokenizer(text, return_tensors="pt")`, `processor(...)`, `apply_chat_template(..., return_tensors=…)`, with
     * `.to(device)` after them; for a name, every assignment must be one of those or move the same name to a device
     * (`inputs = inputs.to(device)`, `inputs = {k: v.to(device) for k, v in inputs.items()}`).
     */
    function isTokenizerOutput(node: SyntaxNode): boolean {
      const n = unparenthesize(node);
      if (n.type === NodeType.Identifier) {
        const values = assignedValues(n.text, n);
        if (!values || values.length === 0) return false;
        return values.every((v) => isTokenizerCall(v) || movesSameName(v, n.text)) && values.some((v) => isTokenizerCall(v));
      }
      return isTokenizerCall(n);
    }

    function isTokenizerCall(node: SyntaxNode): boolean {
      let n = unparenthesize(node);
      for (let i = 0; i < 4 && n.type === NodeType.Call; i++) {
        if (keywordValue(n, 'return_tensors')) return true;
        const fn = n.childForFieldName('function');
        if (fn?.type !== NodeType.Attribute || fn.childForFieldName('attribute')?.text !== 'to') return false;
        const receiver = fn.childForFieldName('object');
        if (!receiver) return false;
        n = unparenthesize(receiver);
      }
      return n.type === NodeType.Identifier && isTokenizerOutput(n);
    }

    /** `name.to(device)` or `{k: v.to(device) for k, v in name.items()}`. */
    function movesSameName(value: SyntaxNode, name: string): boolean {
      const v = unparenthesize(value);
      if (v.type === NodeType.Call) {
        const fn = v.childForFieldName('function');
        return fn?.type === NodeType.Attribute && fn.childForFieldName('attribute')?.text === 'to' && fn.childForFieldName('object')?.text === name;
      }
      if (v.type === 'dictionary_comprehension') {
        return v.descendantsOfType('for_in_clause').some((c) => c.childForFieldName('right')?.text.replace(/\s+/g, '') === `${name}.items()`);
      }
      return false;
    }

    /**
     * For a callee `self.<attr>.generate`, the qualified name of what the enclosing class assigns to `self.<attr>`,
     * when it does so exactly once (`self.model = AutoModelForCausalLM.from_pretrained(...)`).
     */
    function selfAttributeSource(callee: SyntaxNode): string | null {
      if (callee.type !== NodeType.Attribute || callee.childForFieldName('attribute')?.text !== 'generate') return null;
      const receiver = callee.childForFieldName('object');
      if (receiver?.type !== NodeType.Attribute || receiver.childForFieldName('object')?.text !== 'self') return null;
      let cls: SyntaxNode | null = null;
      for (let p = callee.parent; p; p = p.parent) {
        if (p.type === NodeType.ClassDefinition) {
          cls = p;
          break;
        }
      }
      if (!cls) return null;
      const target = receiver.text.replace(/\s+/g, '');
      let value: SyntaxNode | null = null;
      let count = 0;
      for (const assignment of cls.descendantsOfType(NodeType.Assignment)) {
        const left = assignment.childForFieldName('left');
        if (left?.text.replace(/\s+/g, '') !== target) continue;
        count++;
        value = assignment.childForFieldName('right');
      }
      if (count !== 1 || !value || value.type !== NodeType.Call) return null;
      const q = context.resolve(value);
      return q ? `${q}()` : null;
    }

    /** The call that made an object: `pipe = pipeline(...)` for `pipe(...)`, or the call itself for `pipeline(...)(...)`. */
    function constructionOf(expr: SyntaxNode): SyntaxNode | null {
      const n = unparenthesize(expr);
      if (n.type === NodeType.Call) return n;
      if (n.type !== NodeType.Identifier) return null;
      const binding = context.file.resolver.lookup(n.text, n);
      if (binding?.kind !== 'alias') return null;
      const value = unparenthesize(binding.value);
      return value.type === NodeType.Call ? value : null;
    }

    /** The keyword the fix adds for an API: `max_tokens` for chat completions (OpenAI-compatible servers all take it), except reasoning models. */
    function fixKeyword(node: SyntaxNode, call: LlmCall): string {
      if (call.tokenKeyword === 'max_completion_tokens') {
        const modelArg = keywordValue(node, 'model');
        const model = stringValue(modelArg) ?? (modelArg?.type === NodeType.Identifier ? stringValue(soleAssignedValue(modelArg.text, modelArg)) : null);
        return model !== null && REASONING_MODEL.test(model) ? 'max_completion_tokens' : 'max_tokens';
      }
      return call.tokenKeyword;
    }
  },
});

/** The keyword of a LangChain/LlamaIndex model class that needs a limit, or null. */
function modelClassOf(qualified: string): string | null {
  if (LLAMA_INDEX_OPENAI.test(qualified)) return 'max_tokens';
  const dot = qualified.lastIndexOf('.');
  if (dot < 0) return null;
  const keyword = MODEL_CLASSES.get(qualified.slice(dot + 1));
  return keyword && MODEL_CLASS_MODULE.test(qualified.slice(0, dot)) ? keyword : null;
}

/** The callee as written, shortened for messages. */
function calleeLabel(callee: SyntaxNode): string {
  const text = callee.text.replace(/\s+/g, '');
  return text.length > 60 ? `…${text.slice(-57)}` : text;
}
