/**
 * The entry of a lint worker thread (see `workers.ts`): loads its own parser backend and the rule registry, then
 * lints the batches of files it is sent, one file after another, and posts the results back. Trees that rules
 * outside the registry need go back as snapshots whose buffers are transferred, not copied.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { loadBackend, TreeSnapshot } from '@mlops-lint/parser';
import type { ConfiguredRule } from './linter.js';
import { collectNow, PeriodicGc } from './periodic-gc.js';
import type { AnyRule } from './rule.js';
import { runTask, YIELD_EVERY, type FromWorker, type TaskOutput, type ToWorker, type WorkerInit } from './workers.js';

const init = workerData as WorkerInit;
const port = parentPort;

async function main(): Promise<void> {
  if (!port) throw new Error('worker.ts runs as a worker thread');
  const backend = await loadBackend(init.backend);
  const mod = (await import(init.rulesModule)) as { rules?: readonly AnyRule[] };
  const registry = new Map((mod.rules ?? []).map((r) => [r.meta.code, r]));
  const sets = new Map<number, ConfiguredRule[]>();
  const memory = new PeriodicGc();
  let n = 0;

  port.on('message', (message: ToWorker) => {
    if (message.kind === 'close') {
      // Leave while idle: let the binding's finalizers run now, then let the event loop end. (`terminate()` from
      // outside can stop the thread inside the native binding, which then aborts the whole process.)
      collectNow();
      port.close();
      return;
    }
    void (async () => {
      for (const [id, specs] of message.sets) {
        sets.set(
          id,
          specs.map((s) => {
            const rule = registry.get(s.code);
            if (!rule) throw new Error(`rule ${s.code} is not in ${init.rulesModule}`);
            return { rule, severity: s.severity, options: s.options };
          }),
        );
      }
      const outputs: TaskOutput[] = [];
      const transfer: ArrayBuffer[] = [];
      for (const task of message.tasks) {
        const out = await runTask(task, sets.get(task.set) ?? [], backend, init.shared);
        if (out.snapshot instanceof TreeSnapshot) {
          const { data, transfer: buffers } = out.snapshot.toData();
          out.snapshot = data;
          transfer.push(...buffers);
        }
        outputs.push(out);
        memory.fileDone();
        // The native binding frees trees when the event loop turns.
        if (++n % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const reply: FromWorker = { kind: 'done', batch: message.batch, outputs };
      port.postMessage(reply, transfer);
    })().catch(report);
  });
  const ready: FromWorker = { kind: 'ready' };
  port.postMessage(ready);
}

function report(error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  const message: FromWorker = { kind: 'error', message: e.message, ...(e.stack ? { stack: e.stack } : {}) };
  port?.postMessage(message);
}

main().catch(report);
