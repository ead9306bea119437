import { isAbsolute, relative, sep } from 'node:path';
import {
  interpolate,
  lintSource,
  RuleCrashError,
  ruleMayMatch,
  type AnyRule,
  type ConfiguredRule,
  type Diagnostic,
  type ReportDescriptor,
  type RuleContext,
} from '@mlops-lint/core';
import type { PythonSourceCode } from './languages/python-source-code.js';
import { projectFactsFor } from './project-facts.js';

/** The data a finding's message was interpolated from (ESLint re-interpolates `messages[messageId]` with it). */
export type MessageData = Record<string, string | number>;

export interface Finding {
  diagnostic: Diagnostic;
  /** Undefined when the report's data could not be recovered; the adapter then reports the message text. */
  data: MessageData | undefined;
}

/** The engine's findings for one source, by rule code, and the rules that crashed on it. */
export interface EngineResult {
  findings: Map<string, Finding[]>;
  /** Errors of rules that crashed (`RuleCrashError`) or broke the rule contract (`TypeError`), by rule code. */
  crashes: Map<string, Error>;
}

/** What a rule wrapper knows of the ESLint run when the engine runs (the first wrapper visitor to fire). */
export interface RunContext {
  cwd: string;
  physicalFilename: string;
  settings: Readonly<Record<string, unknown>>;
}

interface Registration {
  rule: AnyRule;
  options: readonly unknown[];
}

/**
 * One engine run for one ESLint source, shared by the rule wrappers. ESLint calls every enabled rule's `create`
 * before it walks the tree, so each wrapper registers its rule and options there; the first wrapper visitor to fire
 * runs `lintSource` once with all of them (one tree walk, the engine's directives and error-region handling), and
 * every wrapper then reports its own rule's findings.
 */
export class EngineRun {
  private registrations: Registration[] = [];
  private result: EngineResult | null = null;

  constructor(private readonly source: PythonSourceCode) {}

  register(rule: AnyRule, options: readonly unknown[]): void {
    // A second lint of the same source object starts a new batch.
    if (this.result !== null) {
      this.result = null;
      this.registrations = [];
    }
    this.registrations = this.registrations.filter((r) => r.rule.meta.code !== rule.meta.code);
    this.registrations.push({ rule, options });
  }

  results(context: RunContext): EngineResult {
    this.result ??= this.compute(context);
    return this.result;
  }

  private compute(context: RunContext): EngineResult {
    const target = this.source.target;
    if (target.kind === 'file') return runEngine(target.file, this.registrations, context, context.physicalFilename);
    // A notebook's cell blocks share one run of the whole notebook (for the same rules and options).
    const key = JSON.stringify(this.registrations.map((r) => [r.rule.meta.code, r.options]).sort());
    let shared = target.session.runs.get(key) as EngineResult | undefined;
    if (!shared) {
      shared = runEngine(target.file, this.registrations, context, target.session.filename);
      target.session.runs.set(key, shared);
    }
    return shared;
  }
}

const runs = new WeakMap<PythonSourceCode, EngineRun>();

/** The engine run of a source, made on first use. */
export function engineRunOf(source: PythonSourceCode): EngineRun {
  let run = runs.get(source);
  if (!run) {
    run = new EngineRun(source);
    runs.set(source, run);
  }
  return run;
}

/** A path as the CLI prints it: relative to the working directory when below it, with forward slashes. */
export function displayPath(cwd: string, file: string): string {
  if (!isAbsolute(file)) return file;
  const rel = relative(cwd, file);
  const shown = rel === '' ? '.' : isAbsolute(rel) ? file : rel;
  return sep === '/' ? shown : shown.split(sep).join('/');
}

interface Recorded {
  code: string;
  start: number;
  end: number;
  messageId: string;
  template: string;
  message: string;
  data: MessageData | undefined;
  used: boolean;
}

function runEngine(file: RuleContext['file'], registrations: readonly Registration[], context: RunContext, filename: string): EngineResult {
  const mlops = (context.settings['mlops'] ?? {}) as Record<string, unknown>;
  const project = projectFactsFor(filename, context.cwd, mlops['project']);
  const recorded: Recorded[] = [];
  const crashes = new Map<string, Error>();
  let pending = registrations.filter((r) => ruleMayMatch(r.rule, file.text));

  for (;;) {
    const configured: ConfiguredRule[] = pending.map(({ rule, options }) => ({
      rule,
      severity: rule.meta.severity,
      options,
      visitors: (ctx) => rule.create(recordingContext(ctx, rule, recorded), options),
    }));
    try {
      const out = lintSource(file, configured, {
        filename: displayPath(context.cwd, filename),
        absPath: filename,
        project,
        settings: mlops,
      });
      return { findings: groupFindings(out.diagnostics, recorded), crashes };
    } catch (error) {
      // A crashing rule, or one the engine caught misbehaving (`TypeError: rule ML123 (name): …`), is reported by its
      // own wrapper so that ESLint names the right rule; the other rules still run.
      const code = error instanceof RuleCrashError ? error.ruleCode : error instanceof TypeError ? /^rule (ML\d{3})\b/.exec(error.message)?.[1] : undefined;
      if (code === undefined || !pending.some((r) => r.rule.meta.code === code)) throw error;
      crashes.set(code, error as Error);
      pending = pending.filter((r) => r.rule.meta.code !== code);
      recorded.length = 0;
    }
  }
}

/**
 * The engine's context for one rule, with `report` wrapped to remember each report's message data: the engine's
 * diagnostics carry the interpolated message and the `messageId`, and ESLint wants the `messageId` with its data.
 */
function recordingContext(ctx: RuleContext, rule: AnyRule, recorded: Recorded[]): RuleContext {
  const templates = rule.meta.messages as Record<string, string>;
  const wrapped: RuleContext = Object.create(ctx) as RuleContext;
  Object.defineProperty(wrapped, 'report', {
    value(descriptor: ReportDescriptor) {
      const range = descriptor.node ? [descriptor.node.startIndex, descriptor.node.endIndex] : descriptor.range;
      const template = templates[descriptor.messageId];
      if (range && template !== undefined) {
        const data = descriptor.data ? { ...descriptor.data } : undefined;
        recorded.push({
          code: rule.meta.code,
          start: range[0] as number,
          end: range[1] as number,
          messageId: descriptor.messageId,
          template,
          message: interpolate(template, data),
          data,
          used: false,
        });
      }
      ctx.report(descriptor);
    },
  });
  return wrapped;
}

function groupFindings(diagnostics: readonly Diagnostic[], recorded: Recorded[]): Map<string, Finding[]> {
  const findings = new Map<string, Finding[]>();
  for (const diagnostic of diagnostics) {
    const entry = recorded.find(
      (r) =>
        !r.used &&
        r.code === diagnostic.code &&
        r.start === diagnostic.start &&
        r.end === diagnostic.end &&
        r.messageId === diagnostic.messageId &&
        r.message === diagnostic.message,
    );
    if (entry) entry.used = true;
    const finding: Finding = { diagnostic, data: entry && sameInEslint(entry, entry.template) ? (entry.data ?? {}) : undefined };
    const list = findings.get(diagnostic.code);
    if (list) list.push(finding);
    else findings.set(diagnostic.code, [finding]);
  }
  return findings;
}

/**
 * Whether ESLint's interpolation of the template with the recorded data gives the engine's message: ESLint fills
 * `{{ name }}` for any name in the data, the engine only word-character names, so a template outside that common
 * ground falls back to reporting the message text.
 */
function sameInEslint(entry: Recorded, template: string): boolean {
  const data = entry.data;
  const eslint = data
    ? template.replace(/\{\{([^{}]+)\}\}/gu, (whole, term: string) => (term.trim() in data ? String(data[term.trim()]) : whole))
    : template;
  return eslint === entry.message;
}
