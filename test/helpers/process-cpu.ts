import { readFile } from 'node:fs/promises';

/** User plus system CPU time of a process, its threads included, in seconds (from /proc). */
export async function processCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name in parentheses may itself hold spaces or ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** What `work` took: wall seconds, and the CPU seconds this process and process `pid` used. */
export interface CpuTimed<T> {
  readonly result: T;
  readonly seconds: number;
  readonly ownCpuSeconds: number;
  readonly otherCpuSeconds: number;
}

/** Runs `work`, timing it and the CPU this process and process `pid` (a service) spent on it. */
export async function withCpu<T>(pid: number, work: () => Promise<T>): Promise<CpuTimed<T>> {
  const own = process.cpuUsage();
  const other = await processCpuSeconds(pid);
  const started = performance.now();
  const result = await work();
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(own);
  return {
    result,
    seconds,
    ownCpuSeconds: (used.user + used.system) / 1e6,
    otherCpuSeconds: (await processCpuSeconds(pid)) - other,
  };
}
