// Who a client is, and what its connection records: authentication outcomes and admin changes.
import t from 'tap';
import net from 'node:net';
import { ClientIdentity } from '../../../src/proxy/stages/client-identity.js';
import { FakeAudit, identityOf, metricsOf, recorderOf } from '../../helpers/stage-fakes.js';

t.test('an IPv4 client on a dual-stack socket is named as ACLs name it', async (t) => {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((r) => server.once('connection', r));
  const client = net.connect(port, '127.0.0.1');
  const socket = await accepted;
  const id = ClientIdentity.of(socket, 'PLAINTEXT');
  t.equal(id.host, '127.0.0.1');
  t.match(id.remote, /^127\.0\.0\.1:\d+$/);
  t.equal(id.tlsSubject, null, 'no certificate on a plaintext listener');
  t.equal(id.principal, null, 'no principal until the session stage sets one');
  client.destroy();
  socket.destroy();
  server.close();
  t.equal(new ClientIdentity('x', '::ffff:10.0.0.1'.replace(/^::ffff:/, ''), null, false).host, '10.0.0.1');
});

t.test('authentication outcomes are counted with a bounded mechanism label and audited', async (t) => {
  const audit = new FakeAudit();
  const metrics = metricsOf();
  const rec = recorderOf(identityOf('CN=alice'), metrics, audit);
  t.ok(
    rec.authentication({
      success: false,
      mechanism: 'X'.repeat(200),
      identifier: 'eve',
      principal: null,
      message: 'SASL handshake refused',
    }),
  );
  t.ok(
    rec.authentication({
      success: true,
      mechanism: 'PLAIN',
      identifier: 'alice',
      principal: 'User:alice',
      message: 'Authenticated',
    }),
  );
  const text = await metrics.text();
  t.match(text, /kafka_warden_authentication_attempts_total\{mechanism="other",outcome="failure"\} 1/);
  t.match(text, /kafka_warden_authentication_attempts_total\{mechanism="PLAIN",outcome="success"\} 1/);
  t.match(audit.events[1], {
    data: { tlsSubject: 'CN=alice', requestMetadata: { client_address: '/127.0.0.1' }, listener: 'test' },
  });
  audit.accepting = false;
  t.notOk(
    rec.authentication({
      success: true,
      mechanism: 'PLAIN',
      identifier: 'alice',
      principal: 'User:alice',
      message: 'Authenticated',
    }),
    'false when it cannot be recorded',
  );
});

t.test('changes name who made them, through which request', async (t) => {
  const audit = new FakeAudit();
  const id = identityOf();
  id.principal = 'User:admin';
  const rec = recorderOf(id, metricsOf(), audit);
  rec.change('acls-created', ['User:bob READ orders']);
  t.match(audit.events[0], {
    data: {
      authenticationInfo: { principal: 'User:admin' },
      change: { kind: 'acls-created', items: ['User:bob READ orders'] },
      methodName: 'kafka.Unknown',
    },
  });
  t.match(
    rec.requestInfo({
      apiKey: 30,
      apiVersion: 3,
      correlationId: 4,
      clientId: 'adm',
      tagged: undefined,
      bodyOffset: 0,
      flexible: true,
    }),
    { methodName: 'kafka.CreateAcls', correlationId: 4, clientId: 'adm', principal: 'User:admin' },
  );
});

t.test('closes that are security decisions of their own are audited with their code; others are not', async (t) => {
  const audit = new FakeAudit();
  const id = identityOf();
  id.principal = 'User:bob';
  const rec = recorderOf(id, metricsOf(), audit);
  rec.closed('session_expired');
  rec.closed('client_closed');
  rec.closed('authentication_failed');
  rec.closed('request_before_authentication');
  t.same(
    audit.events.map((e) => (e.data as { result: { reason: string } }).result.reason),
    ['session_expired', 'request_before_authentication'],
  );
  t.match(audit.events[0], {
    type: 'io.kafkawarden/connection-closed',
    data: { authenticationInfo: { principal: 'User:bob' }, listener: 'test' },
  });
  recorderOf(id).closed('session_expired');
  t.pass('without an audit trail nothing is recorded, and nothing fails');
});
