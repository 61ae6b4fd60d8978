// A proxy with every kind of listener, throwaway certificates and SCRAM users, for auth tests.
import { join } from 'node:path';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential } from '../../src/auth/scram.js';
import { makePki, type TestPki } from './certs.js';
import { startHarness, type Harness } from './proxy.js';

export const USERS = { alice: 'alice-secret', bob: 'bob-secret' } as const;

export interface SecureHarness extends Harness {
  pki: TestPki;
  credentialsFile: string;
  /** Bootstrap addresses by listener. */
  saslSsl: string;
  ssl: string;
  saslPlaintext: string;
}

/**
 * `acl` defaults to alice as the super user and everything else allowed where no ACL names the
 * resource, which the authentication tests need; ACL tests pass their own.
 */
export async function startSecureHarness(opts: { auth?: Record<string, unknown>; cluster?: Record<string, unknown>; acl?: Record<string, unknown>; config?: Record<string, unknown>; upstream?: Record<string, unknown> } = {}): Promise<SecureHarness> {
  const pki = await makePki();
  const credentialsFile = join(pki.dir, 'users.yaml');
  const store = new CredentialStore(credentialsFile);
  store.set('alice', 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', USERS.alice));
  store.set('alice', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', USERS.alice));
  store.set('bob', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', USERS.bob));
  store.save();
  const tls = { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caFile };
  const h = await startHarness({
    cluster: { brokers: 3, topics: { secure: 3 }, ...opts.cluster },
    auth: { credentialsFile, principalMappingRules: 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L,DEFAULT', ...opts.auth },
    upstream: opts.upstream,
    config: { acl: opts.acl ?? { superUsers: ['User:alice'], allowEveryoneIfNoAclFound: true }, ...opts.config },
    extraListeners: (base) => [
      { name: 'secure', securityProtocol: 'SASL_SSL', host: '127.0.0.1', port: base + 20, brokerPortBase: base + 30, advertisedHost: 'localhost', tls: { ...tls, clientAuth: 'none' }, sasl: { mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] } },
      { name: 'mtls', securityProtocol: 'SSL', host: '127.0.0.1', port: base + 40, brokerPortBase: base + 50, advertisedHost: 'localhost', tls: { ...tls, clientAuth: 'required' } },
      { name: 'saslplain', securityProtocol: 'SASL_PLAINTEXT', host: '127.0.0.1', port: base + 60, brokerPortBase: base + 70, advertisedHost: '127.0.0.1', sasl: { mechanisms: ['SCRAM-SHA-256'] } },
    ],
  });
  return { ...h, pki, credentialsFile, saslSsl: `localhost:${h.base + 20}`, ssl: `localhost:${h.base + 40}`, saslPlaintext: `127.0.0.1:${h.base + 60}` };
}
