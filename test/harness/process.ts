/** Signals and liveness of the throwaway servers' processes (by pid). */
import { readFileSync } from 'node:fs';

/** Sends a signal; a process that is already gone is not an error. */
export function signalPid(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    // ESRCH: no such process.
    return false;
  }
}

/** Waits until the process is gone; false when it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

/** SIGKILL to every process named by a pid file; a missing file or process is skipped (last-resort cleanup). */
export function killPidFiles(pidFiles: readonly string[]): void {
  for (const f of pidFiles) {
    let pid = 0;
    try {
      pid = Number(readFileSync(f, 'utf8').trim());
    } catch {
      // No pid file (never started, or stopped and removed): nothing to kill.
      continue;
    }
    if (pid > 0) signalPid(pid, 'SIGKILL');
  }
}
