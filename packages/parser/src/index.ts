export type { BackendName, InputEdit, ParserBackend, Point, SyntaxNode, Tree, TreeCursor } from './types.js';
export { availableBackends, BackendUnavailableError, loadBackend } from './backend.js';
export { LineIndex } from './line-index.js';
export { indentLevels, MAX_INDENT_LEVELS, parseLimitProblem } from './limits.js';
export { NodeType, type NodeTypeName } from './node-types.js';
export { canonicalName, ImportResolver, MODULE_ALIASES } from './resolver.js';
export { parseDirectives, suppresses, type Directives, type Suppression } from './directives.js';
export {
  decodeSource,
  diffEdit,
  inputEdit,
  isNotebookPath,
  pointAt,
  SourceError,
  SourceFile,
  type DecodedSource,
  type PreparedSource,
  type SourceKind,
  type SourceLocation,
} from './source-file.js';
export {
  applyNotebookEdits,
  cellToVirtual,
  isMaskedRange,
  maskIPython,
  NotebookError,
  notebookJsonLines,
  parseNotebook,
  virtualToCell,
  type Notebook,
  type NotebookCell,
  type TextEdit,
} from './notebook.js';
export { SnapshotNode, TreeSnapshot, type SnapshotData } from './snapshot.js';
