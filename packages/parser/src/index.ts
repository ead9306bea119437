export type { BackendName, ParserBackend, Point, SyntaxNode, Tree, TreeCursor } from './types.js';
export { availableBackends, BackendUnavailableError, loadBackend } from './backend.js';
export { LineIndex } from './line-index.js';
export { NodeType, type NodeTypeName } from './node-types.js';
export { canonicalName, ImportResolver, MODULE_ALIASES } from './resolver.js';
export { parseDirectives, suppresses, type Directives, type Suppression } from './directives.js';
export { decodeSource, isNotebookPath, SourceError, SourceFile, type DecodedSource, type PreparedSource, type SourceKind, type SourceLocation } from './source-file.js';
export {
  applyNotebookEdits,
  cellToVirtual,
  isMaskedRange,
  maskIPython,
  NotebookError,
  parseNotebook,
  virtualToCell,
  type Notebook,
  type NotebookCell,
  type TextEdit,
} from './notebook.js';
