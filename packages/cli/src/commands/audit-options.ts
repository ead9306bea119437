import type { ParseArgsConfig } from 'node:util';

/** The options of `mlops-lint audit`, apart from the command so that parsing them loads nothing else. */
export const AUDIT_OPTIONS = {
  format: { type: 'string' },
  'output-file': { type: 'string', short: 'o' },
  select: { type: 'string', multiple: true },
  'extend-select': { type: 'string', multiple: true },
  ignore: { type: 'string', multiple: true },
  config: { type: 'string' },
  'exit-zero': { type: 'boolean' },
  jobs: { type: 'string', short: 'j' },
  'no-cache': { type: 'boolean' },
  'cache-location': { type: 'string' },
  debug: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];
