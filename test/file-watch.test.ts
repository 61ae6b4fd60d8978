// The one file watcher: a change (an edit or an atomic rename) calls back once after the writes
// settle; other files of the folder do not; close() stops it.
import t from 'tap';
import { mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { watchFiles } from '../src/file-watch.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean, ms = 3000): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(20)) if (ok()) return true;
  return ok();
}

t.test('edits and renames of the watched files, debounced', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-watch-'));
  const a = join(dir, 'a.yaml');
  const b = join(dir, 'b.pem');
  writeFileSync(a, '1');
  writeFileSync(b, '1');
  let calls = 0;
  const w = watchFiles([a, b], 100, () => calls++);
  t.teardown(() => w.close());

  for (let i = 0; i < 5; i++) writeFileSync(a, String(i)); // one burst of writes
  t.ok(await until(() => calls === 1), 'a burst of writes is one call');
  await sleep(300);
  t.equal(calls, 1, 'and only one');

  writeFileSync(join(dir, 'b.pem.tmp'), '2');
  renameSync(join(dir, 'b.pem.tmp'), b); // as editors and secret mounts replace files
  t.ok(await until(() => calls === 2), 'an atomic rename onto a watched file is a change');

  const before = calls;
  writeFileSync(join(dir, 'other.txt'), 'x');
  await sleep(400);
  t.equal(calls, before, 'another file of the folder is not');

  w.close();
  writeFileSync(a, 'after close');
  await sleep(400);
  t.equal(calls, before, 'nothing after close()');
});
