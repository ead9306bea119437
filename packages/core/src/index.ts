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
  type ProjectFacts,
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
export { describeFsError, lintFile, lintFiles, lintText, writeAtomic, type EngineOptions, type FileResult, type FixMode } from './engine.js';
export * from './config.js';
export * from './discovery.js';
export { compareVersions, computeProjectFacts, findProjectRoot, hasPromptFilesAt, torchMinVersionOf, trackersIn } from './project-facts.js';
