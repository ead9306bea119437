import { defineRule, type Project, type ProjectEdit } from '@mlops-lint/core';
import { DATA_EXTENSIONS, DEFAULT_DATA_LIMIT_MIB, DEFAULT_MODEL_LIMIT_KIB, extensionOf, formatBytes, MODEL_EXTENSIONS } from '../vocabulary/artifacts.js';

type Options = [{ 'max-model-kib'?: number; 'max-data-mib'?: number }];
type MessageIds = 'modelInGit' | 'dataInGit' | 'ignorePath';

/**
 * ML501: a model or serialized-object file over 100 KiB (or a data file over 10 MiB) in the git index, not stored
 * through Git LFS or DVC. Reported on the artifact itself (line 1). The safe fix appends the exact path to the
 * project's `.gitignore`, which keeps the file tracked but stops new copies from being added; untracking it is a
 * history decision the message spells out (`git rm --cached`, LFS, DVC). The fix is offered only while no
 * `.gitignore` ignores the path, so applying it twice changes nothing.
 */
export default defineRule<Options, MessageIds>({
  meta: {
    code: 'ML501',
    name: 'model-artifact-in-git',
    severity: 'error',
    scope: 'project',
    fix: 'safe',
    docs: { description: 'Model or large data file committed to git instead of Git LFS, DVC or an artifact store' },
    schema: [
      {
        type: 'object',
        properties: { 'max-model-kib': { type: 'number', minimum: 0 }, 'max-data-mib': { type: 'number', minimum: 0 } },
        additionalProperties: false,
      },
    ],
    defaultOptions: [{ 'max-model-kib': DEFAULT_MODEL_LIMIT_KIB, 'max-data-mib': DEFAULT_DATA_LIMIT_MIB }],
    messages: {
      modelInGit:
        '{{kind}} file `{{path}}` ({{size}}) is committed to git; every clone carries every version of it. Untrack it with `git rm --cached {{quoted}}` and store it with Git LFS (`git lfs track "*{{ext}}"`), DVC (`dvc add {{quoted}}`) or an artifact store',
      dataInGit:
        'data file `{{path}}` ({{size}}) is committed to git; every clone carries every version of it. Untrack it with `git rm --cached {{quoted}}` and store it with DVC (`dvc add {{quoted}}`), Git LFS or object storage',
      ignorePath: 'Add `{{pattern}}` to .gitignore (the file stays tracked until `git rm --cached`)',
    },
  },
  create() {
    // Nothing to see in one file: the git index is a project fact.
    return {};
  },
  createProject(context, [options]) {
    const project = context.project;
    const modelLimit = (options['max-model-kib'] ?? DEFAULT_MODEL_LIMIT_KIB) * 1024;
    const dataLimit = (options['max-data-mib'] ?? DEFAULT_DATA_LIMIT_MIB) * 1024 * 1024;
    return {
      'project:exit'() {
        if (!project.isGit) return;
        for (const f of project.files) {
          if (!f.tracked || f.symlink) continue;
          const ext = extensionOf(f.path);
          const isModel = MODEL_EXTENSIONS.has(ext);
          if (!isModel && !DATA_EXTENSIONS.has(ext)) continue;
          const size = project.sizeOf(f.path);
          if (size === null || size <= (isModel ? modelLimit : dataLimit)) continue;
          const storage = project.storageOf(f.path);
          if (storage === 'lfs' || storage === 'dvc') continue;
          const pattern = gitignorePattern(f.path);
          context.report({
            file: f.path,
            line: 1,
            column: 1,
            messageId: isModel ? 'modelInGit' : 'dataInGit',
            data: { kind: ext === '.pkl' || ext === '.pickle' || ext === '.joblib' ? 'serialized object' : 'model', path: f.path, size: formatBytes(size), quoted: shellQuote(f.path), ext },
            fix: project.isGitIgnored(f.path) ? null : { messageId: 'ignorePath', data: { pattern }, edits: () => appendToGitignore(project, pattern) },
          });
        }
      },
    };
  },
});

/** An anchored `.gitignore` line for exactly this path, with gitignore's special characters escaped. */
function gitignorePattern(file: string): string {
  const escaped = file.replace(/[\\*?[\]]/g, '\\$&').replace(/ $/, '\\ ');
  return `/${escaped.replace(/^([#!])/, '\\$1')}`;
}

function appendToGitignore(project: Project, pattern: string): ProjectEdit {
  const text = project.readText('.gitignore') ?? '';
  const eol = /\r\n/.test(text) ? '\r\n' : '\n';
  if (text === '' || text.endsWith('\n')) return { file: '.gitignore', start: text.length, end: text.length, text: `${pattern}${eol}` };
  // No final newline: the edit rewrites the last character, so that a second append waits for the next fix pass
  // instead of adding another line break.
  const last = text.length - 1;
  return { file: '.gitignore', start: last, end: text.length, text: `${text.slice(last)}${eol}${pattern}${eol}` };
}

function shellQuote(file: string): string {
  return /^[\w./-]+$/.test(file) ? file : `'${file.replace(/'/g, `'\\''`)}'`;
}
