// The file sink (append, rotation, fsync modes, recovery of a torn last line and of the chain
// state) and the stream sink, against a temporary folder and in-memory streams.
import t from 'tap';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { PassThrough, Writable } from 'node:stream';
import { FileSink, StreamSink, type FileSinkOptions } from '../../src/audit/sinks.js';
import { chainLine, GENESIS, type ChainState } from '../../src/audit/chain.js';

function options(over: Partial<FileSinkOptions> = {}): FileSinkOptions {
  return {
    path: join(mkdtempSync(join(tmpdir(), 'warden-sink-')), 'audit', 'audit.jsonl'),
    maxBytes: 1 << 20,
    maxFiles: 2,
    fsync: 'never',
    fsyncIntervalMs: 10,
    ...over,
  };
}

/** `n` chained event lines after `from`. */
function chained(n: number, from: ChainState = GENESIS): { lines: string[]; state: ChainState } {
  const lines: string[] = [];
  let state = from;
  for (let i = 0; i < n; i++) {
    const r = chainLine(JSON.stringify({ id: `e${state.seq + 1}` }), state);
    lines.push(r.line);
    state = r.state;
  }
  return { lines, state };
}

t.test('a new file starts the chain at genesis and gets one line per write', async (t) => {
  const o = options();
  const s = new FileSink(o);
  t.equal(s.name, `file:${o.path}`);
  t.same(s.open(), GENESIS, 'the folder is created and the chain starts');
  s.write('{"a":1}');
  s.write('{"b":2}');
  s.close();
  s.close(); // twice is harmless
  t.equal(readFileSync(o.path, 'utf8'), '{"a":1}\n{"b":2}\n');
});

t.test('reopening continues the chain from the last line', async (t) => {
  const o = options();
  const { lines, state } = chained(3);
  const s = new FileSink(o);
  s.open();
  for (const l of lines) s.write(l);
  s.close();
  const again = new FileSink(o);
  t.same(again.open(), state);
  again.close();
});

t.test('a torn last line (a crash mid-write) is cut off before appending continues', async (t) => {
  const o = options();
  const { lines, state } = chained(2);
  const s = new FileSink(o);
  s.open();
  for (const l of lines) s.write(l);
  s.close();
  appendFileSync(o.path, '{"half an ev');
  const again = new FileSink(o);
  t.same(again.open(), state, 'the chain continues from the last complete line');
  again.write('{"next":1}');
  again.close();
  t.equal(readFileSync(o.path, 'utf8'), `${lines.join('\n')}\n{"next":1}\n`);
});

t.test('a file holding only a torn line is emptied', async (t) => {
  const o = options();
  const first = new FileSink(o);
  first.open();
  first.close();
  writeFileSync(o.path, 'x'.repeat(70 * 1024));
  const s = new FileSink(o);
  t.same(s.open(), GENESIS);
  s.close();
  t.equal(readFileSync(o.path, 'utf8'), '');
});

t.test('a last line longer than the tail window is still found', async (t) => {
  const o = options();
  const big = chainLine(JSON.stringify({ id: 'big', pad: 'p'.repeat(100 * 1024) }), GENESIS);
  const s = new FileSink(o);
  s.open();
  s.write(big.line);
  s.close();
  t.same(new FileSink(o).open(), big.state);
});

t.test('rotation by size keeps maxFiles old files and the chain across them', async (t) => {
  const { lines, state } = chained(6);
  const o = options({ maxBytes: lines[0]!.length * 2 + 2, maxFiles: 2 });
  const s = new FileSink(o);
  s.open();
  for (const l of lines) s.write(l);
  s.close();
  const read = (p: string) => readFileSync(p, 'utf8').trim().split('\n');
  t.same(read(o.path), lines.slice(4));
  t.same(read(`${o.path}.1`), lines.slice(2, 4));
  t.same(read(`${o.path}.2`), lines.slice(0, 2));
  t.notOk(existsSync(`${o.path}.3`));

  const more = new FileSink(o);
  more.open();
  const next = chained(2, state);
  for (const l of next.lines) more.write(l);
  more.close();
  t.same(read(`${o.path}.2`), lines.slice(2, 4), 'the oldest file is dropped');

  writeFileSync(o.path, '');
  t.same(new FileSink(o).open(), state, 'an empty current file continues from the last rotated one (e6, in .1)');
});

t.test('fsync always and on an interval', async (t) => {
  const always = new FileSink(options({ fsync: 'always' }));
  always.open();
  always.write('{"x":1}');
  always.close();
  const o = options({ fsync: 'interval', fsyncIntervalMs: 5 });
  const every = new FileSink(o);
  every.open();
  every.write('{"y":1}');
  await new Promise((r) => setTimeout(r, 30));
  every.write('{"y":2}');
  every.close();
  t.equal(readFileSync(o.path, 'utf8'), '{"y":1}\n{"y":2}\n');
});

t.test('a write on a closed sink throws', async (t) => {
  const s = new FileSink(options());
  s.open();
  s.close();
  t.throws(() => s.write('{}'));
});

t.test('the stream sink writes lines and refuses once its stream is closed', async (t) => {
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const s = new StreamSink(out);
  t.equal(s.name, 'stdout');
  await s.deliver(['{"a":1}', '{"b":2}']);
  t.equal(text, '{"a":1}\n{"b":2}\n');
  s.close();
  out.destroy();
  await t.rejects(s.deliver(['{}']), { message: 'stdout is closed' });
});

t.test('the stream sink reports a failed write and survives the stream error', async (t) => {
  const broken = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('EPIPE'), { code: 'EPIPE' })) });
  const s = new StreamSink(broken, 'pipe');
  await t.rejects(s.deliver(['{}']), { message: 'EPIPE' });
});
