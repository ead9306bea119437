import type { AnyRule } from '@mlops-lint/core';
import { rules } from './generated/index.js';

export { rules };
export * as vocabulary from './vocabulary/index.js';

/** Finds a rule by code (`ML101`) or name (`model-load-in-handler`). */
export function findRule(codeOrName: string): AnyRule | undefined {
  const key = codeOrName.trim();
  return rules.find((r) => r.meta.code === key.toUpperCase() || r.meta.name === key);
}
export { createAuditCollector, MONITORING_MODULES, ORCHESTRATION_MODULES, type FactSite, type FileFacts, type RouteFact } from './audit/collector.js';
export { HEALTH_LIBRARIES, isHealthPath } from './utils/health.js';
