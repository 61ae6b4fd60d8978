// The hash chain and `kafka-warden audit verify`: an intact file passes; editing, deleting or
// reordering one line fails and names it.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { chainLine, verifyChains, verifyLines, stateOf, GENESIS, type ChainState } from '../../src/audit/chain.js';
import { auditCommand } from '../../src/cli/audit.js';

function chain(n: number, from: ChainState = GENESIS): { lines: string[]; state: ChainState } {
  const lines: string[] = [];
  let state = from;
  for (let i = 0; i < n; i++) {
    const r = chainLine(
      JSON.stringify({
        specversion: '1.0',
        id: `id-${state.seq + 1}`,
        source: 'crn:///kafka=c',
        type: 't',
        data: { n: state.seq + 1, s: 'é"\\' },
      }),
      state,
    );
    lines.push(r.line);
    state = r.state;
  }
  return { lines, state };
}

t.test('an intact chain verifies; the state of a line is its seq and hash', async (t) => {
  const { lines, state } = chain(6);
  const r = verifyLines([...lines, '']);
  t.same([r.ok, r.events, r.firstSeq, r.lastSeq], [true, 6, 1, 6]);
  t.same(stateOf(lines[5]!), state);
  t.ok(JSON.parse(lines[0]!).chainprev === GENESIS.hash, 'the first link starts from the genesis value');
  const rotated = chain(3, state);
  t.ok(verifyLines(rotated.lines).ok, 'a file that continues a chain from a rotated file verifies on its own');
});

t.test('tampering is found and named', async (t) => {
  const { lines } = chain(6);
  const edited = [...lines];
  edited[2] = edited[2]!.replace('"n":3', '"n":4');
  t.match(verifyLines(edited).error, { line: 3, reason: /chainseq 3 was edited/ });
  const removed = lines.filter((_, i) => i !== 3);
  t.match(verifyLines(removed).error, { line: 4, reason: /1 event\(s\) missing after chainseq 3/ });
  const swapped = [lines[0]!, lines[2]!, lines[1]!, ...lines.slice(3)];
  t.match(verifyLines(swapped).error, { line: 2, reason: /broken link/ });
  const replaced = [...lines];
  replaced[4] = chain(5).lines[4]!.replace('id-5', 'id-x'); // a line from another chain
  t.equal(verifyLines(replaced).error?.line, 5);
  t.match(verifyLines([...lines.slice(0, 2), 'garbage', ...lines.slice(2)]).error, {
    line: 3,
    reason: /not valid JSON/,
  });
  t.match(verifyLines([lines[0]!, JSON.stringify({ id: 'x' }), lines[1]!]).error, {
    line: 2,
    reason: /no chain attributes/,
  });
});

t.test('kafka-warden audit verify FILE', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-verify-'));
  const { lines } = chain(5);
  const good = join(dir, 'good.jsonl');
  writeFileSync(good, `${lines.join('\n')}\n`);
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, `${[lines[0], lines[1], lines[3], lines[4]].join('\n')}\n`);
  const out: string[] = [];
  const err: string[] = [];
  t.equal(
    auditCommand(
      ['verify', good],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    0,
  );
  t.match(out.join(''), /5 events, chainseq 1\.\.5, chain intact/);
  t.equal(
    auditCommand(
      ['verify', bad],
      (s) => out.push(s),
      (s) => err.push(s),
    ),
    1,
  );
  t.match(err.join(''), /bad\.jsonl: line 3: broken link: 1 event\(s\) missing after chainseq 2/);
  t.equal(
    auditCommand(
      ['verify'],
      () => {},
      () => {},
    ),
    2,
    'usage error',
  );
});

t.test('several writers in one place: each chain is checked on its own, across files in order', async (t) => {
  const writers = ['host-a/worker-1', 'host-a/worker-2', 'host-b'];
  const states = new Map(writers.map((w) => [w, GENESIS]));
  const lines: string[] = [];
  for (let i = 0; i < 9; i++) {
    const w = writers[i % 3]!;
    const r = chainLine(JSON.stringify({ id: `e${i}` }), states.get(w)!, w);
    states.set(w, r.state);
    lines.push(r.line);
  }
  t.match(lines[0], /,"chainid":"host-a\/worker-1","chainseq":1,/, 'the writer is named before the links');
  const all = verifyChains([{ name: 'topic', lines }]);
  t.same(
    all.map((r) => [r.chainId, r.ok, r.events, r.firstSeq, r.lastSeq]),
    writers.map((w) => [w, true, 3, 1, 3]),
    'three interleaved chains, each intact',
  );
  const gap = verifyChains([{ name: 'topic', lines: lines.filter((_, i) => i !== 4) }]);
  t.match(
    gap.find((r) => r.chainId === 'host-a/worker-2'),
    {
      ok: false,
      file: 'topic',
      error: { line: 7, reason: /1 event\(s\) missing after chainseq 1/ },
    },
  );
  t.ok(
    gap.filter((r) => r.chainId !== 'host-a/worker-2').every((r) => r.ok),
    'the other writers are intact',
  );
  const rotated = [
    { name: 'old', lines: lines.slice(0, 5) },
    { name: 'new', lines: lines.slice(5) },
  ];
  t.ok(
    verifyChains(rotated).every((r) => r.ok),
    'a chain goes on across files given oldest first',
  );
  t.notOk(
    verifyChains([...rotated].reverse()).every((r) => r.ok),
    'newest first breaks the links',
  );
  const moved = lines[1]!.replace('"chainid":"host-a/worker-2"', '"chainid":"host-a/worker-1"');
  t.match(verifyChains([{ name: 'topic', lines: [lines[0]!, moved] }])[0], {
    ok: false,
    error: { reason: /was edited/ },
  });
});
