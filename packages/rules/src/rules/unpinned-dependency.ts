import { defineRule, isTestPath, pinText, type Dependency, type ProjectSuggestionDescriptor } from '@mlops-lint/core';
import { isMlCriticalPackage } from '../vocabulary/packages.js';

type Options = [{ all?: boolean }];
type MessageIds = 'unpinned' | 'unversioned' | 'pinTo';

/**
 * ML202: an ML-critical dependency declared without an exact pin, in a manifest no lock file covers. Reads every
 * manifest of the project model (requirements files and their `-r`/`-c` includes, `pyproject.toml` PEP 621, PEP 735
 * groups and Poetry, `setup.cfg`, literal `install_requires` in `setup.py`, `environment.yml`, `Pipfile`). A
 * constraints file (`-c`) that pins the package counts as a pin. Direct references (URLs, local paths) are left
 * alone, and so are manifests inside test folders (`tests/`, `test/`, `testing/`). When a lock file or a local
 * virtual environment records the version in use, a suggestion pins to it.
 */
export default defineRule<Options, MessageIds>({
  meta: {
    code: 'ML202',
    name: 'unpinned-dependency',
    severity: 'warning',
    scope: 'project',
    fix: 'suggestion',
    docs: { description: 'ML-critical dependency not pinned to an exact version and not covered by a lock file' },
    schema: [{ type: 'object', properties: { all: { type: 'boolean' } }, additionalProperties: false }],
    defaultOptions: [{ all: false }],
    messages: {
      unpinned: '`{{name}}{{spec}}` is not pinned to an exact version, so each install may resolve a different release; pin it with `==` or commit a lock file',
      unversioned: '`{{name}}` has no version constraint, so each install may resolve a different release; pin it with `==` or commit a lock file',
      pinTo: 'Pin to {{version}} (from {{source}})',
    },
  },
  create() {
    return {};
  },
  createProject(context, [options]) {
    const project = context.project;
    const all = options.all === true;
    return {
      'project:exit'() {
        for (const dep of project.dependencies) {
          if (dep.direct) continue;
          // Manifests of test fixtures (`tests/e2e/fixtures/quickstart/requirements.txt`) do not install the project.
          if (isTestPath(dep.file)) continue;
          if (!all && !isMlCriticalPackage(dep.normalized)) continue;
          if (project.isLocked(dep)) continue;
          const resolved = project.resolvedVersion(dep.normalized, dep.file);
          const suggest: ProjectSuggestionDescriptor<MessageIds>[] = [];
          const pin = dep.pin;
          if (resolved && pin) {
            const text = project.readText(dep.file) ?? '';
            const quote = text[pin.start] === "'" ? "'" : '"';
            suggest.push({
              messageId: 'pinTo',
              data: { version: `${dep.name}==${resolved.version}`, source: resolved.source },
              edits: () => ({ file: dep.file, start: pin.start, end: pin.end, text: pinText(pin.syntax, resolved.version, quote) }),
            });
          }
          context.report({
            file: dep.file,
            range: [dep.start, dep.end],
            messageId: dep.specifier === '' || dep.specifier === '*' ? 'unversioned' : 'unpinned',
            data: { name: dep.name, spec: specOf(dep) },
            suggest,
          });
        }
      },
    };
  },
});

function specOf(dep: Dependency): string {
  // Poetry constraints (`^2.1`, `~0.16`, `*`) read as `name = "…"`; PEP 440 specifiers follow the name.
  if (dep.kind === 'pyproject' && !/^(~=|==|!=|<=|>=|<|>)/.test(dep.specifier)) return ` = "${dep.specifier}"`;
  if (dep.kind === 'pipfile') return ` = "${dep.specifier}"`;
  return dep.specifier;
}
