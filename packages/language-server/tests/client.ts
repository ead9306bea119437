/**
 * A minimal LSP client for the tests: starts the built server over stdio (or takes an in-process connection), keeps
 * the latest diagnostics per document and every message, and waits for conditions on them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { PassThrough } from 'node:stream';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  createProtocolConnection,
  DidChangeNotebookDocumentNotification,
  DidChangeTextDocumentNotification,
  DidChangeWatchedFilesNotification,
  DidCloseTextDocumentNotification,
  DidOpenNotebookDocumentNotification,
  DidOpenTextDocumentNotification,
  DidSaveTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  LogMessageNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShowMessageNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  type ClientCapabilities,
  type CodeAction,
  type Diagnostic,
  type DidChangeNotebookDocumentParams,
  type FileEvent,
  type NotebookCell,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
  type ShowMessageParams,
  type TextDocumentContentChangeEvent,
  type TextDocumentItem,
  type TextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver-protocol/node';
import { TextDocument } from 'vscode-languageserver-textdocument';

export const SERVER_BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

export const CAPABILITIES: ClientCapabilities = {
  workspace: {
    workspaceEdit: { documentChanges: true, resourceOperations: ['create'] },
    didChangeWatchedFiles: { dynamicRegistration: true },
    workspaceFolders: true,
  },
  textDocument: {
    publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
    codeAction: { isPreferredSupport: true, codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source', 'source.fixAll'] } } },
  },
  notebookDocument: { synchronization: {} },
};

interface Waiter {
  check(): boolean;
}

export interface StartOptions {
  /** The workspace folder. */
  root: string;
  initializationOptions?: Record<string, unknown>;
  env?: Record<string, string>;
}

export class TestClient {
  /** The latest `publishDiagnostics` per URI. */
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  /** Every `publishDiagnostics`, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  readonly messages: ShowMessageParams[] = [];
  readonly logs: string[] = [];
  readonly registrations: string[] = [];
  /** Notebook URI → its cell URIs, for `apply`. */
  readonly notebooks = new Map<string, string[]>();
  private readonly waiters = new Set<Waiter>();
  private readonly documents = new Map<string, TextDocument>();
  stderr = '';

  private constructor(
    readonly connection: ProtocolConnection,
    private readonly child: ChildProcess | null,
  ) {
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      this.diagnostics.set(params.uri, params);
      this.published.push(params);
      this.poke();
    });
    connection.onNotification(ShowMessageNotification.type, (params) => {
      this.messages.push(params);
      this.poke();
    });
    connection.onNotification(LogMessageNotification.type, (params) => {
      this.logs.push(params.message);
      this.poke();
    });
    connection.onRequest(RegistrationRequest.type, (params) => {
      for (const r of params.registrations) this.registrations.push(r.method);
    });
    connection.onRequest('window/showMessageRequest', () => null);
    connection.listen();
  }

  /** Starts the built server (`node dist/bin.js --stdio`) and initializes it on a workspace folder. */
  static async spawn(options: StartOptions): Promise<TestClient> {
    const child = spawn(process.execPath, [SERVER_BIN, '--stdio'], {
      cwd: options.root,
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new TestClient(connection, child);
    child.stderr.on('data', (chunk: Buffer) => {
      client.stderr += chunk.toString();
    });
    await client.initialize(options);
    return client;
  }

  /**
   * Connects to a server started in this process by `start(reader, writer)`. The server side gets message readers
   * and writers rather than streams: given streams, the library exits the process when they end.
   */
  static async inProcess(options: StartOptions, start: (reader: StreamMessageReader, writer: StreamMessageWriter) => void): Promise<TestClient> {
    const toServer = new PassThrough();
    const toClient = new PassThrough();
    start(new StreamMessageReader(toServer), new StreamMessageWriter(toClient));
    const connection = createProtocolConnection(new StreamMessageReader(toClient), new StreamMessageWriter(toServer));
    const client = new TestClient(connection, null);
    await client.initialize(options);
    return client;
  }

  private async initialize(options: StartOptions): Promise<void> {
    const rootUri = pathToFileURL(options.root).href;
    await this.connection.sendRequest(InitializeRequest.type, {
      processId: null,
      rootUri,
      workspaceFolders: [{ uri: rootUri, name: 'root' }],
      capabilities: CAPABILITIES,
      initializationOptions: options.initializationOptions ?? {},
    });
    await this.connection.sendNotification(InitializedNotification.type, {});
  }

  private poke(): void {
    for (const w of [...this.waiters]) if (w.check()) this.waiters.delete(w);
  }

  /** Resolves with the first truthy value of `probe`, checked now and after every notification. */
  waitFor<T>(what: string, probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out waiting for ${what}\nlogs:\n${this.logs.join('\n')}\nstderr:\n${this.stderr}`));
      }, timeoutMs);
      const waiter: Waiter = {
        check: () => {
          const value = probe();
          if (!value) return false;
          clearTimeout(timer);
          resolve(value);
          return true;
        },
      };
      if (!waiter.check()) this.waiters.add(waiter);
    });
  }

  /** Waits for diagnostics of a document that satisfy `accept` (by default: any, for the document's current version). */
  waitForDiagnostics(uri: string, accept?: (diagnostics: Diagnostic[]) => boolean, what = `diagnostics for ${uri}`): Promise<Diagnostic[]> {
    const doc = this.documents.get(uri);
    return this.waitFor(what, () => {
      const params = this.diagnostics.get(uri);
      if (!params) return undefined;
      if (doc && params.version !== undefined && params.version !== doc.version) return undefined;
      if (accept && !accept(params.diagnostics)) return undefined;
      return params.diagnostics;
    });
  }

  /** The current text of a document this client opened. */
  text(uri: string): string {
    const doc = this.documents.get(uri);
    if (!doc) throw new Error(`${uri} is not open`);
    return doc.getText();
  }

  version(uri: string): number {
    return this.documents.get(uri)?.version ?? 0;
  }

  async open(uri: string, text: string, languageId = 'python'): Promise<void> {
    const item: TextDocumentItem = { uri, languageId, version: 1, text };
    this.documents.set(uri, TextDocument.create(uri, languageId, 1, text));
    this.diagnostics.delete(uri);
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: item });
  }

  /** Sends incremental changes and applies them to the client's copy. */
  async change(uri: string, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    const doc = this.documents.get(uri);
    if (!doc) throw new Error(`${uri} is not open`);
    const version = doc.version + 1;
    TextDocument.update(doc, changes, version);
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: changes });
  }

  /** Replaces `find` (its first occurrence) with `replace`, as one incremental change. */
  async replace(uri: string, find: string, replace: string): Promise<void> {
    const doc = this.documents.get(uri);
    if (!doc) throw new Error(`${uri} is not open`);
    const start = doc.getText().indexOf(find);
    if (start < 0) throw new Error(`"${find}" is not in ${uri}`);
    await this.change(uri, [{ range: { start: doc.positionAt(start), end: doc.positionAt(start + find.length) }, text: replace }]);
  }

  async save(uri: string): Promise<void> {
    await this.connection.sendNotification(DidSaveTextDocumentNotification.type, { textDocument: { uri } });
  }

  async close(uri: string): Promise<void> {
    this.documents.delete(uri);
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async watchedFilesChanged(changes: FileEvent[]): Promise<void> {
    await this.connection.sendNotification(DidChangeWatchedFilesNotification.type, { changes });
  }

  async openNotebook(uri: string, cells: Array<{ kind: 1 | 2; text: string; executionOrder?: number }>): Promise<string[]> {
    const cellUris = cells.map((_, i) => `vscode-notebook-cell:${uri.replace(/^file:/, '')}#cell${i}`);
    const notebookCells: NotebookCell[] = cells.map((c, i) => ({
      kind: c.kind,
      document: cellUris[i] as string,
      ...(c.executionOrder !== undefined ? { executionSummary: { executionOrder: c.executionOrder } } : {}),
    }));
    const items: TextDocumentItem[] = cells.map((c, i) => ({ uri: cellUris[i] as string, languageId: c.kind === 2 ? 'python' : 'markdown', version: 1, text: c.text }));
    for (const item of items) this.documents.set(item.uri, TextDocument.create(item.uri, item.languageId, 1, item.text));
    this.notebooks.set(uri, cellUris);
    await this.connection.sendNotification(DidOpenNotebookDocumentNotification.type, {
      notebookDocument: { uri, notebookType: 'jupyter-notebook', version: 1, metadata: { metadata: { kernelspec: { language: 'python', name: 'python3' } } }, cells: notebookCells },
      cellTextDocuments: items,
    });
    return cellUris;
  }

  /** Changes one cell's text (as the notebook's `textContent` change). */
  async changeCell(notebook: string, notebookVersion: number, cellUri: string, changes: TextDocumentContentChangeEvent[]): Promise<void> {
    const doc = this.documents.get(cellUri);
    if (!doc) throw new Error(`${cellUri} is not open`);
    const version = doc.version + 1;
    TextDocument.update(doc, changes, version);
    const params: DidChangeNotebookDocumentParams = {
      notebookDocument: { uri: notebook, version: notebookVersion },
      change: { cells: { textContent: [{ document: { uri: cellUri, version }, changes }] } },
    };
    await this.connection.sendNotification(DidChangeNotebookDocumentNotification.type, params);
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[], only?: string[]): Promise<CodeAction[]> {
    return this.connection
      .sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics, ...(only ? { only } : {}) } })
      .then((result) => (result ?? []).filter((a): a is CodeAction => 'kind' in a || 'edit' in a));
  }

  /** Applies a workspace edit to the documents this client has open and sends the changes, as an editor does. */
  async apply(edit: WorkspaceEdit | undefined): Promise<void> {
    if (!edit) throw new Error('the action has no edit');
    const perUri = new Map<string, TextEdit[]>();
    for (const change of edit.documentChanges ?? []) {
      if ('textDocument' in change) perUri.set(change.textDocument.uri, change.edits.filter((e): e is TextEdit => 'range' in e));
    }
    for (const [uri, edits] of Object.entries(edit.changes ?? {})) perUri.set(uri, edits);
    for (const [uri, edits] of perUri) {
      const doc = this.documents.get(uri);
      if (!doc) throw new Error(`edit for ${uri}, which is not open`);
      // Sent in reverse document order so that each range is still valid when it is applied.
      const sorted = [...edits].sort((a, b) => doc.offsetAt(b.range.start) - doc.offsetAt(a.range.start));
      const owner = [...this.notebooks.entries()].find(([, cells]) => cells.includes(uri));
      if (owner) await this.changeCell(owner[0], 2, uri, sorted.map((e) => ({ range: e.range, text: e.newText })));
      else await this.change(uri, sorted.map((e) => ({ range: e.range, text: e.newText })));
    }
  }

  async stop(): Promise<void> {
    await this.connection.sendRequest(ShutdownRequest.type);
    if (this.child) {
      const exited = new Promise<void>((resolve) => this.child?.once('exit', () => resolve()));
      await this.connection.sendNotification(ExitNotification.type);
      await exited;
    }
    this.connection.dispose();
  }
}

/** The text of a document after a list of edits (for checking an edit without a server round trip). */
export function applyEdits(text: string, edits: TextEdit[]): string {
  return TextDocument.applyEdits(TextDocument.create('x', 'python', 0, text), edits);
}
