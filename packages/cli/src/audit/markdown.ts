/**
 * The readiness report as Markdown: a title with the verdict, one line per section in the seed's order (Stack,
 * Models, Experiment tracking, Reproducibility, Evaluation, Serving, Prompts, Lifecycle), the findings grouped by
 * severity, and numbered recommendations. Plain enough to read in a terminal, valid Markdown for a PR comment.
 */
import { vocabulary } from '@mlops-lint/rules';
import { STAGES, stackLine, type AuditReport } from './report.js';

const MAX_LOCATIONS = 4;

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

function list(items: readonly string[], max = 3): string {
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

export function modelsLine(r: AuditReport): string {
  const { artifacts, registered, trackedInGit } = r.models;
  const lfs = artifacts.filter((a) => a.storage === 'lfs').length;
  const dvc = artifacts.filter((a) => a.storage === 'dvc').length;
  let text: string;
  if (artifacts.length === 0) text = 'no model artifacts in the repository';
  else {
    const where = r.git ? [`${trackedInGit} tracked in git`, ...(lfs > 0 ? [`${lfs} in Git LFS`] : []), ...(dvc > 0 ? [`${dvc} in DVC`] : [])] : ['not a git repository'];
    const biggest = [...artifacts].sort((a, b) => (b.bytes ?? 0) - (a.bytes ?? 0))[0];
    const size = biggest?.bytes ? `; largest ${biggest.file}, ${vocabulary.formatBytes(biggest.bytes)}` : '';
    text = `${plural(artifacts.length, 'artifact')} (${where.join(', ')}${size})`;
  }
  const calls = [...new Set(registered.map((x) => x.call))];
  text += registered.length > 0 ? `, ${registered.length} registered (${list(calls)})` : ', none registered';
  return text;
}

export function trackingLine(r: AuditReport): string {
  const { entryPoints, tracked, trackers } = r.tracking;
  if (entryPoints.length === 0) return 'no training entry points found';
  const to = trackers.length > 0 ? trackers.join(', ') : 'an experiment tracker';
  return `${tracked.length}/${entryPoints.length} training entry points log to ${to}`;
}

export function reproducibilityLine(r: AuditReport): string {
  const { status, scripts, seeded, incompleteSeeds, unpinned, lockFiles } = r.reproducibility;
  const parts: string[] = [];
  if (scripts.length > 0) {
    const incomplete = incompleteSeeds.length > 0 ? `, incomplete in ${incompleteSeeds.length}` : '';
    parts.push(`seeds set in ${seeded.length}/${scripts.length} ${scripts.length === 1 ? 'script' : 'scripts'}${incomplete}`);
  }
  parts.push(r.reproducibility.manifests.length === 0 ? 'no dependency manifest' : unpinned.length > 0 ? `${plural(unpinned.length, 'ML package')} unpinned` : 'ML packages pinned');
  if (lockFiles.length > 0) parts.push(`lock: ${list(lockFiles, 2)}`);
  return `${status} (${parts.join('; ')})`;
}

export function evaluationLine(r: AuditReport): string {
  const { goldenSets, configs, metrics, accuracyOnly } = r.evaluation;
  const parts: string[] = [];
  if (goldenSets.length > 0) {
    const shown = goldenSets.slice(0, 2).map((g) => (g.rows === null ? g.file : `${g.file}, ${plural(g.rows, 'row')}`));
    parts.push(`golden set found (${shown.join('; ')}${goldenSets.length > 2 ? `; ${goldenSets.length - 2} more` : ''})`);
  } else parts.push('no golden set');
  if (configs.length > 0) parts.push(`eval config: ${list(configs, 2)}`);
  parts.push(`metrics: ${metrics.length === 0 ? 'none computed' : accuracyOnly ? 'accuracy only' : list(metrics, 5)}`);
  return parts.join('; ');
}

export function servingLine(r: AuditReport): string {
  const { apps, health, unvalidatedInputs, modelLoadedPerRequest } = r.serving;
  if (apps.length === 0) return 'no serving app found';
  const frameworks = [...new Set(apps.map((a) => a.framework))];
  const parts = [`${list(frameworks)} app${apps.length === 1 ? '' : 's'}`];
  parts.push(health.length > 0 ? `health check ${list(health, 2)}` : 'health check missing');
  if (unvalidatedInputs.length > 0) parts.push(`input validation missing on ${list(unvalidatedInputs)}`);
  if (modelLoadedPerRequest.length > 0) parts.push(`model loaded per request in ${list(modelLoadedPerRequest)}`);
  return parts.join(', ');
}

export function promptsLine(r: AuditReport): string {
  const { llmCalls, inline, files } = r.prompts;
  if (llmCalls === 0 && inline.length === 0 && files.length === 0) return 'no LLM calls found';
  const parts = [`${plural(llmCalls, 'LLM call')}`, `${plural(inline.length, 'long prompt')} inline in code`];
  parts.push(files.length > 0 ? `${plural(files.length, 'prompt file')}` : 'no prompts/ folder');
  return parts.join(', ');
}

export function lifecycleLine(r: AuditReport): string {
  return STAGES.map((s) => `${s} ${r.lifecycle[s].present ? '✓' : '✗'}`).join(' ');
}

function where(f: { file: string; cell: number | null; line: number; column: number }): string {
  return f.cell === null ? `${f.file}:${f.line}:${f.column}` : `${f.file}:cell ${f.cell}:${f.line}:${f.column}`;
}

/** Renders the report. */
export function renderMarkdown(r: AuditReport): string {
  const out: string[] = [];
  out.push(`# ML Ops Report: ${r.verdict}`, '');
  out.push(`Project: \`${r.root}\` · ${plural(r.summary.files, 'file')} checked · ${plural(r.summary.errors, 'error')}, ${plural(r.summary.warnings, 'warning')}, ${plural(r.summary.infos, 'info', 'infos')}`, '');
  out.push(`- **Stack:** ${stackLine(r.stack, r.notebooks.length)}`);
  out.push(`- **Models:** ${modelsLine(r)}`);
  out.push(`- **Experiment tracking:** ${trackingLine(r)}`);
  out.push(`- **Reproducibility:** ${reproducibilityLine(r)}`);
  out.push(`- **Evaluation:** ${evaluationLine(r)}`);
  out.push(`- **Serving:** ${servingLine(r)}`);
  out.push(`- **Prompts:** ${promptsLine(r)}`);
  out.push(`- **Lifecycle:** ${lifecycleLine(r)}`);
  for (const [severity, title] of [
    ['error', 'Errors'],
    ['warning', 'Warnings'],
    ['info', 'Info'],
  ] as const) {
    const items = r.findings.filter((f) => f.severity === severity);
    if (items.length === 0) continue;
    out.push('', `## ${title} (${items.length})`, '');
    for (const f of items) out.push(`- [${f.code}] \`${where(f)}\` ${f.message}`);
  }
  out.push('', '## Recommendations', '');
  if (r.recommendations.length === 0) out.push('Nothing to recommend: no findings, and no lifecycle stage the project needs is missing.');
  for (const rec of r.recommendations) {
    const locs = rec.locations.length === 0 ? '' : ` (${rec.locations.slice(0, MAX_LOCATIONS).join(', ')}${rec.locations.length > MAX_LOCATIONS ? `, +${rec.locations.length - MAX_LOCATIONS} more` : ''})`;
    out.push(`${rec.rank}. ${rec.code ? `[${rec.code}] ` : ''}${rec.text}${locs}`);
  }
  return `${out.join('\n')}\n`;
}
