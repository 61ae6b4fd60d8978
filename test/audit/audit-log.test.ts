// The audit log with a file sink and a stream sink: every event stored in both, chained per sink,
// valid CloudEvents; a sink that is down keeps its events in the spool and gets them in order when
// it returns; a full spool refuses (failClosed) or drops (dropOldest), never silently.
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { AuditLog, type AuditConfig } from '../../src/audit/audit-log.js';
import {
  authorizationEvent,
  authenticationEvent,
  changeEvent,
  reloadEvent,
  lifecycleEvent,
  type RequestInfo,
} from '../../src/audit/event.js';
import { verifyLines } from '../../src/audit/chain.js';
import { Operation, ResourceType, PatternType, Permission } from '../../src/acl/model.js';
import { cloudEventErrors } from '../helpers/cloudevents.js';

const log = pino({ level: 'silent' });
const req: RequestInfo = {
  principal: 'User:alice',
  clientAddress: '127.0.0.1',
  listener: 'secure',
  methodName: 'kafka.Produce',
  correlationId: 7,
  clientId: 'cli',
};

/** A stream sink that can stall: while down, a write is not acknowledged until it is up again. */
class FlakyStream extends Writable {
  private isUp = true;
  private held: Array<() => void> = [];
  lines: string[] = [];
  get up(): boolean {
    return this.isUp;
  }
  set up(v: boolean) {
    this.isUp = v;
    if (v) for (const f of this.held.splice(0)) f();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    const done = () => {
      this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      cb();
    };
    if (this.isUp) done();
    else this.held.push(done);
  }
}

function config(dir: string, over: Partial<AuditConfig['spool']> = {}): AuditConfig {
  return {
    allowed: 'default',
    spool: {
      dir: join(dir, 'spool'),
      maxBytes: 1 << 20,
      segmentBytes: 1 << 16,
      onFull: 'failClosed',
      fsync: false,
      ...over,
    },
    sinks: [
      {
        type: 'file',
        path: join(dir, 'audit.jsonl'),
        maxBytes: 1 << 20,
        maxFiles: 3,
        fsync: 'never',
        fsyncIntervalMs: 1000,
      },
      { type: 'stdout' },
    ],
  };
}

const waitFor = async (cond: () => boolean, ms = 5000) => {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  return cond();
};

t.test('every kind of event, in both sinks, chained and valid CloudEvents', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  const out = new FlakyStream();
  const audit = new AuditLog(config(dir), { log, upstream: null, stdout: out });
  audit.start();
  const acl = {
    resourceType: ResourceType.TOPIC,
    resourceName: 'app-',
    patternType: PatternType.PREFIXED,
    principal: 'User:alice',
    host: '*',
    operation: Operation.WRITE,
    permission: Permission.ALLOW,
  } as const;
  const events = [
    lifecycleEvent('c1', { action: 'start', version: '0.1.0', pid: 1 }),
    authenticationEvent('c1', {
      success: true,
      principal: 'User:alice',
      mechanism: 'SCRAM-SHA-512',
      identifier: 'alice',
      clientAddress: '127.0.0.1',
      listener: 'secure',
      tlsSubject: null,
      message: 'Authenticated',
    }),
    authenticationEvent('c1', {
      success: false,
      principal: null,
      mechanism: 'SSL',
      identifier: 'CN=x',
      clientAddress: '127.0.0.1',
      listener: 'mtls',
      tlsSubject: 'CN=x',
      message: 'no rule',
    }),
    authorizationEvent('c1', req, {
      granted: true,
      operation: Operation.WRITE,
      resourceType: ResourceType.TOPIC,
      resourceName: 'app-1',
      acl,
      superUser: false,
    }),
    authorizationEvent('c1', req, {
      granted: false,
      operation: Operation.READ,
      resourceType: ResourceType.GROUP,
      resourceName: 'g',
      acl: null,
      superUser: false,
    }),
    authorizationEvent('c1', req, {
      granted: true,
      operation: Operation.ALTER,
      resourceType: ResourceType.CLUSTER,
      resourceName: 'kafka-cluster',
      acl: null,
      superUser: true,
    }),
    changeEvent('c1', req, { kind: 'acls-created', items: ['(principal=User:bob, ...)'] }),
    reloadEvent('c1', { what: 'acls', file: '/x/acls.yaml', ok: false, message: 'refused: bad' }),
    lifecycleEvent('c1', { action: 'stop', version: '0.1.0', pid: 1 }),
  ];
  for (const e of events) t.ok(audit.record(e));
  t.ok(await waitFor(() => out.lines.length === events.length), 'the stream sink got every event');
  await audit.stop();
  const fileLines = readFileSync(join(dir, 'audit.jsonl'), 'utf8').trim().split('\n');
  for (const [name, lines] of [
    ['file', fileLines],
    ['stream', out.lines],
  ] as const) {
    t.equal(lines.length, events.length, `${name}: all events`);
    t.ok(verifyLines(lines).ok, `${name}: the chain verifies`);
    for (const line of lines) {
      const e = JSON.parse(line) as Record<string, unknown>;
      t.equal(cloudEventErrors(e), null, `${name}: ${e.type as string} is a valid CloudEvent`);
    }
    t.same(
      lines.map((l) => (JSON.parse(l) as { id: string }).id),
      events.map((e) => e.id),
      `${name}: in order, same ids`,
    );
  }
  const denied = JSON.parse(fileLines[4]!) as {
    subject: string;
    data: {
      authorizationInfo: Record<string, unknown>;
      request: Record<string, unknown>;
      requestMetadata: Record<string, unknown>;
    };
  };
  t.equal(denied.subject, 'crn:///kafka=c1/group=g');
  t.match(denied.data, {
    authorizationInfo: { granted: false, operation: 'Read', resourceType: 'Group', resourceName: 'g' },
    request: { correlation_id: '7', client_id: 'cli' },
    requestMetadata: { client_address: '/127.0.0.1' },
  });
  t.match(
    (JSON.parse(fileLines[3]!) as { data: { authorizationInfo: unknown } }).data.authorizationInfo,
    { patternType: 'PREFIXED', aclAuthorization: { permissionType: 'ALLOW', host: '*' } },
    'the matching ACL',
  );
});

t.test('a sink that is down: events wait in the spool, then arrive in order, also after a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  const out = new FlakyStream();
  out.up = false;
  let audit = new AuditLog(config(dir), { log, upstream: null, stdout: out });
  audit.start();
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) {
    const e = lifecycleEvent('c1', { action: 'start', version: String(i), pid: i });
    ids.push(e.id);
    t.ok(audit.record(e));
  }
  await new Promise((r) => setTimeout(r, 200));
  t.equal(out.lines.length, 0, 'nothing delivered while the sink is down');
  t.equal(audit.pending()['stdout'], 20, 'all 20 spooled');
  await audit.stop(100);
  // A restart (the old process's stalled write never completes); the sink is back.
  const out2 = new FlakyStream();
  audit = new AuditLog(config(dir), { log, upstream: null, stdout: out2 });
  audit.start();
  for (let i = 20; i < 25; i++) {
    const e = lifecycleEvent('c1', { action: 'start', version: String(i), pid: i });
    ids.push(e.id);
    audit.record(e);
  }
  t.ok(await waitFor(() => out2.lines.length >= 25), 'replayed and drained');
  await audit.stop();
  t.equal(out.lines.length, 0, 'the stalled sink got nothing');
  t.same(
    out2.lines.map((l) => (JSON.parse(l) as { id: string }).id),
    ids,
    'every event once, in order',
  );
  t.ok(verifyLines(out2.lines).ok, 'one unbroken chain across the restart');
});

t.test('a full spool: failClosed refuses to record, dropOldest drops and counts', async (t) => {
  for (const onFull of ['failClosed', 'dropOldest'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
    const out = new FlakyStream();
    out.up = false;
    const audit = new AuditLog(config(dir, { maxBytes: 8192, onFull }), { log, upstream: null, stdout: out });
    audit.start();
    let refused = 0;
    for (let i = 0; i < 100; i++)
      if (
        !audit.record(
          authorizationEvent('c1', req, {
            granted: false,
            operation: Operation.READ,
            resourceType: ResourceType.TOPIC,
            resourceName: `t${i}`,
            acl: null,
            superUser: false,
          }),
        )
      )
        refused++;
    if (onFull === 'failClosed') {
      t.ok(refused > 0 && audit.stats.refused === refused, `failClosed: ${refused} refused`);
      t.equal(audit.stats.dropped, 0);
    } else {
      t.equal(refused, 0, 'dropOldest: every record call succeeds');
      t.ok(audit.stats.dropped > 0, `dropOldest: ${audit.stats.dropped} dropped, counted`);
    }
    await audit.stop(50);
  }
});

t.test('the file sink resumes after a crash that tore its last line', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  const cfg: AuditConfig = { ...config(dir), sinks: [config(dir).sinks[0]!] };
  let audit = new AuditLog(cfg, { log, upstream: null });
  audit.start();
  for (let i = 0; i < 3; i++) audit.record(lifecycleEvent('c1', { action: 'start', version: String(i), pid: i }));
  await audit.stop();
  const file = join(dir, 'audit.jsonl');
  const { appendFileSync } = await import('node:fs');
  appendFileSync(file, '{"specversion":"1.0","id":"torn'); // killed mid-write
  audit = new AuditLog(cfg, { log, upstream: null });
  audit.start();
  audit.record(lifecycleEvent('c1', { action: 'start', version: 'after', pid: 9 }));
  await audit.stop();
  const lines = readFileSync(file, 'utf8').trim().split('\n');
  t.equal(lines.length, 4, 'the torn line is gone');
  const r = verifyLines(lines);
  t.ok(r.ok, `the chain continues: ${JSON.stringify(r.error)}`);
});

t.test('the file sink rotates by size and the chain runs on across files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-audit-'));
  const path = join(dir, 'audit.jsonl');
  const cfg: AuditConfig = {
    ...config(dir),
    sinks: [{ type: 'file', path, maxBytes: 4000, maxFiles: 2, fsync: 'always', fsyncIntervalMs: 1000 }],
  };
  const audit = new AuditLog(cfg, { log, upstream: null });
  audit.start();
  for (let i = 0; i < 25; i++) audit.record(lifecycleEvent('c1', { action: 'start', version: String(i), pid: i }));
  await audit.stop();
  const { existsSync } = await import('node:fs');
  t.ok(existsSync(`${path}.1`) && existsSync(`${path}.2`), 'rotated files');
  t.notOk(existsSync(`${path}.3`), 'no more than maxFiles are kept');
  const files = [`${path}.2`, `${path}.1`, path].map((f) => readFileSync(f, 'utf8').trim().split('\n'));
  for (const lines of files) t.ok(lines.length > 0 && readFileSync(path).length <= 4000 + 1000);
  const joined = files.flat();
  t.ok(verifyLines(joined).ok, 'the kept files, oldest first, form one unbroken chain');
  t.ok(verifyLines(files[2]!).ok, 'and each file verifies on its own');
  t.equal((JSON.parse(joined[joined.length - 1]!) as { chainseq: number }).chainseq, 25);
});
