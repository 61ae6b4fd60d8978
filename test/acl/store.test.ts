import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { readAclFile, writeAclFile } from '../../src/acl/store.js';
import { filterMatches, invalidBinding, type AclFilter } from '../../src/acl/filter.js';
import {
  Operation as Op,
  Permission as P,
  PatternType as Pt,
  ResourceType as R,
  type AclBinding,
} from '../../src/acl/model.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-acl-'));

t.test('ACL file round trip, case-insensitive names, defaults and errors', async (t) => {
  const f = join(dir, 'acls.yaml');
  writeFileSync(
    f,
    'acls:\n  - { resourceType: topic, resourceName: orders, principal: "User:alice", operation: Read }\n  - { resourceType: GROUP, resourceName: app-, patternType: PREFIXED, principal: "User:*", host: 10.0.0.1, operation: ALL, permission: DENY }\n',
  );
  const acls = readAclFile(f);
  t.same(acls[0], {
    resourceType: R.TOPIC,
    resourceName: 'orders',
    patternType: Pt.LITERAL,
    principal: 'User:alice',
    host: '*',
    operation: Op.READ,
    permission: P.ALLOW,
  });
  t.equal(acls[1]!.patternType, Pt.PREFIXED);
  const g = join(dir, 'out.yaml');
  writeAclFile(g, acls);
  t.same(readAclFile(g), acls, 'written and read back');
  t.same(readAclFile(join(dir, 'missing.yaml')), [], 'a missing file is no ACLs');
  writeFileSync(f, 'acls:\n  - { resourceType: TOPIC, resourceName: x, principal: "User:a", operation: FLY }\n');
  t.throws(() => readAclFile(f), /acls.0.operation/);
  writeFileSync(
    f,
    'acls:\n  - { resourceType: CLUSTER, resourceName: other, principal: "User:a", operation: ALTER }\n',
  );
  t.throws(() => readAclFile(f), /kafka-cluster/);
  writeFileSync(f, 'acls: [\n');
  t.throws(() => readAclFile(f), { code: 'WARDEN_ERR_ACL_FILE' });
});

t.test("filters with Kafka's LITERAL, PREFIXED, ANY and MATCH semantics", async (t) => {
  const b = (resourceName: string, patternType: number, principal = 'User:a'): AclBinding =>
    ({
      resourceType: R.TOPIC,
      resourceName,
      patternType,
      principal,
      host: '*',
      operation: Op.READ,
      permission: P.ALLOW,
    }) as AclBinding;
  const acls = [
    b('orders', Pt.LITERAL),
    b('*', Pt.LITERAL),
    b('ord', Pt.PREFIXED),
    b('orders', Pt.PREFIXED),
    b('x', Pt.PREFIXED, 'User:b'),
  ];
  const f = (resourceName: string | null, patternType: number, extra: Partial<AclFilter> = {}): AclFilter => ({
    resourceType: R.ANY,
    resourceName,
    patternType,
    principal: null,
    host: null,
    operation: Op.ANY,
    permission: P.ANY,
    ...extra,
  });
  const names = (flt: AclFilter) =>
    acls
      .filter((a) => filterMatches(flt, a))
      .map((a) => `${a.patternType === Pt.LITERAL ? 'L' : 'P'}:${a.resourceName}`);
  t.same(names(f('orders', Pt.LITERAL)), ['L:orders']);
  t.same(names(f('orders', Pt.PREFIXED)), ['P:orders']);
  t.same(names(f('orders', Pt.ANY)), ['L:orders', 'P:orders']);
  t.same(
    names(f('orders', Pt.MATCH)),
    ['L:orders', 'L:*', 'P:ord', 'P:orders'],
    'MATCH: everything that applies to a topic named orders',
  );
  t.same(names(f(null, Pt.ANY)).length, 5);
  t.same(names(f(null, Pt.PREFIXED)), ['P:ord', 'P:orders', 'P:x']);
  t.same(names(f(null, Pt.ANY, { principal: 'User:b' })), ['P:x']);
  t.same(names(f(null, Pt.ANY, { operation: Op.WRITE })), []);
  t.same(names(f(null, Pt.ANY, { resourceType: R.GROUP })), []);
  t.equal(invalidBinding(b('ok', Pt.LITERAL)), null);
  t.match(invalidBinding(b('ok', Pt.MATCH)), /LITERAL or PREFIXED/);
  t.match(invalidBinding({ ...b('ok', Pt.LITERAL), principal: 'alice' }), /User:name/);
});

t.test('an empty ACL file, one with only comments, and a bare acls: mean no ACLs yet', async (t) => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const { readAclFile } = await import('../../src/acl/store.js');
  const dir = mkdtempSync(join(tmpdir(), 'warden-acl-empty-'));
  for (const [name, text] of [
    ['empty', ''],
    ['comments', '# no ACLs yet\n'],
    ['bare', 'acls:\n'],
  ] as const) {
    const f = join(dir, `${name}.yaml`);
    writeFileSync(f, text);
    t.same(readAclFile(f), [], name);
  }
  const two = join(dir, 'two.yaml');
  writeFileSync(two, 'acls: []\n---\nacls: []\n');
  t.throws(() => readAclFile(two), { code: 'WARDEN_ERR_ACL_FILE' }, 'two documents are still refused');
  const list = join(dir, 'list.yaml');
  writeFileSync(list, '- a\n');
  t.throws(() => readAclFile(list), { code: 'WARDEN_ERR_ACL_FILE' }, 'a list where the map belongs is refused');
});
