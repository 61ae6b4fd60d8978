// The default number of workers: the CPUs the process may use, capped by a cgroup CPU quota.
import t from 'tap';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { cgroupCpuLimit, defaultWorkers } from '../../src/fleet/cores.js';

const root = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-cgroup-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
};

t.test('cgroup v2 cpu.max', async (t) => {
  t.equal(cgroupCpuLimit(root({ 'cpu.max': '200000 100000\n' })), 2, 'a quota of 2 CPUs');
  t.equal(cgroupCpuLimit(root({ 'cpu.max': '150000 100000\n' })), 2, '1.5 CPUs round up');
  t.equal(cgroupCpuLimit(root({ 'cpu.max': '50000 100000\n' })), 1, 'half a CPU is one worker');
  t.equal(cgroupCpuLimit(root({ 'cpu.max': 'max 100000\n' })), null, 'no quota');
});

t.test('cgroup v1 cfs quota', async (t) => {
  t.equal(cgroupCpuLimit(root({ 'cpu/cpu.cfs_quota_us': '400000', 'cpu/cpu.cfs_period_us': '100000' })), 4);
  t.equal(cgroupCpuLimit(root({ 'cpu/cpu.cfs_quota_us': '-1', 'cpu/cpu.cfs_period_us': '100000' })), null);
  t.equal(
    cgroupCpuLimit(root({ 'cpu,cpuacct/cpu.cfs_quota_us': '300000', 'cpu,cpuacct/cpu.cfs_period_us': '100000' })),
    3,
  );
});

t.test('no cgroup files: no quota', async (t) => {
  t.equal(cgroupCpuLimit(root({})), null);
});

t.test('the default: CPUs, capped by the quota, at least one', async (t) => {
  t.equal(defaultWorkers(64, 2), 2, 'a 2-CPU pod on a 64-core node');
  t.equal(defaultWorkers(4, null), 4);
  t.equal(defaultWorkers(2, 8), 2, 'a quota above the CPUs there are');
  t.equal(defaultWorkers(0, null), 1);
  t.ok(defaultWorkers() >= 1, 'on this machine');
});
