import { defineRule, type RuleContext, type Visitors } from '@mlops-lint/core';
import { NodeType } from '@mlops-lint/parser';
import { inlinePromptLiterals } from '../utils/prompts.js';

type MessageIds = 'inlinePrompt';

/**
 * ML403: a long (more than 200 characters, or more than one line) prompt literal passed to an LLM call or a prompt
 * template constructor — directly, nested in the messages, or through a module constant of the same file — in
 * application code (not tests, not notebooks), when the project keeps no prompts in files (no `prompts/` folder, no
 * `*.prompt`, `*.prompt.yaml`, `*.prompty`). A project rule: it runs in project runs (`check <dir>`, `audit`),
 * where the project model says whether prompt files exist; a host that lints single files with project rules on
 * assumes they do not.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML403',
    name: 'inline-prompt',
    severity: 'info',
    scope: 'project',
    fix: 'none',
    docs: { description: 'Long prompt literal inline in application code while the project has no prompt files' },
    skipTestFiles: true,
    // Provider libraries; Hugging Face `transformers` only through `pipeline` (the lookaheads test the whole text once).
    triggers: /openai|OpenAI|anthropic|langchain|llama_index|litellm|ollama|cohere|mistralai|genai|generativeai|vertexai|groq|together|fireworks|cerebras|llama_cpp|^(?=[^]*\bpipeline\b)(?=[^]*transformers)/,
    messages: {
      inlinePrompt:
        'prompt of {{size}} is written inline in the code passed to `{{call}}`; keep prompts in a `prompts/` folder (or `*.prompt` files) so they can be reviewed, versioned and evaluated apart from the code',
    },
  },
  create(context: RuleContext<MessageIds>): Visitors {
    if (context.project?.hasPromptFiles) return {};
    if (context.isNotebook) return {};
    const seen = new Set<number>();
    return {
      [NodeType.Call](node) {
        for (const hit of inlinePromptLiterals(context.file, node)) {
          if (seen.has(hit.literal.startIndex)) continue;
          seen.add(hit.literal.startIndex);
          const size = hit.lines > 1 ? `${hit.lines} lines` : `${hit.chars} characters`;
          context.report({ node: hit.literal, messageId: 'inlinePrompt', data: { size, call: hit.call } });
        }
      },
    };
  },
});
