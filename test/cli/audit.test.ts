// `kafka-warden audit verify`: its exit codes and what it tells the operator about each file.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { auditCommand } from '../../src/cli/audit.js';
import { chainLine, GENESIS } from '../../src/audit/chain.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-cli-audit-'));

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

function chain(n: number): string[] {
  const lines: string[] = [];
  let state = GENESIS;
  for (let i = 0; i < n; i++) {
    const r = chainLine(JSON.stringify({ id: String(i) }), state);
    lines.push(r.line);
    state = r.state;
  }
  return lines;
}

function run(args: string[]) {
  let out = '';
  let err = '';
  const code = auditCommand(
    args,
    (s) => (out += s),
    (s) => (err += s),
  );
  return { code, out, err };
}

t.test('an intact chain, an empty file', async (t) => {
  const good = file('good.jsonl', `${chain(3).join('\n')}\n`);
  const empty = file('empty.jsonl', '');
  const r = run(['verify', good, empty]);
  t.equal(r.code, 0);
  t.equal(r.out, `${good}: 3 events, chainseq 1..3, chain intact\n${empty}: no events\n`);
  t.equal(r.err, '');
});

t.test('a broken link and a missing file fail with 1, naming the line', async (t) => {
  const lines = chain(3);
  const broken = file('broken.jsonl', `${[lines[0], lines[2]].join('\n')}\n`);
  const good = file('good2.jsonl', `${lines.join('\n')}\n`);
  const r = run(['verify', good, broken, join(dir, 'missing.jsonl')]);
  t.equal(r.code, 1);
  t.match(r.out, /good2\.jsonl: 3 events/);
  t.match(r.err, new RegExp(`${broken.replace(/[.]/g, '\\.')}: line 2: `));
  t.match(r.err, /missing\.jsonl: cannot be read: ENOENT/);
});

t.test('usage errors exit with 2', async (t) => {
  for (const args of [[], ['verify'], ['check', 'x']]) {
    const r = run(args);
    t.equal(r.code, 2, args.join(' '));
    t.match(r.err, /^Usage:\n {2}kafka-warden audit verify FILE/);
  }
});

t.test('the chains of several writers in one file are reported per writer', async (t) => {
  let a = GENESIS;
  let b = GENESIS;
  const lines: string[] = [];
  for (let i = 0; i < 4; i++) {
    const ra = chainLine(JSON.stringify({ id: `a${i}` }), a, 'pod-1/worker-1');
    const rb = chainLine(JSON.stringify({ id: `b${i}` }), b, 'pod-1/worker-2');
    a = ra.state;
    b = rb.state;
    lines.push(ra.line, rb.line);
  }
  const topic = file('topic.jsonl', `${lines.filter((_, i) => i !== 3).join('\n')}\n`);
  const r = run(['verify', topic]);
  t.equal(r.code, 1);
  t.equal(r.out, 'chain pod-1/worker-1: 4 events, chainseq 1..4, chain intact\n');
  t.match(
    r.err,
    /^chain pod-1\/worker-2: .*topic\.jsonl line 5: broken link: 1 event\(s\) missing after chainseq 1\n$/,
  );
});
