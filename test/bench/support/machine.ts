// The machine a benchmark ran on, printed beside every figure: a ratio means little without it.
import { execFileSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

/** CPU model, core count, memory, Node.js version and the database the suite ran against. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  database: 'sqlite' | 'postgres';
  databaseVersion?: string;
  /** Whether server and load generator ran on separate cores (taskset, 2+ cores). */
  pinned: boolean;
}

/** Reads the machine's description. */
export function describeMachine(database: 'sqlite' | 'postgres', databaseVersion?: string): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    database,
    ...(databaseVersion ? { databaseVersion } : {}),
    pinned: canPin(),
  };
}

let pinnable: boolean | undefined;

/** Whether processes can be pinned to separate cores here (2+ cores and a working taskset). */
export function canPin(): boolean {
  if (pinnable === undefined) {
    try {
      execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
      pinnable = cpus().length >= 2;
    } catch {
      pinnable = false;
    }
  }
  return pinnable;
}

/** Cores for the roles of a measurement: the server(s) on one, the load generator on another. */
export const CORES = { server: '0', load: '1' } as const;

/**
 * Pins a process (this one by default) to a core list such as "1" or "0"; no-op where pinning
 * is not possible. Children inherit the mask, so pin the load generator after spawning servers.
 */
export function pin(cores: string, pid: number = process.pid): void {
  if (!canPin()) return;
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/** Prefix for a spawned command so it runs on the given cores (empty where pinning is not possible). */
export function pinnedCommand(cores: string, command: string, args: readonly string[]): [string, string[]] {
  return canPin() ? ['taskset', ['-c', cores, command, ...args]] : [command, [...args]];
}
