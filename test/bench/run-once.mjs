// One `mlops-lint check` run in a fresh process; prints {wallSeconds, maxRssMb, files, findings} as JSON (the
// benchmark times the whole process from outside; `wallSeconds` here leaves out Node's start-up).
// Usage: node run-once.mjs <dir> [extra CLI args...]  (backend from MLOPS_LINT_PARSER)
import { execute } from '../../packages/cli/dist/cli.js';

const [dir, ...extra] = process.argv.slice(2);
let stdout = '';
const start = process.hrtime.bigint();
const code = await execute(['check', dir, '--format', 'json', '--exit-zero', ...extra], {
  cwd: process.cwd(),
  env: process.env,
  stdout: (t) => {
    stdout += t;
  },
  stderr: () => {},
  isTTY: false,
});
const wallSeconds = Number(process.hrtime.bigint() - start) / 1e9;
const report = JSON.parse(stdout);
process.stdout.write(
  `${JSON.stringify({ code, wallSeconds, maxRssMb: process.resourceUsage().maxRSS / 1024, files: report.summary.files, findings: report.diagnostics.length })}\n`,
);
