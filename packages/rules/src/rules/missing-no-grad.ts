import { defineRule } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { enclosingFunction } from '../utils/handlers.js';
import { hasSyntheticInput, receiverKey, TORCH_INFERENCE_TRIGGERS, torchAnalysis } from '../utils/torch-inference.js';

type MessageIds = 'gradEnabled';

/**
 * ML602: PyTorch inference in a request handler (or a function it calls) or in a function named like inference,
 * with autograd on: not under `torch.no_grad()`/`torch.inference_mode()`/`torch.set_grad_enabled(False)`, not in a
 * function decorated with them, and not called only from code that is.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML602',
    name: 'missing-no-grad',
    severity: 'info',
    scope: 'file',
    fix: 'none',
    docs: { description: 'PyTorch inference runs with autograd enabled' },
    skipTestFiles: true,
    triggers: TORCH_INFERENCE_TRIGGERS,
    messages: {
      gradEnabled: '`{{call}}` in `{{fn}}` runs with autograd on and records a graph it never uses; wrap inference in `torch.inference_mode()` or `torch.no_grad()`',
    },
  },
  create(context) {
    return {
      'module:exit'() {
        const analysis = torchAnalysis(context);
        for (const site of analysis.inferenceCalls()) {
          if (!site.reach && !site.named) continue;
          if (site.noGrad || !site.fn) continue;
          // `model.generate` (transformers) runs under `torch.no_grad()` itself.
          if (site.method === 'generate') continue;
          if (analysis.gradMayBeOff(site.call)) continue;
          // Random or dummy input outside a handler: a shape check or tracing run, not inference on data.
          if (!site.reach && hasSyntheticInput(context, site.call)) continue;
          const fn = site.fn;
          if (analysis.needsGrad(fn)) continue;
          if (escapes(site.call, fn) && callersNeedGrad(analysis, fn)) continue;
          const state = analysis.stateAt(site.receiver, site.call);
          if (!state.torch) continue;
          const model = receiverKey(site.receiver) ?? site.receiver.text;
          // Frozen parameters: a forward pass records nothing.
          if (analysis.freezesParameters(model)) continue;
          const call = site.method === 'forward' ? `${model}.forward(…)` : `${model}(…)`;
          const related = [];
          if (site.reach && site.reach.handler.node.type === NodeType.FunctionDefinition) {
            const name = site.reach.handler.node.childForFieldName('name');
            if (name) related.push({ node: name, message: `serves requests (${site.reach.handler.reason})` });
          }
          context.report({
            node: site.call,
            messageId: 'gradEnabled',
            data: { call, fn: fn.childForFieldName('name')?.text ?? 'lambda' },
            related,
          });
        }
      },
    };
  },
});

/** Whether the raw output of a call leaves its function through `return` (directly or through a name). */
function escapes(call: SyntaxNode, fn: SyntaxNode): boolean {
  const returns = fn.descendantsOfType(NodeType.ReturnStatement).filter((r) => enclosingFunction(r)?.startIndex === fn.startIndex);
  const reduced = (text: string): boolean => /\.(item|tolist|numpy|argmax|argmin|cpu\(\)\.numpy|detach)\s*\(/.test(text);
  for (const ret of returns) {
    if (ret.startIndex <= call.startIndex && call.endIndex <= ret.endIndex) return !reduced(ret.text);
  }
  // `logits = model(x)` … `return logits`
  let p = call.parent;
  while (p && (p.type === NodeType.Attribute || p.type === NodeType.Subscript || p.type === 'parenthesized_expression')) p = p.parent;
  if (p?.type !== NodeType.Assignment) return false;
  const name = p.childForFieldName('left');
  if (name?.type !== NodeType.Identifier) return false;
  return returns.some((r) => r.descendantsOfType(NodeType.Identifier).some((id) => id.text === name.text) && !reduced(r.text));
}

/** Whether a function's result may feed a backward pass: a same-file caller trains or asks for gradients. */
function callersNeedGrad(analysis: ReturnType<typeof torchAnalysis>, fn: SyntaxNode): boolean {
  for (const site of analysis.callSitesOf(fn)) {
    const caller = enclosingFunction(site);
    if (caller && analysis.needsGrad(caller)) return true;
  }
  return false;
}
