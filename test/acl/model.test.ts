// Kafka's ACL wire codes and the one-line form of a binding that logs and audit events carry.
import t from 'tap';
import {
  describeAcl,
  operationName,
  Operation,
  patternTypeName,
  PatternType,
  permissionName,
  Permission,
  resourceTypeName,
  ResourceType,
} from '../../src/acl/model.js';

t.test("the codes are Kafka's (AclOperation, ResourceType, PatternType, AclPermissionType)", async (t) => {
  t.same(ResourceType, { ANY: 1, TOPIC: 2, GROUP: 3, CLUSTER: 4, TRANSACTIONAL_ID: 5, DELEGATION_TOKEN: 6, USER: 7 });
  t.same(PatternType, { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 });
  t.same(Permission, { ANY: 1, DENY: 2, ALLOW: 3 });
  t.equal(Operation.READ, 3);
  t.equal(Operation.IDEMPOTENT_WRITE, 12);
  t.equal(Operation.DESCRIBE_TOKENS, 14);
});

t.test('names of codes, and the number itself for a code Kafka does not define', async (t) => {
  t.equal(resourceTypeName(5), 'TRANSACTIONAL_ID');
  t.equal(patternTypeName(4), 'PREFIXED');
  t.equal(operationName(10), 'DESCRIBE_CONFIGS');
  t.equal(permissionName(2), 'DENY');
  t.equal(operationName(99), '99');
  t.equal(resourceTypeName(0), '0');
});

t.test('describeAcl prints a binding as kafka-acls --list does', async (t) => {
  t.equal(
    describeAcl({
      resourceType: ResourceType.GROUP,
      resourceName: 'app-',
      patternType: PatternType.PREFIXED,
      principal: 'User:bob',
      host: '10.0.0.1',
      operation: Operation.READ,
      permission: Permission.DENY,
    }),
    '(principal=User:bob, host=10.0.0.1, operation=READ, permissionType=DENY) on GROUP:PREFIXED:app-',
  );
});
