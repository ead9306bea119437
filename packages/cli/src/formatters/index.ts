import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { json } from './json.js';
import { jsonLines } from './json-lines.js';
import { junit } from './junit.js';
import { markdown } from './markdown.js';
import { sarif } from './sarif.js';
import { stylish } from './stylish.js';
import type { Formatter } from './types.js';

export type { Formatter, FormatterInput, RuleInfo } from './types.js';

/** Output formats of `check`, by `--format` name. */
export const formatters: Readonly<Record<string, Formatter>> = {
  stylish,
  json,
  'json-lines': jsonLines,
  sarif,
  github,
  gitlab,
  junit,
  markdown,
};
