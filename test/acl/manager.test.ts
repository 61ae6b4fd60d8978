// The ACL manager alone: Kafka's ACL admin APIs answered against the authorizer, persisted to the
// file before they apply, and the file's own edits reloaded (or refused, keeping what was there).
// Error codes are Kafka's numbers: UNKNOWN_SERVER_ERROR -1, CLUSTER_AUTHORIZATION_FAILED 31,
// INVALID_REQUEST 42.
import t from 'tap';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import pino from 'pino';
import { AclManager } from '../../src/acl/manager.js';
import { readAclFile } from '../../src/acl/store.js';
import {
  Operation as Op,
  PatternType as Pt,
  Permission as P,
  ResourceType as R,
  type AclBinding,
} from '../../src/acl/model.js';
import { until } from '../helpers/wait.js';

type DescribeRequest = Parameters<AclManager['describeAcls']>[0];
type CreateRequest = Parameters<AclManager['createAcls']>[0];
type DeleteFilter = Parameters<AclManager['deleteAcls']>[0]['filters'][number];

const log = pino({ level: 'silent' });

const aliceReadsOrders: AclBinding = {
  resourceType: R.TOPIC,
  resourceName: 'orders',
  patternType: Pt.LITERAL,
  principal: 'User:alice',
  host: '*',
  operation: Op.READ,
  permission: P.ALLOW,
};
const bobWritesLogs: AclBinding = {
  resourceType: R.TOPIC,
  resourceName: 'logs-',
  patternType: Pt.PREFIXED,
  principal: 'User:bob',
  host: '*',
  operation: Op.WRITE,
  permission: P.ALLOW,
};

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'warden-acl-manager-')), 'acls.yaml');
}

function manager(file: string | null = tempFile(), acls: AclBinding[] = []): AclManager {
  const m = new AclManager({ superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false, file }, log);
  if (acls.length > 0) m.createAcls({ creations: acls.map(creation) }, true, 'User:admin');
  return m;
}

function creation(a: AclBinding): CreateRequest['creations'][number] {
  return {
    resourceType: a.resourceType,
    resourceName: a.resourceName,
    resourcePatternType: a.patternType,
    principal: a.principal,
    host: a.host,
    operation: a.operation,
    permissionType: a.permission,
  };
}

function filter(over: Partial<DeleteFilter> = {}): DeleteFilter {
  return {
    resourceTypeFilter: R.ANY,
    resourceNameFilter: null,
    patternTypeFilter: Pt.ANY,
    principalFilter: null,
    hostFilter: null,
    operation: Op.ANY,
    permissionType: P.ANY,
    ...over,
  };
}

const describe = (over: Partial<DeleteFilter> = {}): DescribeRequest => filter(over);

t.test('created ACLs are persisted, applied, and not duplicated', async (t) => {
  const file = tempFile();
  const m = manager(file);
  t.notOk(m.authorizer.authorize('User:alice', '10.0.0.1', Op.READ, R.TOPIC, 'orders').allowed);
  const { response, created } = m.createAcls(
    { creations: [creation(aliceReadsOrders), creation(aliceReadsOrders), creation(bobWritesLogs)] },
    true,
    'User:admin',
  );
  t.same(
    response.results.map((r) => r.errorCode),
    [0, 0, 0],
  );
  t.same(created, [aliceReadsOrders, bobWritesLogs], 'the duplicate in the request is created once');
  t.ok(m.authorizer.authorize('User:alice', '10.0.0.1', Op.READ, R.TOPIC, 'orders').allowed, 'applied');
  t.same(readAclFile(file), [aliceReadsOrders, bobWritesLogs], 'persisted');
  const again = m.createAcls({ creations: [creation(aliceReadsOrders)] }, true, 'User:admin');
  t.same(again.created, [], 'an existing ACL is not created twice');
  t.equal(again.response.results[0]!.errorCode, 0);
  t.equal(m.authorizer.size, 2);
  t.same(
    new AclManager({ superUsers: [], allowEveryoneIfNoAclFound: false, file }, log).authorizer.all(),
    [aliceReadsOrders, bobWritesLogs],
    'a new manager reads the file',
  );
});

t.test('invalid creations are refused one by one', async (t) => {
  const m = manager();
  const { response, created } = m.createAcls(
    {
      creations: [
        creation({ ...aliceReadsOrders, resourceType: R.ANY }),
        creation({ ...aliceReadsOrders, principal: 'alice' }),
        creation(aliceReadsOrders),
      ],
    },
    true,
    'User:admin',
  );
  t.match(response.results, [
    { errorCode: 42, errorMessage: 'Invalid ACL creation: invalid resource type' },
    { errorCode: 42, errorMessage: /principal must look like User:name/ },
    { errorCode: 0, errorMessage: null },
  ]);
  t.same(created, [aliceReadsOrders]);
});

t.test('without ALTER on the cluster nothing is created or deleted', async (t) => {
  const m = manager(tempFile(), [aliceReadsOrders]);
  const c = m.createAcls({ creations: [creation(bobWritesLogs)] }, false, 'User:eve');
  t.match(c.response.results, [{ errorCode: 31, errorMessage: 'Cluster authorization failed.' }]);
  t.same(c.created, []);
  const d = m.deleteAcls({ filters: [filter()] }, false, 'User:eve');
  t.match(d.response.filterResults, [{ errorCode: 31, matchingAcls: [] }]);
  t.same(d.deleted, []);
  t.same(m.authorizer.all(), [aliceReadsOrders]);
});

t.test('describe groups matching ACLs by resource; refused without DESCRIBE; bad filters refused', async (t) => {
  const aliceWritesOrders = { ...aliceReadsOrders, operation: Op.WRITE };
  const m = manager(null, [aliceReadsOrders, aliceWritesOrders, bobWritesLogs]);
  const all = m.describeAcls(describe(), true);
  t.equal(all.errorCode, 0);
  t.match(all.resources, [
    {
      resourceType: R.TOPIC,
      resourceName: 'orders',
      patternType: Pt.LITERAL,
      acls: [{ principal: 'User:alice', operation: Op.READ }, { operation: Op.WRITE }],
    },
    {
      resourceName: 'logs-',
      patternType: Pt.PREFIXED,
      acls: [{ principal: 'User:bob', host: '*', operation: Op.WRITE, permissionType: P.ALLOW }],
    },
  ]);
  t.equal(all.resources.length, 2);

  const bobs = m.describeAcls(describe({ principalFilter: 'User:bob' }), true);
  t.same(
    bobs.resources.map((r) => r.resourceName),
    ['logs-'],
  );
  const matching = m.describeAcls(describe({ resourceNameFilter: 'logs-app', patternTypeFilter: Pt.MATCH }), true);
  t.same(
    matching.resources.map((r) => r.resourceName),
    ['logs-'],
    'MATCH finds the prefixed pattern that applies',
  );

  t.match(m.describeAcls(describe(), false), {
    errorCode: 31,
    errorMessage: 'Cluster authorization failed.',
    resources: [],
  });
  t.match(m.describeAcls(describe({ resourceTypeFilter: 0 }), true), {
    errorCode: 42,
    errorMessage: 'invalid resource type filter',
  });
  t.match(m.describeAcls(describe({ patternTypeFilter: 0 }), true), {
    errorCode: 42,
    errorMessage: 'invalid pattern type filter',
  });
  t.match(m.describeAcls(describe({ operation: 0 }), true), {
    errorCode: 42,
    errorMessage: 'invalid operation filter',
  });
  t.match(m.describeAcls(describe({ permissionType: 0 }), true), {
    errorCode: 42,
    errorMessage: 'invalid permission type filter',
  });
});

t.test('delete removes what each filter matches, persisted, and reports it per filter', async (t) => {
  const file = tempFile();
  const m = manager(file, [aliceReadsOrders, bobWritesLogs]);
  const { response, deleted } = m.deleteAcls(
    {
      filters: [
        filter({ principalFilter: 'User:bob' }),
        filter({ principalFilter: 'User:nobody' }),
        filter({ operation: 0 }),
      ],
    },
    true,
    'User:admin',
  );
  t.match(response.filterResults, [
    {
      errorCode: 0,
      matchingAcls: [
        {
          errorCode: 0,
          resourceName: 'logs-',
          principal: 'User:bob',
          patternType: Pt.PREFIXED,
          operation: Op.WRITE,
          permissionType: P.ALLOW,
        },
      ],
    },
    { errorCode: 0, matchingAcls: [] },
    { errorCode: 42, errorMessage: 'invalid operation filter' },
  ]);
  t.same(deleted, [bobWritesLogs]);
  t.same(m.authorizer.all(), [aliceReadsOrders]);
  t.same(readAclFile(file), [aliceReadsOrders]);
  const none = m.deleteAcls({ filters: [filter({ principalFilter: 'User:bob' })] }, true, 'User:admin');
  t.same(none.deleted, [], 'nothing left to delete');
});

t.test('a change that cannot be persisted is refused and not applied', async (t) => {
  const file = tempFile();
  const m = manager(file, [aliceReadsOrders]);
  rmSync(join(file, '..'), { recursive: true });
  const c = m.createAcls(
    { creations: [creation(bobWritesLogs), creation({ ...bobWritesLogs, resourceType: R.ANY })] },
    true,
    'User:admin',
  );
  t.match(c.response.results, [
    { errorCode: -1, errorMessage: 'The ACL store could not be written.' },
    { errorCode: 42, errorMessage: /invalid resource type/ },
  ]);
  t.same(c.created, []);
  const d = m.deleteAcls({ filters: [filter(), filter({ operation: 0 })] }, true, 'User:admin');
  t.match(d.response.filterResults, [
    { errorCode: -1, matchingAcls: [] },
    { errorCode: 42, errorMessage: 'invalid operation filter' },
  ]);
  t.same(d.deleted, []);
  t.same(m.authorizer.all(), [aliceReadsOrders], 'the ACLs in force are unchanged');
});

t.test('in memory only: without a file nothing is written and reload is a no-op', async (t) => {
  const m = manager(null, [aliceReadsOrders]);
  t.equal(m.file, null);
  m.reload();
  m.watch();
  m.close();
  t.same(m.authorizer.all(), [aliceReadsOrders]);
});

t.test('an edited file is reloaded; one that does not parse is refused and the ACLs stay', async (t) => {
  const file = tempFile();
  const m = manager(file, [aliceReadsOrders]);
  const events: Array<Error | null> = [];
  m.onReload((e) => events.push(e));
  m.watch();
  m.watch(); // a second call does not add a watcher
  t.teardown(() => m.close());

  writeFileSync(
    file,
    'acls:\n  - { resourceType: TOPIC, resourceName: logs-, patternType: PREFIXED, principal: "User:bob", operation: WRITE }\n',
  );
  await until(() => events.length === 1, 5000, 'the reload');
  t.equal(events[0], null);
  t.same(m.authorizer.all(), [bobWritesLogs]);
  t.ok(
    m.authorizer.authorize('User:bob', '1.2.3.4', Op.WRITE, R.TOPIC, 'logs-app').allowed,
    'open decisions see the change',
  );

  writeFileSync(file, 'acls: [\n');
  await until(() => events.length === 2, 5000, 'the refused reload');
  t.match(events[1], { code: 'WARDEN_ERR_ACL_FILE' });
  t.same(m.authorizer.all(), [bobWritesLogs], 'the previous ACLs stay in force');
  t.throws(() => m.reload(), { code: 'WARDEN_ERR_ACL_FILE' }, 'reload() itself throws');
  t.match(readFileSync(file, 'utf8'), /^acls: \[/, 'the file is left as the operator wrote it');
});

t.test('two managers on one file (worker processes) keep each other’s changes', async (t) => {
  const file = tempFile();
  const a = manager(file);
  const b = manager(file);
  // Neither watches the file: b does not know what a created, and a not what b did.
  a.createAcls({ creations: [creation(aliceReadsOrders)] }, true, 'User:admin');
  const c = b.createAcls({ creations: [creation(bobWritesLogs), creation(aliceReadsOrders)] }, true, 'User:admin');
  t.same(c.created, [bobWritesLogs], 'b sees what a created before it decides');
  t.same(readAclFile(file), [aliceReadsOrders, bobWritesLogs], 'the file has both');
  t.same(b.authorizer.all(), [aliceReadsOrders, bobWritesLogs], 'b enforces both');
  const d = a.deleteAcls({ filters: [filter({ principalFilter: 'User:bob' })] }, true, 'User:admin');
  t.same(d.deleted, [bobWritesLogs], "a deletes b's ACL, which it had not seen");
  t.same(readAclFile(file), [aliceReadsOrders]);
  t.same(a.authorizer.all(), [aliceReadsOrders]);
});
