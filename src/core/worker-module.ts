/**
 * Starts a worker thread on a module beside the caller's: the compiled `.js` module, or, when
 * binsnap runs from its TypeScript sources (tests, benchmarks), the `.ts` module through tsx's
 * loader (a dev dependency).
 *
 *   startModuleWorker(import.meta.url, './my-worker', data)
 */
import { Worker } from 'node:worker_threads';

export function startModuleWorker(callerUrl: string, relative: string, workerData: unknown): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`${relative}.js`, callerUrl), { workerData });
  const url = new URL(`${relative}.ts`, callerUrl).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(url)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
