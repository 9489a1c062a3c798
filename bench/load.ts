/**
 * How much of the machine was busy with something other than this benchmark. On 2 cores another
 * process using one core halves what a 2-thread runner can get, so each case records it and the
 * report shows it next to the numbers. Linux only (/proc/stat); elsewhere the probe returns null.
 */
import { readFileSync } from 'node:fs';

/** USER_HZ: /proc/stat counts in 1/100 s on every Linux architecture Node supports. */
const TICKS_PER_S = 100;

export interface Load {
  /** Average cores busy with other processes (all busy time minus this process's CPU time). */
  otherCores: number;
  /** Average cores' worth of time the hypervisor gave to other guests (steal). */
  stealCores: number;
}

function cpuTicks(): { busy: number; steal: number } | null {
  try {
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = f;
    return { busy: user + nice + system + irq + softirq, steal };
  } catch {
    return null;
  }
}

/** Starts measuring; the returned function gives the load since the start. */
export function startLoadProbe(): () => Load | null {
  const t0 = performance.now();
  const ticks0 = cpuTicks();
  const own0 = process.cpuUsage(); // every thread of this process, workers and library pools included
  return () => {
    const ticks1 = cpuTicks();
    if (!ticks0 || !ticks1) return null;
    const wallS = (performance.now() - t0) / 1000;
    const own = process.cpuUsage(own0);
    const ownS = (own.user + own.system) / 1e6;
    const busyS = (ticks1.busy - ticks0.busy) / TICKS_PER_S;
    return {
      otherCores: Math.max(0, (busyS - ownS) / wallS),
      stealCores: (ticks1.steal - ticks0.steal) / TICKS_PER_S / wallS,
    };
  };
}
