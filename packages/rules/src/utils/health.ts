import { NodeType, type SourceFile, type SyntaxNode } from '@mlops-lint/parser';
import { argumentValue, resolvedLiteral } from './args.js';
import { staticText } from './prompts.js';

/** Health probes (ML102 missing-health-endpoint, the audit's serving line). */

/** Path segments of health probes (RULES.md: /health, /healthz, /ready, /readyz, /livez, /ping). */
export const HEALTH_SEGMENTS: ReadonlySet<string> = new Set(['health', 'healthz', 'ready', 'readyz', 'livez', 'ping']);

/** Modules whose import gives an app a health endpoint by itself. */
export const HEALTH_LIBRARIES: readonly string[] = [
  'fastapi_health',
  'healthcheck',
  'flask_healthz',
  'flask_healthcheck',
  'starlette_health',
  'health_check',
  'fastapi_healthcheck',
];

/** Whether a route path is a health probe: one of its segments is `health`, `healthz`, `ready`, … (`/api/v1/health`). */
export function isHealthPath(path: string): boolean {
  return path
    .toLowerCase()
    .split('/')
    .some((segment) => HEALTH_SEGMENTS.has(segment));
}

/**
 * The path a route registration names: a literal (or a same-file constant), else the literal text inside a computed
 * path (`join_paths(prefix, "/livez")`, `f"{prefix}/health"`, `PREFIX + "/ping"`), else null.
 */
export function routePath(file: SourceFile, call: SyntaxNode, position: number | null, ...keywords: string[]): string | null {
  const arg = argumentValue(call, position, ...keywords);
  if (!arg) return null;
  const value = resolvedLiteral(file, arg);
  if (value?.kind === 'string') return value.value;
  const parts = [arg, ...arg.descendantsOfType(NodeType.String)].filter((n) => n.type === NodeType.String).map((n) => staticText(n));
  const text = parts.join('');
  return text === '' ? null : text;
}
