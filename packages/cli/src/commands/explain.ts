import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findRule } from '@mlops-lint/rules';
import { EXIT_OK, UsageError, type CliIO } from '../io.js';

/** Where rule pages live: copied next to the build for the published package, or the repository's docs. */
const DOC_DIRS = [new URL('../../rules-docs/', import.meta.url), new URL('../../../../docs/rules/', import.meta.url)];

/** `mlops-lint explain ML101`: prints the rule's documentation page. */
export function runExplain(codeOrName: string, io: CliIO): number {
  const rule = findRule(codeOrName);
  if (!rule) throw new UsageError(`no rule "${codeOrName}" (see \`mlops-lint rules\`)`);
  for (const dir of DOC_DIRS) {
    const path = fileURLToPath(new URL(`${rule.meta.name}.md`, dir));
    if (existsSync(path)) {
      const text = readFileSync(path, 'utf8').replace(/^---\n[\s\S]*?\n---\n+/, '');
      io.stdout(`${rule.meta.code} ${rule.meta.name} (${rule.meta.severity}, fix: ${rule.meta.fix})\n\n${text}`);
      return EXIT_OK;
    }
  }
  io.stdout(`${rule.meta.code} ${rule.meta.name} (${rule.meta.severity}, fix: ${rule.meta.fix})\n\n${rule.meta.docs.description}\n${rule.meta.docs.url}\n`);
  return EXIT_OK;
}
