// The cluster view's own connections are bounded for readiness: a blackholed broker (its SYNs go
// unanswered: a loopback listener whose accept queue is full) is given up after PROBE_TIMEOUT_MS
// even when upstream.connectTimeoutMs is 10 s; a frozen broker (accepts, never answers) fails a
// probe within PROBE_TIMEOUT_MS and a periodic refresh within its request timeout instead of
// hanging it forever.
import t, { type Test } from 'tap';
import net from 'node:net';
import { spawn } from 'node:child_process';
import pino from 'pino';
import { ClusterView, PROBE_TIMEOUT_MS } from '../../src/proxy/cluster.js';

const log = pino({ level: 'silent' });
const SLACK_MS = 700;

/** `p`, or a failure after `ms`: a refresh that hangs fails the test instead of stalling it. */
async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>(
        (_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A loopback port that completes no handshake: a listener with backlog 0 that never accepts, its queue filled. */
async function blackholedPort(t: Test): Promise<number> {
  const py = spawn(
    'python3',
    [
      '-c',
      "import socket,sys\ns=socket.socket();s.bind(('127.0.0.1',0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\nsys.stdin.read()",
    ],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  t.teardown(() => {
    py.stdin.end();
    py.kill();
  });
  const port = await new Promise<number>((resolve, reject) => {
    py.once('error', reject);
    py.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
  });
  // The one connection the queue holds; every later SYN is dropped.
  const filler = net.connect({ host: '127.0.0.1', port });
  filler.on('error', () => {});
  await new Promise((r) => filler.once('connect', r));
  t.teardown(() => filler.destroy());
  const probe = net.connect({ host: '127.0.0.1', port });
  probe.on('error', () => {});
  const connected = await new Promise<boolean>((r) => {
    probe.once('connect', () => r(true));
    setTimeout(() => r(false), 300);
  });
  probe.destroy();
  t.equal(connected, false, 'precondition: a connection to the port hangs');
  return port;
}

/** A "broker" that accepts connections and never answers. */
async function frozenBroker(t: Test): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('error', () => {});
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

t.test('a blackholed broker: the refresh gives up after PROBE_TIMEOUT_MS, not connectTimeoutMs', async (t) => {
  const port = await blackholedPort(t);
  const cv = new ClusterView([`127.0.0.1:${port}`], log, 10_000);
  t.teardown(() => cv.stop());
  for (const probe of [false, true]) {
    const t0 = Date.now();
    await within(15_000, cv.refresh(probe));
    const took = Date.now() - t0;
    t.equal(cv.reachable, false, `${probe ? 'probe' : 'periodic refresh'}: unreachable`);
    // Connecting times out; on a loaded machine the kernel may still complete the handshake, and
    // then the request does: either way the view gives up within the bound.
    t.match(cv.lastError, /timed out|no response/, 'because connecting (or the answer) timed out');
    t.ok(
      took <= PROBE_TIMEOUT_MS + SLACK_MS,
      `${probe ? 'probe' : 'periodic refresh'} took ${took} ms (bound ${PROBE_TIMEOUT_MS} ms, connectTimeoutMs 10000)`,
    );
  }
});

t.test('a frozen broker: a probe fails within PROBE_TIMEOUT_MS, a refresh within its request timeout', async (t) => {
  const port = await frozenBroker(t);
  const cv = new ClusterView([`127.0.0.1:${port}`], log, 10_000);
  t.teardown(() => cv.stop());
  let t0 = Date.now();
  await within(15_000, cv.refresh(true));
  let took = Date.now() - t0;
  t.equal(cv.reachable, false, 'probe: unreachable');
  t.match(cv.lastError, /no response .* within/, 'because it did not answer');
  t.ok(took <= PROBE_TIMEOUT_MS + SLACK_MS, `probe took ${took} ms`);
  // A periodic refresh waits up to its 10 s request timeout, but no longer (it used to wait forever).
  t0 = Date.now();
  await within(15_000, cv.refresh());
  took = Date.now() - t0;
  // The request gets what is left of the 10 s once connected (a millisecond may have gone).
  const waited = Number(/no response .* within (\d+) ms/.exec(cv.lastError ?? '')?.[1]);
  t.ok(waited > 9_000 && waited <= 10_000, `periodic refresh: no answer within its 10 s (${cv.lastError})`);
  t.ok(took <= 10_000 + SLACK_MS * 3, `periodic refresh took ${took} ms`);
});

t.test('a refused broker: a probe fails at once', async (t) => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((r) => server.close(() => r()));
  const cv = new ClusterView([`127.0.0.1:${port}`], log, 10_000);
  t.teardown(() => cv.stop());
  const t0 = Date.now();
  await within(15_000, cv.refresh(true));
  t.equal(cv.reachable, false);
  t.match(cv.lastError, /ECONNREFUSED/);
  t.ok(Date.now() - t0 < 500, `took ${Date.now() - t0} ms`);
});
