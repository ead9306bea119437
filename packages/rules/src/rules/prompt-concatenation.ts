import { defineRule, type SuggestionDescriptor } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { callArguments, DataFlow, parametersOf, type Flow, type Splice } from '../utils/dataflow.js';
import { llmCallOf, PIPELINE_OBJECT_CALL, pipelineTaskOf, type LlmCall } from '../vocabulary/llm.js';

type MessageIds = 'splice' | 'useTemplate';

/** Keyword arguments of provider SDK calls that carry prompt text (other keywords: model, temperature, …). */
const PROMPT_KEYWORDS = new Set([
  'messages',
  'prompt',
  'input',
  'instructions',
  'system',
  'contents',
  'message',
  'preamble',
  'text_inputs',
  'inputs',
  'suffix',
  'chat_history',
  'system_instruction',
]);
/** Keyword arguments of LangChain calls that are not chain/model inputs. */
const LANGCHAIN_NON_INPUT = new Set(['config', 'callbacks', 'stop', 'tags', 'metadata', 'run_name', 'return_only_outputs', 'include_run_info', 'max_tokens', 'temperature']);
/** Module-level functions whose first positional argument is the model name. */
const MODEL_FIRST = /^(?:litellm|ollama)\.|^ollama\.(?:Async)?Client\(\)\./;
/** Runnable wrappers that keep a LangChain model a model (`llm.with_structured_output(X).invoke(...)`). */
const RUNNABLE_WRAPPERS = /\.(?:with_structured_output|bind|bind_tools|with_config|with_retry|with_fallbacks|with_types)\(\)/g;
/** `init_chat_model(...)` makes a LangChain chat model; named so that the shared vocabulary recognises it. */
const INIT_CHAT_MODEL = /^langchain(?:\.chat_models)?(?:\.base)?\.init_chat_model\(\)/;
/** Hugging Face Inference API clients (not in the shared vocabulary yet). */
const HF_INFERENCE_CALL = /^huggingface_hub\.(?:Async)?InferenceClient\(\)\.(?:chat_completion|text_generation|chat\.completions\.create|chat_completions)$/;
const LCEL_METHODS = new Set(['invoke', 'ainvoke', 'stream', 'astream', 'batch', 'abatch']);
const PYTHON_KEYWORDS = new Set(
  'False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield'.split(' '),
);

interface Sink {
  call: SyntaxNode;
  llm: LlmCall;
  label: string;
  args: SyntaxNode[];
}

interface Wrapper {
  fn: SyntaxNode;
  params: Set<string>;
  label: string;
  sink: SyntaxNode;
}

function nodeKey(node: SyntaxNode): string {
  return `${node.startIndex}:${node.endIndex}:${node.type}`;
}

function compact(text: string, max = 48): string {
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

function isFString(node: SyntaxNode): boolean {
  const start = node.firstChild;
  return node.type === NodeType.String && start !== null && /^[a-zA-Z]*[fF][a-zA-Z]*["']/.test(start.text);
}

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML401',
    name: 'prompt-concatenation',
    severity: 'error',
    scope: 'file',
    fix: 'suggestion',
    docs: { description: 'Untrusted input spliced into an LLM prompt by string concatenation or formatting' },
    // Provider libraries; Hugging Face `transformers` only through `pipeline` (the lookaheads test the whole text once).
    triggers: /openai|OpenAI|anthropic|langchain|litellm|ollama|llama_cpp|huggingface_hub|cohere|mistralai|groq|together|fireworks|cerebras|genai|generativeai|vertexai|^(?=[^]*\bpipeline\b)(?=[^]*transformers)/,
    messages: {
      splice: 'Untrusted `{{value}}` is spliced into a prompt sent to `{{llm}}`, so user text can rewrite the instructions (prompt injection)',
      useTemplate: 'Move the prompt to the module-level template `{{name}}` and fill its named fields with `.format()`',
    },
  },
  create(context) {
    const file = context.file;
    const df = new DataFlow(file.root, (node) => context.resolve(node));
    const importsOf = (module: string): boolean => file.resolver.importsModule(module);
    const calls: SyntaxNode[] = [];

    /** Qualified name of a callee rooted at `self.<attr>`, through the class's `self.<attr> = Ctor(...)`. */
    function selfQualified(callee: SyntaxNode): string | null {
      const segments: string[] = [];
      let node: SyntaxNode | null = callee;
      while (node?.type === NodeType.Attribute) {
        const attr = node.childForFieldName('attribute');
        if (!attr) return null;
        segments.unshift(attr.text);
        node = node.childForFieldName('object');
      }
      if (node?.type !== NodeType.Identifier || node.text !== 'self' || segments.length === 0) return null;
      const method = df.functionOf(callee);
      const cls = method ? df.classOf(method) : null;
      if (!cls) return null;
      const [first, ...rest] = segments as [string, ...string[]];
      const values = df.selfAttributeValues(cls, first);
      const names = new Set(values.map((v) => (v.type === NodeType.Call ? context.resolve(v) : null)));
      if (values.length === 0 || names.size !== 1) return null;
      const ctor = [...names][0];
      if (!ctor) return null;
      return [`${ctor}()`, ...rest].join('.');
    }

    /** The LangChain model inside an LCEL pipe (`prompt | llm | parser`) a name is bound to. */
    function lcelModel(expr: SyntaxNode, depth: number): string | null {
      if (depth > 3) return null;
      if (expr.type === NodeType.BinaryOperator && expr.childForFieldName('operator')?.text === '|') {
        for (const side of ['left', 'right']) {
          const operand = expr.childForFieldName(side);
          const found = operand ? lcelModel(operand, depth + 1) : null;
          if (found) return found;
        }
        return null;
      }
      if (expr.type === NodeType.ParenthesizedExpression) {
        const inner = expr.firstNamedChild;
        return inner ? lcelModel(inner, depth + 1) : null;
      }
      let q: string | null = null;
      if (expr.type === NodeType.Call) {
        const callee = context.resolve(expr);
        q = callee ? `${callee}()` : null;
      } else if (expr.type === NodeType.Identifier || expr.type === NodeType.Attribute) {
        q = context.resolve(expr);
        if (q === null && expr.type === NodeType.Identifier) {
          for (const v of df.valuesOf(expr)) {
            const inner = lcelModel(v, depth + 1);
            if (inner) return inner;
          }
        }
      }
      if (q === null) return null;
      q = normalise(q);
      return llmCallOf(`${q}.invoke`, '', importsOf)?.provider === 'langchain' ? q : null;
    }

    function normalise(q: string): string {
      return q
        .replace(RUNNABLE_WRAPPERS, '')
        .replace(INIT_CHAT_MODEL, 'langchain.chat_models.ChatModel()')
        .replace(/^anthropic\.Client\(\)/, 'anthropic.Anthropic()');
    }

    /** The task of the pipeline object a callee refers to. */
    function pipelineTask(callee: SyntaxNode): string | null {
      const constructions: SyntaxNode[] = [];
      if (callee.type === NodeType.Call) constructions.push(callee);
      else if (callee.type === NodeType.Identifier) constructions.push(...df.valuesOf(callee));
      else if (callee.type === NodeType.Attribute && callee.childForFieldName('object')?.text === 'self') {
        const method = df.functionOf(callee);
        const cls = method ? df.classOf(method) : null;
        const attr = callee.childForFieldName('attribute')?.text;
        if (cls && attr) constructions.push(...df.selfAttributeValues(cls, attr));
      }
      for (const c of constructions) {
        if (c.type !== NodeType.Call) continue;
        const q = context.resolve(c);
        if (q === 'transformers.pipeline' || q === 'transformers.pipelines.pipeline') return pipelineTaskOf(c);
      }
      return null;
    }

    function classify(call: SyntaxNode): Sink | null {
      const callee = call.childForFieldName('function');
      if (!callee) return null;
      let q = context.resolve(call);
      if (q === null) q = selfQualified(callee);
      if (q === null && callee.type === NodeType.Attribute) {
        const method = callee.childForFieldName('attribute')?.text ?? '';
        const object = callee.childForFieldName('object');
        if (object?.type === NodeType.Identifier && LCEL_METHODS.has(method)) {
          const model = lcelModel(object, 0);
          if (model) q = `${model}.${method}`;
        }
      }
      if (q !== null) q = normalise(q);
      const raw = callee.text.replace(/\s+/g, '');
      let llm: LlmCall | null;
      if (q !== null && PIPELINE_OBJECT_CALL.test(q)) {
        llm = llmCallOf(q, '', importsOf, { pipelineTask: pipelineTask(callee) });
      } else {
        // A client the resolver cannot follow is judged by the API shape; an instance of some other library's
        // class (`twilio.rest.Client().messages.create`) is not.
        const shapeOk = q === null || !q.includes('()') || /\.chat\.completions\.(?:create|parse)$/.test(q);
        llm = llmCallOf(q, shapeOk ? raw : '', importsOf);
        if (!llm && q !== null && HF_INFERENCE_CALL.test(q)) llm = { provider: 'huggingface_hub', tokenKeyword: 'max_tokens', bounded: true };
        if (!llm && q !== null && q.endsWith('()')) {
          // `llm(prompt)` / `chain(inputs)`: LangChain's older `__call__`.
          const viaInvoke = llmCallOf(`${q}.invoke`, '', importsOf);
          if (viaInvoke?.provider === 'langchain') llm = viaInvoke;
        }
      }
      if (!llm) return null;
      const label = callee.type === NodeType.Call ? `${compact(callee.childForFieldName('function')?.text ?? 'pipeline')}(…)` : compact(callee.text, 60);
      return { call, llm, label, args: promptArguments(call, llm, q) };
    }

    function promptArguments(call: SyntaxNode, llm: LlmCall, q: string | null): SyntaxNode[] {
      const { positional, keywords, splats } = callArguments(call);
      const langchain = llm.provider === 'langchain';
      const out: SyntaxNode[] = [];
      const skipFirst = q !== null && MODEL_FIRST.test(q);
      positional.forEach((a, i) => {
        if (!(skipFirst && i === 0)) out.push(a);
      });
      const wanted = (name: string): boolean => (langchain ? !LANGCHAIN_NON_INPUT.has(name) : PROMPT_KEYWORDS.has(name));
      for (const [name, value] of keywords) if (wanted(name)) out.push(value);
      for (const splat of splats) {
        const dicts = splat.type === NodeType.Identifier ? df.valuesOf(splat) : [splat];
        for (const d of dicts) {
          if (d.type === NodeType.Dictionary) {
            for (const pair of d.namedChildren) {
              if (pair.type !== NodeType.Pair) continue;
              const k = pair.childForFieldName('key');
              const v = pair.childForFieldName('value');
              const name = k?.type === NodeType.String ? k.text.replace(/^[a-zA-Z]*['"]|['"]$/g, '') : null;
              if (name !== null && v && wanted(name)) out.push(v);
            }
          } else if (d.type === NodeType.Call && context.resolve(d) === 'dict') {
            for (const [name, value] of callArguments(d).keywords) if (wanted(name)) out.push(value);
          }
        }
      }
      return out;
    }

    const reported = new Set<string>();

    /** The node a splice is reported on: a parenthesised splice is reported with its parentheses. */
    function reportNode(node: SyntaxNode): SyntaxNode {
      let n = node;
      while (n.parent?.type === NodeType.ParenthesizedExpression) n = n.parent;
      return n;
    }

    /** One finding per argument flow: the splice closest to the LLM call. */
    function reportFlow(flow: Flow, label: string, sink: SyntaxNode): void {
      const splice = flow.splices[0];
      if (!splice) return;
      const node = reportNode(splice.node);
      const k = nodeKey(node);
      if (reported.has(k)) return;
      reported.add(k);
      const suggestion = templateSuggestion(splice);
      context.report({
        node,
        messageId: 'splice',
        data: { value: compact(splice.value.text, 40), llm: label },
        suggest: suggestion ? [suggestion] : [],
        related: nodeKey(sink) === k ? [] : [{ node: sink, message: 'the prompt is sent here' }],
      });
    }

    /**
     * For a single f-string: move its text to a module-level constant with named fields, filled by `.format()` at
     * the same place. Only offered when that keeps behaviour (plain `{expr}` fields, no conversions or specs).
     */
    function templateSuggestion(splice: Splice): SuggestionDescriptor<MessageIds> | null {
      const fstr = splice.node;
      if (!isFString(fstr) || fstr.parent?.type === NodeType.ConcatenatedString) return null;
      const children = fstr.children;
      const start = children[0];
      const end = children[children.length - 1];
      if (!start || !end || start.type !== 'string_start' || end.type !== 'string_end') return null;
      const fields: Array<{ name: string; expr: string }> = [];
      const byExpr = new Map<string, string>();
      const used = new Set<string>();
      let body = '';
      for (const child of children.slice(1, -1)) {
        if (child.type === NodeType.Interpolation) {
          if (child.childCount !== 3) return null; // `!r`, `:spec` or `=`
          const expr = child.childForFieldName('expression') ?? child.namedChildren[0];
          if (!expr || expr.text.includes('\n')) return null;
          const pure = /^[A-Za-z_][\w.]*(?:\[(?:'[^'\n]*'|"[^"\n]*"|\d+)\])*$/.test(expr.text);
          let name = pure ? byExpr.get(expr.text) : undefined;
          if (!name) {
            name = uniqueName(fieldName(expr), used);
            used.add(name);
            fields.push({ name, expr: expr.text });
            if (pure) byExpr.set(expr.text, name);
          }
          body += `{${name}}`;
        } else body += child.text;
      }
      if (fields.length === 0) return null;
      const prefix = start.text.replace(/[fF]/, '');
      const template = `${prefix}${body}${end.text}`;

      let stmt: SyntaxNode = fstr;
      while (stmt.parent && stmt.parent.type !== NodeType.Module) stmt = stmt.parent;
      if (stmt.parent?.type !== NodeType.Module || stmt.startPosition.column !== 0) return null;
      const constName = uniqueConstant(constantBase(fstr));
      const isDef = stmt.type === NodeType.FunctionDefinition || stmt.type === NodeType.ClassDefinition || stmt.type === NodeType.DecoratedDefinition;
      const insertAt = insertionPoint(stmt);
      const call = `${constName}.format(${fields.map((f) => `${f.name}=${f.expr}`).join(', ')})`;
      return {
        messageId: 'useTemplate',
        data: { name: constName },
        edits: (fixer) => [fixer.insertAt(insertAt, `${constName} = ${template}\n${isDef ? '\n\n' : ''}`), fixer.replaceText(fstr, call)],
      };
    }

    function fieldName(expr: SyntaxNode): string {
      let n: SyntaxNode | null = expr;
      for (let i = 0; i < 6 && n; i++) {
        if (n.type === NodeType.Identifier) return n.text;
        if (n.type === NodeType.Attribute) return n.childForFieldName('attribute')?.text ?? 'value';
        if (n.type === NodeType.Subscript) {
          const sub = n.childForFieldName('subscript');
          const literal = sub?.type === NodeType.String ? sub.text.replace(/^[a-zA-Z]*['"]|['"]$/g, '') : '';
          if (/^[A-Za-z_]\w*$/.test(literal)) return literal;
          n = n.childForFieldName('value');
          continue;
        }
        if (n.type === NodeType.Call) {
          const fn = n.childForFieldName('function');
          n = fn?.type === NodeType.Attribute ? fn.childForFieldName('object') : null;
          continue;
        }
        break;
      }
      return 'value';
    }

    function uniqueName(base: string, used: Set<string>): string {
      const clean = /^[A-Za-z_]\w*$/.test(base) && !PYTHON_KEYWORDS.has(base) ? base : 'value';
      let name = clean;
      for (let i = 2; used.has(name); i++) name = `${clean}_${i}`;
      return name;
    }

    function constantBase(fstr: SyntaxNode): string {
      const fn = df.functionOf(fstr);
      let name = fn?.type === NodeType.FunctionDefinition ? (fn.childForFieldName('name')?.text ?? '') : '';
      if (!name) {
        const assignment = fstr.parent?.type === NodeType.Assignment ? fstr.parent : null;
        const left = assignment?.childForFieldName('left');
        if (left?.type === NodeType.Identifier) name = left.text;
      }
      name = name.replace(/^_+/, '').toUpperCase();
      if (!/^[A-Z][A-Z0-9_]*$/.test(name)) return 'PROMPT_TEMPLATE';
      return /PROMPT/.test(name) ? `${name}_TEMPLATE` : `${name}_PROMPT`;
    }

    function uniqueConstant(base: string): string {
      let name = base;
      for (let i = 2; new RegExp(`\\b${name}\\b`).test(file.text); i++) name = `${base}_${i}`;
      return name;
    }

    /** Where a module-level constant goes: above the statement and the comment lines directly above it. */
    function insertionPoint(stmt: SyntaxNode): number {
      const text = file.text;
      const cell = file.cellAt(stmt.startIndex)?.index ?? null;
      let at = stmt.startIndex;
      for (;;) {
        if (at === 0) break;
        const prevStart = text.lastIndexOf('\n', at - 2) + 1;
        const line = text.slice(prevStart, at - 1);
        if (!line.startsWith('#') || (file.cellAt(prevStart)?.index ?? null) !== cell) break;
        at = prevStart;
      }
      return at;
    }

    function process(): void {
      const wrappers = new Map<string, Wrapper>();
      const addWrapper = (fn: SyntaxNode | null, flow: Flow, label: string, sink: SyntaxNode): void => {
        if (!fn || fn.type !== NodeType.FunctionDefinition) return;
        const prefix = `${fn.startIndex}:`;
        const names = flow.params.filter((p) => p.startsWith(prefix)).map((p) => p.slice(prefix.length));
        if (names.length === 0) return;
        const k = nodeKey(fn);
        const w = wrappers.get(k) ?? { fn, params: new Set<string>(), label, sink };
        for (const n of names) w.params.add(n);
        wrappers.set(k, w);
      };

      for (const call of calls) {
        const sink = classify(call);
        if (!sink) continue;
        const fn = df.functionOf(call);
        for (const arg of sink.args) {
          const flow = df.evaluate(arg);
          reportFlow(flow, sink.label, sink.call);
          addWrapper(fn, flow, sink.label, sink.call);
        }
      }

      // Same-file wrappers (`def ask(prompt): return client...create(messages=[...prompt...])`): what their callers
      // splice into the wrapped parameter reaches the LLM too.
      let pending = [...wrappers.values()];
      const done = new Set<string>();
      for (let round = 0; round < 3 && pending.length > 0; round++) {
        for (const w of pending) done.add(nodeKey(w.fn));
        const current = new Map(pending.map((w) => [nodeKey(w.fn), w]));
        const next = new Map<string, Wrapper>();
        for (const call of calls) {
          const target = df.calleeFunction(call);
          const w = target ? current.get(nodeKey(target.fn)) : undefined;
          if (!target || !w) continue;
          const params = parametersOf(target.fn);
          const offset = target.bound && (params[0]?.name === 'self' || params[0]?.name === 'cls') ? 1 : 0;
          const { positional, keywords } = callArguments(call);
          const caller = df.functionOf(call);
          params.forEach((p, i) => {
            if (!w.params.has(p.name)) return;
            const arg = keywords.get(p.name) ?? (i - offset >= 0 ? positional[i - offset] : undefined);
            if (!arg) return;
            const flow = df.evaluate(arg);
            const label = `${target.fn.childForFieldName('name')?.text ?? 'helper'}()`;
            reportFlow(flow, label, call);
            if (caller && caller.type === NodeType.FunctionDefinition && !done.has(nodeKey(caller))) {
              const prefix = `${caller.startIndex}:`;
              const names = flow.params.filter((x) => x.startsWith(prefix)).map((x) => x.slice(prefix.length));
              if (names.length > 0) {
                const nw = next.get(nodeKey(caller)) ?? { fn: caller, params: new Set<string>(), label, sink: call };
                for (const n of names) nw.params.add(n);
                next.set(nodeKey(caller), nw);
              }
            }
          });
        }
        pending = [...next.values()];
      }
    }

    return {
      call(node) {
        calls.push(node);
      },
      'module:exit'() {
        process();
      },
    };
  },
});
