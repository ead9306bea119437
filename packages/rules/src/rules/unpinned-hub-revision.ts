import { defineRule, type RuleContext } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import {
  argumentList,
  argumentValue,
  dictionarySplats,
  definitionOf,
  hasListSplat,
  keywordArgument,
  keywordValue,
  literalDictEntries,
  mayMutateDict,
  resolvedLiteral,
  splatValue,
  unparenthesize,
} from '../utils/args.js';
import { FLOATING_REVISIONS, hubLoadOf, isHubRepoId, type HubLoad } from '../vocabulary/hub.js';

type MessageIds = 'unpinned' | 'floatingRevision';

/**
 * ML205: a Hugging Face Hub load of a repository id (`owner/name`, written as a literal or a simply assigned name)
 * with no `revision=`, or with `revision="main"`/`"master"`/`None`. The repository's default branch can be pushed to
 * at any time, so the same script loads different weights, tokenizers or data next month. Any other revision (a
 * tag, a branch, a sha, a variable) is the user's choice and stays quiet, and so does an id whose value is unknown
 * (a CLI argument, a parameter) or a local path.
 */
export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML205',
    name: 'unpinned-hub-revision',
    severity: 'warning',
    scope: 'file',
    fix: 'none',
    docs: { description: 'Hugging Face Hub load without a pinned revision' },
    skipTestFiles: true,
    triggers: ['from_pretrained', 'pipeline', 'hf_hub_download', 'snapshot_download', 'load_dataset', 'SentenceTransformer', 'CrossEncoder'],
    messages: {
      unpinned:
        '`{{call}}` loads "{{repo}}" from the Hugging Face Hub without `revision=`, so every run gets whatever the default branch holds then; pin `revision=` to a commit sha',
      floatingRevision:
        '`{{call}}` loads "{{repo}}" at `revision={{revision}}`, which follows the default branch; pin `revision=` to a commit sha',
    },
  },
  create(context) {
    let localPaths: Set<string> | null = null;
    return {
      call(node) {
        const load = hubLoadOf(context.resolve(node)) ?? subclassLoadOf(context, node);
        if (!load || hasListSplat(node)) return;
        const idNode = argumentValue(node, load.position, ...load.keywords);
        if (!idNode) return;
        const repo = repoIdOf(context, idNode);
        if (repo === null) return;
        localPaths ??= localPathLiterals(context);
        if (localPaths.has(repo)) return;
        const callee = node.childForFieldName('function');
        const call = callee ? compact(callee.text) : load.label;

        // `local_files_only=True`: an offline load from a cache the deployment provides.
        const offline = resolvedLiteral(context.file, keywordValue(node, 'local_files_only'));
        if (offline?.kind === 'bool' && offline.value) return;
        const revision = revisionOf(context, node);
        if (revision === 'unknown') return;
        if (revision === null) {
          // On the call's name, where a reader looks for the load (the id may sit lines below in a long call).
          context.report({ node: callee ?? node, messageId: 'unpinned', data: { call, repo } });
          return;
        }
        const value = resolvedLiteral(context.file, revision.value);
        if (value?.kind === 'none') {
          context.report({ node: revision.at, messageId: 'floatingRevision', data: { call, repo, revision: 'None' } });
        } else if (value?.kind === 'string' && FLOATING_REVISIONS.has(value.value.trim().toLowerCase())) {
          context.report({ node: revision.at, messageId: 'floatingRevision', data: { call, repo, revision: `"${value.value}"` } });
        }
      },
    };
  },
});

/**
 * `MyModel.from_pretrained("org/name")` where this file declares `class MyModel(PreTrainedModel)` (or any base a
 * Hub library's `from_pretrained` resolves through): the inherited method loads from the Hub the same way.
 */
function subclassLoadOf(context: RuleContext<MessageIds>, call: SyntaxNode): HubLoad | null {
  const callee = call.childForFieldName('function');
  if (callee?.type !== NodeType.Attribute || callee.childForFieldName('attribute')?.text !== 'from_pretrained') return null;
  const owner = callee.childForFieldName('object');
  if (owner?.type !== NodeType.Identifier) return null;
  for (const cls of context.file.root.descendantsOfType(NodeType.ClassDefinition)) {
    if (cls.childForFieldName('name')?.text !== owner.text) continue;
    for (const base of cls.childForFieldName('superclasses')?.namedChildren ?? []) {
      if (base.type !== NodeType.Identifier && base.type !== NodeType.Attribute) continue;
      const resolved = context.resolve(base);
      const load = resolved ? hubLoadOf(`${resolved}.from_pretrained`) : null;
      if (load) return { ...load, label: `${owner.text}.from_pretrained` };
    }
  }
  return null;
}

/** The repository id an argument stands for, when it is a literal (or a name simply assigned one) shaped `owner/name`. */
function repoIdOf(context: RuleContext<MessageIds>, node: SyntaxNode): string | null {
  const literal = resolvedLiteral(context.file, node);
  if (literal?.kind !== 'string') return null;
  const value = literal.value.trim();
  return isHubRepoId(value) ? value : null;
}

/**
 * Where the call's revision comes from: the `revision=` keyword, a `revision` key of a `**{…}` splat or of a
 * `**name` splat bound to a dict display; `null` when there is none; `'unknown'` when a splat's keys are unknown.
 */
function revisionOf(
  context: RuleContext<MessageIds>,
  call: SyntaxNode,
): { at: SyntaxNode; value: SyntaxNode | null } | null | 'unknown' {
  const keyword = keywordArgument(call, 'revision');
  if (keyword) return { at: keyword, value: keyword.childForFieldName('value') };
  for (const splat of dictionarySplats(call)) {
    const inner = splatValue(splat);
    if (!inner) return 'unknown';
    const target = unparenthesize(inner);
    let dict: SyntaxNode | null = target;
    let at: SyntaxNode | null = null;
    if (target.type === NodeType.Identifier) {
      const def = definitionOf(context.file, target);
      dict = def?.kind === 'value' && !mayMutateDict(context.file, target.text) ? def.node : null;
      at = splat;
    }
    const entries = literalDictEntries(dict);
    if (!entries) return 'unknown';
    const entry = entries.get('revision');
    if (entry) return { at: at ?? entry.entry, value: entry.value };
  }
  return null;
}

/** Keywords whose value is a folder on disk. */
const PATH_KEYWORDS: ReadonlySet<string> = new Set(['output_dir', 'local_dir', 'save_directory', 'logging_dir', 'output_path', 'save_path', 'cache_dir']);
/** Calls whose first argument is a folder or file on disk. */
const PATH_CALLS: ReadonlySet<string> = new Set(['save_pretrained', 'save_model', 'save', 'makedirs', 'mkdir', 'exists', 'isdir', 'listdir', 'Path', 'rmtree']);

/**
 * Strings the file itself uses as folders on disk (`trainer.save_model("acme/final-model")`, `output_dir=…`,
 * `os.makedirs(…)`): the same string given to `from_pretrained` reloads that folder, not a Hub repository.
 */
function localPathLiterals(context: RuleContext<MessageIds>): Set<string> {
  const out = new Set<string>();
  const add = (node: SyntaxNode | null): void => {
    const literal = node ? resolvedLiteral(context.file, node) : null;
    if (literal?.kind === 'string') out.add(literal.value.trim().replace(/\/+$/, ''));
  };
  for (const call of context.file.root.descendantsOfType(NodeType.Call)) {
    const callee = call.childForFieldName('function');
    const name = callee?.type === NodeType.Attribute ? callee.childForFieldName('attribute')?.text : callee?.text;
    if (name && PATH_CALLS.has(name)) add(argumentValue(call, 0));
    // `snapshot_download(repo_id=X, local_dir=X)` downloads from the Hub; its own folder says nothing about X.
    if (hubLoadOf(context.resolve(call))) continue;
    for (const arg of argumentList(call)?.namedChildren ?? []) {
      if (arg.type === NodeType.KeywordArgument && PATH_KEYWORDS.has(arg.childForFieldName('name')?.text ?? '')) add(arg.childForFieldName('value'));
    }
  }
  return out;
}

function compact(text: string): string {
  const written = text.replace(/\s+/g, '');
  return written.length <= 60 ? written : `…${written.slice(-40)}`;
}
