import t from 'tap';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadConfigFile, parseConfig, ConfigError } from '../../src/config/load.js';

const dir = mkdtempSync(join(tmpdir(), 'warden-config-'));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

t.test('the minimal configuration of the issue loads, with defaults', async (t) => {
  const c = loadConfigFile(
    file(
      'min.yaml',
      `upstream:
  bootstrap: ["127.0.0.1:9092"]
listeners:
  - name: plain
    securityProtocol: PLAINTEXT
    host: 127.0.0.1
    port: 19092
    brokerPortBase: 19100
    advertisedHost: 127.0.0.1
`,
    ),
  );
  t.equal(c.upstream.pool.mode, 'pooled');
  t.equal(c.upstream.pool.maxConnectionsPerBroker, 4);
  t.equal(c.limits.maxFrameBytes, 100 * 1024 * 1024);
  t.equal(c.listeners[0]!.brokerPortBase, 19100);
});

t.test('the example configuration is valid', async (t) => {
  const c = loadConfigFile(join(import.meta.dirname, '..', '..', 'config', 'example.yaml'));
  t.ok(c.listeners.length >= 1);
});

t.test('errors name the key path and the problem', async (t) => {
  const bad = (raw: unknown) => {
    try {
      parseConfig(raw);
      return [];
    } catch (e) {
      t.type(e, ConfigError);
      return (e as ConfigError).issues;
    }
  };
  t.match(bad({ listeners: [] }), ['upstream: Invalid input: expected object, received undefined', /listeners: .*>=1/]);
  t.match(
    bad({
      upstream: { bootstrap: ['nohost'] },
      listeners: [{ name: 'a', securityProtocol: 'PLAINTEXT', port: 1, brokerPortBase: 10, advertisedHost: 'x' }],
    }),
    [/upstream.bootstrap\[0\]: must be host:port/],
  );
  t.match(
    bad({
      upstream: { bootstrap: ['h:1'] },
      listeners: [{ name: 'a', securityProtocol: 'PLAIN', port: 1, brokerPortBase: 10, advertisedHost: 'x' }],
    }),
    [/listeners\[0\].securityProtocol/],
  );
  t.match(
    bad({
      upstream: { bootstrap: ['h:1'] },
      listeners: [{ name: 'a', securityProtocol: 'PLAINTEXT', port: 1, advertisedHost: 'x' }],
    }),
    [/listeners\[0\]: needs brokerPortBase or brokerPorts/],
  );
  t.match(
    bad({
      upstream: { bootstrap: ['h:1'], pool: { mode: 'shared' } },
      listeners: [{ name: 'a', securityProtocol: 'PLAINTEXT', port: 1, brokerPortBase: 10, advertisedHost: 'x' }],
    }),
    [/upstream.pool.mode/],
  );
  t.match(
    bad({
      upstream: { bootstrap: ['h:1'], typo: 1 },
      listeners: [{ name: 'a', securityProtocol: 'PLAINTEXT', port: 1, brokerPortBase: 10, advertisedHost: 'x' }],
    }),
    [/upstream: Unrecognized key: "typo"/],
  );
  t.match(
    bad({
      upstream: { bootstrap: ['h:1'] },
      listeners: [1, 2].map(() => ({
        name: 'a',
        securityProtocol: 'PLAINTEXT',
        port: 5,
        brokerPortBase: 10,
        advertisedHost: 'x',
      })),
    }),
    [/listeners\[1\].port: port 5 is already used/, /listeners\[1\].name: duplicate/],
  );
});

t.test('unreadable and non-YAML files', async (t) => {
  t.throws(() => loadConfigFile(join(dir, 'missing.yaml')), {
    code: 'WARDEN_ERR_CONFIG',
    message: /cannot read .* ENOENT/,
  });
  t.throws(() => loadConfigFile(file('bad.yaml', 'upstream: [\n')), { message: /not valid YAML at line/ });
});

t.test('security settings are validated with their key paths', async (t) => {
  const base = { name: 'l', host: '127.0.0.1', port: 1, brokerPortBase: 10, advertisedHost: 'x' };
  const issues = (listener: Record<string, unknown>, auth: Record<string, unknown> = { credentialsFile: 'u.yaml' }) => {
    try {
      parseConfig({ upstream: { bootstrap: ['h:1'] }, listeners: [{ ...base, ...listener }], auth });
      return [];
    } catch (e) {
      return (e as ConfigError).issues;
    }
  };
  t.match(issues({ securityProtocol: 'SSL' }), [/listeners\[0\].tls: SSL needs tls/]);
  t.match(issues({ securityProtocol: 'SASL_SSL', tls: { certFile: 'c', keyFile: 'k' } }), [
    /listeners\[0\].sasl: SASL_SSL needs sasl.mechanisms/,
  ]);
  t.match(issues({ securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanisms: ['PLAIN'] } }), [
    /listeners\[0\].sasl.mechanisms: PLAIN would send passwords in clear/,
  ]);
  t.same(
    issues({ securityProtocol: 'SASL_PLAINTEXT', sasl: { mechanisms: ['PLAIN'], allowPlainWithoutTls: true } }),
    [],
    'allowed when said explicitly',
  );
  t.match(issues({ securityProtocol: 'SSL', tls: { certFile: 'c', keyFile: 'k', clientAuth: 'required' } }), [
    /listeners\[0\].tls.caFile: caFile is needed/,
  ]);
  t.match(issues({ securityProtocol: 'PLAINTEXT', tls: { certFile: 'c', keyFile: 'k' } }), [/does not use TLS/]);
  t.match(
    issues({ securityProtocol: 'SASL_SSL', tls: { certFile: 'c', keyFile: 'k' }, sasl: { mechanisms: ['GSSAPI'] } }),
    [/listeners\[0\].sasl.mechanisms\[0\]/],
  );
  t.match(
    issues({ securityProtocol: 'SASL_SSL', tls: { certFile: 'c', keyFile: 'k' }, sasl: { mechanisms: ['PLAIN'] } }, {}),
    [/auth.credentialsFile: SASL listeners need a credentials file/],
  );
  t.match(issues({ securityProtocol: 'PLAINTEXT', sni: { domain: 'k.example' } }), [/sni: SNI routing needs TLS/]);
  t.match(
    issues({ securityProtocol: 'PLAINTEXT' }, { superUsers: ['User:alice'] }),
    [/auth: Unrecognized key/],
    'super users moved to the acl section',
  );
  const aclIssues = (acl: unknown) => {
    try {
      parseConfig({ upstream: { bootstrap: ['h:1'] }, listeners: [{ ...base, securityProtocol: 'PLAINTEXT' }], acl });
      return [];
    } catch (e) {
      return (e as ConfigError).issues;
    }
  };
  t.match(aclIssues({ superUsers: ['alice'] }), [/acl.superUsers\[0\]: principals look like User:name/]);
  t.match(aclIssues({ allowEveryoneIfNoAclFound: 'yes' }), [/acl.allowEveryoneIfNoAclFound/]);
  t.same(aclIssues({ superUsers: ['User:admin'], file: 'acls.yaml' }), [], 'a valid acl section');
});

t.test('TLS ciphers and curves: the defaults, and names OpenSSL does not know are refused', async (t) => {
  const listener = (tls: Record<string, unknown>) => ({
    name: 'l',
    securityProtocol: 'SSL',
    host: '127.0.0.1',
    port: 1,
    brokerPortBase: 10,
    advertisedHost: 'x',
    tls: { certFile: 'c', keyFile: 'k', ...tls },
  });
  const parsed = parseConfig({ upstream: { bootstrap: ['h:1'] }, listeners: [listener({})] }).listeners[0]!.tls!;
  t.equal(
    parsed.ciphers,
    'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305',
  );
  t.equal(parsed.curves, 'X25519:P-256:P-384');
  const issues = (tls: Record<string, unknown>) => {
    try {
      parseConfig({ upstream: { bootstrap: ['h:1'] }, listeners: [listener(tls)] });
      return [];
    } catch (e) {
      return (e as ConfigError).issues;
    }
  };
  t.match(issues({ ciphers: 'NO-SUCH-CIPHER' }), [
    /listeners\[0\].tls.ciphers: not usable by OpenSSL: .*no cipher match/,
  ]);
  t.match(issues({ curves: 'X25519:P-999' }), [/listeners\[0\].tls.curves: not usable by OpenSSL/]);
  t.same(issues({ ciphers: 'ECDHE-RSA-AES256-SHA384', curves: 'P-384' }), [], 'any list OpenSSL takes');
});
