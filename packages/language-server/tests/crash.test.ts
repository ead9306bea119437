import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { defineRule } from '@mlops-lint/core';
import { afterAll, expect, it } from 'vitest';
import { MessageType } from 'vscode-languageserver-protocol/node';
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from '../src/server.js';
import { TestClient } from './client.js';

// Three rules made for this test: one that works, one whose visitor throws, one that breaks the rule contract.
const printCall = defineRule<[], 'print'>({
  meta: { code: 'ML990', name: 'test-print-call', severity: 'warning', scope: 'file', fix: 'none', docs: { description: 'print call' }, messages: { print: '`print` call' } },
  create(context) {
    return {
      call(node) {
        if (context.getText(node).startsWith('print(')) context.report({ node, messageId: 'print' });
      },
    };
  },
});
const throwsInVisitor = defineRule<[], 'never'>({
  meta: { code: 'ML991', name: 'test-throws', severity: 'error', scope: 'file', fix: 'none', docs: { description: 'throws' }, messages: { never: 'never' } },
  create() {
    return {
      call() {
        throw new Error('boom');
      },
    };
  },
});
const unknownMessage = defineRule<[], 'known'>({
  meta: { code: 'ML992', name: 'test-unknown-message', severity: 'error', scope: 'file', fix: 'none', docs: { description: 'bad report' }, messages: { known: 'known' } },
  create(context) {
    return {
      call(node) {
        context.report({ node, messageId: 'unknown' as 'known' });
      },
    };
  },
});

const dir = mkdtempSync(join(tmpdir(), 'mlops-lint-lsp-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('logs a rule that throws, turns it off for the document and keeps serving', async () => {
  const client = await TestClient.inProcess({ root: dir, initializationOptions: { scanWorkspace: false } }, (reader, writer) =>
    startServer(createConnection(ProposedFeatures.all, reader, writer), { rules: [printCall, throwsInVisitor, unknownMessage] }),
  );
  try {
    const uri = pathToFileURL(join(dir, 'job.py')).href;
    await client.open(uri, 'print("start")\nrun()\n');
    const first = await client.waitForDiagnostics(uri, (ds) => ds.length > 0);
    expect(first.map((d) => d.code)).toEqual(['ML990']);
    expect(client.logs.some((l) => /rule ML991 crashed on job\.py:1: boom; ML991 is turned off for job\.py/.test(l))).toBe(true);
    expect(client.logs.some((l) => /ML992 .*unknown messageId "unknown"/.test(l))).toBe(true);
    const warnings = client.messages.filter((m) => m.type === MessageType.Warning);
    expect(warnings.map((m) => m.message.match(/ML99\d/)?.[0]).sort()).toEqual(['ML991', 'ML992']);

    await client.change(uri, [{ range: { start: { line: 2, character: 0 }, end: { line: 2, character: 0 } }, text: 'print("done")\n' }]);
    const second = await client.waitForDiagnostics(uri, (ds) => ds.length === 2);
    expect(second.map((d) => d.range.start.line)).toEqual([0, 2]);
    // Off for this document: no second crash, no second message.
    expect(client.messages).toHaveLength(2);
  } finally {
    await client.stop();
  }
});
