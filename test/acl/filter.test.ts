// AclBindingFilter matching beyond the name semantics that store.test.ts covers (host,
// permission, pattern kinds a filter cannot name), and every CreateAcls validation message.
import t from 'tap';
import { filterMatches, invalidBinding, type AclFilter } from '../../src/acl/filter.js';
import {
  Operation as Op,
  Permission as P,
  PatternType as Pt,
  ResourceType as R,
  type AclBinding,
} from '../../src/acl/model.js';

const acl = (over: Partial<AclBinding> = {}): AclBinding => ({
  resourceType: R.TOPIC,
  resourceName: 'orders',
  patternType: Pt.LITERAL,
  principal: 'User:a',
  host: '10.0.0.1',
  operation: Op.READ,
  permission: P.ALLOW,
  ...over,
});
const filter = (over: Partial<AclFilter> = {}): AclFilter => ({
  resourceType: R.ANY,
  resourceName: null,
  patternType: Pt.ANY,
  principal: null,
  host: null,
  operation: Op.ANY,
  permission: P.ANY,
  ...over,
});

t.test('host, permission, operation and resource type must match when named', async (t) => {
  t.ok(filterMatches(filter(), acl()), 'an all-ANY filter matches');
  t.ok(filterMatches(filter({ host: '10.0.0.1' }), acl()));
  t.notOk(filterMatches(filter({ host: '*' }), acl()), 'a host filter is literal, not a wildcard');
  t.ok(filterMatches(filter({ permission: P.ALLOW }), acl()));
  t.notOk(filterMatches(filter({ permission: P.DENY }), acl()));
  t.notOk(filterMatches(filter({ operation: Op.ALL }), acl()), 'ALL is an operation of its own here');
  t.ok(filterMatches(filter({ resourceType: R.TOPIC }), acl()));
});

t.test(
  'MATCH without a name matches every pattern kind; a name with an unknown pattern kind matches nothing',
  async (t) => {
    t.ok(filterMatches(filter({ patternType: Pt.MATCH }), acl({ patternType: Pt.PREFIXED })));
    t.notOk(filterMatches(filter({ resourceName: 'orders', patternType: 0 }), acl()));
    t.notOk(
      filterMatches(filter({ resourceName: 'orders', patternType: Pt.MATCH }), acl({ patternType: Pt.ANY })),
      'MATCH applies stored LITERAL and PREFIXED patterns only',
    );
    t.ok(
      filterMatches(
        filter({ resourceName: 'orders-eu', patternType: Pt.MATCH }),
        acl({ resourceName: 'orders', patternType: Pt.PREFIXED }),
      ),
    );
    t.notOk(
      filterMatches(
        filter({ resourceName: 'order', patternType: Pt.MATCH }),
        acl({ resourceName: 'orders', patternType: Pt.PREFIXED }),
      ),
    );
  },
);

t.test('CreateAcls validation, one reason each', async (t) => {
  t.equal(invalidBinding(acl()), null);
  t.equal(invalidBinding(acl({ resourceType: R.ANY })), 'invalid resource type');
  t.equal(invalidBinding(acl({ resourceType: 99 as never })), 'invalid resource type');
  t.equal(invalidBinding(acl({ patternType: Pt.ANY })), 'pattern type must be LITERAL or PREFIXED');
  t.equal(invalidBinding(acl({ operation: Op.ANY })), 'invalid operation');
  t.equal(invalidBinding(acl({ operation: 0 as never })), 'invalid operation');
  t.equal(invalidBinding(acl({ permission: P.ANY })), 'permission must be ALLOW or DENY');
  t.equal(invalidBinding(acl({ resourceName: '' })), 'resource name must not be empty');
  t.equal(
    invalidBinding(acl({ resourceType: R.CLUSTER, resourceName: 'other' })),
    'the cluster resource is named kafka-cluster',
  );
  t.equal(invalidBinding(acl({ resourceType: R.CLUSTER, resourceName: 'kafka-cluster' })), null);
  t.equal(invalidBinding(acl({ principal: 'User:' })), 'principal must look like User:name');
  t.equal(invalidBinding(acl({ principal: 'Group:ops' })), null, 'any principal type');
  t.equal(invalidBinding(acl({ host: '' })), 'host must not be empty');
});
