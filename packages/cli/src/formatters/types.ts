import type { Diagnostic, FileProblem, FileResult, FixClass, Severity } from '@mlops-lint/core';

/** What a formatter needs to know about a rule (a subset of `RuleMeta`, so rule metadata can be passed as is). */
export interface RuleInfo {
  code: string;
  name: string;
  severity: Severity;
  fix: FixClass;
  docs: { description: string; url: string };
}

/** Everything a formatter needs; formatters are pure functions of it. */
export interface FormatterInput {
  results: readonly FileResult[];
  /** File-level problems: discovery, unreadable or malformed files, syntax errors, rule crashes (`check` passes them all). */
  problems: readonly FileProblem[];
  color: boolean;
  toolVersion: string;
  /** Whether fixes were applied (`--fix`). */
  fixMode: 'none' | 'safe' | 'unsafe';
  /** The rules that ran, for reports that describe them (SARIF `tool.driver.rules`). Absent: derived from the findings. */
  rules?: readonly RuleInfo[];
  /** A fingerprint of each finding's normalised source line (see `fingerprint.ts`), for SARIF `partialFingerprints`. */
  fingerprints?: ReadonlyMap<Diagnostic, string>;
  /**
   * For notebook findings and problems: the line of the notebook's JSON file that holds their cell line, for formats
   * that place findings on the file as text (GitHub annotations, GitLab code quality). See `notebook-lines.ts`.
   */
  notebookLines?: ReadonlyMap<Diagnostic | FileProblem, number>;
  /** Files checked, when `results` does not list every file (a merge of shard reports). Default: `results.length`. */
  fileCount?: number;
}

export type Formatter = (input: FormatterInput) => string;
