// A client certificate that does not verify against caFile must never become a principal: not on
// `clientAuth: required`, and not on `requested` either, where node:tls finishes the handshake
// whatever the client presents. The rogue certificate names the super user.
import t from 'tap';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startHarness } from '../helpers/proxy.js';
import { makeCa, makeLeaf, makePki } from '../helpers/certs.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as apiVersions from '../../src/protocol/generated/api-versions.js';
import type * as createAcls from '../../src/protocol/generated/create-acls.js';

const pki = await makePki();
const dir = mkdtempSync(join(tmpdir(), 'warden-rogue-'));
// Signed by a CA the proxy does not trust, with the subject the mapping rule turns into the super user.
const rogueCa = await makeCa('rogue-ca');
const impostor = await makeLeaf(
  rogueCa,
  [
    ['OU', 'ServiceUsers'],
    ['CN', 'admin'],
  ],
  'client',
);
// Self-signed (its own issuer), same subject.
const selfCa = await makeCa('self');
const selfSigned = await makeLeaf(
  selfCa,
  [
    ['OU', 'ServiceUsers'],
    ['CN', 'admin'],
  ],
  'client',
);
const auditFile = join(dir, 'audit.log');
const credentialsFile = join(dir, 'users.yaml');
writeFileSync(credentialsFile, 'users: {}\n');

const tlsFor = (clientAuth: string) => ({
  certFile: pki.serverCert,
  keyFile: pki.serverKey,
  caFile: pki.caFile,
  clientAuth,
});
const h = await startHarness({
  auth: { credentialsFile, principalMappingRules: 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L,DEFAULT' },
  config: {
    acl: { superUsers: ['User:admin'], allowEveryoneIfNoAclFound: false },
    audit: {
      allowed: 'all',
      sinks: [{ type: 'file', path: auditFile, fsync: 'always' }],
      spool: { dir: join(dir, 'spool') },
    },
  },
  extraListeners: (base) => [
    {
      name: 'requested',
      securityProtocol: 'SSL',
      host: '127.0.0.1',
      port: base + 20,
      brokerPortBase: base + 30,
      advertisedHost: 'localhost',
      tls: tlsFor('requested'),
    },
    {
      name: 'required',
      securityProtocol: 'SSL',
      host: '127.0.0.1',
      port: base + 40,
      brokerPortBase: base + 50,
      advertisedHost: 'localhost',
      tls: tlsFor('required'),
    },
    {
      name: 'saslrequested',
      securityProtocol: 'SASL_SSL',
      host: '127.0.0.1',
      port: base + 60,
      brokerPortBase: base + 70,
      advertisedHost: 'localhost',
      tls: tlsFor('requested'),
      sasl: { mechanisms: ['SCRAM-SHA-512'] },
    },
  ],
});
t.teardown(() => h.stop());

const ports = { requested: h.base + 20, required: h.base + 40, saslrequested: h.base + 60 };
const ca = readFileSync(pki.caFile);

/** Connects with the given client certificate and tries to act; resolves with what the proxy answered. */
async function attempt(
  port: number,
  cert: { cert: string; key: string } | null,
): Promise<{ apiVersions: boolean; createAcls: number | null }> {
  let c: RawClient;
  try {
    c = await RawClient.connectTls(`localhost:${port}`, {
      ca,
      servername: 'localhost',
      ...(cert === null ? {} : { cert: cert.cert, key: cert.key }),
    });
  } catch {
    return { apiVersions: false, createAcls: null };
  }
  const out = { apiVersions: false, createAcls: null as number | null };
  try {
    await c.request<apiVersions.Response>(
      ApiKey.ApiVersions,
      3,
      { clientSoftwareName: 'rogue', clientSoftwareVersion: '1' },
      5000,
    );
    out.apiVersions = true;
    const r = await c.request<createAcls.Response>(
      ApiKey.CreateAcls,
      3,
      {
        creations: [
          {
            resourceType: 2,
            resourceName: '*',
            resourcePatternType: 3,
            principal: 'User:mallory',
            host: '*',
            operation: 2,
            permissionType: 3,
          },
        ],
      },
      5000,
    );
    out.createAcls = r.results[0]!.errorCode;
  } catch {
    // closed
  } finally {
    c.close();
  }
  return out;
}

for (const [name, port] of Object.entries(ports)) {
  t.test(`${name}: a certificate from an untrusted CA naming the super user is refused`, async (t) => {
    const r = await attempt(port, impostor);
    t.equal(r.apiVersions, false, 'the connection is closed before any request is answered');
    t.equal(r.createAcls, null, 'no ACL is created');
  });
  t.test(`${name}: a self-signed certificate naming the super user is refused`, async (t) => {
    const r = await attempt(port, selfSigned);
    t.equal(r.apiVersions, false);
    t.equal(r.createAcls, null);
  });
}

t.test('requested: a verified certificate still maps to its principal, and no certificate is ANONYMOUS', async (t) => {
  const good = { cert: readFileSync(pki.clientCert, 'utf8'), key: readFileSync(pki.clientKey, 'utf8') };
  const withCert = await attempt(ports.requested, good);
  t.equal(withCert.apiVersions, true);
  t.equal(withCert.createAcls, 31, 'writeuser is not allowed to create ACLs (CLUSTER_AUTHORIZATION_FAILED)');
  const anonymous = await attempt(ports.requested, null);
  t.equal(anonymous.apiVersions, true, 'a client without a certificate is served on requested');
  t.equal(anonymous.createAcls, 31);
  const required = await attempt(ports.required, null);
  t.equal(required.apiVersions, false, 'a client without a certificate is refused on required');
});

t.test('nothing of an unverified certificate reaches a principal, a log line or an audit event', async (t) => {
  await new Promise((r) => setTimeout(r, 200));
  const logText = JSON.stringify(h.logs);
  t.notMatch(logText, /CN=admin/, 'no log line carries the rogue subject');
  t.notMatch(logText, /User:admin/, 'no log line names the super user as a principal');
  const audit = readFileSync(auditFile, 'utf8');
  t.notMatch(audit, /CN=admin/, 'no audit event carries the rogue subject');
  t.notMatch(audit, /"User:admin"/, 'no audit event names the super user');
  t.match(audit, /TLS handshake failed/, 'the refusals are audited');
  t.notMatch(audit, /mallory/, 'no ACL for the attacker was created');
});
