// Applying a new configuration to a running proxy: live settings change at once, the others are
// reported as needing a restart and keep their running values.
import t from 'tap';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startHarness } from '../helpers/proxy.js';
import { parseConfig } from '../../src/config/load.js';
import { Operation, ResourceType } from '../../src/acl/model.js';

t.test('live settings apply; the rest need a restart', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-apply-'));
  const audit = {
    allowed: 'default',
    spool: { dir: join(dir, 'spool') },
    sinks: [{ type: 'file', path: join(dir, 'audit.jsonl') }],
  };
  const h = await startHarness({ config: { acl: { superUsers: ['User:admin'] }, audit } });
  t.teardown(() => h.stop());
  const p = h.proxy;
  const raw = JSON.parse(JSON.stringify(p.config)) as Record<string, any>;
  const next = parseConfig({
    ...raw,
    acl: { superUsers: ['User:admin', 'User:ops'], allowEveryoneIfNoAclFound: true },
    audit: { ...raw.audit, allowed: 'all' },
    logging: { level: 'warn' },
    limits: { ...raw.limits, maxInFlightPerClient: 7 },
    upstream: { ...raw.upstream, requestTimeoutMs: 1234 },
    listeners: [{ ...raw.listeners[0], port: raw.listeners[0].port + 1 }],
  });
  t.notOk(p.acl!.authorizer.isSuperUser('User:ops'));
  const r = p.applyConfig(next);
  t.same(r.restartRequired.sort(), ['listeners[0]', 'upstream']);
  t.same(r.applied.sort(), ['acl', 'audit.allowed', 'limits', 'logging.level']);
  t.ok(p.acl!.authorizer.isSuperUser('User:ops'), 'a new super user, at once');
  t.ok(
    p.acl!.authorizer.authorize('User:x', '1.2.3.4', Operation.READ, ResourceType.TOPIC, 't').allowed,
    'allowEveryoneIfNoAclFound applied',
  );
  t.equal(p.audit!.recordsAllowed(Operation.READ, false), true, 'audit policy now records every allowed decision');
  t.equal(p.config.limits.maxInFlightPerClient, 7);
  t.equal(p.config.upstream.requestTimeoutMs, raw.upstream.requestTimeoutMs, 'upstream keeps its running value');
  t.equal(p.config.listeners[0]!.port, raw.listeners[0].port, 'and so does the port');
});

t.test('protectedTopics needs a restart: its principals keep their running value', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-apply-protected-'));
  const audit = { spool: { dir: join(dir, 'spool') }, sinks: [{ type: 'kafka', topic: '_audit' }] };
  const h = await startHarness({
    cluster: { topics: { _audit: 1 } },
    config: { acl: { superUsers: ['User:admin'] }, audit, protectedTopics: { principals: ['User:reader'] } },
  });
  t.teardown(() => h.stop());
  const p = h.proxy;
  const raw = JSON.parse(JSON.stringify(p.config)) as Record<string, any>;
  const r = p.applyConfig(parseConfig({ ...raw, protectedTopics: { principals: ['User:reader', 'User:mallory'] } }));
  t.same(r.restartRequired, ['protectedTopics']);
  t.same(p.config.protectedTopics.principals, ['User:reader'], 'the running value stays');
  const renamed = p.applyConfig(parseConfig({ ...raw, instanceId: 'another-name' }));
  t.same(renamed.restartRequired, ['instanceId'], 'the name of the audit chains is read at start');
  t.equal(p.config.instanceId, raw.instanceId);
  t.ok(
    p.protectedTopics.restricts('User:mallory', '_audit') && !p.protectedTopics.restricts('User:reader', '_audit'),
    'and so does the registry',
  );
});
