// /readyz follows the upstream cluster within 2 s of its brokers going away, not at the next
// metadata refresh (30 s by default, kept here so that the refresh cannot be what flips it): with
// client traffic (the pools' upstream connections are lost) and on an idle proxy (the cluster
// view's own connection is lost); and it is ready again once the brokers are back.
import t, { type Test } from 'tap';
import { startHarness, type Harness } from '../helpers/proxy.js';
import { kcat } from '../helpers/kcat.js';

const BOUND_MS = 2000;

async function readyz(h: Harness): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${h.proxy.managementPort}/readyz`);
  return { status: res.status, body: await res.text() };
}

/** Polls /readyz until it answers `status` or `limitMs` pass; the last answer and when it came. */
async function until(
  h: Harness,
  status: number,
  limitMs: number,
): Promise<{ status: number; body: string; at: number }> {
  const end = Date.now() + limitMs;
  for (;;) {
    const r = await readyz(h);
    if (r.status === status || Date.now() > end) return { ...r, at: Date.now() };
    await new Promise((res) => setTimeout(res, 25));
  }
}

const downAll = (h: Harness) => Promise.all([1, 2, 3].map((n) => h.cluster.command(`down ${n}`)));
const upAll = (h: Harness) => Promise.all([1, 2, 3].map((n) => h.cluster.command(`up ${n}`)));

async function harness(t: Test): Promise<Harness> {
  const h = await startHarness({ config: { management: { host: '127.0.0.1', port: 0 } } });
  t.teardown(() => h.stop());
  t.equal(h.proxy.config.upstream.metadataRefreshMs, 30_000, 'the periodic refresh is 30 s away');
  t.equal((await readyz(h)).status, 200, 'ready at start');
  return h;
}

t.test('with clients: not ready within 2 s of the brokers going down, ready again once back', async (t) => {
  const h = await harness(t);
  const md = await kcat(['-L', '-b', h.bootstrap, '-m', '10'], { timeoutMs: 20_000 });
  t.equal(md.code, 0, `metadata through the proxy${md.code === 0 ? '' : `: ${md.stderr}`}`);
  t.ok(
    h.proxy.pools.all().some((p) => p.connectionCount > 0),
    'the pools hold upstream connections',
  );

  const wentAway = Date.now();
  await downAll(h);
  const down = await until(h, 503, 15_000);
  t.equal(down.status, 503, 'not ready');
  t.match(down.body, /upstream cluster unreachable/, 'and says why');
  t.ok(down.at - wentAway <= BOUND_MS, `within ${BOUND_MS} ms of the brokers going down (${down.at - wentAway} ms)`);

  await upAll(h);
  const back = await until(h, 200, 15_000);
  t.equal(back.status, 200, 'ready again once the brokers are back');
  const again = await kcat(['-L', '-b', h.bootstrap, '-m', '10'], { timeoutMs: 20_000 });
  t.equal(again.code, 0, 'and clients get metadata again');
});

t.test('an idle proxy (no client ever connected) follows the cluster too', async (t) => {
  const h = await harness(t);
  t.ok(
    h.proxy.pools.all().every((p) => p.connectionCount === 0),
    'no upstream connection in the pools',
  );
  const wentAway = Date.now();
  await downAll(h);
  const down = await until(h, 503, 15_000);
  t.equal(down.status, 503, 'not ready');
  t.ok(down.at - wentAway <= BOUND_MS, `within ${BOUND_MS} ms of the brokers going down (${down.at - wentAway} ms)`);
  await upAll(h);
  t.equal((await until(h, 200, 15_000)).status, 200, 'ready again once the brokers are back');
});

t.test('one broker going down leaves the proxy ready (the others answer)', async (t) => {
  const h = await harness(t);
  t.equal(
    (await kcat(['-L', '-b', h.bootstrap, '-m', '10'], { timeoutMs: 20_000 })).code,
    0,
    'metadata through the proxy',
  );
  await h.cluster.command('down 1');
  // Long enough for any probe the lost connections start to have finished.
  await new Promise((r) => setTimeout(r, BOUND_MS));
  const r = await readyz(h);
  t.equal(r.status, 200, `still ready${r.status === 200 ? '' : `: ${r.body}`}`);
  await h.cluster.command('up 1');
});
