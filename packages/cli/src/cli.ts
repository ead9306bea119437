import { parseArgs, type ParseArgsConfig } from 'node:util';
import { ConfigError } from '@mlops-lint/core';
import { BackendUnavailableError } from '@mlops-lint/parser';
import type { AuditFlags } from './commands/audit.js';
import { AUDIT_OPTIONS } from './commands/audit-options.js';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIO } from './io.js';
import { VERSION } from './version.js';

const HELP = `mlops-lint ${VERSION}: find ML-ops mistakes in Python files and Jupyter notebooks

Usage:
  mlops-lint check [paths...]      lint files and folders (default: .); a folder also runs the project rules
  mlops-lint audit [folder]        ML readiness report of a project (default: .; --format markdown|json,
                                   --output-file, --select/--ignore, --config, --exit-zero, --jobs, --no-cache)
  mlops-lint rules                 list every rule
  mlops-lint explain <CODE|name>   print a rule's documentation
  mlops-lint merge <reports...>    combine JSON/SARIF reports of --shard jobs (--format json|sarif, --output-file)

Options for check:
  --format <name>                  stylish (default), json, json-lines, sarif, github, gitlab, junit, markdown
  --output-file <path>             write the report to a file instead of stdout
  --fix                            apply safe fixes
  --unsafe-fixes                   with --fix, also apply unsafe fixes
  --diff                           show the fixes as a unified diff; write nothing
  --select <codes>                 only these rules (codes, prefixes like ML1, or names; comma-separated)
  --extend-select <codes>          add rules to the selection
  --ignore <codes>                 skip these rules
  --config <path>                  use this mlops-lint.toml or pyproject.toml
  --exit-zero                      exit 0 even when problems are found
  --max-warnings <n>               fail on warnings only when there are more than n (errors always fail)
  --baseline <file>                hide the findings recorded in this baseline file; report stale entries
  --update-baseline                record the current findings in the --baseline file
  --shard <i/n>                    check only the i-th of n parts of the files (split by path hash; for CI matrices)
  --no-color                       never colour the output
  --jobs <n>                       lint on n threads (default: the available cores; 1 lints in one thread)
  --no-cache                       neither read nor write the results cache
  --cache-location <dir>           keep the results cache there (default: .mlops-lint-cache in the project)
  --debug                          print stack traces of internal errors

Exit codes: 0 no errors or warnings (infos never fail), 1 errors, warnings (more than --max-warnings), 2 usage,
configuration or internal error.
`;

const CHECK_OPTIONS = {
  format: { type: 'string' },
  'output-file': { type: 'string', short: 'o' },
  fix: { type: 'boolean' },
  'unsafe-fixes': { type: 'boolean' },
  diff: { type: 'boolean' },
  select: { type: 'string', multiple: true },
  'extend-select': { type: 'string', multiple: true },
  ignore: { type: 'string', multiple: true },
  config: { type: 'string' },
  'exit-zero': { type: 'boolean' },
  'max-warnings': { type: 'string' },
  baseline: { type: 'string' },
  'update-baseline': { type: 'boolean' },
  shard: { type: 'string' },
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  cache: { type: 'boolean' },
  'no-cache': { type: 'boolean' },
  'cache-location': { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

export type CheckFlags = {
  [K in keyof typeof CHECK_OPTIONS]?: (typeof CHECK_OPTIONS)[K] extends { multiple: true } ? string[] : (typeof CHECK_OPTIONS)[K]['type'] extends 'string' ? string : boolean;
};

function parse(argv: string[], options: ParseArgsConfig['options']): { values: Record<string, unknown>; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    return { values: values as Record<string, unknown>, positionals };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'invalid arguments';
    // Node's own text goes on about positional arguments; the first sentence is the useful part.
    throw new UsageError(message.replace(/\. To specify a positional.*$/, '').replace(/^Unknown/, 'unknown'));
  }
}

/** Runs the CLI with arguments (without `node` and the script) and returns the exit code. Never calls process.exit. */
export async function execute(argv: string[], io: CliIO): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    const [command, ...rest] = argv;
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        io.stdout(HELP);
        return EXIT_OK;
      case '--version':
      case '-V':
      case 'version':
        io.stdout(`mlops-lint ${VERSION}\n`);
        return EXIT_OK;
      case 'check': {
        const { values, positionals } = parse(rest, CHECK_OPTIONS);
        if (values['help']) {
          io.stdout(HELP);
          return EXIT_OK;
        }
        const { runCheck } = await import('./commands/check.js');
        return await runCheck(positionals, values as CheckFlags, io);
      }
      case 'audit': {
        const { values, positionals } = parse(rest, AUDIT_OPTIONS);
        if (values['help']) {
          io.stdout(HELP);
          return EXIT_OK;
        }
        const { runAudit } = await import('./commands/audit.js');
        return await runAudit(positionals, values as AuditFlags, io);
      }
      case 'rules': {
        const { values } = parse(rest, { format: { type: 'string' } });
        const { runRules } = await import('./commands/rules.js');
        return runRules(io, (values['format'] as string | undefined) ?? 'text');
      }
      case 'explain': {
        const { positionals } = parse(rest, {});
        if (positionals.length !== 1) throw new UsageError('explain takes one rule code or name, e.g. `mlops-lint explain ML101`');
        const { runExplain } = await import('./commands/explain.js');
        return runExplain(positionals[0] as string, io);
      }
      case 'merge': {
        const { values, positionals } = parse(rest, { format: { type: 'string' }, 'output-file': { type: 'string', short: 'o' } });
        const { runMerge } = await import('./commands/merge.js');
        return runMerge(positionals, values as { format?: string; 'output-file'?: string }, io);
      }
      default:
        if (command.startsWith('-') || command.includes('/') || command.includes('.') ) {
          // `mlops-lint src/` reads as `mlops-lint check src/`, like Ruff's old default.
          const { values, positionals } = parse(argv, CHECK_OPTIONS);
          const { runCheck } = await import('./commands/check.js');
          return await runCheck(positionals, values as CheckFlags, io);
        }
        throw new UsageError(`unknown command "${command}" (expected check, audit, rules, explain or merge; see --help)`);
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError || error instanceof BackendUnavailableError) {
      io.stderr(`mlops-lint: error: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`mlops-lint: internal error: ${message.split('\n')[0]}${debug ? '' : ' (run with --debug for details)'}\n`);
    if (debug && error instanceof Error && error.stack) io.stderr(`${error.stack}\n`);
    return EXIT_USAGE;
  }
}
