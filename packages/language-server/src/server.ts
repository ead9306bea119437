import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  lintSource,
  lintText,
  RuleCrashError,
  ruleMayMatch,
  type AnyRule,
  type ConfiguredRule,
  type Diagnostic,
  type FileProblem,
  type Fix,
  type LintOptions,
  type LintOutput,
  type LocatedEdit,
} from '@mlops-lint/core';
import { loadBackend, SourceError, type ParserBackend, type SourceFile } from '@mlops-lint/parser';
import { rules as registry } from '@mlops-lint/rules';
import {
  CodeActionKind,
  DidChangeWatchedFilesNotification,
  MessageType,
  ShowMessageNotification,
  TextDocumentSyncKind,
  WatchKind,
  type CodeAction,
  type CodeActionParams,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeParams,
  type InitializeResult,
  type WorkspaceFolder,
} from 'vscode-languageserver/node';
import { rangeOf, sameRange, SOURCE, toLspDiagnostic } from './convert.js';
import { NotebookState, PythonDocument, type LintedDocument } from './documents.js';
import { EditBuilder, replaceAll, suppressEdit } from './edits.js';
import { VERSION } from './version.js';
import { Workspace, type WorkspaceHost } from './workspace.js';

/** The kind of the "Fix all safe problems" source action (`editor.codeActionsOnSave` can ask for it). */
export const FIX_ALL_KIND = `${CodeActionKind.SourceFixAll}.mlops-lint`;

/** What a client may pass as `initializationOptions`. */
export interface InitializationOptions {
  /** Quiet time after a change before the document is linted again, in ms (default 50). */
  debounceMs?: number;
  /** Scan the workspace folders for project-scope findings at start-up and on save (default true). */
  scanWorkspace?: boolean;
  /** Log how long each lint took (parse, rules) to the client's output (default false). */
  logTiming?: boolean;
}

/** How the server is put together; the defaults are the real registry and the best parser backend. */
export interface ServerOptions {
  rules?: readonly AnyRule[];
  backend?: ParserBackend;
}

const DEFAULT_DEBOUNCE_MS = 50;
/** Saves and file events within this window share one workspace scan. */
const SCAN_DELAY_MS = 300;
const CONFIG_FILE_NAMES = new Set(['pyproject.toml', 'mlops-lint.toml', '.mlops-lint.toml']);
/** Files whose change can change a project finding (dependency manifests, lock files, git and DVC metadata). */
const PROJECT_GLOB =
  '**/{requirements*.txt,requirements*.in,constraints*.txt,setup.cfg,setup.py,Pipfile,Pipfile.lock,environment.yml,environment.yaml,poetry.lock,uv.lock,pdm.lock,pixi.lock,conda-lock.yml,.gitignore,.gitattributes,*.dvc,dvc.lock}';

/** Starts an mlops-lint language server on a connection and listens. */
export function startServer(connection: Connection, options: ServerOptions = {}): void {
  new Server(connection, options).listen();
}

type Target =
  | { kind: 'python'; doc: PythonDocument; cell: null }
  | { kind: 'cell'; doc: NotebookState; cell: number };

class Server implements WorkspaceHost {
  readonly rules: readonly AnyRule[];
  private parser: ParserBackend | null;
  private debounceMs = DEFAULT_DEBOUNCE_MS;
  private scanWorkspace = true;
  private logTiming = false;
  private folders: Workspace[] = [];
  private readonly loose = new Map<string, Workspace>();
  private readonly python = new Map<string, PythonDocument>();
  private readonly notebooks = new Map<string, NotebookState>();
  private readonly cellOwner = new Map<string, NotebookState>();
  private readonly support = { documentChanges: false, create: false, watchers: false, folders: false };
  private readonly docsUrls = new Map<string, string>();
  /** Rules whose crash was already shown to the user (the log gets every crash). */
  private readonly crashShown = new Set<string>();
  private readonly configShown = new Map<string, string>();
  private readonly scanTimers = new Map<Workspace, NodeJS.Timeout>();
  private readonly scanning = new Set<Workspace>();
  private readonly rescan = new Set<Workspace>();

  constructor(
    private readonly connection: Connection,
    options: ServerOptions,
  ) {
    this.rules = options.rules ?? registry;
    this.parser = options.backend ?? null;
    for (const rule of this.rules) this.docsUrls.set(rule.meta.code, rule.meta.docs.url);
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((params) => this.initialize(params));
    c.onInitialized(() => this.initialized());
    c.onShutdown(() => this.shutdown());

    c.onDidOpenTextDocument(({ textDocument: item }) => {
      if (this.cellOwner.has(item.uri) || !isPythonDocument(item.uri, item.languageId)) return;
      this.python.get(item.uri)?.dispose();
      const doc = new PythonDocument(item, uriToPath(item.uri));
      this.python.set(item.uri, doc);
      this.schedule(doc, 0);
    });
    c.onDidChangeTextDocument(({ textDocument, contentChanges }) => {
      const doc = this.python.get(textDocument.uri);
      if (!doc) return;
      doc.applyChanges(contentChanges, textDocument.version);
      this.schedule(doc, this.debounceMs);
    });
    c.onDidSaveTextDocument(({ textDocument }) => {
      const doc = this.python.get(textDocument.uri);
      if (doc) this.requestScan(this.workspaceFor(doc.absPath));
    });
    c.onDidCloseTextDocument(({ textDocument }) => {
      const doc = this.python.get(textDocument.uri);
      if (!doc) return;
      doc.dispose();
      this.python.delete(textDocument.uri);
      this.publishClosed(doc.uri, doc.absPath);
    });

    const notebooks = c.notebooks.synchronization;
    notebooks.onDidOpenNotebookDocument(({ notebookDocument: nb, cellTextDocuments }) => {
      this.notebooks.get(nb.uri)?.dispose();
      const state = new NotebookState(nb.uri, uriToPath(nb.uri), nb.cells, cellTextDocuments, nb.metadata);
      this.notebooks.set(nb.uri, state);
      for (const cell of state.cells) this.cellOwner.set(cell.uri, state);
      this.schedule(state, 0);
    });
    notebooks.onDidChangeNotebookDocument(({ notebookDocument, change }) => {
      const state = this.notebooks.get(notebookDocument.uri);
      if (!state) return;
      for (const uri of state.applyChange(change)) {
        this.cellOwner.delete(uri);
        state.published.delete(uri);
        void this.connection.sendDiagnostics({ uri, diagnostics: [] });
      }
      for (const cell of state.cells) this.cellOwner.set(cell.uri, state);
      this.schedule(state, this.debounceMs);
    });
    notebooks.onDidSaveNotebookDocument(({ notebookDocument }) => {
      const state = this.notebooks.get(notebookDocument.uri);
      if (state) this.requestScan(this.workspaceFor(state.absPath));
    });
    notebooks.onDidCloseNotebookDocument(({ notebookDocument }) => {
      const state = this.notebooks.get(notebookDocument.uri);
      if (!state) return;
      state.dispose();
      this.notebooks.delete(notebookDocument.uri);
      for (const cell of state.cells) {
        this.cellOwner.delete(cell.uri);
        void this.connection.sendDiagnostics({ uri: cell.uri, diagnostics: [] });
      }
      this.publishClosed(state.uri, state.absPath);
    });

    c.onCodeAction((params) => this.codeActions(params));
    c.onDidChangeWatchedFiles(({ changes }) => {
      let configChanged = false;
      const touched = new Set<Workspace>();
      for (const change of changes) {
        const abs = uriToPath(change.uri);
        if (abs === null) continue;
        if (CONFIG_FILE_NAMES.has(path.basename(abs))) configChanged = true;
        for (const ws of this.folders) if (ws.contains(abs)) touched.add(ws);
      }
      if (configChanged) this.reloadConfiguration();
      else for (const ws of touched) this.requestScan(ws);
    });
    c.listen();
  }

  // --- life cycle ---------------------------------------------------------------------------------------------

  private async initialize(params: InitializeParams): Promise<InitializeResult> {
    const options = (params.initializationOptions ?? {}) as InitializationOptions;
    if (typeof options.debounceMs === 'number' && options.debounceMs >= 0) this.debounceMs = options.debounceMs;
    if (options.scanWorkspace === false) this.scanWorkspace = false;
    if (options.logTiming === true) this.logTiming = true;

    const caps = params.capabilities;
    this.support.documentChanges = caps.workspace?.workspaceEdit?.documentChanges === true;
    this.support.create = caps.workspace?.workspaceEdit?.resourceOperations?.includes('create') === true;
    this.support.watchers = caps.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
    this.support.folders = caps.workspace?.workspaceFolders === true;
    const folders: WorkspaceFolder[] = params.workspaceFolders ?? (params.rootUri ? [{ uri: params.rootUri, name: '' }] : []);
    this.folders = folders.flatMap((f) => {
      const abs = uriToPath(f.uri);
      return abs === null ? [] : [new Workspace(abs, this)];
    });

    if (!this.parser) {
      try {
        this.parser = await loadBackend();
      } catch (error) {
        this.connection.console.warn(`mlops-lint: ${describe(error)}; using the WASM parser`);
        this.parser = await loadBackend('wasm');
      }
    }
    return {
      capabilities: {
        positionEncoding: 'utf-16',
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental, save: { includeText: false } },
        // No `cells` filter: every cell is synced, so cell numbers count markdown cells as the CLI's `cell N` does.
        notebookDocumentSync: { notebookSelector: [{ notebook: { notebookType: 'jupyter-notebook' } }], save: true },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, FIX_ALL_KIND], resolveProvider: false },
        workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
      },
      serverInfo: { name: 'mlops-lint', version: VERSION },
    };
  }

  private initialized(): void {
    if (this.support.watchers) {
      void this.connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [
          { globPattern: '**/{pyproject.toml,mlops-lint.toml,.mlops-lint.toml}' },
          { globPattern: PROJECT_GLOB },
          { globPattern: '**/*.{py,ipynb}', kind: WatchKind.Create | WatchKind.Delete },
        ],
      });
    }
    if (this.support.folders) {
      this.connection.workspace.onDidChangeWorkspaceFolders(({ added, removed }) => {
        const gone = new Set(removed.map((f) => uriToPath(f.uri)));
        this.folders = this.folders.filter((ws) => !gone.has(ws.root));
        for (const f of added) {
          const abs = uriToPath(f.uri);
          if (abs === null) continue;
          const ws = new Workspace(abs, this);
          this.folders.push(ws);
          this.requestScan(ws, 0);
        }
      });
    }
    for (const ws of this.folders) this.requestScan(ws, 0);
  }

  private shutdown(): void {
    for (const timer of this.scanTimers.values()) clearTimeout(timer);
    for (const doc of this.openDocuments()) doc.dispose();
  }

  // --- WorkspaceHost ------------------------------------------------------------------------------------------

  backend(): ParserBackend {
    if (!this.parser) throw new Error('the parser is not loaded before initialize');
    return this.parser;
  }

  configError(root: string, message: string | null): void {
    if (message === null) {
      this.configShown.delete(root);
      return;
    }
    if (this.configShown.get(root) === message) return;
    this.configShown.set(root, message);
    this.connection.console.error(`mlops-lint: ${message}`);
    this.show(MessageType.Error, `mlops-lint: ${message}. Linting with the default rules until the configuration is fixed.`);
  }

  log(message: string): void {
    this.connection.console.log(`mlops-lint: ${message}`);
  }

  /** A `window/showMessage` notification (the `window.show…Message` helpers send requests, which wait for a click). */
  private show(type: MessageType, message: string): void {
    void this.connection.sendNotification(ShowMessageNotification.type, { type, message });
  }

  // --- linting ------------------------------------------------------------------------------------------------

  private *openDocuments(): Iterable<LintedDocument> {
    yield* this.python.values();
    yield* this.notebooks.values();
  }

  /** The workspace folder holding a file (the innermost), else the project around it; untitled files get the first folder. */
  private workspaceFor(abs: string | null): Workspace {
    if (abs !== null) {
      let best: Workspace | null = null;
      for (const ws of this.folders) if (ws.contains(abs) && (!best || ws.root.length > best.root.length)) best = ws;
      if (best) return best;
    }
    const first = this.folders[0];
    if (abs === null && first) return first;
    const root = abs === null ? process.cwd() : path.dirname(abs);
    let ws = this.loose.get(root);
    if (!ws) this.loose.set(root, (ws = new Workspace(root, this)));
    return ws;
  }

  private schedule(doc: LintedDocument, delay: number): void {
    if (doc.timer) clearTimeout(doc.timer);
    doc.timer = setTimeout(() => {
      doc.timer = null;
      try {
        this.lint(doc);
      } catch (error) {
        // Whatever went wrong with this document, the server keeps serving the others.
        this.connection.console.error(`mlops-lint: linting ${doc.uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }, delay);
  }

  /** Where a document is for the rules: its display path (relative to the workspace) and absolute path. */
  private locate(doc: LintedDocument): { ws: Workspace; display: string; abs: string } {
    const ws = this.workspaceFor(doc.absPath);
    if (doc.absPath !== null) return { ws, display: ws.display(doc.absPath), abs: doc.absPath };
    let name = decodeURIComponent(doc.uri.replace(/^[^:]*:/, '').split('/').pop() ?? '') || 'untitled';
    if (doc instanceof NotebookState && !name.endsWith('.ipynb')) name += '.ipynb';
    return { ws, display: name, abs: path.join(ws.root, name) };
  }

  /** Parses the document (incrementally), runs its rules and publishes the result. */
  private lint(doc: LintedDocument): void {
    const started = performance.now();
    const { ws, display, abs } = this.locate(doc);
    let file: SourceFile;
    try {
      file = doc.parse(this.backend(), doc.prepare(display));
    } catch (error) {
      if (!(error instanceof SourceError)) throw error;
      this.log(`${display}: ${error.message}`);
      return;
    }
    const parsed = performance.now();
    const rules = ws.rulesFor(abs).filter((c) => !doc.disabled.has(c.rule.meta.code) && ruleMayMatch(c.rule, file.text));
    doc.output = this.runRules(doc, file, rules, { filename: display, absPath: abs, project: ws.facts });
    doc.dirty = false;
    const linted = performance.now();
    this.publish(doc);
    if (this.logTiming) {
      const ms = (t: number): string => t.toFixed(2);
      this.log(`linted ${display} in ${ms(performance.now() - started)} ms (parse ${ms(parsed - started)} ms, rules ${ms(linted - parsed)} ms, ${rules.length} rules)`);
    }
  }

  /** Lints, turning off (for this document) any rule that throws, so one broken rule never stops the others. */
  private runRules(doc: LintedDocument, file: SourceFile, rules: readonly ConfiguredRule[], options: LintOptions): LintOutput | null {
    let active = rules;
    for (;;) {
      try {
        return lintSource(file, active, options);
      } catch (error) {
        const code = crashedRule(error);
        if (code === null || !active.some((c) => c.rule.meta.code === code)) {
          this.connection.console.error(`mlops-lint: linting ${options.filename} failed: ${describe(error)}`);
          return null;
        }
        doc.disabled.add(code);
        active = active.filter((c) => c.rule.meta.code !== code);
        const message = `${describe(error)}; ${code} is turned off for ${options.filename} until it is closed`;
        const original = error instanceof RuleCrashError ? error.original : error;
        this.connection.console.error(`mlops-lint: ${message}${original instanceof Error && original.stack ? `\n${original.stack}` : ''}`);
        if (!this.crashShown.has(code)) {
          this.crashShown.add(code);
          this.show(MessageType.Warning, `mlops-lint: ${message}. Details are in the output log.`);
        }
      }
    }
  }

  /** Project-scope findings of the last scan on a file. */
  private projectFindings(abs: string | null): Diagnostic[] {
    if (abs === null) return [];
    return this.workspaceFor(abs).findings.get(abs) ?? [];
  }

  private toLsp(d: Diagnostic, uriOfCell: (cell: number | null) => string | null): LspDiagnostic {
    return toLspDiagnostic(d, uriOfCell, this.docsUrls.get(d.code));
  }

  /** Sends a document's diagnostics: its own findings and the project findings on it. */
  private publish(doc: LintedDocument): void {
    const all = [...doc.diagnostics, ...this.projectFindings(doc.absPath)];
    if (doc instanceof PythonDocument) {
      void this.connection.sendDiagnostics({ uri: doc.uri, version: doc.version, diagnostics: all.map((d) => this.toLsp(d, () => doc.uri)) });
      return;
    }
    if (!(doc instanceof NotebookState)) return;
    const uriOfCell = (cell: number | null): string | null => (cell === null ? null : (doc.cellAt(cell)?.uri ?? null));
    const byCell = new Map<number, LspDiagnostic[]>();
    for (const d of all) {
      if (d.cell === null) continue;
      let list = byCell.get(d.cell);
      if (!list) byCell.set(d.cell, (list = []));
      list.push(this.toLsp(d, uriOfCell));
    }
    doc.cells.forEach((cell, i) => {
      const diagnostics = byCell.get(i + 1) ?? [];
      const key = JSON.stringify(diagnostics);
      // Cells whose diagnostics did not change are not sent again (a notebook can have hundreds of cells).
      if (doc.published.get(cell.uri) === key) return;
      doc.published.set(cell.uri, key);
      void this.connection.sendDiagnostics({ uri: cell.uri, version: cell.document.version, diagnostics });
    });
  }

  /** A file that is not open shows its project findings only. */
  private publishClosed(uri: string, abs: string | null): void {
    const findings = this.projectFindings(abs);
    void this.connection.sendDiagnostics({
      uri,
      diagnostics: findings.map((d) => {
        const lsp = this.toLsp(d, (cell) => (cell === null ? uri : null));
        // A closed notebook has no cell documents: point at the file and name the cell.
        if (d.cell === null) return lsp;
        return { ...lsp, message: `cell ${d.cell}:${d.line}:${d.column}: ${d.message}`, range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } } };
      }),
    });
  }

  private reloadConfiguration(): void {
    for (const ws of [...this.folders, ...this.loose.values()]) ws.reload();
    for (const doc of this.openDocuments()) this.schedule(doc, 0);
    for (const ws of this.folders) this.requestScan(ws);
  }

  // --- workspace scan -----------------------------------------------------------------------------------------

  private requestScan(ws: Workspace, delay = SCAN_DELAY_MS): void {
    if (!this.scanWorkspace || !this.folders.includes(ws)) return;
    const timer = this.scanTimers.get(ws);
    if (timer) clearTimeout(timer);
    this.scanTimers.set(
      ws,
      setTimeout(() => {
        this.scanTimers.delete(ws);
        void this.scan(ws);
      }, delay),
    );
  }

  /** Scans a workspace for project findings and publishes what changed. One scan per workspace at a time. */
  private async scan(ws: Workspace): Promise<void> {
    if (this.scanning.has(ws)) {
      this.rescan.add(ws);
      return;
    }
    this.scanning.add(ws);
    const started = performance.now();
    const before = ws.findings;
    const factsBefore = JSON.stringify(ws.facts);
    try {
      const result = await ws.scan();
      for (const p of result.problems) this.connection.console.warn(`mlops-lint: ${problemLine(p)}`);
      if (JSON.stringify(result.facts) !== factsBefore) {
        // Facts file rules read (trackers seen in every file) changed: lint the open documents again.
        for (const doc of this.openDocuments()) if (this.workspaceFor(doc.absPath) === ws) this.schedule(doc, 0);
      }
      for (const abs of new Set([...before.keys(), ...result.findings.keys()])) this.publishFile(abs);
      const count = [...result.findings.values()].reduce((n, list) => n + list.length, 0);
      this.log(`scanned ${ws.root} in ${(performance.now() - started).toFixed(0)} ms: ${count} project finding${count === 1 ? '' : 's'}`);
    } catch (error) {
      this.connection.console.error(`mlops-lint: scanning ${ws.root} failed: ${describe(error)}`);
    } finally {
      this.scanning.delete(ws);
      if (this.rescan.delete(ws)) this.requestScan(ws, 0);
    }
  }

  /** Publishes a file after its project findings changed: merged with live findings when it is open. */
  private publishFile(abs: string): void {
    for (const doc of this.openDocuments()) {
      if (doc.absPath === abs) {
        if (!doc.dirty) this.publish(doc);
        return;
      }
    }
    this.publishClosed(pathToFileURL(abs).href, abs);
  }

  // --- code actions -------------------------------------------------------------------------------------------

  private targetOf(uri: string): Target | null {
    const doc = this.python.get(uri);
    if (doc) return { kind: 'python', doc, cell: null };
    const nb = this.cellOwner.get(uri);
    if (nb) return { kind: 'cell', doc: nb, cell: nb.indexOfCell(uri) + 1 };
    return null;
  }

  private codeActions(params: CodeActionParams): CodeAction[] {
    const target = this.targetOf(params.textDocument.uri);
    // Actions are computed on the linted version only; while a change waits for its lint there are none.
    if (!target || target.doc.dirty || !target.doc.file || !target.doc.output) return [];
    const only = params.context.only;
    const wants = (kind: string): boolean => (only === undefined ? kind === CodeActionKind.QuickFix : only.some((k) => kind === k || kind.startsWith(`${k}.`)));
    const actions: CodeAction[] = [];
    if (wants(CodeActionKind.QuickFix)) {
      const findings = [...target.doc.diagnostics, ...this.projectFindings(target.doc.absPath)];
      for (const lsp of params.context.diagnostics) {
        if (lsp.source !== SOURCE) continue;
        const d = findings.find((f) => f.code === lsp.code && (target.cell === null || f.cell === target.cell) && sameRange(rangeOf(f), lsp.range));
        if (d) actions.push(...this.quickFixes(target, d, lsp));
      }
    }
    if (wants(FIX_ALL_KIND)) {
      const fixAll = this.fixAll(target);
      if (fixAll) actions.push(fixAll);
    }
    return actions;
  }

  private quickFixes(target: Target, d: Diagnostic, lsp: LspDiagnostic): CodeAction[] {
    const actions: CodeAction[] = [];
    const fixes: Fix[] = d.fix ? [d.fix, ...d.suggestions] : d.suggestions;
    for (const fix of fixes) {
      const edit = this.editFor(target, fix.edits);
      if (!edit) continue;
      const unsafe = fix.applicability === 'unsafe' ? ', unsafe fix' : '';
      actions.push({
        title: `${fix.message} (${d.code}${unsafe})`,
        kind: CodeActionKind.QuickFix,
        diagnostics: [lsp],
        edit,
        // Only a safe fix is what the editor may apply on its own ("auto fix").
        isPreferred: fix.applicability === 'safe',
      });
    }
    const suppress = this.suppressAction(target, d, lsp);
    if (suppress) actions.push(suppress);
    return actions;
  }

  /** The workspace edit of a fix: edits in the document (or its cells), or in other files for a project fix. */
  private editFor(target: Target, edits: readonly LocatedEdit[]): ReturnType<EditBuilder['build']> {
    const builder = new EditBuilder();
    const { doc } = target;
    const file = doc.file;
    if (!file) return null;
    for (const e of edits) {
      const range = rangeOf(e);
      if (e.file !== undefined) {
        const abs = this.workspaceFor(doc.absPath).absolute(e.file);
        const open = [...this.python.values()].find((p) => p.absPath === abs);
        const uri = open?.uri ?? pathToFileURL(abs).href;
        if (!open && !existsSync(abs)) builder.create(uri);
        builder.add(uri, open?.version ?? null, { range, newText: e.text });
      } else if (target.kind === 'python') {
        builder.add(target.doc.uri, target.doc.version, { range, newText: e.text });
      } else {
        const cell = target.doc.cellAt(file.locate(e.start).cell ?? 0);
        if (!cell) return null;
        builder.add(cell.uri, cell.document.version, { range, newText: e.text });
      }
    }
    return builder.isEmpty ? null : builder.build(this.support);
  }

  private suppressAction(target: Target, d: Diagnostic, lsp: LspDiagnostic): CodeAction | null {
    const { file, output } = target.doc;
    if (!file || !output) return null;
    const edit = suppressEdit(file, output.directives, d.code, d.start);
    if (!edit) return null;
    const at = file.locate(edit.start);
    const end = file.locate(edit.end);
    const range = { start: { line: at.line, character: at.column }, end: { line: end.line, character: end.column } };
    const builder = new EditBuilder();
    if (target.kind === 'python') builder.add(target.doc.uri, target.doc.version, { range, newText: edit.text });
    else {
      const cell = target.doc.cellAt(at.cell ?? 0);
      if (!cell) return null;
      builder.add(cell.uri, cell.document.version, { range, newText: edit.text });
    }
    const workspaceEdit = builder.build(this.support);
    if (!workspaceEdit) return null;
    return { title: `Suppress ${d.code} on this line`, kind: CodeActionKind.QuickFix, diagnostics: [lsp], edit: workspaceEdit };
  }

  /**
   * "Fix all safe problems": the CLI's `--fix` run in memory (fix passes until nothing changes, each checked to
   * parse no worse), turned into one edit per document or cell.
   */
  private fixAll(target: Target): CodeAction | null {
    const { doc } = target;
    if (!doc.diagnostics.some((d) => d.fix?.applicability === 'safe')) return null;
    const { ws, display, abs } = this.locate(doc);
    const rulesFor = (): ConfiguredRule[] => ws.rulesFor(abs).filter((c) => !doc.disabled.has(c.rule.meta.code));
    const options = { backend: this.backend(), rulesFor, fix: 'safe' as const, write: false, project: ws.facts };
    const builder = new EditBuilder();
    if (target.kind === 'python') {
      const result = lintText(target.doc.text, { absPath: abs, displayPath: display }, options);
      const edit = result.output === undefined ? null : replaceAll(target.doc.textDocument, result.output);
      if (edit) builder.add(target.doc.uri, target.doc.version, edit);
    } else {
      const result = lintText(target.doc.toJson(), { absPath: abs, displayPath: display }, options);
      if (result.output === undefined) return null;
      const cells = (JSON.parse(result.output) as { cells: Array<{ source: string | string[] }> }).cells;
      target.doc.cells.forEach((cell, i) => {
        const source = cells[i]?.source;
        if (source === undefined) return;
        const edit = replaceAll(cell.document, Array.isArray(source) ? source.join('') : source);
        if (edit) builder.add(cell.uri, cell.document.version, edit);
      });
    }
    const edit = builder.isEmpty ? null : builder.build(this.support);
    return edit ? { title: 'Fix all safe problems', kind: FIX_ALL_KIND, edit } : null;
  }
}

/** The rule a lint failure comes from: a crash in a visitor, or an author mistake caught at `report()`. */
function crashedRule(error: unknown): string | null {
  if (error instanceof RuleCrashError) return error.ruleCode;
  if (error instanceof TypeError) return /^rule (ML\d{3})\b/.exec(error.message)?.[1] ?? null;
  return null;
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split('\n')[0] ?? error.name) : String(error);
}

function problemLine(p: FileProblem): string {
  const where = p.line === null ? p.file : `${p.file}:${p.line}:${p.column ?? 1}`;
  return `${where}: ${p.message}`;
}

function uriToPath(uri: string): string | null {
  if (!uri.startsWith('file:')) return null;
  try {
    return path.resolve(fileURLToPath(uri));
  } catch {
    return null;
  }
}

function isPythonDocument(uri: string, languageId: string): boolean {
  return languageId === 'python' || /\.pyw?$/i.test(uri);
}
