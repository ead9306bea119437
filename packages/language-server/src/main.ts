import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server.js';
import { VERSION } from './version.js';

const USAGE = `Usage: mlops-lint-lsp --stdio

The mlops-lint language server. Editors start it and speak LSP over stdin/stdout (--stdio);
--node-ipc and --socket=<port> work too. See docs/editors.md for editor set-up.

Options:
  --stdio          speak LSP over stdin/stdout
  --version        print the version
  --help           print this help
`;

/** What `main` may touch of the process: output for `--help`/`--version`, nothing else. */
export interface MainIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * Runs the `mlops-lint-lsp` command. Returns an exit code when it is done (help, version, usage error), or null
 * when a server was started and the process must keep running.
 */
export function main(argv: readonly string[], io: MainIO): number | null {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  if (argv.includes('--version')) {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const transport = argv.some((a) => a === '--stdio' || a === '--node-ipc' || a.startsWith('--socket=') || a.startsWith('--pipe='));
  if (!transport) {
    io.stderr(`mlops-lint-lsp: no transport given (use --stdio)\n\n${USAGE}`);
    return 2;
  }
  // The library reads the transport from process.argv itself.
  startServer(createConnection(ProposedFeatures.all));
  return null;
}
