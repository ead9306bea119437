import { defineRule } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { constructorModeDependence, hasSyntheticInput, receiverKey, rootReason, TORCH_INFERENCE_TRIGGERS, torchAnalysis, type InferenceCall, type TrainReason } from '../utils/torch-inference.js';

type MessageIds = 'trainMode';

/**
 * ML601: a PyTorch module runs inference (in a request handler, under `torch.no_grad()`/`inference_mode()`, or
 * in a function named like inference) while it is still in training mode: built by a constructor, unpickled by
 * `torch.load`, or switched by `.train()` for a training step, and never switched with `.eval()`.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML601',
    name: 'missing-eval-mode',
    severity: 'warning',
    scope: 'file',
    fix: 'none',
    docs: { description: 'PyTorch model used for inference without model.eval()' },
    skipTestFiles: true,
    triggers: TORCH_INFERENCE_TRIGGERS,
    messages: {
      trainMode: '`{{model}}` runs inference in training mode ({{why}}); dropout and batch-norm layers behave as in training until `{{model}}.eval()` is called',
    },
  },
  create(context) {
    return {
      'module:exit'() {
        const analysis = torchAnalysis(context);
        const where = (node: SyntaxNode): string => {
          const at = context.locate(node);
          return at.cell === null ? `line ${at.line}` : `line ${at.line} of cell ${at.cell}`;
        };
        for (const site of analysis.inferenceCalls()) {
          const state = analysis.stateAt(site.receiver, site.call);
          if (state.mode !== 'train' || !state.reason || !state.torch) continue;
          // A model whose layers are all visible and include no dropout, normalisation or `self.training` branch
          // computes the same thing in both modes.
          const dependence = state.ctor ? constructorModeDependence(context, state.ctor) : 'unknown';
          if (dependence === 'no') continue;
          const root = rootReason(state.reason);
          // Random or dummy input outside a handler: a shape check, a tracing run, a GAN sampling from noise.
          if (!site.reach && hasSyntheticInput(context, site.call)) continue;
          // A `no_grad` block that never switches the model's mode: in a training script that is an RL rollout or
          // a target network unless the layers visibly depend on the mode; in an inference script that loads
          // trained weights, the model should have been switched.
          const model = receiverKey(site.receiver) ?? site.receiver.text;
          if (!site.reach && !site.named && root.kind === 'fresh' && dependence !== 'yes') {
            if (analysis.scopeTrains(site.call) || !analysis.loadsWeights(model)) continue;
          }
          context.report({
            node: site.call,
            messageId: 'trainMode',
            data: { model, why: describe(where, state.reason) },
            related: relatedNodes(site, state.reason),
          });
        }
      },
    };
  },
});

function describe(where: (node: SyntaxNode) => string, reason: TrainReason): string {
  const line = where(reason.node);
  switch (reason.kind) {
    case 'fresh':
      return `built by \`${reason.label}\` on ${line}, which starts in training mode`;
    case 'pickled':
      return `loaded by \`torch.load\` on ${line}, which keeps the mode it was saved in`;
    case 'checkpoint':
      return `\`${reason.label}\` on ${line} returns it in training mode`;
    case 'toggled': {
      const callee = reason.node.childForFieldName('function');
      const isSwitch = callee?.type === NodeType.Attribute && callee.childForFieldName('attribute')?.text === 'train';
      return isSwitch ? `\`${shorten(reason.label)}\` on ${line} is still in effect` : `\`${shorten(callee?.text ?? reason.label)}(…)\` on ${line} switches it to training mode`;
    }
    case 'caller':
      return `as called on ${line}: ${describe(where, rootReason(reason))}`;
  }
}

function shorten(text: string): string {
  const one = text.replace(/\s+/g, ' ');
  return one.length > 40 ? `${one.slice(0, 37)}…` : one;
}

function relatedNodes(site: InferenceCall, reason: TrainReason): { node: SyntaxNode; message: string }[] {
  const out: { node: SyntaxNode; message: string }[] = [];
  let r: TrainReason = reason;
  while (r.kind === 'caller') {
    out.push({ node: r.node, message: 'called here with the model in training mode' });
    r = r.inner;
  }
  out.push({ node: r.node, message: r.kind === 'toggled' ? 'switched to training mode here' : 'model created here' });
  if (site.reach && site.reach.handler.node.type === NodeType.FunctionDefinition) {
    const name = site.reach.handler.node.childForFieldName('name');
    if (name) out.push({ node: name, message: `serves requests (${site.reach.handler.reason})` });
  }
  return out;
}
