// The fallback read path: with WARDEN_STATIC_READS=0 (or a Node.js without the mechanism) every
// socket uses ordinary 'data' events. Produce and consume through PLAINTEXT and SASL_SSL must work
// the same way there as on the default path, which the rest of the suite covers.
import t from 'tap';

process.env.WARDEN_STATIC_READS = '0';
const { staticReadsAvailable } = await import('../../src/proxy/static-read.js');
const { kcat } = await import('../helpers/kcat.js');
const { startSecureHarness, USERS } = await import('../helpers/secure.js');

t.test('kcat through PLAINTEXT and SASL_SSL with shared-buffer reads turned off', async (t) => {
  t.notOk(staticReadsAvailable(), 'the mechanism is off');
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const sasl = [
    '-X',
    'security.protocol=SASL_SSL',
    '-X',
    `ssl.ca.location=${h.pki.caFile}`,
    '-X',
    'sasl.mechanisms=SCRAM-SHA-512',
    '-X',
    'sasl.username=alice',
    '-X',
    `sasl.password=${USERS.alice}`,
  ];
  for (const [name, bootstrap, extra] of [
    ['PLAINTEXT', h.bootstrap, []],
    ['SASL_SSL', h.saslSsl, sasl],
  ] as Array<[string, string, string[]]>) {
    // Messages of 3 KiB: requests span several socket reads (and TLS records).
    const msgs = Array.from({ length: 300 }, (_, i) => `${name}-${i}-${'x'.repeat(3000)}`);
    const p = await kcat(['-b', bootstrap, '-t', `fallback-${name}`, '-p', '0', '-P', ...extra], {
      input: msgs.join('\n') + '\n',
      timeoutMs: 30_000,
    });
    t.equal(p.code, 0, `${name}: produce (${p.stderr.slice(0, 300)})`);
    const c = await kcat(
      ['-b', bootstrap, '-t', `fallback-${name}`, '-p', '0', '-C', '-e', '-q', '-o', 'beginning', ...extra],
      { timeoutMs: 30_000 },
    );
    t.same(c.stdout.split('\n').filter(Boolean), msgs, `${name}: consumed exactly what it produced, in order`);
  }
});
