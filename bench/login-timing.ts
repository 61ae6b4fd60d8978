// Does a failed login tell a known user from an unknown one by its timing (issue 10, point 3)?
// Time to the SaslAuthenticate failure for a known user with a wrong password and for an unknown
// user, PLAIN and SCRAM-SHA-512, alternating attempts on fresh connections to one `serve` process.
// Users have 8192-iteration credentials, so a stand-in with Kafka's minimum (4096) would show.
// Writes "## Login timing" in bench/BENCHMARKS.md.
//
//   npm run bench -- login-timing            (ATTEMPTS=200 by default)
import { cpus, tmpdir } from 'node:os';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { MockCluster } from '../src/demo/mock-cluster.js';
import { CredentialStore } from '../src/auth/credentials.js';
import { makeCredential } from '../src/auth/scram.js';
import { freePortBlock } from '../test/helpers/ports.js';
import { serveProxy } from '../test/helpers/serve.js';
import { RawClient } from '../test/helpers/raw-client.js';
import { ScramClient } from '../test/helpers/scram-client.js';
import { ApiKey } from '../src/protocol/generated/index.js';
import type * as saslAuthenticate from '../src/protocol/generated/sasl-authenticate.js';
import { median, writeSection } from './common.js';

const ATTEMPTS = Number(process.env.ATTEMPTS ?? 200);
const dir = mkdtempSync(join(tmpdir(), 'warden-login-bench-'));
const credentialsFile = join(dir, 'users.yaml');
const store = new CredentialStore(credentialsFile);
for (const u of ['alice', 'bob', 'carol'])
  store.set(u, 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', `${u}-password`, 8192));
store.save();
const cluster = await MockCluster.start({ brokers: 1 });
const base = await freePortBlock(20);
const proxy = await serveProxy({
  upstream: { bootstrap: cluster.brokers },
  listeners: [
    {
      name: 'sasl',
      securityProtocol: 'SASL_PLAINTEXT',
      host: '127.0.0.1',
      port: base,
      brokerPortBase: base + 10,
      advertisedHost: '127.0.0.1',
      sasl: { mechanisms: ['SCRAM-SHA-512', 'PLAIN'], allowPlainWithoutTls: true },
    },
  ],
  auth: { credentialsFile, failedAuthenticationDelayMs: 0, failedLogins: { attempts: 0 } },
  limits: { maxConnectionCreationRatePerIp: 0 },
  logging: { level: 'info' },
});

/** Milliseconds from the (last) SaslAuthenticate request to its failure. */
async function attempt(mechanism: 'PLAIN' | 'SCRAM-SHA-512', user: string): Promise<number> {
  const c = await RawClient.connect(`127.0.0.1:${base}`);
  try {
    await c.request(ApiKey.SaslHandshake, 1, { mechanism });
    if (mechanism === 'PLAIN') {
      const t0 = performance.now();
      const r = await c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 1, {
        authBytes: Buffer.from(`\0${user}\0wrong-password`),
      });
      if (r.errorCode !== 58) throw new Error(`expected a failure, got ${r.errorCode}`);
      return performance.now() - t0;
    }
    const sc = new ScramClient(mechanism, user, 'wrong-password');
    const t0 = performance.now();
    const first = await c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 1, { authBytes: sc.first() });
    const t1 = performance.now();
    const final = sc.final(first.authBytes); // the client's PBKDF2, not timed
    const t2 = performance.now();
    const r = await c.request<saslAuthenticate.Response>(ApiKey.SaslAuthenticate, 1, { authBytes: final });
    if (r.errorCode !== 58) throw new Error(`expected a failure, got ${r.errorCode}`);
    return t1 - t0 + (performance.now() - t2);
  } finally {
    c.close();
  }
}

const rows: string[] = [];
for (const mechanism of ['PLAIN', 'SCRAM-SHA-512'] as const) {
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < ATTEMPTS; i++) {
    known.push(await attempt(mechanism, 'bob'));
    unknown.push(await attempt(mechanism, `nobody-${i % 7}`));
  }
  const k = median(known);
  const u = median(unknown);
  console.log(mechanism, `known ${k.toFixed(3)} ms unknown ${u.toFixed(3)} ms ratio ${(u / k).toFixed(3)}`);
  rows.push(`| ${mechanism} | ${k.toFixed(3)} | ${u.toFixed(3)} | ${(u / k).toFixed(2)}x |`);
}
await proxy.stop();
await cluster.stop();
const heading = '## Login timing: known user with a wrong password vs unknown user (issue 10)';
writeSection(
  heading,
  [
    heading,
    '',
    `\`npm run bench -- login-timing\` (ATTEMPTS=${ATTEMPTS}), ${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores. Users hold 8192-iteration SCRAM-SHA-512 credentials; failed-authentication delay 0 so that only the work shows. Median time from the SaslAuthenticate request(s) to the failure (SCRAM: both rounds, without the client's own PBKDF2), alternating attempts, fresh connection each.`,
    '',
    '| mechanism | known user, wrong password (ms) | unknown user (ms) | unknown / known |',
    '|---|---:|---:|---:|',
    ...rows,
    '',
  ].join('\n'),
);
