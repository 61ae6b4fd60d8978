// The ACL decision matrix of ../shared/docs/kafka-semantics.md section 5: a hand-written table of
// expected decisions, and the indexed authorizer checked against a naive scan over the whole
// principals x hosts x operations x resources product.
import t from 'tap';
import { Authorizer } from '../../src/acl/authorizer.js';
import {
  Operation as Op,
  Permission as P,
  PatternType as Pt,
  ResourceType as R,
  type AclBinding,
  type OperationCode,
  type ResourceTypeCode,
} from '../../src/acl/model.js';

const acl = (
  resourceType: ResourceTypeCode,
  resourceName: string,
  patternType: number,
  principal: string,
  operation: OperationCode,
  permission: number,
  host = '*',
): AclBinding => ({ resourceType, resourceName, patternType, principal, host, operation, permission }) as AclBinding;

const ACLS: AclBinding[] = [
  acl(R.TOPIC, 'orders', Pt.LITERAL, 'User:alice', Op.READ, P.ALLOW),
  acl(R.TOPIC, 'alice-', Pt.PREFIXED, 'User:alice', Op.WRITE, P.ALLOW),
  acl(R.GROUP, 'alice-', Pt.PREFIXED, 'User:alice', Op.ALL, P.ALLOW),
  acl(R.TOPIC, 'configs', Pt.LITERAL, 'User:alice', Op.ALTER_CONFIGS, P.ALLOW),
  acl(R.TOPIC, '*', Pt.LITERAL, 'User:bob', Op.ALL, P.ALLOW),
  acl(R.TOPIC, 'orders', Pt.LITERAL, 'User:bob', Op.WRITE, P.DENY),
  acl(R.TOPIC, 'secret', Pt.LITERAL, 'User:*', Op.ALL, P.DENY),
  acl(R.TOPIC, 'secret', Pt.LITERAL, 'User:admin', Op.ALL, P.DENY),
  acl(R.TOPIC, 'local', Pt.LITERAL, 'User:carol', Op.READ, P.ALLOW, '10.0.0.1'),
  acl(R.CLUSTER, 'kafka-cluster', Pt.LITERAL, 'User:bob', Op.DESCRIBE, P.ALLOW),
];

t.test('decisions as the semantics document states them', async (t) => {
  const a = new Authorizer({ superUsers: ['User:admin'] });
  a.replace(ACLS);
  const cases: Array<[string, string, OperationCode, ResourceTypeCode, string, boolean, string]> = [
    ['User:admin', '1.2.3.4', Op.WRITE, R.TOPIC, 'secret', true, 'super users bypass every DENY'],
    ['User:alice', '1.2.3.4', Op.READ, R.TOPIC, 'orders', true, 'literal allow'],
    ['User:alice', '1.2.3.4', Op.WRITE, R.TOPIC, 'orders', false, 'resource has ACLs, none match: denied'],
    ['User:alice', '1.2.3.4', Op.DESCRIBE, R.TOPIC, 'orders', true, 'READ implies DESCRIBE'],
    ['User:alice', '1.2.3.4', Op.WRITE, R.TOPIC, 'alice-events', true, 'prefixed allow'],
    ['User:alice', '1.2.3.4', Op.DESCRIBE, R.TOPIC, 'alice-events', true, 'WRITE implies DESCRIBE'],
    ['User:alice', '1.2.3.4', Op.READ, R.TOPIC, 'alice-events', false, 'WRITE does not imply READ'],
    ['User:alice', '1.2.3.4', Op.WRITE, R.TOPIC, 'alicex', false, 'not under the prefix'],
    ['User:alice', '1.2.3.4', Op.DESCRIBE_CONFIGS, R.TOPIC, 'configs', true, 'ALTER_CONFIGS implies DESCRIBE_CONFIGS'],
    ['User:alice', '1.2.3.4', Op.DELETE, R.GROUP, 'alice-g', true, 'ALL on a prefixed group'],
    ['User:alice', '1.2.3.4', Op.READ, R.GROUP, 'bob-g', false, 'no ACLs for the group: denied by default'],
    ['User:bob', '1.2.3.4', Op.WRITE, R.TOPIC, 'anything', true, 'LITERAL * matches every topic'],
    ['User:bob', '1.2.3.4', Op.WRITE, R.TOPIC, 'orders', false, 'DENY wins over ALLOW'],
    ['User:bob', '1.2.3.4', Op.READ, R.TOPIC, 'orders', true, 'a DENY for WRITE does not deny READ'],
    ['User:bob', '1.2.3.4', Op.READ, R.TOPIC, 'secret', false, 'User:* DENY applies to everyone'],
    ['User:bob', '1.2.3.4', Op.DESCRIBE, R.CLUSTER, 'kafka-cluster', true, 'cluster describe'],
    ['User:bob', '1.2.3.4', Op.ALTER, R.CLUSTER, 'kafka-cluster', false, 'cluster alter not granted'],
    ['User:carol', '10.0.0.1', Op.READ, R.TOPIC, 'local', true, 'host matches'],
    ['User:carol', '10.0.0.2', Op.READ, R.TOPIC, 'local', false, 'other host'],
    ['User:ANONYMOUS', '1.2.3.4', Op.READ, R.TOPIC, 'orders', false, 'anonymous has no ACLs'],
    ['User:ANONYMOUS', '1.2.3.4', Op.READ, R.TRANSACTIONAL_ID, 'tx', false, 'no ACLs at all: denied by default'],
  ];
  for (const [principal, host, op, type, name, expected, why] of cases) {
    t.equal(a.authorize(principal, host, op, type, name).allowed, expected, `${principal} ${op} ${name}: ${why}`);
  }
  t.match(
    a.authorize('User:bob', 'h', Op.WRITE, R.TOPIC, 'orders'),
    { reason: 'deniedByAcl', acl: { permission: P.DENY, resourceName: 'orders' } },
    'the deciding ACL is reported',
  );
  const open = new Authorizer({ allowEveryoneIfNoAclFound: true });
  open.replace(ACLS);
  t.equal(
    open.authorize('User:x', 'h', Op.READ, R.TRANSACTIONAL_ID, 'tx').allowed,
    true,
    'allowEveryoneIfNoAclFound: no ACLs at all allows',
  );
  t.equal(
    open.authorize('User:x', 'h', Op.READ, R.TOPIC, 'orders').allowed,
    false,
    'but a resource with ACLs still denies',
  );
});

/** A naive reading of the rules: scan every ACL. */
function reference(
  acls: AclBinding[],
  supers: string[],
  allowIfNone: boolean,
  principal: string,
  host: string,
  op: number,
  type: number,
  name: string,
): boolean {
  if (supers.includes(principal)) return true;
  const candidates = acls.filter(
    (a) =>
      a.resourceType === type &&
      ((a.patternType === Pt.LITERAL && (a.resourceName === name || a.resourceName === '*')) ||
        (a.patternType === Pt.PREFIXED && name.startsWith(a.resourceName))),
  );
  const applying = candidates.filter(
    (a) => (a.principal === principal || a.principal === 'User:*') && (a.host === '*' || a.host === host),
  );
  if (applying.some((a) => a.permission === P.DENY && (a.operation === Op.ALL || a.operation === op))) return false;
  const implied: Record<number, number[]> = {
    [Op.DESCRIBE]: [Op.READ, Op.WRITE, Op.DELETE, Op.ALTER],
    [Op.DESCRIBE_CONFIGS]: [Op.ALTER_CONFIGS],
  };
  if (
    applying.some(
      (a) =>
        a.permission === P.ALLOW &&
        (a.operation === Op.ALL || a.operation === op || (implied[op] ?? []).includes(a.operation)),
    )
  )
    return true;
  return candidates.length === 0 && allowIfNone;
}

t.test('the index agrees with a full scan over the whole matrix', async (t) => {
  const principals = ['User:admin', 'User:alice', 'User:bob', 'User:carol', 'User:ANONYMOUS'];
  const hosts = ['10.0.0.1', '10.0.0.2'];
  const ops = Object.values(Op).filter((o) => o !== Op.ANY) as OperationCode[];
  const resources: Array<[ResourceTypeCode, string]> = [
    [R.TOPIC, 'orders'],
    [R.TOPIC, 'alice-events'],
    [R.TOPIC, 'alice-'],
    [R.TOPIC, 'alic'],
    [R.TOPIC, 'secret'],
    [R.TOPIC, 'local'],
    [R.TOPIC, 'configs'],
    [R.TOPIC, 'zzz'],
    [R.TOPIC, '*'],
    [R.GROUP, 'alice-g'],
    [R.GROUP, 'g'],
    [R.CLUSTER, 'kafka-cluster'],
    [R.TRANSACTIONAL_ID, 'tx'],
  ];
  for (const allowIfNone of [false, true]) {
    const a = new Authorizer({ superUsers: ['User:admin'], allowEveryoneIfNoAclFound: allowIfNone });
    a.replace(ACLS);
    let n = 0;
    let mismatches = 0;
    for (const p of principals)
      for (const h of hosts)
        for (const o of ops)
          for (const [rt, name] of resources) {
            n++;
            if (
              a.authorize(p, h, o, rt, name).allowed !== reference(ACLS, ['User:admin'], allowIfNone, p, h, o, rt, name)
            )
              mismatches++;
          }
    t.equal(mismatches, 0, `${n} decisions agree (allowEveryoneIfNoAclFound=${allowIfNone})`);
  }
});

t.test('changes apply at once and clear the cache', async (t) => {
  const a = new Authorizer();
  t.equal(a.authorize('User:dan', 'h', Op.READ, R.TOPIC, 't').allowed, false);
  const g = a.generation;
  a.add([acl(R.TOPIC, 't', Pt.LITERAL, 'User:dan', Op.READ, P.ALLOW)]);
  t.equal(a.authorize('User:dan', 'h', Op.READ, R.TOPIC, 't').allowed, true, 'allowed right after the ACL is added');
  t.ok(a.generation > g);
  t.equal(
    a.add([acl(R.TOPIC, 't', Pt.LITERAL, 'User:dan', Op.READ, P.ALLOW)]).length,
    0,
    'a duplicate is not added twice',
  );
  a.remove((x) => x.principal === 'User:dan');
  t.equal(a.authorize('User:dan', 'h', Op.READ, R.TOPIC, 't').allowed, false, 'denied right after removal');
});
