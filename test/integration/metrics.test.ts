// Metrics, health and readiness on the management port, after real traffic from kcat: a produce,
// a denied fetch and a failed login move the counters they should, `promtool check metrics` finds
// nothing to report, and readiness follows the upstream cluster down and back up.
import t from 'tap';
import { writeFileSync, readFileSync } from 'node:fs';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { join } from 'node:path';
import { startSecureHarness, USERS, type SecureHarness } from '../helpers/secure.js';
import { kcat } from '../helpers/kcat.js';
import { checkMetrics } from '../helpers/promtool.js';
import { makePki } from '../helpers/certs.js';

async function get(h: SecureHarness, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${h.proxy.managementPort}${path}`);
  return { status: res.status, body: await res.text() };
}

/** The value of one sample (name and exact label set), 0 when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-z_]+)(?:\{(.*)\})? ([0-9.e+-]+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return 0;
}

t.test('metrics after real traffic, promtool-clean; health and readiness', async (t) => {
  const dir = (await makePki()).dir;
  const aclFile = join(dir, 'acls.yaml');
  writeFileSync(
    aclFile,
    `acls:
  - { resourceType: TOPIC, resourceName: orders, principal: "User:bob", operation: WRITE }
  - { resourceType: TOPIC, resourceName: secret, principal: "User:bob", operation: DESCRIBE }
`,
  );
  const h = await startSecureHarness({
    cluster: { topics: { orders: 1, secret: 1 } },
    acl: { superUsers: ['User:alice'], file: aclFile },
    config: {
      management: { host: '127.0.0.1', port: 0 },
      audit: {
        spool: { dir: join(dir, 'spool') },
        sinks: [{ type: 'file', path: join(dir, 'audit.jsonl') }, { type: 'stdout' }],
      },
    },
    upstream: { metadataRefreshMs: 500 },
  });
  t.teardown(() => h.stop());
  const bob = (password: string = USERS.bob) => [
    '-b',
    h.saslPlaintext,
    '-X',
    'security.protocol=SASL_PLAINTEXT',
    '-X',
    'sasl.mechanisms=SCRAM-SHA-256',
    '-X',
    'sasl.username=bob',
    '-X',
    `sasl.password=${password}`,
  ];

  const before = (await get(h, '/metrics')).body;
  t.equal(
    (await kcat(['-P', '-t', 'orders', ...bob()], { input: 'm1\nm2\n', timeoutMs: 20_000 })).code,
    0,
    'a produce',
  );
  const fetchDenied = await kcat(['-C', '-t', 'secret', '-p', '0', '-o', 'beginning', '-e', ...bob()], {
    timeoutMs: 20_000,
  });
  t.match(fetchDenied.stderr, /authorization failed/i, 'a denied fetch');
  t.not((await kcat(['-L', ...bob('wrong')], { timeoutMs: 20_000 })).code, 0, 'a failed login');
  const after = (await get(h, '/metrics')).body;

  const grew = (name: string, labels: Record<string, string> = {}) =>
    sample(after, name, labels) - sample(before, name, labels);
  t.ok(grew('kafka_warden_requests_total', { api: 'Produce' }) >= 1, 'Produce requests counted');
  t.ok(grew('kafka_warden_request_duration_seconds_count', { api: 'Produce' }) >= 1, 'and timed');
  t.ok(
    grew('kafka_warden_authorization_decisions_total', {
      operation: 'WRITE',
      resource_type: 'TOPIC',
      outcome: 'allowed',
    }) >= 1,
    'the allowed write',
  );
  t.ok(
    grew('kafka_warden_authorization_decisions_total', {
      operation: 'READ',
      resource_type: 'TOPIC',
      outcome: 'denied',
    }) >= 1,
    'the denied fetch',
  );
  t.ok(
    grew('kafka_warden_authentication_attempts_total', { mechanism: 'SCRAM-SHA-256', outcome: 'failure' }) >= 1,
    'the failed login',
  );
  t.ok(
    grew('kafka_warden_authentication_attempts_total', { mechanism: 'SCRAM-SHA-256', outcome: 'success' }) >= 2,
    'the successful logins',
  );
  t.ok(
    grew('kafka_warden_client_bytes_total', { direction: 'in' }) > 0 &&
      grew('kafka_warden_client_bytes_total', { direction: 'out' }) > 0,
    'bytes in and out',
  );
  t.ok(grew('kafka_warden_connections_opened_total', { listener: 'saslplain' }) >= 3, 'connections opened');
  t.ok(
    grew('kafka_warden_connections_closed_total', { listener: 'saslplain', reason: 'authentication_failed' }) +
      grew('kafka_warden_connections_closed_total', { listener: 'saslplain', reason: 'completed' }) >=
      1,
    'the failed login closed its connection',
  );
  t.ok(
    sample(after, 'kafka_warden_upstream_connections') >= 1 ||
      /kafka_warden_upstream_connections\{broker="[^"]+"\} [1-9]/.test(after),
    'upstream connections per broker',
  );
  const expiry = sample(after, 'kafka_warden_tls_certificate_expiry_seconds', { listener: 'secure' });
  t.ok(expiry > 86_400, `seconds until the secure listener's certificate expires: ${expiry}`);
  t.ok(sample(after, 'kafka_warden_process_cpu_seconds_total') > 0, 'process metrics');
  t.notOk(after.includes(USERS.bob) || after.includes('wrong'), 'no secret in the metrics');

  // Every metric the Grafana dashboard queries exists.
  const dashboard = readFileSync(join(PROJECT_ROOT, 'deploy', 'grafana', 'kafka-warden-dashboard.json'), 'utf8');
  const queried = new Set(
    [...dashboard.matchAll(/kafka_warden_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|count|sum)$/, '')),
  );
  for (const name of queried)
    t.match(after, new RegExp(`^# TYPE ${name} `, 'm'), `the dashboard's ${name} is exported`);

  const lint = checkMetrics(after);
  t.equal(lint.code, 0, 'promtool check metrics passes');
  t.equal(lint.output, '', `and reports nothing${lint.output ? `: ${lint.output}` : ''}`);

  t.same(await get(h, '/healthz'), { status: 200, body: 'ok\n' });
  t.equal((await get(h, '/readyz')).status, 200, 'ready');
  for (const n of [1, 2, 3]) await h.cluster.command(`down ${n}`);
  const waitReady = async (want: number) => {
    const end = Date.now() + 20_000;
    let r = await get(h, '/readyz');
    while (r.status !== want && Date.now() < end) {
      await new Promise((res) => setTimeout(res, 100));
      r = await get(h, '/readyz');
    }
    return r;
  };
  const down = await waitReady(503);
  t.equal(down.status, 503, 'not ready while the upstream cluster is down');
  t.match(down.body, /upstream cluster unreachable/);
  t.equal(sample((await get(h, '/metrics')).body, 'kafka_warden_ready'), 0);
  for (const n of [1, 2, 3]) await h.cluster.command(`up ${n}`);
  t.equal((await waitReady(200)).status, 200, 'ready again once it is back');
  t.equal((await get(h, '/nope')).status, 404);
});
