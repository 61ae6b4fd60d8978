// The proxy with a listener for each of Kafka's security protocols, and the Java client's properties
// (for Kafka's tools and our Java programs) for each way of connecting to it: PLAINTEXT, SSL without
// and with a client certificate, SASL_PLAINTEXT and SASL_SSL with PLAIN, SCRAM-SHA-256 and
// SCRAM-SHA-512. Certificates are PEM files, as the Java client takes them (ssl.*.type=PEM).
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential } from '../../src/auth/scram.js';
import { makePki, type TestPki } from './certs.js';
import { startProxyOn, type ProxyHarness } from './proxy.js';
import { clientProperties, jaas } from './kafka.js';

export const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'] as const;
export type Mechanism = (typeof MECHANISMS)[number];

export type Variant =
  | { protocol: 'PLAINTEXT' }
  | { protocol: 'SSL'; clientCert: boolean }
  | { protocol: 'SASL_PLAINTEXT' | 'SASL_SSL'; mechanism: Mechanism };

/** Every way of connecting: 9 variants. */
export const VARIANTS: Variant[] = [
  { protocol: 'PLAINTEXT' },
  { protocol: 'SSL', clientCert: false },
  { protocol: 'SSL', clientCert: true },
  ...(['SASL_PLAINTEXT', 'SASL_SSL'] as const).flatMap((protocol) =>
    MECHANISMS.map((mechanism) => ({ protocol, mechanism })),
  ),
];

export function variantName(v: Variant): string {
  if (v.protocol === 'SSL') return v.clientCert ? 'SSL (mTLS)' : 'SSL';
  if (v.protocol === 'PLAINTEXT') return 'PLAINTEXT';
  return `${v.protocol} ${v.mechanism}`;
}

/** Users in the proxy's credential store, each with every SCRAM mechanism (PLAIN checks against them). */
export const JAVA_USERS = { alice: 'alice-secret', bob: 'bob-secret' } as const;

export interface JavaSecurityProxy extends ProxyHarness {
  pki: TestPki;
  credentialsFile: string;
  /** Bootstrap address of each listener. */
  addresses: { PLAINTEXT: string; SSL: string; MTLS: string; SASL_PLAINTEXT: string; SASL_SSL: string };
  /** The principal the proxy sees for the client certificate (pki.clientCert). */
  certPrincipal: string;
}

export interface JavaSecurityOptions {
  acl?: Record<string, unknown>;
  auth?: Record<string, unknown>;
  config?: Record<string, unknown>;
}

/**
 * The proxy in front of `bootstrap` with five listeners: PLAINTEXT, SSL with no client
 * authentication, SSL with a client certificate required (mTLS), SASL_PLAINTEXT and SASL_SSL
 * offering PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. `acl` defaults to alice as the super user and
 * everything allowed where no ACL names the resource. stop() stops the proxy only.
 */
export async function startJavaSecurityProxy(
  bootstrap: string[],
  opts: JavaSecurityOptions = {},
): Promise<JavaSecurityProxy> {
  const pki = await makePki();
  const credentialsFile = join(pki.dir, 'users.yaml');
  const store = new CredentialStore(credentialsFile);
  for (const [user, password] of Object.entries(JAVA_USERS)) {
    for (const m of ['SCRAM-SHA-256', 'SCRAM-SHA-512'] as const) store.set(user, m, makeCredential(m, password));
  }
  store.save();
  const tls = { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caFile };
  const sasl = { mechanisms: [...MECHANISMS] };
  const h = await startProxyOn(bootstrap, {
    auth: { credentialsFile, principalMappingRules: 'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L,DEFAULT', ...opts.auth },
    config: { acl: opts.acl ?? { superUsers: ['User:alice'], allowEveryoneIfNoAclFound: true }, ...opts.config },
    // Ports: listener at base + 20k, its brokers at base + 20k + 10 + node id.
    extraListeners: (base) => [
      {
        name: 'sasl_ssl',
        securityProtocol: 'SASL_SSL',
        host: '127.0.0.1',
        port: base + 20,
        brokerPortBase: base + 30,
        advertisedHost: 'localhost',
        tls: { ...tls, clientAuth: 'none' },
        sasl,
      },
      {
        name: 'mtls',
        securityProtocol: 'SSL',
        host: '127.0.0.1',
        port: base + 40,
        brokerPortBase: base + 50,
        advertisedHost: 'localhost',
        tls: { ...tls, clientAuth: 'required' },
      },
      {
        name: 'sasl_plaintext',
        securityProtocol: 'SASL_PLAINTEXT',
        host: '127.0.0.1',
        port: base + 60,
        brokerPortBase: base + 70,
        advertisedHost: '127.0.0.1',
        sasl: { ...sasl, allowPlainWithoutTls: true },
      },
      {
        name: 'ssl',
        securityProtocol: 'SSL',
        host: '127.0.0.1',
        port: base + 80,
        brokerPortBase: base + 90,
        advertisedHost: 'localhost',
        tls: { ...tls, clientAuth: 'none' },
      },
    ],
  });
  const b = h.base;
  return {
    ...h,
    pki,
    credentialsFile,
    addresses: {
      PLAINTEXT: h.bootstrap,
      SASL_SSL: `localhost:${b + 20}`,
      MTLS: `localhost:${b + 40}`,
      SASL_PLAINTEXT: `127.0.0.1:${b + 60}`,
      SSL: `localhost:${b + 80}`,
    },
    certPrincipal: 'User:writeuser',
  };
}

/** The proxy's address for a variant. */
export function addressFor(proxy: JavaSecurityProxy, v: Variant): string {
  if (v.protocol === 'SSL') return v.clientCert ? proxy.addresses.MTLS : proxy.addresses.SSL;
  return proxy.addresses[v.protocol];
}

/** A PEM key store as the Java client reads it (ssl.keystore.type=PEM): the private key, then the certificate chain. */
export function pemKeyStore(certFile: string, keyFile: string): string {
  const file = `${certFile}.keystore.pem`;
  writeFileSync(file, readFileSync(keyFile, 'utf8').trimEnd() + '\n' + readFileSync(certFile, 'utf8'), { mode: 0o600 });
  return file;
}

export interface Login {
  user?: string;
  password?: string;
  /** SSL with a client certificate: the certificate to present ('client' by default, or one signed by an untrusted CA). */
  cert?: 'client' | 'rogue';
}

/** The Java client's security properties for a variant (alice's login on SASL unless `login` says otherwise). */
export function securityProps(proxy: JavaSecurityProxy, v: Variant, login: Login = {}): Record<string, string> {
  const tls = { 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': proxy.pki.caFile };
  switch (v.protocol) {
    case 'PLAINTEXT':
      return { 'security.protocol': 'PLAINTEXT' };
    case 'SSL': {
      if (!v.clientCert) return { 'security.protocol': 'SSL', ...tls };
      const rogue = login.cert === 'rogue';
      const keystore = rogue
        ? pemKeyStore(proxy.pki.rogueCert, proxy.pki.rogueKey)
        : pemKeyStore(proxy.pki.clientCert, proxy.pki.clientKey);
      return { 'security.protocol': 'SSL', ...tls, 'ssl.keystore.type': 'PEM', 'ssl.keystore.location': keystore };
    }
    default: {
      const user = login.user ?? 'alice';
      const password = login.password ?? (JAVA_USERS as Record<string, string>)[user] ?? '';
      return {
        'security.protocol': v.protocol,
        'sasl.mechanism': v.mechanism,
        'sasl.jaas.config': jaas(v.mechanism, user, password),
        ...(v.protocol === 'SASL_SSL' ? tls : {}),
      };
    }
  }
}

/** securityProps written to a .properties file (for --command-config, --producer.config, ...), with `extra` after them. */
export function propertiesFile(
  proxy: JavaSecurityProxy,
  v: Variant,
  login: Login = {},
  extra: Record<string, string | number | boolean> = {},
): string {
  return clientProperties({ ...securityProps(proxy, v, login), ...extra });
}
