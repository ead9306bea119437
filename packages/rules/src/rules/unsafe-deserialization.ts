import { defineRule, type RuleContext } from '@mlops-lint/core';
import { NodeType, type SyntaxNode } from '@mlops-lint/parser';
import { argumentValue, dictionarySplats, hasListSplat, keywordValue, literalDictEntries, positionalArguments, splatValue, stringValue, unparenthesize } from '../utils/args.js';
import { addKeywordEdits, soleAssignedValue, withItemValue } from '../utils/calls.js';
import { PICKLE_LOADS } from '../vocabulary/model-loads.js';

type MessageIds = 'pickleLoad' | 'networkPickle' | 'numpyPickle' | 'yamlLoad' | 'torchLoad' | 'torchWeightsOnlyFalse' | 'addWeightsOnly';

/** Where the data (a path, a file object, bytes) is in a load call: position and keyword of that parameter. */
const DATA_PARAM: ReadonlyMap<string, { position: number; keywords: readonly string[] }> = new Map([
  ['pickle', { position: 0, keywords: ['file', 'data'] }],
  ['cloudpickle', { position: 0, keywords: ['file', 'data'] }],
  ['dill', { position: 0, keywords: ['file', 'str'] }],
  ['joblib', { position: 0, keywords: ['filename'] }],
  ['pandas', { position: 0, keywords: ['filepath_or_buffer', 'path'] }],
  ['jsonpickle', { position: 0, keywords: ['string'] }],
  ['numpy', { position: 0, keywords: ['file'] }],
  ['yaml', { position: 0, keywords: ['stream'] }],
  ['torch', { position: 0, keywords: ['f'] }],
]);

/**
 * Serializers that write what the loads above read, with where the destination is (`position`/`keywords`).
 * `returns: true` means the serialized bytes are the call's result (`data = pickle.dumps(obj)`).
 */
const DUMPS: ReadonlyMap<string, { position: number; keywords: readonly string[] } | { returns: true }> = new Map<
  string,
  { position: number; keywords: readonly string[] } | { returns: true }
>([
  ['pickle.dump', { position: 1, keywords: ['file'] }],
  ['pickle.Pickler', { position: 0, keywords: ['file'] }],
  ['cloudpickle.dump', { position: 1, keywords: ['file'] }],
  ['dill.dump', { position: 1, keywords: ['file'] }],
  ['joblib.dump', { position: 1, keywords: ['filename'] }],
  ['torch.save', { position: 1, keywords: ['f'] }],
  ['yaml.dump', { position: 1, keywords: ['stream'] }],
  ['yaml.dump_all', { position: 1, keywords: ['stream'] }],
  ['yaml.safe_dump', { position: 1, keywords: ['stream'] }],
  ['numpy.save', { position: 0, keywords: ['file'] }],
  ['numpy.savez', { position: 0, keywords: ['file'] }],
  ['numpy.savez_compressed', { position: 0, keywords: ['file'] }],
  ['pickle.dumps', { returns: true }],
  ['cloudpickle.dumps', { returns: true }],
  ['dill.dumps', { returns: true }],
  ['jsonpickle.encode', { returns: true }],
]);

/** The `*.dumps` whose output a `loads` right around it reads back in memory (`pickle.loads(pickle.dumps(x))`, a deep copy). */
const IN_MEMORY_DUMPS = new Set(['pickle.dumps', 'cloudpickle.dumps', 'dill.dumps', 'jsonpickle.encode']);

/** Callables that open a path and return a file object; their first argument is the path. */
const OPENERS = /^(?:open|io\.open|codecs\.open|gzip\.open|gzip\.GzipFile|bz2\.open|bz2\.BZ2File|lzma\.open|lzma\.LZMAFile|fsspec\.open|smart_open\.open|smart_open\.smart_open|tensorflow\.io\.gfile\.GFile|tensorflow\.gfile\.GFile|tensorflow\.gfile\.Open|builtins\.open)$/;

const SAFE_YAML_LOADERS = new Set(['yaml.SafeLoader', 'yaml.CSafeLoader', 'yaml.BaseLoader', 'yaml.CBaseLoader', 'yaml.loader.SafeLoader', 'yaml.loader.BaseLoader', 'yaml.cyaml.CSafeLoader', 'yaml.cyaml.CBaseLoader']);
const UNSAFE_YAML_LOADERS = new Set([
  'yaml.Loader',
  'yaml.CLoader',
  'yaml.UnsafeLoader',
  'yaml.CUnsafeLoader',
  'yaml.FullLoader',
  'yaml.CFullLoader',
  'yaml.loader.Loader',
  'yaml.loader.UnsafeLoader',
  'yaml.loader.FullLoader',
  'yaml.cyaml.CLoader',
  'yaml.cyaml.CUnsafeLoader',
  'yaml.cyaml.CFullLoader',
]);

/** Request/network reads: unpickling their bytes is remote code execution, not just an unsafe file. */
const NETWORK_SOURCE =
  /\b(?:request\.(?:data|body|get_data|stream|files|form|values|get_json|json|read)\b|\.recv(?:_into|from)?\(|\brequests\.(?:get|post|put|request)\(|\b(?:response|resp|r)\.content\b|\bevent\[\s*["']body["']\s*\]|\burlopen\(|\bwebsocket\.receive|\bws\.recv)/;

/** The version a project requires at least, compared numerically ("2.10" > "2.6"). */
function atLeast(version: string | null | undefined, major: number, minor: number): boolean {
  if (!version) return false;
  const m = /(\d+)(?:\.(\d+))?/.exec(version);
  if (!m) return false;
  const maj = Number(m[1]);
  const min = Number(m[2] ?? '0');
  return maj > major || (maj === major && min >= minor);
}

export default defineRule<[], MessageIds>({
  meta: {
    code: 'ML502',
    name: 'unsafe-deserialization',
    severity: 'error',
    scope: 'file',
    fix: 'unsafe',
    docs: { description: 'Deserializing pickle-based or unsafe YAML data that this file did not write runs arbitrary code' },
    // A serialisation library, and the name of a loading call (`load`, `loads`, `load_all`, `unsafe_load`,
    // `full_load`, `Unpickler`, `read_pickle`, `decode`, `shelve.open`), in the import or at the call.
    triggers: {
      all: [
        ['pickle', 'Pickle', 'joblib', 'dill', 'yaml', 'torch', 'jsonpickle', 'shelve'],
        /\bload(?:s|_all)?\b|unsafe_load|full_load|Unpickler|read_pickle|decode|shelve/,
      ],
    },
    messages: {
      pickleLoad: '`{{fn}}` unpickles its input: a crafted {{what}} runs arbitrary code when loaded, so only load data you produced or trust',
      networkPickle: '`{{fn}}` unpickles data received over the network: anyone who can send a request can run code on this machine',
      numpyPickle: '`numpy.load(allow_pickle=True)` unpickles object arrays: a crafted .npy/.npz file runs arbitrary code when loaded',
      yamlLoad: '`{{fn}}` {{how}} can build arbitrary Python objects from the document; use `yaml.safe_load`',
      torchLoad: '`torch.load` without `weights_only=True` unpickles arbitrary objects (the default before torch 2.6): a crafted checkpoint runs code when loaded',
      torchWeightsOnlyFalse: '`torch.load(weights_only=False)` unpickles arbitrary objects: a crafted checkpoint runs code when loaded',
      addWeightsOnly: 'Add `weights_only=True`',
    },
  },
  create(context) {
    const torchSafeByDefault = atLeast(context.project?.torchMinVersion, 2, 6);
    const loads: Array<{ node: SyntaxNode; kind: 'pickle' | 'numpy' | 'yaml' | 'torch'; fn: string; data: SyntaxNode | null; how?: string }> = [];
    const written = new Set<string>();
    /** File names (`ckpt.pt`, `clf.pkl`) that a dump in this file writes, whichever directory it joins them to. */
    const writtenNames = new Set<string>();
    /** Functions that pickle something themselves (keyed by position) … */
    const pickling = new Set<string>();
    /** … and exchange it between the ranks of one job through `torch.distributed` collectives. */
    const collective = new Set<string>();

    const keyOf = (node: SyntaxNode | null): string | null => (node ? dataKey(context, node, 0) : null);

    return {
      call(node) {
        const fn = context.resolve(node);
        if (!fn) {
          // `df.to_pickle(path)` on any receiver writes what `pd.read_pickle(path)` reads back.
          const callee = node.childForFieldName('function');
          if (callee?.type === NodeType.Attribute && callee.childForFieldName('attribute')?.text === 'to_pickle') {
            const key = keyOf(argumentValue(node, 0, 'path'));
            if (key) written.add(key);
          }
          return;
        }
        if (fn.endsWith('.to_pickle')) {
          const key = keyOf(argumentValue(node, 0, 'path'));
          if (key) written.add(key);
        }
        const dump = DUMPS.get(fn);
        if (dump) recordDump(node, fn, dump);
        if (dump && /^(?:pickle|cloudpickle|dill)\./.test(fn)) {
          const owner = enclosingFunction(node);
          if (owner) pickling.add(`${owner.startIndex}`);
        }
        if (/^torch\.distributed\.(?:\w+\.)*(?:broadcast|all_gather|all_gather_into_tensor|gather|scatter|all_to_all|all_to_all_single|send|recv|isend|irecv)$/.test(fn)) {
          const owner = enclosingFunction(node);
          if (owner) collective.add(`${owner.startIndex}`);
        }
        if (fn === 'yaml.dump' || fn === 'yaml.safe_dump') recordDump(node, fn, { returns: true });

        const lib = PICKLE_LOADS.get(fn);
        if (lib && lib !== 'shelve') {
          loads.push({ node, kind: 'pickle', fn, data: dataArgument(node, lib) });
          return;
        }
        if (fn === 'numpy.load') {
          if (keywordValue(node, 'allow_pickle')?.type === NodeType.True) loads.push({ node, kind: 'numpy', fn, data: dataArgument(node, 'numpy') });
          return;
        }
        if (fn === 'yaml.unsafe_load' || fn === 'yaml.unsafe_load_all' || fn === 'yaml.full_load' || fn === 'yaml.full_load_all') {
          const how = fn.includes('unsafe') ? '(the unsafe loader)' : '(the full loader)';
          loads.push({ node, kind: 'yaml', fn, data: dataArgument(node, 'yaml'), how });
          return;
        }
        if (fn === 'yaml.load' || fn === 'yaml.load_all') {
          const how = unsafeYamlLoader(node);
          if (how) loads.push({ node, kind: 'yaml', fn, data: dataArgument(node, 'yaml'), how });
          return;
        }
        if (fn === 'torch.load' || fn === 'torch.serialization.load') loads.push({ node, kind: 'torch', fn: 'torch.load', data: dataArgument(node, 'torch') });
      },
      'module:exit'() {
        for (const load of loads) report(load);
      },
    };

    function recordDump(node: SyntaxNode, fn: string, dump: { position: number; keywords: readonly string[] } | { returns: true }): void {
      if ('returns' in dump) {
        // `data = pickle.dumps(obj)`, `path.write_bytes(pickle.dumps(obj))`, `f.write(pickle.dumps(obj))`.
        const parent = node.parent;
        if (parent?.type === NodeType.Assignment && parent.childForFieldName('right')?.startIndex === node.startIndex) {
          const key = keyOf(parent.childForFieldName('left'));
          if (key) written.add(key);
        } else if (parent?.type === NodeType.ArgumentList) {
          const call = parent.parent;
          const callee = call?.childForFieldName('function');
          const method = callee?.type === NodeType.Attribute ? callee.childForFieldName('attribute')?.text : null;
          if (callee && (method === 'write' || method === 'write_bytes' || method === 'write_text')) {
            const key = keyOf(callee.childForFieldName('object'));
            if (key) written.add(key);
          }
        }
        return;
      }
      const target = argumentValue(node, dump.position, ...dump.keywords);
      const key = keyOf(target);
      if (key) written.add(key);
      const name = target ? fileNameOf(context, target, 0) : null;
      if (name) writtenNames.add(name);
    }

    function report(load: { node: SyntaxNode; kind: 'pickle' | 'numpy' | 'yaml' | 'torch'; fn: string; data: SyntaxNode | null; how?: string }): void {
      const { node, kind, fn, data } = load;
      const network = data !== null && fromNetwork(data);
      if (!network) {
        if (data && isInMemoryRoundTrip(data)) return;
        const key = keyOf(data);
        if (key && written.has(key)) return;
        // `torch.save(state, os.path.join(out_dir, "ckpt.pt"))` then, on resume, `torch.load(os.path.join(resume_dir,
        // "ckpt.pt"))`: the file's own checkpoint, read back from wherever the run put it.
        const name = data ? fileNameOf(context, data, 0) : null;
        if (name && writtenNames.has(name)) return;
        // An object collective (pickle, `all_gather`/`broadcast` the bytes, unpickle, all in one function) reads back
        // what this same function wrote on another rank of the job. (Bytes from a socket or HTTP stay suspect.)
        const owner = kind === 'pickle' && fn.endsWith('.loads') ? enclosingFunction(node) : null;
        if (owner && pickling.has(`${owner.startIndex}`) && collective.has(`${owner.startIndex}`)) return;
      }
      switch (kind) {
        case 'pickle':
          context.report({
            node,
            messageId: network ? 'networkPickle' : 'pickleLoad',
            data: { fn, what: fn.endsWith('loads') || fn === 'jsonpickle.decode' ? 'payload' : 'file' },
          });
          return;
        case 'numpy':
          context.report({ node, messageId: 'numpyPickle' });
          return;
        case 'yaml':
          context.report({ node, messageId: 'yamlLoad', data: { fn, how: load.how ?? '' } });
          return;
        case 'torch': {
          const weightsOnly = keywordValue(node, 'weights_only');
          if (weightsOnly) {
            if (weightsOnly.type === NodeType.False) context.report({ node, messageId: 'torchWeightsOnlyFalse' });
            return;
          }
          if (torchSafeByDefault || mayHoldKeyword(node, 'weights_only')) return;
          // `weights_only=True` with a custom `pickle_module` raises, so no fix there.
          const fixable = !keywordValue(node, 'pickle_module') && positionalArguments(node).length < 3 && !hasListSplat(node);
          context.report({
            node,
            messageId: 'torchLoad',
            fix: fixable ? { messageId: 'addWeightsOnly', applicability: 'unsafe', edits: () => addKeywordEdits(node, 'weights_only', 'True', context.file.text) } : null,
          });
          return;
        }
      }
    }

    function mayHoldKeyword(call: SyntaxNode, keyword: string): boolean {
      for (const splat of dictionarySplats(call)) {
        const value = splatValue(splat);
        if (!value) return true;
        const literal = value.type === NodeType.Identifier ? soleAssignedValue(value.text, call) : value;
        const entries = literalDictEntries(literal);
        if (!entries || entries.has(keyword)) return true;
      }
      return false;
    }

    /** Why a `yaml.load` call is unsafe, or null when its loader is safe or unknown. */
    function unsafeYamlLoader(call: SyntaxNode): string | null {
      const loader = argumentValue(call, 1, 'Loader');
      if (!loader) return hasListSplat(call) || dictionarySplats(call).length > 0 ? null : 'without `Loader=`';
      const name = context.resolve(unparenthesize(loader));
      if (!name || SAFE_YAML_LOADERS.has(name)) return null;
      if (UNSAFE_YAML_LOADERS.has(name)) return `with \`Loader=${name}\``;
      return null;
    }

    function fromNetwork(data: SyntaxNode): boolean {
      const n = unparenthesize(data);
      if (NETWORK_SOURCE.test(n.text)) return true;
      if (n.type === NodeType.Identifier) {
        const value = soleAssignedValue(n.text, n);
        if (value && NETWORK_SOURCE.test(value.text)) return true;
      }
      return false;
    }

    /** `pickle.loads(pickle.dumps(obj))`: an in-memory copy, nothing read from outside. */
    function isInMemoryRoundTrip(data: SyntaxNode): boolean {
      const n = unparenthesize(data);
      return n.type === NodeType.Call && IN_MEMORY_DUMPS.has(context.resolve(n) ?? '');
    }
  },
});

function enclosingFunction(node: SyntaxNode): SyntaxNode | null {
  for (let p = node.parent; p; p = p.parent) if (p.type === NodeType.FunctionDefinition) return p;
  return null;
}

function dataArgument(call: SyntaxNode, lib: string): SyntaxNode | null {
  const param = DATA_PARAM.get(lib);
  return param ? argumentValue(call, param.position, ...param.keywords) : null;
}

/**
 * A key naming where data lives, equal for a write and a read of the same place in one file: the path expression's
 * text (whitespace and quote style normalised), seen through file objects (`open(p, "rb")`, `with open(p) as f`,
 * `Path(p).open()`, `f.read()`, `p.read_bytes()`) and through a name assigned one string literal.
 */
function dataKey(context: RuleContext<string>, node: SyntaxNode, depth: number): string | null {
  if (depth > 4) return null;
  const n = unparenthesize(node);
  const literal = stringValue(n);
  if (literal !== null) return `str:${literal}`;
  if (n.type === NodeType.Identifier) {
    const opened = withItemValue(n.text, n);
    if (opened) return isOpener(context, opened) ? dataKey(context, opened, depth + 1) : `expr:${n.text}`;
    const value = soleAssignedValue(n.text, n);
    if (value && (stringValue(value) !== null || isOpener(context, value) || isPathJoin(context, value))) return dataKey(context, value, depth + 1);
    return `expr:${n.text}`;
  }
  if (n.type === NodeType.Call) {
    const callee = n.childForFieldName('function');
    if (isOpener(context, n)) {
      if (callee?.type === NodeType.Attribute && callee.childForFieldName('attribute')?.text === 'open' && !OPENERS.test(context.resolve(n) ?? '')) {
        // `Path(p).open("rb")` / `p.open()`: the receiver is the path; `fs.open(path, "rb")`: the argument is.
        const receiver = callee.childForFieldName('object');
        const first = positionalArguments(n)[0];
        const firstText = first ? stringValue(first) : null;
        const receiverIsPath = !first || (firstText !== null && /^[rwabxt+]+$/.test(firstText)) || isPathCall(context, receiver);
        if (receiverIsPath) return receiver ? pathOfPathObject(context, receiver, depth + 1) : null;
        return first ? dataKey(context, first, depth + 1) : null;
      }
      const path = argumentValue(n, 0, 'file', 'filename', 'name', 'uri', 'urlpath', 'path');
      return path ? dataKey(context, path, depth + 1) : null;
    }
    if (callee?.type === NodeType.Attribute) {
      const method = callee.childForFieldName('attribute')?.text;
      const receiver = callee.childForFieldName('object');
      if (receiver && (method === 'read' || method === 'getvalue')) return dataKey(context, receiver, depth + 1);
      if (receiver && (method === 'read_bytes' || method === 'read_text')) return pathOfPathObject(context, receiver, depth + 1);
    }
  }
  return `expr:${n.text.replace(/\s+/g, '').replace(/'/g, '"')}`;
}

/**
 * The file name at the end of a path that a join builds (`os.path.join(d, "ckpt.pt")`, `out / CLF_NAME`, through
 * file objects and names assigned once as in {@link dataKey}), when its last part is a literal or a name bound to one
 * and has an extension; else null. A bare directory variable names no file.
 */
function fileNameOf(context: RuleContext<string>, node: SyntaxNode, depth: number): string | null {
  if (depth > 4) return null;
  const n = unparenthesize(node);
  let last: SyntaxNode | null = null;
  if (n.type === NodeType.Identifier) {
    const opened = withItemValue(n.text, n);
    if (opened) return isOpener(context, opened) ? fileNameOf(context, opened, depth + 1) : null;
    const value = soleAssignedValue(n.text, n);
    return value && (isOpener(context, value) || isPathJoin(context, value)) ? fileNameOf(context, value, depth + 1) : null;
  }
  if (n.type === NodeType.Call && isOpener(context, n)) {
    const callee = n.childForFieldName('function');
    const path = callee?.type === NodeType.Attribute && callee.childForFieldName('attribute')?.text === 'open' ? callee.childForFieldName('object') : argumentValue(n, 0, 'file', 'filename', 'name', 'path');
    return path ? fileNameOf(context, path, depth + 1) : null;
  }
  if (n.type === NodeType.Call && isPathJoin(context, n)) last = positionalArguments(n).at(-1) ?? null;
  else if (n.type === NodeType.BinaryOperator && isPathJoin(context, n)) last = n.childForFieldName('right');
  if (!last) return null;
  let text = stringValue(unparenthesize(last));
  if (text === null && unparenthesize(last).type === NodeType.Identifier) {
    const value = soleAssignedValue(unparenthesize(last).text, last);
    text = value ? stringValue(value) : null;
  }
  const base = text?.split('/').at(-1) ?? '';
  return /^[\w.-]+\.\w+$/.test(base) && !/[{}]/.test(base) ? base : null;
}

/** `os.path.join(…)`, or a `/` between a `Path(…)` and a part. */
function isPathJoin(context: RuleContext<string>, node: SyntaxNode): boolean {
  const n = unparenthesize(node);
  if (n.type === NodeType.Call) return /^(?:os\.path|posixpath|ntpath)\.join$/.test(context.resolve(n) ?? '');
  return n.type === NodeType.BinaryOperator && n.childForFieldName('operator')?.text === '/';
}

/** `Path(p)` → the key of `p`; any other receiver (`p`, `self.path`) → its own key. */
function pathOfPathObject(context: RuleContext<string>, receiver: SyntaxNode, depth: number): string | null {
  const n = unparenthesize(receiver);
  if (isPathCall(context, n)) {
    const inner = positionalArguments(n)[0];
    return inner ? dataKey(context, inner, depth) : null;
  }
  return dataKey(context, n, depth);
}

function isPathCall(context: RuleContext<string>, node: SyntaxNode | null): boolean {
  const n = node ? unparenthesize(node) : null;
  return n?.type === NodeType.Call && /(?:^|\.)(?:Path|PurePath|PosixPath|UPath)$/.test(context.resolve(n) ?? '');
}

function isOpener(context: RuleContext<string>, node: SyntaxNode): boolean {
  const n = unparenthesize(node);
  if (n.type !== NodeType.Call) return false;
  if (OPENERS.test(context.resolve(n) ?? '')) return true;
  const callee = n.childForFieldName('function');
  return callee?.type === NodeType.Attribute && callee.childForFieldName('attribute')?.text === 'open';
}
