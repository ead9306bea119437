import { createRequire } from 'node:module';
import type { Point, SyntaxNode, Tree, TreeCursor } from './types.js';

/**
 * What both bindings' cursors offer beyond the shared `TreeCursor`: numeric type and field ids (reading a number
 * across the binding costs less than making a string), and the names and named-ness behind them.
 */
type RawCursor = TreeCursor & {
  readonly nodeTypeId: number;
  readonly currentFieldId: number;
  readonly currentFieldName: string | null | undefined;
  readonly nodeIsNamed: boolean;
};

/** Type and field names by id, shared by every snapshot of one grammar (ids are the grammar's). */
interface Vocabulary {
  typeNames: string[];
  typeNamed: boolean[];
  /** Whether children of a node of this type can carry a field (else the walk does not ask). */
  typeHasFields: boolean[];
  fieldNames: string[];
  fieldIds: Map<string, number>;
  /** `descendantsOfType` arguments (joined by `,`) → type ids; cleared when a new type is learnt. */
  typeIdSets: Map<string, Set<number>>;
}

const vocabularies = new WeakMap<object, Vocabulary>();

function vocabularyFor(key: object): Vocabulary {
  let v = vocabularies.get(key);
  if (!v) {
    v = { typeNames: [], typeNamed: [], typeHasFields: [], fieldNames: [], fieldIds: new Map(), typeIdSets: new Map() };
    vocabularies.set(key, v);
  }
  return v;
}

const INITIAL_CAPACITY = 256;

interface GrammarTypes {
  /** Every named type of the grammar. */
  known: Set<string>;
  /** The named types whose children can carry fields. */
  withFields: Set<string>;
}

let grammarTypes: GrammarTypes | null | undefined;

/**
 * What the Python grammar's `node-types.json` says about fields: reading a child's field costs one more call into
 * the binding, and most nodes (blocks, argument lists, strings, …) have children without any. Null when the file
 * cannot be read: then every child's field is read.
 */
function pythonGrammarTypes(): GrammarTypes | null {
  if (grammarTypes === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const types = require('tree-sitter-python/src/node-types.json') as Array<{ type: string; named: boolean; fields?: Record<string, unknown> }>;
      grammarTypes = {
        known: new Set(types.filter((t) => t.named).map((t) => t.type)),
        withFields: new Set(types.filter((t) => t.named && t.fields && Object.keys(t.fields).length > 0).map((t) => t.type)),
      };
    } catch {
      grammarTypes = null;
    }
  }
  return grammarTypes;
}

/** Per node (pre-order index): grammar type id, offsets, parent, field id, first child, siblings, end of subtree (exclusive). */
interface NodeArrays {
  types: Uint16Array;
  starts: Uint32Array;
  ends: Uint32Array;
  parents: Int32Array;
  fields: Uint16Array;
  firstChildren: Int32Array;
  nextSiblings: Int32Array;
  prevSiblings: Int32Array;
  subtreeEnds: Uint32Array;
}

/** The typed-array constructor of each of {@link NodeArrays}. */
const ARRAY_TYPES = {
  types: Uint16Array,
  starts: Uint32Array,
  ends: Uint32Array,
  parents: Int32Array,
  fields: Uint16Array,
  firstChildren: Int32Array,
  nextSiblings: Int32Array,
  prevSiblings: Int32Array,
  subtreeEnds: Uint32Array,
} as const;

const ARRAY_KEYS = Object.keys(ARRAY_TYPES) as Array<keyof NodeArrays>;

/** Each array's first `n` entries, copied (so the copies own exactly-sized buffers). */
function sliceArrays(from: NodeArrays, n: number): NodeArrays {
  const out = {} as Record<keyof NodeArrays, unknown>;
  for (const key of ARRAY_KEYS) out[key] = from[key].slice(0, n);
  return out as NodeArrays;
}

/**
 * A snapshot as plain data, for `postMessage` to another thread: the arrays cut to size (their buffers can be
 * transferred, not copied) and the names the ids stand for.
 */
export interface SnapshotData extends NodeArrays {
  text: string;
  size: number;
  typeNames: Array<string | null>;
  typeNamed: Array<boolean | null>;
  fieldNames: Array<string | null>;
}

/**
 * A read-only copy of a parsed tree in plain JavaScript arrays, made by one cursor walk over the binding's tree.
 *
 * Every node access on the bindings' own nodes crosses into native code or WASM, and some are far from O(1):
 * tree-sitter has no parent pointers, so `node.parent` searches down from the root, and every `namedChildren`
 * allocates node objects. Rules read the tree many times over (resolving names, looking for enclosing functions,
 * scanning function bodies), so they read this copy instead: nodes are numbered in pre-order, which makes a
 * subtree a contiguous range (`descendantsOfType` is a scan, "is X inside Y" two comparisons) and `parent`, the
 * children and fields are array reads.
 *
 * The copy answers every `SyntaxNode` question exactly as the binding does for a tree without syntax errors; a
 * tree with errors keeps the binding's own nodes (see `SourceFile.root`), because hidden MISSING tokens make
 * `hasError` something the visible tree cannot tell.
 */
export class TreeSnapshot {
  /** Number of nodes. */
  readonly size: number;
  readonly root: SyntaxNode;
  /** Per node (pre-order index): grammar type id, offsets, parent, field id, first child, next sibling, end of subtree (exclusive). */
  readonly types: Uint16Array;
  readonly starts: Uint32Array;
  readonly ends: Uint32Array;
  readonly parents: Int32Array;
  readonly fields: Uint16Array;
  readonly firstChildren: Int32Array;
  readonly nextSiblings: Int32Array;
  readonly prevSiblings: Int32Array;
  readonly subtreeEnds: Uint32Array;
  private readonly nodes: Array<SnapshotNode | undefined>;
  private lineStarts: number[] | null = null;

  private constructor(
    readonly text: string,
    private readonly vocabulary: Vocabulary,
    arrays: NodeArrays & { size: number },
  ) {
    this.size = arrays.size;
    this.types = arrays.types;
    this.starts = arrays.starts;
    this.ends = arrays.ends;
    this.parents = arrays.parents;
    this.fields = arrays.fields;
    this.firstChildren = arrays.firstChildren;
    this.nextSiblings = arrays.nextSiblings;
    this.prevSiblings = arrays.prevSiblings;
    this.subtreeEnds = arrays.subtreeEnds;
    this.nodes = new Array<SnapshotNode | undefined>(this.size);
    this.root = this.node(0);
  }

  /**
   * Copies a tree. `grammar` identifies the language (any object shared by trees of one parser) so that type and
   * field names are learnt once.
   */
  static of(tree: Tree, text: string, grammar: object): TreeSnapshot {
    const vocabulary = vocabularyFor(grammar);
    const { typeNames, typeNamed, typeHasFields, fieldNames } = vocabulary;
    const grammarInfo = pythonGrammarTypes();
    let space = scratchSpace(Math.max(INITIAL_CAPACITY, text.length >> 2));
    let { capacity, types, starts, ends, parents, fields, firstChildren, nextSiblings, prevSiblings, subtreeEnds } = space;
    // Last child seen so far of each open node, by depth.
    const lastChild: number[] = [-1];
    const stack: number[] = [-1];
    const cursor = tree.walk() as RawCursor;
    let i = 0;
    try {
      for (;;) {
        if (i === capacity) {
          space = growScratch(space, i);
          ({ capacity, types, starts, ends, parents, fields, firstChildren, nextSiblings, prevSiblings, subtreeEnds } = space);
        }
        const type = cursor.nodeTypeId;
        if (typeNames[type] === undefined) {
          const name = cursor.nodeType;
          typeNames[type] = name;
          typeNamed[type] = cursor.nodeIsNamed;
          typeHasFields[type] = grammarInfo === null || !grammarInfo.known.has(name) || grammarInfo.withFields.has(name);
          vocabulary.typeIdSets.clear();
        }
        const depth = stack.length - 1;
        const parent = stack[depth] as number;
        types[i] = type;
        starts[i] = cursor.startIndex;
        ends[i] = cursor.endIndex;
        parents[i] = parent;
        firstChildren[i] = -1;
        nextSiblings[i] = -1;
        if (parent >= 0) {
          const field = typeHasFields[types[parent] as number] === false ? 0 : cursor.currentFieldId;
          if (field !== 0 && fieldNames[field] === undefined) fieldNames[field] = cursor.currentFieldName ?? '';
          fields[i] = field;
          const previous = lastChild[depth] as number;
          if (previous === -1) firstChildren[parent] = i;
          else nextSiblings[previous] = i;
          prevSiblings[i] = previous;
          lastChild[depth] = i;
        } else {
          fields[i] = 0;
          prevSiblings[i] = -1;
        }
        i++;
        if (cursor.gotoFirstChild()) {
          stack.push(i - 1);
          lastChild.push(-1);
          continue;
        }
        subtreeEnds[i - 1] = i;
        let done = false;
        while (!cursor.gotoNextSibling()) {
          if (!cursor.gotoParent()) {
            done = true;
            break;
          }
          subtreeEnds[stack.pop() as number] = i;
          lastChild.pop();
        }
        if (done) break;
      }
    } finally {
      cursor.delete?.();
    }
    while (stack.length > 1) subtreeEnds[stack.pop() as number] = i;
    for (const [id, name] of fieldNames.entries()) if (name !== undefined) vocabulary.fieldIds.set(name, id);
    // Exact-size copies: the building space is reused by the next snapshot.
    return new TreeSnapshot(text, vocabulary, { size: i, ...sliceArrays(space, i) });
  }

  /** The snapshot as data for another thread, and the buffers to transfer with it. */
  toData(): { data: SnapshotData; transfer: ArrayBuffer[] } {
    const n = this.size;
    const arrays = sliceArrays(this, n);
    const dense = <T>(list: T[]): Array<T | null> => Array.from(list, (v) => (v === undefined ? null : v));
    const data: SnapshotData = {
      text: this.text,
      size: n,
      ...arrays,
      typeNames: dense(this.vocabulary.typeNames),
      typeNamed: dense(this.vocabulary.typeNamed),
      fieldNames: dense(this.vocabulary.fieldNames),
    };
    return { data, transfer: Object.values(arrays).map((a) => a.buffer as ArrayBuffer) };
  }

  /** A snapshot made by another thread (`toData`). */
  static fromData(data: SnapshotData): TreeSnapshot {
    const vocabulary: Vocabulary = { typeNames: [], typeNamed: [], typeHasFields: [], fieldNames: [], fieldIds: new Map(), typeIdSets: new Map() };
    data.typeNames.forEach((name, id) => {
      if (name !== null) vocabulary.typeNames[id] = name;
    });
    data.typeNamed.forEach((named, id) => {
      if (named !== null) vocabulary.typeNamed[id] = named;
    });
    data.fieldNames.forEach((name, id) => {
      if (name !== null) {
        vocabulary.fieldNames[id] = name;
        vocabulary.fieldIds.set(name, id);
      }
    });
    return new TreeSnapshot(data.text, vocabulary, data);
  }

  /** The node object of a pre-order index (one object per node, made on first use). */
  node(index: number): SnapshotNode {
    let n = this.nodes[index];
    if (!n) {
      n = new SnapshotNode(this, index);
      this.nodes[index] = n;
    }
    return n;
  }

  typeName(index: number): string {
    return this.vocabulary.typeNames[this.types[index] as number] ?? 'ERROR';
  }

  isNamed(index: number): boolean {
    return this.vocabulary.typeNamed[this.types[index] as number] ?? true;
  }

  /** The grammar's id of a field name, or 0 when no node of any snapshot so far had that field. */
  fieldId(name: string): number {
    return this.vocabulary.fieldIds.get(name) ?? 0;
  }

  /** The type ids whose name is one of `names` (a name can stand for several symbols, as in the bindings). */
  typeIds(names: readonly string[]): Set<number> {
    const key = names.join(',');
    let ids = this.vocabulary.typeIdSets.get(key);
    if (!ids) {
      ids = new Set<number>();
      const all = this.vocabulary.typeNames;
      for (let id = 0; id < all.length; id++) {
        const name = all[id];
        if (name !== undefined && names.includes(name)) ids.add(id);
      }
      this.vocabulary.typeIdSets.set(key, ids);
    }
    return ids;
  }

  /** The tree-sitter point of an offset: rows count `\n` only, columns are UTF-16 code units. */
  point(offset: number): Point {
    let starts = this.lineStarts;
    if (!starts) {
      starts = [0];
      const text = this.text;
      for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
      this.lineStarts = starts;
    }
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { row: lo, column: offset - (starts[lo] as number) };
  }

  /** A cursor over the copy, for the linter's walk. */
  walk(): TreeCursor {
    return new SnapshotCursor(this);
  }
}

/** The arrays a snapshot is built in (`capacity` nodes each). */
interface Scratch extends NodeArrays {
  capacity: number;
}

/**
 * Building space shared by the snapshots made in this thread, one after another (`TreeSnapshot.of` is
 * synchronous): linting thousands of files then allocates only each snapshot's exact-size arrays, not nine
 * arrays sized from the text length per file.
 */
let scratch: Scratch | null = null;

function allocScratch(capacity: number): Scratch {
  const out = { capacity } as Record<keyof Scratch, unknown>;
  for (const key of ARRAY_KEYS) out[key] = new ARRAY_TYPES[key](capacity);
  return out as Scratch;
}

/** Nodes beyond which building space is not kept for the next file (a huge file's would pin 32 bytes a node). */
const MAX_SCRATCH = 1 << 20;

function scratchSpace(capacity: number): Scratch {
  if (capacity > MAX_SCRATCH) return allocScratch(capacity);
  if (!scratch || scratch.capacity < capacity) scratch = allocScratch(Math.min(MAX_SCRATCH, Math.max(capacity, (scratch?.capacity ?? 0) * 2)));
  return scratch;
}

/** Doubles the building space, keeping its first `used` nodes. */
function growScratch(from: Scratch, used: number): Scratch {
  const to = allocScratch(from.capacity * 2);
  for (const key of ARRAY_KEYS) (to[key] as { set(a: ArrayLike<number>): void }).set(from[key].subarray(0, used));
  if (to.capacity <= MAX_SCRATCH) scratch = to;
  return to;
}

/** A node of a `TreeSnapshot`. See `SyntaxNode` for each member's meaning. */
export class SnapshotNode implements SyntaxNode {
  constructor(
    readonly snapshot: TreeSnapshot,
    readonly index: number,
  ) {}

  get id(): number {
    return this.index;
  }

  get type(): string {
    return this.snapshot.typeName(this.index);
  }

  get text(): string {
    return this.snapshot.text.slice(this.snapshot.starts[this.index], this.snapshot.ends[this.index]);
  }

  get startIndex(): number {
    return this.snapshot.starts[this.index] as number;
  }

  get endIndex(): number {
    return this.snapshot.ends[this.index] as number;
  }

  get startPosition(): Point {
    return this.snapshot.point(this.startIndex);
  }

  get endPosition(): Point {
    return this.snapshot.point(this.endIndex);
  }

  get parent(): SyntaxNode | null {
    const p = this.snapshot.parents[this.index] as number;
    return p < 0 ? null : this.snapshot.node(p);
  }

  get children(): SyntaxNode[] {
    const s = this.snapshot;
    const out: SyntaxNode[] = [];
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) out.push(s.node(c));
    return out;
  }

  get namedChildren(): SyntaxNode[] {
    const s = this.snapshot;
    const out: SyntaxNode[] = [];
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (s.isNamed(c)) out.push(s.node(c));
    return out;
  }

  get childCount(): number {
    const s = this.snapshot;
    let n = 0;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) n++;
    return n;
  }

  get namedChildCount(): number {
    const s = this.snapshot;
    let n = 0;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (s.isNamed(c)) n++;
    return n;
  }

  get firstChild(): SyntaxNode | null {
    const c = this.snapshot.firstChildren[this.index] as number;
    return c === -1 ? null : this.snapshot.node(c);
  }

  get lastChild(): SyntaxNode | null {
    const s = this.snapshot;
    let last = -1;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) last = c;
    return last === -1 ? null : s.node(last);
  }

  get firstNamedChild(): SyntaxNode | null {
    const s = this.snapshot;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (s.isNamed(c)) return s.node(c);
    return null;
  }

  get lastNamedChild(): SyntaxNode | null {
    const s = this.snapshot;
    let last = -1;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (s.isNamed(c)) last = c;
    return last === -1 ? null : s.node(last);
  }

  get nextSibling(): SyntaxNode | null {
    const c = this.snapshot.nextSiblings[this.index] as number;
    return c === -1 ? null : this.snapshot.node(c);
  }

  get previousSibling(): SyntaxNode | null {
    const c = this.snapshot.prevSiblings[this.index] as number;
    return c === -1 ? null : this.snapshot.node(c);
  }

  get nextNamedSibling(): SyntaxNode | null {
    const s = this.snapshot;
    for (let c = s.nextSiblings[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (s.isNamed(c)) return s.node(c);
    return null;
  }

  get previousNamedSibling(): SyntaxNode | null {
    const s = this.snapshot;
    for (let c = s.prevSiblings[this.index] as number; c !== -1; c = s.prevSiblings[c] as number) if (s.isNamed(c)) return s.node(c);
    return null;
  }

  get isNamed(): boolean {
    return this.snapshot.isNamed(this.index);
  }

  get isMissing(): boolean {
    return false;
  }

  get hasError(): boolean {
    return false;
  }

  child(index: number): SyntaxNode | null {
    const s = this.snapshot;
    let i = 0;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (i++ === index) return s.node(c);
    return null;
  }

  namedChild(index: number): SyntaxNode | null {
    const s = this.snapshot;
    let i = 0;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) {
      if (s.isNamed(c) && i++ === index) return s.node(c);
    }
    return null;
  }

  childForFieldName(field: string): SyntaxNode | null {
    const s = this.snapshot;
    const id = s.fieldId(field);
    if (id === 0) return null;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (s.fields[c] === id) return s.node(c);
    return null;
  }

  childrenForFieldName(field: string): SyntaxNode[] {
    const s = this.snapshot;
    const id = s.fieldId(field);
    const out: SyntaxNode[] = [];
    if (id === 0) return out;
    for (let c = s.firstChildren[this.index] as number; c !== -1; c = s.nextSiblings[c] as number) if (s.fields[c] === id) out.push(s.node(c));
    return out;
  }

  descendantsOfType(type: string | string[]): SyntaxNode[] {
    const s = this.snapshot;
    const ids = s.typeIds(typeof type === 'string' ? [type] : type);
    const out: SyntaxNode[] = [];
    if (ids.size === 0) return out;
    const end = s.subtreeEnds[this.index] as number;
    const types = s.types;
    if (ids.size === 1) {
      const [only] = ids;
      for (let i = this.index; i < end; i++) if (types[i] === only) out.push(s.node(i));
      return out;
    }
    for (let i = this.index; i < end; i++) if (ids.has(types[i] as number)) out.push(s.node(i));
    return out;
  }
}

/** A `TreeCursor` over a snapshot (the linter walks the copy with the same loop it uses for a binding's tree). */
class SnapshotCursor implements TreeCursor {
  private current = 0;

  constructor(private readonly snapshot: TreeSnapshot) {}

  get nodeType(): string {
    return this.snapshot.typeName(this.current);
  }

  get startIndex(): number {
    return this.snapshot.starts[this.current] as number;
  }

  get endIndex(): number {
    return this.snapshot.ends[this.current] as number;
  }

  get currentNode(): SyntaxNode {
    return this.snapshot.node(this.current);
  }

  gotoFirstChild(): boolean {
    const c = this.snapshot.firstChildren[this.current] as number;
    if (c === -1) return false;
    this.current = c;
    return true;
  }

  gotoNextSibling(): boolean {
    if (this.current === 0) return false;
    const c = this.snapshot.nextSiblings[this.current] as number;
    if (c === -1) return false;
    this.current = c;
    return true;
  }

  gotoParent(): boolean {
    const p = this.snapshot.parents[this.current] as number;
    if (p < 0) return false;
    this.current = p;
    return true;
  }
}
