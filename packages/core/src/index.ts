export {
  defineRule,
  interpolate,
  ruleDocsUrl,
  type AnyRule,
  type Applicability,
  type Edit,
  type Fix,
  type FixClass,
  type FixDescriptor,
  type Fixer,
  type LocatedEdit,
  type NodeLocation,
  type ProjectEdit,
  type ProjectFacts,
  type ProjectFixDescriptor,
  type ProjectReportDescriptor,
  type ProjectRuleContext,
  type ProjectSuggestionDescriptor,
  type ProjectVisitors,
  type ReportDescriptor,
  type Rule,
  type RuleContext,
  type RuleMeta,
  type RuleMetaInput,
  type RuleScope,
  type SuggestionDescriptor,
  type Visitor,
  type Visitors,
} from './rule.js';
export { compareDiagnostics, type Diagnostic, type FileProblem } from './diagnostic.js';
export { applyEdits, fixer, normalizeEdits } from './fixer.js';
export { lintSource, ruleMayMatch, RuleCrashError, type ConfiguredRule, type LintOptions, type LintOutput } from './linter.js';
export {
  DEFAULT_MAX_FILE_SIZE,
  describeFsError,
  formatSize,
  lintFile,
  lintFiles,
  lintText,
  MAX_NOTEBOOK_FILE_SIZE,
  writeAtomic,
  type EngineOptions,
  type FileResult,
  type FixMode,
} from './engine.js';
export { isTestPath, ruleAppliesToPath, rulesForText, triggerSets, type Triggers, type TriggerSet } from './prefilter.js';
export { defaultJobs, lintFilesWith, type RunOptions } from './workers.js';
export { LintCache, pruneStale, RunCache, STALE_CACHE_MS, type CacheProbe } from './cache.js';
export * from './config.js';
export * from './discovery.js';
export { compareVersions, computeProjectFacts, findProjectRoot, hasPromptFilesAt, projectFactsOf, torchMinVersionOf, trackersIn } from './project-facts.js';
export { loadProject, Project, resolveProjectRoot, type LoadProjectOptions, type ProjectFile, type ProjectProblem, type Storage } from './project/project.js';
export { lintProject, type ProjectRunOptions, type ProjectRunResult } from './project/run.js';
export {
  CONDA_NAME_ALIASES,
  manifestKindOf,
  parseManifest,
  pinText,
  type Dependency,
  type Manifest,
  type ManifestKind,
  type ManifestProblem,
  type PinSyntax,
} from './project/manifests.js';
export { lockKindOf, parseLockFile, type LockFile, type LockKind } from './project/locks.js';
export {
  exactVersionOf,
  minVersionOf,
  normalizeName,
  parseRequirement,
  parseRequirementsFile,
  type Requirement,
  type RequirementLine,
  type RequirementsFile,
} from './project/requirements.js';
