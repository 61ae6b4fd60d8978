// Rotation without restarts: credentials edited on disk apply to new logins, and a certificate
// replaced on disk is served to new connections while an established one keeps working.
import t from 'tap';
import tls from 'node:tls';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { startSecureHarness } from '../helpers/secure.js';
import { kcat } from '../helpers/kcat.js';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential } from '../../src/auth/scram.js';
import { makeCa, makeLeaf } from '../helpers/certs.js';
import { RawClient } from '../helpers/raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import { FrameReader } from '../../src/protocol/frame-reader.js';

async function until(cond: () => boolean, what: string, ms = 10_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

t.test('a user added to the credentials file can log in without a restart', async (t) => {
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const login = () =>
    kcat(
      [
        '-b',
        h.saslPlaintext,
        '-L',
        '-X',
        'security.protocol=SASL_PLAINTEXT',
        '-X',
        'sasl.mechanisms=SCRAM-SHA-256',
        '-X',
        'sasl.username=dave',
        '-X',
        'sasl.password=dave-pw',
      ],
      { timeoutMs: 15_000 },
    );
  t.not((await login()).code, 0, 'dave is unknown at first');
  const store = new CredentialStore(h.credentialsFile);
  store.set('dave', 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', 'dave-pw'));
  store.save();
  await until(() => h.logs.some((l) => l.msg === 'credentials reloaded'), 'credentials reload');
  t.equal((await login()).code, 0, 'dave logs in after the file changed');
  // A broken file is refused and the previous credentials stay in force.
  writeFileSync(h.credentialsFile + '.tmp', 'users: [this is not a map\n');
  renameSync(h.credentialsFile + '.tmp', h.credentialsFile);
  await until(() => h.logs.some((l) => String(l.msg).startsWith('credentials reload refused')), 'refused reload');
  t.equal((await login()).code, 0, 'dave still logs in with the previous credentials');
});

t.test('a certificate replaced on disk is served to new connections; old ones keep working', async (t) => {
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const port = Number(h.saslSsl.split(':')[1]);
  const connect = () =>
    new Promise<tls.TLSSocket>((resolve, reject) => {
      const s = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca: readFileSync(h.pki.caFile) }, () =>
        resolve(s),
      );
      s.once('error', reject);
    });
  const fingerprint = (s: tls.TLSSocket) => s.getPeerCertificate().fingerprint256;
  const before = await connect();
  const oldPrint = fingerprint(before);
  // A new server certificate (from a new CA the test client trusts), written over the files.
  const newCa = await makeCa('rotated-ca');
  const leaf = await makeLeaf(newCa, [['CN', 'localhost']], 'server');
  writeFileSync(join(h.pki.dir, 'server.key'), leaf.key);
  writeFileSync(join(h.pki.dir, 'server.pem'), leaf.cert);
  await until(() => h.logs.some((l) => l.msg === 'certificates reloaded'), 'certificate reload');
  const after = await new Promise<tls.TLSSocket>((resolve, reject) => {
    const s = tls.connect(
      { host: '127.0.0.1', port, servername: 'localhost', ca: [readFileSync(h.pki.caFile), Buffer.from(newCa.cert)] },
      () => resolve(s),
    );
    s.once('error', reject);
  });
  t.not(fingerprint(after), oldPrint, 'a new connection gets the new certificate');
  t.equal(fingerprint(after), new X509Certificate(leaf.cert).fingerprint256);
  // The old connection still works: an ApiVersions request is answered on it.
  const answered = new Promise<number>((resolve) => {
    const r = new FrameReader((p) => resolve(p.readInt32BE(4)));
    before.on('data', (d: Buffer) => r.push(d));
  });
  before.write(RawClient.packet(ApiKey.ApiVersions, 0, 42, {}));
  t.equal(await answered, 42, 'the established connection keeps working');
  before.destroy();
  after.destroy();
});
