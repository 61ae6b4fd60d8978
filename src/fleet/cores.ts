// How many workers `serve` runs by default: one per core this process may use. Node's
// availableParallelism() counts the CPUs the process may be scheduled on, not a container's CPU
// quota: in a Kubernetes pod limited to 2 CPUs on a 64-core node it says 64, and 64 workers would
// share 2 CPUs of time. The quota (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us) caps it.
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

/** The CPUs a cgroup quota allows (rounded up), or null when there is none or it cannot be read. */
export function cgroupCpuLimit(root = '/sys/fs/cgroup'): number | null {
  const read = (f: string): string | null => {
    try {
      return readFileSync(join(root, f), 'utf8').trim();
    } catch {
      return null;
    }
  };
  const v2 = read('cpu.max');
  if (v2 !== null) {
    const [quota, period] = v2.split(/\s+/);
    return limit(Number(quota), Number(period));
  }
  const quota = read('cpu/cpu.cfs_quota_us') ?? read('cpu,cpuacct/cpu.cfs_quota_us');
  const period = read('cpu/cpu.cfs_period_us') ?? read('cpu,cpuacct/cpu.cfs_period_us');
  if (quota === null || period === null) return null;
  return limit(Number(quota), Number(period));
}

/** A quota of `quota` us per `period` us as whole CPUs; "max" or -1 (no quota) is null. */
function limit(quota: number, period: number): number | null {
  if (!Number.isFinite(quota) || !Number.isFinite(period) || quota <= 0 || period <= 0) return null;
  return Math.max(1, Math.ceil(quota / period));
}

/** One worker per core this process may use: the schedulable CPUs, capped by a cgroup CPU quota. */
export function defaultWorkers(cpus = availableParallelism(), quota = cgroupCpuLimit()): number {
  return Math.max(1, quota === null ? cpus : Math.min(cpus, quota));
}
