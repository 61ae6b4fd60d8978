// ${env:NAME} and ${file:/path} in the configuration: resolved, reported by key path when missing,
// never echoed in an error, redacted by `check-config`, and never in a log line of a running proxy
// (an encrypted TLS key whose passphrase comes from the environment).
import t from 'tap';
import { writeFileSync, readFileSync, mkdtempSync } from 'node:fs';
import { createPrivateKey } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { resolveSecrets, redactConfig, scrub } from '../../src/config/secrets.js';
import { parseConfigWithSecrets, ConfigError } from '../../src/config/load.js';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { makePki } from '../helpers/certs.js';
import { startHarness } from '../helpers/proxy.js';
import { kcat } from '../helpers/kcat.js';
import { childEnv } from '../helpers/child-env.js';

const SECRET = 'pa55-Wörd-s3cret';

t.test('references resolve from the environment and from files', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-secret-'));
  writeFileSync(join(dir, 'pass'), `${SECRET}\n`);
  const r = resolveSecrets(
    { a: { b: '${env:WARDEN_T_A}' }, list: ['x', 'pre-${file:' + join(dir, 'pass') + '}-post'], n: 5 },
    { WARDEN_T_A: 'from-env' },
  );
  t.same(r.value, { a: { b: 'from-env' }, list: ['x', `pre-${SECRET}-post`], n: 5 });
  t.same(r.uses, [
    { path: 'a.b', refs: ['env:WARDEN_T_A'] },
    { path: 'list[1]', refs: [`file:${join(dir, 'pass')}`] },
  ]);
  t.throws(
    () => resolveSecrets({ x: { y: '${env:WARDEN_T_MISSING}' } }, {}),
    /x\.y: environment variable WARDEN_T_MISSING is not set/,
  );
  t.throws(
    () => resolveSecrets({ y: '${file:/nonexistent/secret}' }, {}),
    /y: cannot read secret file \/nonexistent\/secret \(ENOENT\)/,
  );
  t.same(redactConfig({ a: { b: 'from-env', c: 1 } }, r.uses), { a: { b: '[redacted: env:WARDEN_T_A]', c: 1 } });
  t.equal(scrub(`value ${SECRET} here`, [SECRET]), 'value [redacted] here');
});

t.test('a configuration error never shows a secret value', async (t) => {
  process.env.WARDEN_T_LEVEL = SECRET;
  t.teardown(() => delete process.env.WARDEN_T_LEVEL);
  const raw = {
    upstream: { bootstrap: ['h:1'] },
    listeners: [
      { name: 'p', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 1, brokerPortBase: 10, advertisedHost: 'h' },
    ],
    logging: { level: '${env:WARDEN_T_LEVEL}' },
  };
  try {
    parseConfigWithSecrets(raw);
    t.fail('should not parse');
  } catch (e) {
    t.ok(e instanceof ConfigError);
    t.match((e as Error).message, /logging\.level/);
    t.notOk((e as Error).message.includes(SECRET), 'the secret is not in the message');
  }
});

t.test('check-config prints the effective configuration with secrets redacted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'warden-secret-'));
  const file = join(dir, 'warden.yaml');
  writeFileSync(
    file,
    [
      'upstream: { bootstrap: ["127.0.0.1:9092"] }',
      'listeners:',
      '  - { name: secure, securityProtocol: SSL, host: 127.0.0.1, port: 19093, brokerPortBase: 19200, advertisedHost: localhost,',
      '      tls: { certFile: /etc/w/cert.pem, keyFile: /etc/w/key.pem, keyPassphrase: "${env:WARDEN_T_PASS}" } }',
      '',
    ].join('\n'),
  );
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'check-config', file],
    { cwd: PROJECT_ROOT, encoding: 'utf8', env: childEnv({ WARDEN_T_PASS: SECRET }) },
  );
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /1 secret value\(s\) redacted/);
  t.match(r.stdout, /keyPassphrase: '\[redacted: env:WARDEN_T_PASS\]'/);
  t.match(r.stdout, /clientAuth: none/, 'defaults are filled in');
  t.notOk(r.stdout.includes(SECRET) || r.stderr.includes(SECRET));
  const missing = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'check-config', file],
    { cwd: PROJECT_ROOT, encoding: 'utf8', env: childEnv({ WARDEN_T_PASS: '' }) },
  );
  t.equal(missing.status, 1, 'an empty passphrase is refused by the schema');
  t.match(missing.stderr, /keyPassphrase/);
  const env = childEnv();
  delete env.WARDEN_T_PASS;
  const unset = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(PROJECT_ROOT, 'src', 'cli', 'main.ts'), 'check-config', file],
    { cwd: PROJECT_ROOT, encoding: 'utf8', env },
  );
  t.equal(unset.status, 1);
  t.match(unset.stderr, /listeners\[0\]\.tls\.keyPassphrase: environment variable WARDEN_T_PASS is not set/);
});

t.test(
  'an encrypted key whose passphrase comes from ${env:...}: TLS works, no log line has the passphrase',
  async (t) => {
    const pki = await makePki();
    const encrypted = join(pki.dir, 'server-encrypted.key');
    writeFileSync(
      encrypted,
      createPrivateKey(readFileSync(pki.serverKey)).export({
        type: 'pkcs8',
        format: 'pem',
        cipher: 'aes-256-cbc',
        passphrase: SECRET,
      }),
    );
    process.env.WARDEN_T_KEY_PASS = SECRET;
    t.teardown(() => delete process.env.WARDEN_T_KEY_PASS);
    const h = await startHarness({
      extraListeners: (base) => [
        {
          name: 'tls',
          securityProtocol: 'SSL',
          host: '127.0.0.1',
          port: base + 20,
          brokerPortBase: base + 30,
          advertisedHost: 'localhost',
          tls: { certFile: pki.serverCert, keyFile: encrypted, keyPassphrase: '${env:WARDEN_T_KEY_PASS}' },
        },
      ],
    });
    t.teardown(() => h.stop());
    const md = await kcat(
      ['-L', '-b', `localhost:${h.base + 20}`, '-X', 'security.protocol=SSL', '-X', `ssl.ca.location=${pki.caFile}`],
      { timeoutMs: 20_000 },
    );
    t.equal(md.code, 0, `kcat over TLS with the decrypted key (${md.stderr.slice(0, 200)})`);
    // A reload with a broken key file is refused (and logged) without the passphrase either.
    writeFileSync(encrypted, 'not a key');
    await new Promise((r) => setTimeout(r, 600));
    t.ok(h.logs.length > 10, `${h.logs.length} log lines`);
    t.notOk(JSON.stringify(h.logs).includes(SECRET), 'the passphrase is in no log line');
  },
);
