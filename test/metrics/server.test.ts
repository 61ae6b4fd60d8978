// The management endpoint alone, with a stand-in for the metrics registry: the three paths, the
// methods it answers, and a failing collector answered with 500 rather than a hung probe.
import t, { type Test } from 'tap';
import http from 'node:http';
import pino from 'pino';
import { ManagementServer, type ProbeResult } from '../../src/metrics/server.js';
import type { MetricsSource } from '../../src/metrics/metrics.js';

const log = pino({ level: 'silent' });

function fakeMetrics(text: () => Promise<string>): MetricsSource {
  return { text, contentType: 'text/plain; version=0.0.4; charset=utf-8' };
}

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function get(port: number, path: string, method = 'GET'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(
  t: Test,
  metrics: MetricsSource,
  ready: () => ProbeResult = () => ({ ok: true, reasons: [] }),
  live?: () => Promise<ProbeResult>,
) {
  const server = new ManagementServer(metrics, ready, log, live);
  const port = await server.start('127.0.0.1', 0);
  t.teardown(() => server.close());
  return port;
}

t.test('/metrics, /healthz and /readyz', async (t) => {
  let state = { ok: false, reasons: ['listener plain not bound', 'upstream unreachable'] };
  const port = await start(
    t,
    fakeMetrics(async () => 'kafka_warden_up 1\n'),
    () => state,
  );
  t.ok(port > 0, 'an ephemeral port is reported');
  const m = await get(port, '/metrics?x=1');
  t.equal(m.status, 200);
  t.equal(m.body, 'kafka_warden_up 1\n');
  t.equal(m.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
  t.match(await get(port, '/healthz'), { status: 200, body: 'ok\n' });
  t.match(await get(port, '/readyz'), {
    status: 503,
    body: 'not ready: listener plain not bound; upstream unreachable\n',
  });
  state = { ok: true, reasons: [] };
  t.match(await get(port, '/readyz'), { status: 200, body: 'ready\n' });
  t.match(await get(port, '/nope'), { status: 404 });
  t.match(await get(port, '/healthz', 'HEAD'), { status: 200, body: '' });
  const post = await get(port, '/metrics', 'POST');
  t.equal(post.status, 405);
  t.equal(post.headers.allow, 'GET, HEAD');
});

t.test('a collector that fails is answered with 500', async (t) => {
  const port = await start(
    t,
    fakeMetrics(async () => {
      throw new Error('collector broke');
    }),
  );
  t.equal((await get(port, '/metrics')).status, 500);
  t.equal((await get(port, '/healthz')).status, 200, 'the endpoint keeps working');
});

t.test('start fails when the port is taken; close is safe before and after start', async (t) => {
  const port = await start(
    t,
    fakeMetrics(async () => ''),
  );
  const other = new ManagementServer(
    fakeMetrics(async () => ''),
    () => ({ ok: true, reasons: [] }),
    log,
  );
  await t.rejects(other.start('127.0.0.1', port), { code: 'EADDRINUSE' });
  const never = new ManagementServer(
    fakeMetrics(async () => ''),
    () => ({ ok: true, reasons: [] }),
    log,
  );
  await never.close();
  const s = new ManagementServer(
    fakeMetrics(async () => ''),
    () => ({ ok: true, reasons: [] }),
    log,
  );
  const p = await s.start('127.0.0.1', 0);
  await s.close();
  await t.rejects(get(p, '/healthz'), { code: 'ECONNREFUSED' }, 'closed');
});

t.test('/healthz asks its liveness probe: 503 with the reasons when it fails', async (t) => {
  let live: ProbeResult = { ok: false, reasons: ['worker 2 did not answer within 2000 ms'] };
  const port = await start(
    t,
    fakeMetrics(async () => ''),
    undefined,
    async () => live,
  );
  t.match(await get(port, '/healthz'), { status: 503, body: 'not healthy: worker 2 did not answer within 2000 ms\n' });
  live = { ok: true, reasons: [] };
  t.match(await get(port, '/healthz'), { status: 200, body: 'ok\n' });
});
