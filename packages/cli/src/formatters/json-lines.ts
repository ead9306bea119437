import { diagnosticJson } from './json.js';
import { allDiagnostics } from './summary.js';
import type { Formatter } from './types.js';

/**
 * `--format json-lines`: one diagnostic per line, each object exactly as in `--format json`'s `diagnostics`; no
 * summary, and nothing at all on a clean run. Streams well into `jq -c`, log shippers and `grep`.
 */
export const jsonLines: Formatter = ({ results }) =>
  allDiagnostics(results)
    .map((d) => `${JSON.stringify(diagnosticJson(d))}\n`)
    .join('');
