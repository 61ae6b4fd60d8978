// The per-folder coverage report that ends `npm test`: its rows, its floor on protocol, auth and
// acl, and how it counts files no test loaded. Run on made-up summaries of the real src/ tree.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { folderOf } from '../../scripts/coverage-by-folder.mjs';

const root = resolve(import.meta.dirname, '..', '..');
const src = join(root, 'src');
const script = join(root, 'scripts', 'coverage-by-folder.mjs');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** A summary where every src file has 10 lines, `covered(file)` of them covered; null leaves it out. */
function summary(covered: (file: string) => number | null): string {
  const s: Record<string, unknown> = {};
  for (const f of sources(src)) {
    const c = covered(f);
    if (c !== null) s[f] = { lines: { total: 10, covered: c, skipped: 0, pct: c * 10 } };
  }
  const file = join(mkdtempSync(join(tmpdir(), 'warden-cov-')), 'coverage-summary.json');
  writeFileSync(file, JSON.stringify(s));
  return file;
}

const run = (file: string, ...args: string[]) =>
  spawnSync(process.execPath, [script, '--summary', file, ...args], { encoding: 'utf8' });

t.test('rows: first folder under src, generated codecs apart, files at the top together', async (t) => {
  t.equal(folderOf(join(src, 'acl', 'checks.ts')), 'acl');
  t.equal(folderOf(join(src, 'protocol', 'reader.ts')), 'protocol');
  t.equal(folderOf(join(src, 'protocol', 'generated', 'produce.ts')), 'protocol/generated');
  t.equal(folderOf(join(src, 'proxy', 'stages', 'session.ts')), 'proxy');
  t.equal(folderOf(join(src, 'log.ts')), '(top-level)');
});

t.test('full coverage passes and prints a row per folder', async (t) => {
  const r = run(summary(() => 10));
  t.equal(r.status, 0, r.stderr);
  for (const row of ['acl', 'auth', 'protocol', 'protocol/generated', 'proxy', '(top-level)'])
    t.match(r.stdout, new RegExp(`^${row.replace(/[()/]/g, '\\$&')}\\s+100\\.00`, 'm'));
});

t.test('a guarded folder under the floor fails and is named; other folders never fail', async (t) => {
  const low = run(summary((f) => (f.includes('/src/auth/') ? 8 : 10)));
  t.equal(low.status, 1);
  t.match(low.stdout, /^auth\s+80\.00.*< 90% FAIL$/m);
  t.match(low.stderr, 'line coverage under 90% in src/auth');
  t.equal(
    run(summary((f) => (f.includes('/src/proxy/') || f.includes('/generated/') ? 0 : 10))).status,
    0,
    'proxy and generated code have no floor',
  );
  t.equal(
    run(
      summary((f) => (f.includes('/src/acl/') ? 8 : 10)),
      '--min',
      '80',
    ).status,
    0,
    '--min moves the floor',
  );
});

t.test('a file no test loaded counts with all its lines uncovered', async (t) => {
  const r = run(summary((f) => (f.endsWith('/src/acl/model.ts') ? null : 10)));
  t.match(r.stdout, /^acl\s+\d+\.\d\d\s+\d+\/\d+\s+\d+ \(1\)/m, 'one file never loaded');
  t.notMatch(r.stdout, /^acl\s+100\.00/m);
});

t.test('no summary: a clear error, exit 2', async (t) => {
  const r = run(join(tmpdir(), 'no-such-summary.json'));
  t.equal(r.status, 2);
  t.match(r.stderr, /no coverage summary at .*run tap with coverage/);
});
