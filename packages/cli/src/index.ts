export { execute } from './cli.js';
export type { CliIO } from './io.js';
export { formatters, type Formatter, type FormatterInput, type RuleInfo } from './formatters/index.js';
