import type { FileProblem, FileResult } from '@mlops-lint/core';

/** Everything a formatter needs; formatters are pure functions of it. */
export interface FormatterInput {
  results: readonly FileResult[];
  /** Problems found before linting (discovery). */
  problems: readonly FileProblem[];
  color: boolean;
  toolVersion: string;
  /** Whether fixes were applied (`--fix`). */
  fixMode: 'none' | 'safe' | 'unsafe';
}

export type Formatter = (input: FormatterInput) => string;
