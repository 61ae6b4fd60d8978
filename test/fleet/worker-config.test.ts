// What one worker of N runs of the configuration: its share of the whole-instance limits, its own
// audit files and spool, no management endpoint; one worker runs the configuration as it is.
import t from 'tap';
import { hostname } from 'node:os';
import { configSchema } from '../../src/config/schema.js';
import { configForWorker, workerFile } from '../../src/fleet/worker-config.js';

const config = configSchema.parse({
  upstream: { bootstrap: ['127.0.0.1:9092'] },
  listeners: [
    { name: 'plain', securityProtocol: 'PLAINTEXT', port: 19092, brokerPortBase: 19100, advertisedHost: 'localhost' },
  ],
  management: { port: 9404 },
  limits: {
    maxConnections: 1001,
    maxBufferedBytes: 64 * 1024 * 1024,
    maxConnectionsPerIp: 100,
    maxConnectionsPerIpOverrides: { '10.0.0.9': 5, '10.0.0.10': 0 },
    maxConnectionCreationRatePerIp: 30,
  },
  auth: { failedLogins: { attempts: 10, windowMs: 60_000 } },
  audit: {
    spool: { dir: '/var/lib/warden/spool', maxBytes: 100 * 1024 * 1024, segmentBytes: 16 * 1024 * 1024 },
    sinks: [{ type: 'file', path: '/var/log/warden/audit.jsonl' }, { type: 'kafka' }, { type: 'stdout' }],
  },
});

t.test('one worker runs the configuration as it is', async (t) => {
  t.equal(configForWorker(config, 1, 1), config);
});

t.test('worker 2 of 3', async (t) => {
  const w = configForWorker(config, 2, 3);
  t.equal(w.management, undefined, 'the supervisor serves /metrics and the probes for all');
  t.equal(w.limits.maxConnections, 334, 'a third of the connections, rounded up');
  t.equal(w.limits.maxBufferedBytes, Math.floor((64 * 1024 * 1024) / 3), 'a third of the buffer budget');
  t.equal(w.limits.maxConnectionsPerIp, 34, "a third of an address's connections, rounded up");
  t.same(w.limits.maxConnectionsPerIpOverrides, { '10.0.0.9': 2, '10.0.0.10': 0 }, 'overrides too; 0 stays 0');
  t.equal(w.limits.maxConnectionCreationRatePerIp, 10, 'a third of the connection rate');
  t.equal(w.auth.failedLogins.attempts, 4, 'a third of the failed-login budget, rounded up');
  t.same(
    w.audit?.sinks.map((s) => (s.type === 'file' ? s.path : s.type)),
    ['/var/log/warden/audit.worker-2.jsonl', 'kafka', 'stdout'],
    'each file sink writes a chain of its own',
  );
  t.equal(w.audit?.spool?.dir, '/var/lib/warden/spool/worker-2', 'a spool of its own');
  t.equal(w.audit?.spool?.maxBytes, Math.floor((100 * 1024 * 1024) / 3), 'a share of the spool');
  t.same(w.listeners, config.listeners, 'the same listeners');
  t.same(w.upstream, config.upstream);
  t.equal(config.limits.maxConnections, 1001, 'the configuration itself is unchanged');
  t.equal(w.instanceId, `${hostname()}/worker-2`, 'its audit chains are named after the host and the worker');
  t.equal(configForWorker({ ...config, instanceId: 'edge-1' }, 3, 3).instanceId, 'edge-1/worker-3');
});

t.test(
  'worker 1 keeps the configured audit file and spool: a single process turned into workers goes on',
  async (t) => {
    const w = configForWorker(config, 1, 3);
    t.same(
      w.audit?.sinks.map((s) => (s.type === 'file' ? s.path : s.type)),
      ['/var/log/warden/audit.jsonl', 'kafka', 'stdout'],
    );
    t.equal(w.audit?.spool?.dir, '/var/lib/warden/spool');
    t.equal(w.management, undefined);
  },
);

t.test('shares never drop below what one client or one segment needs', async (t) => {
  const small = configSchema.parse({
    ...config,
    limits: { maxBufferedBytes: 1024 * 1024, maxBufferedBytesPerClient: 512 * 1024 },
    audit: { ...config.audit, spool: { dir: '/s', maxBytes: 1024 * 1024, segmentBytes: 1024 * 1024 } },
  });
  const w = configForWorker(small, 1, 4);
  t.equal(w.limits.maxBufferedBytes, 512 * 1024);
  t.equal(w.audit?.spool?.maxBytes, 1024 * 1024);
});

t.test('worker file names', async (t) => {
  t.equal(workerFile('/a/audit.jsonl', 3), '/a/audit.worker-3.jsonl');
  t.equal(workerFile('/a/audit.jsonl', 1), '/a/audit.jsonl');
  t.equal(workerFile('/a/audit', 2), '/a/audit.worker-2');
  t.equal(workerFile('rel/x.log.json', 2), 'rel/x.log.worker-2.json');
});
