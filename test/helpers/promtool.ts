// promtool from Debian's prometheus package (scripts/setup.sh puts it in .cache/bin when missing).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';

const local = join(PROJECT_ROOT, '.cache', 'bin', 'promtool');
export const PROMTOOL = existsSync(local) ? local : 'promtool';

/** `promtool check metrics` on a scrape: its exit code and what it printed (nothing when clean). */
export function checkMetrics(text: string): { code: number | null; output: string } {
  const r = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
  if (r.error) throw r.error;
  return { code: r.status, output: `${r.stdout}${r.stderr}`.trim() };
}
