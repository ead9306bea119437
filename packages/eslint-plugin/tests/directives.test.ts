import { describe, expect, it } from 'vitest';
import { Linter } from 'eslint';
import { pluginsPerBackend } from './helpers.js';

const plugins = await pluginsPerBackend();

const APP = 'from flask import Flask\napp = Flask(__name__)\n';

for (const { backend, plugin } of plugins) {
  describe(`inline configuration comments, ${backend} backend`, () => {
    const linter = new Linter({ configType: 'flat', cwd: '/p' });
    const lint = (body: string, extra: Record<string, unknown> = {}) =>
      linter.verify(
        APP + body,
        [{ files: ['**/*.py'], plugins: { mlops: plugin }, language: 'mlops/python', rules: { 'mlops/debug-server': 'warn', 'mlops/unsafe-deserialization': 'error' }, ...extra }] as never,
        '/p/app.py',
      );
    const found = (body: string, extra?: Record<string, unknown>) => lint(body, extra).map((m) => `${m.line}:${m.ruleId ?? 'eslint'}`);

    it('reports without any comment', () => {
      expect(found('app.run(debug=True)\n')).toEqual(['3:mlops/debug-server']);
    });

    it('honours # eslint-disable-next-line with a rule list and a justification', () => {
      expect(found('# eslint-disable-next-line mlops/debug-server -- local tool\napp.run(debug=True)\n')).toEqual([]);
      // Another rule's directive leaves the finding, and ESLint flags the directive as unused.
      expect(found('# eslint-disable-next-line mlops/unsafe-deserialization\napp.run(debug=True)\n')).toEqual(['3:eslint', '4:mlops/debug-server']);
    });

    it('honours # eslint-disable-line', () => {
      expect(found('app.run(debug=True)  # eslint-disable-line mlops/debug-server\n')).toEqual([]);
      expect(found('app.run(debug=True)  # eslint-disable-line\n')).toEqual([]);
    });

    it('honours # eslint-disable / # eslint-enable blocks', () => {
      const body = '# eslint-disable mlops/debug-server\napp.run(debug=True)\n# eslint-enable mlops/debug-server\napp.run(debug=True)\n';
      expect(found(body)).toEqual(['6:mlops/debug-server']);
    });

    it('applies # eslint rule configuration comments', () => {
      expect(found('# eslint mlops/debug-server: off\napp.run(debug=True)\n')).toEqual([]);
      expect(lint('# eslint mlops/debug-server: error\napp.run(debug=True)\n').map((m) => m.severity)).toEqual([2]);
    });

    it('honours # noqa by code or name, and # mlops-lint: noqa for the file, as the engine does', () => {
      expect(found('app.run(debug=True)  # noqa: ML104\n')).toEqual([]);
      expect(found('app.run(debug=True)  # noqa: debug-server\n')).toEqual([]);
      expect(found('app.run(debug=True)  # noqa: ML502\n')).toEqual(['3:mlops/debug-server']);
      expect(found('app.run(debug=True)  # noqa\n')).toEqual([]);
      expect(found('# mlops-lint: noqa: ML104\napp.run(debug=True)\n')).toEqual([]);
    });

    it('reports unused disable directives when asked to', () => {
      const messages = lint('# eslint-disable-next-line mlops/debug-server\nx = 1\n', { linterOptions: { reportUnusedDisableDirectives: 'error' } });
      expect(messages.map((m) => [m.line, m.ruleId, m.message])).toEqual([
        [3, null, "Unused eslint-disable directive (no problems were reported from 'mlops/debug-server')."],
      ]);
    });

    it('ignores comments that only look like directives', () => {
      expect(found('app.run(debug=True)  # see eslint-disable-line docs\n')).toEqual(['3:mlops/debug-server']);
      expect(found('s = "# eslint-disable-line"; app.run(debug=True)\n')).toEqual(['3:mlops/debug-server']);
    });
  });
}
