import { json } from './json.js';
import { stylish } from './stylish.js';
import type { Formatter } from './types.js';

export type { Formatter, FormatterInput } from './types.js';

/** Output formats of `check`, by `--format` name. */
export const formatters: Readonly<Record<string, Formatter>> = { stylish, json };
