// The audit section's spool: optional when every sink is a file sink (the file is the sink's own
// durable store), required with a message naming the sinks that need it otherwise; and an audit
// log built from a file-only section without a spool records to its file and creates no spool.
import t from 'tap';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { parseConfig, loadConfigFile, ConfigError } from '../../src/config/load.js';
import { AuditLog } from '../../src/audit/audit-log.js';
import { lifecycleEvent } from '../../src/audit/event.js';
import { verifyLines } from '../../src/audit/chain.js';

const base = {
  upstream: { bootstrap: ['127.0.0.1:9092'] },
  listeners: [
    {
      name: 'plain',
      securityProtocol: 'PLAINTEXT',
      host: '127.0.0.1',
      port: 19092,
      brokerPortBase: 19100,
      advertisedHost: '127.0.0.1',
    },
  ],
};
const withAudit = (audit: unknown) => ({ ...base, audit });
const issues = (raw: unknown): string[] => {
  try {
    parseConfig(raw);
    return [];
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    return e.issues;
  }
};
const fileSink = (path: string) => ({ type: 'file', path });

t.test('only file sinks: no spool needed', async (t) => {
  const one = parseConfig(withAudit({ sinks: [fileSink('/var/log/warden/audit.jsonl')] }));
  t.equal(one.audit?.spool, undefined, 'one file sink, no spool');
  t.equal(one.audit?.sinks[0]?.type, 'file');
  const two = parseConfig(
    withAudit({ allowed: 'all', sinks: [fileSink('/a/audit.jsonl'), fileSink('/b/audit.jsonl')] }),
  );
  t.equal(two.audit?.sinks.length, 2, 'two file sinks, no spool');
  // A spool given anyway is still accepted (and its onFull applies to failed file writes).
  const given = parseConfig(
    withAudit({ spool: { dir: '/var/lib/warden/spool', onFull: 'dropOldest' }, sinks: [fileSink('/a/audit.jsonl')] }),
  );
  t.equal(given.audit?.spool?.onFull, 'dropOldest');
});

t.test('a stdout or kafka sink without a spool: refused, naming the sinks and the key', async (t) => {
  t.same(issues(withAudit({ sinks: [{ type: 'stdout' }] })), [
    'audit.spool: sinks[0] (stdout) delivers from a spool: set spool.dir to a directory for undelivered events (only file sinks need none)',
  ]);
  t.same(issues(withAudit({ sinks: [fileSink('/a/audit.jsonl'), { type: 'kafka' }, { type: 'stdout' }] })), [
    'audit.spool: sinks[1] (kafka), sinks[2] (stdout) deliver from a spool: set spool.dir to a directory for undelivered events (only file sinks need none)',
  ]);
  t.equal(
    parseConfig(withAudit({ spool: { dir: '/s' }, sinks: [{ type: 'kafka' }] })).audit?.spool?.dir,
    '/s',
    'with spool.dir it loads',
  );
  t.match(
    issues(withAudit({ spool: {}, sinks: [{ type: 'kafka' }] })),
    [/audit\.spool\.dir/],
    'a spool without dir still names dir',
  );
  t.match(issues(withAudit({ sinks: [] })), [/audit\.sinks/], 'still at least one sink');
});

t.test('from a YAML file, as an operator writes it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-config-'));
  const f = join(dir, 'warden.yaml');
  writeFileSync(
    f,
    `upstream: { bootstrap: ["127.0.0.1:9092"] }
listeners:
  - { name: plain, securityProtocol: PLAINTEXT, host: 127.0.0.1, port: 19092, brokerPortBase: 19100, advertisedHost: 127.0.0.1 }
audit:
  sinks:
    - { type: file, path: ${join(dir, 'audit.jsonl')} }
`,
  );
  t.equal(loadConfigFile(f).audit?.sinks.length, 1, 'loads');
});

t.test('an audit log of file sinks only, without a spool, records to its file and makes no spool', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-nospool-'));
  const path = join(dir, 'audit.jsonl');
  const config = parseConfig(withAudit({ sinks: [{ type: 'file', path, fsync: 'never' }] }));
  const audit = new AuditLog(config.audit!, { log: pino({ level: 'silent' }), upstream: null });
  audit.start();
  for (const action of ['start', 'stop'] as const)
    t.equal(audit.record(lifecycleEvent('c1', { action, version: 'test', pid: 1 })), true, `${action} recorded`);
  await audit.stop();
  const lines = readFileSync(path, 'utf8').split('\n').filter(Boolean);
  t.equal(lines.length, 2, 'both events in the file');
  t.equal(verifyLines(lines).ok, true, 'chained');
  t.same(readdirSync(dir), ['audit.jsonl'], 'nothing else written: no spool directory');
  t.same(audit.pending(), {}, 'no spooled sinks');
});
