// Audit events in the shape of Confluent's audit log: CloudEvents 1.0 envelopes, CRNs, and the
// authorization and authentication fields that tools reading that format look for.
import t from 'tap';
import {
  connectionClosedEvent,
  authenticationEvent,
  authorizationEvent,
  changeEvent,
  clusterCrn,
  EVENT_TYPES,
  lifecycleEvent,
  reloadEvent,
  resourceCrn,
  type RequestInfo,
} from '../../src/audit/event.js';
import { Operation as Op, PatternType as Pt, Permission as P, ResourceType as R } from '../../src/acl/model.js';
import { cloudEventErrors } from '../helpers/cloudevents.js';

const req: RequestInfo = {
  principal: 'User:alice',
  clientAddress: '10.0.0.7',
  listener: 'tls',
  methodName: 'kafka.Fetch',
  correlationId: 42,
  clientId: null,
};

t.test('CRNs name the cluster and the resource', async (t) => {
  t.equal(clusterCrn('c1'), 'crn:///kafka=c1');
  t.equal(resourceCrn('c1', R.TOPIC, 'orders'), 'crn:///kafka=c1/topic=orders');
  t.equal(resourceCrn('c1', R.TRANSACTIONAL_ID, 'tx'), 'crn:///kafka=c1/transactional-id=tx');
  t.equal(resourceCrn('c1', R.CLUSTER, 'kafka-cluster'), 'crn:///kafka=c1', 'the cluster is the cluster CRN');
  t.equal(resourceCrn('c1', R.ANY, 'x'), 'crn:///kafka=c1', 'no CRN kind of its own');
});

t.test('an authorization event granted by an ACL', async (t) => {
  const acl = {
    resourceType: R.TOPIC,
    resourceName: 'ord',
    patternType: Pt.PREFIXED,
    principal: 'User:alice',
    host: '*',
    operation: Op.READ,
    permission: P.ALLOW,
  } as const;
  const e = authorizationEvent('c1', req, {
    granted: true,
    operation: Op.READ,
    resourceType: R.TOPIC,
    resourceName: 'orders',
    acl,
    superUser: false,
  });
  t.equal(cloudEventErrors(e), null, 'a valid CloudEvent');
  t.match(e, {
    specversion: '1.0',
    type: EVENT_TYPES.authorization,
    source: 'crn:///kafka=c1',
    subject: 'crn:///kafka=c1/topic=orders',
    datacontenttype: 'application/json',
  });
  t.same(e.data, {
    serviceName: 'crn:///kafka=c1',
    methodName: 'kafka.Fetch',
    resourceName: 'crn:///kafka=c1/topic=orders',
    authenticationInfo: { principal: 'User:alice' },
    authorizationInfo: {
      granted: true,
      operation: 'Read',
      resourceType: 'Topic',
      resourceName: 'orders',
      patternType: 'PREFIXED',
      aclAuthorization: {
        permissionType: 'ALLOW',
        host: '*',
        principal: 'User:alice',
        operation: 'Read',
        resourceName: 'ord',
        patternType: 'PREFIXED',
      },
    },
    request: { correlation_id: '42', client_id: '' },
    requestMetadata: { client_address: '/10.0.0.7' },
    listener: 'tls',
  });
  t.ok(Date.parse(e.time) <= Date.now());
  const again = authorizationEvent('c1', req, {
    granted: true,
    operation: Op.READ,
    resourceType: R.TOPIC,
    resourceName: 'orders',
    acl,
    superUser: false,
  });
  t.not(again.id, e.id, 'every event has its own id');
});

t.test('authorization without an ACL: super user, protected topic, denial by DENY', async (t) => {
  const su = authorizationEvent(
    'c1',
    { ...req, clientId: 'app' },
    {
      granted: true,
      operation: Op.IDEMPOTENT_WRITE,
      resourceType: R.CLUSTER,
      resourceName: 'kafka-cluster',
      acl: null,
      superUser: true,
    },
  );
  t.match(su.data, {
    authorizationInfo: {
      operation: 'IdempotentWrite',
      resourceType: 'Cluster',
      patternType: 'LITERAL',
      superUserAuthorization: true,
    },
    request: { client_id: 'app' },
  });
  t.notOk('aclAuthorization' in (su.data.authorizationInfo as object));
  const prot = authorizationEvent('c1', req, {
    granted: false,
    operation: Op.WRITE,
    resourceType: R.TOPIC,
    resourceName: '__warden',
    acl: null,
    superUser: false,
    protectedTopic: true,
  });
  t.match(prot.data, { authorizationInfo: { granted: false, protectedTopic: true } });
  const deny = {
    resourceType: R.GROUP,
    resourceName: 'g',
    patternType: Pt.LITERAL,
    principal: 'User:*',
    host: '10.0.0.7',
    operation: Op.ALL,
    permission: P.DENY,
  } as const;
  const denied = authorizationEvent('c1', req, {
    granted: false,
    operation: Op.DELETE,
    resourceType: R.GROUP,
    resourceName: 'g',
    acl: deny,
    superUser: false,
  });
  t.match(denied.data, {
    authorizationInfo: {
      operation: 'Delete',
      resourceType: 'Group',
      aclAuthorization: { permissionType: 'DENY', operation: 'All', host: '10.0.0.7' },
    },
  });
});

t.test('an authentication event, success and failure', async (t) => {
  const ok = authenticationEvent('c1', {
    success: true,
    principal: 'User:alice',
    mechanism: 'SCRAM-SHA-512',
    identifier: 'alice',
    clientAddress: '10.0.0.7',
    listener: 'sasl',
    tlsSubject: null,
    message: '',
  });
  t.equal(cloudEventErrors(ok), null);
  t.equal(ok.type, EVENT_TYPES.authentication);
  t.same(ok.data, {
    serviceName: 'crn:///kafka=c1',
    methodName: 'kafka.Authentication',
    resourceName: 'crn:///kafka=c1',
    authenticationInfo: { principal: 'User:alice', metadata: { mechanism: 'SCRAM-SHA-512', identifier: 'alice' } },
    result: { status: 'SUCCESS', message: '' },
    requestMetadata: { client_address: '/10.0.0.7' },
    listener: 'sasl',
  });
  const bad = authenticationEvent('c1', {
    success: false,
    principal: null,
    mechanism: 'SSL',
    identifier: null,
    clientAddress: '10.0.0.8',
    listener: 'mtls',
    tlsSubject: 'CN=x',
    message: 'bad cert',
  });
  t.match(bad.data, {
    authenticationInfo: { principal: '', metadata: { identifier: '' } },
    result: { status: 'UNAUTHENTICATED', message: 'bad cert' },
    tlsSubject: 'CN=x',
  });
});

t.test('change, reload and lifecycle events', async (t) => {
  const c = changeEvent('c1', { ...req, methodName: 'kafka.CreateAcls' }, { kind: 'acl.create', items: ['x'] });
  t.equal(cloudEventErrors(c), null);
  t.match(c, {
    type: EVENT_TYPES.change,
    data: {
      methodName: 'kafka.CreateAcls',
      change: { kind: 'acl.create', items: ['x'] },
      authenticationInfo: { principal: 'User:alice' },
    },
  });
  const r = reloadEvent('c1', { what: 'acls', file: '/etc/acls.yaml', ok: false, message: 'parse error' });
  t.match(r, {
    type: EVENT_TYPES.reload,
    data: { methodName: 'kafkawarden.Reload', what: 'acls', file: '/etc/acls.yaml', ok: false, message: 'parse error' },
  });
  t.match(lifecycleEvent('c1', { action: 'start', version: '1.2.3', pid: 7 }), {
    type: EVENT_TYPES.lifecycle,
    data: { methodName: 'kafkawarden.Start', version: '1.2.3', pid: 7 },
  });
  t.match(lifecycleEvent('c1', { action: 'stop', version: '1.2.3', pid: 7 }).data, { methodName: 'kafkawarden.Stop' });
  const closed = connectionClosedEvent('c1', {
    principal: 'User:bob',
    clientAddress: '10.0.0.9',
    listener: 'sasl',
    reason: 'session_expired',
    message: 'expired',
  });
  t.equal(cloudEventErrors(closed), null);
  t.match(closed, {
    type: EVENT_TYPES.connectionClosed,
    data: {
      methodName: 'kafkawarden.ConnectionClosed',
      authenticationInfo: { principal: 'User:bob' },
      result: { status: 'CLOSED', reason: 'session_expired' },
      requestMetadata: { client_address: '/10.0.0.9' },
      listener: 'sasl',
    },
  });
});
