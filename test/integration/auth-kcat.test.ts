// kcat (librdkafka) authenticating to the proxy exactly as to a secured broker: SASL_SSL with
// SCRAM-SHA-512, SCRAM-SHA-256 and PLAIN, and SSL with a client certificate whose subject is mapped
// to a principal by a rule; and the broker's refusals for bad credentials.
import t from 'tap';
import { kcat } from '../helpers/kcat.js';
import { startSecureHarness, USERS } from '../helpers/secure.js';

t.test('kcat over SASL_SSL and SSL through the proxy', async (t) => {
  const h = await startSecureHarness();
  t.teardown(() => h.stop());
  const tlsArgs = ['-X', 'security.protocol=SASL_SSL', '-X', `ssl.ca.location=${h.pki.caFile}`];

  for (const [mech, user] of [
    ['SCRAM-SHA-512', 'alice'],
    ['SCRAM-SHA-256', 'bob'],
    ['PLAIN', 'alice'],
  ] as const) {
    const auth = [
      ...tlsArgs,
      '-X',
      `sasl.mechanisms=${mech}`,
      '-X',
      `sasl.username=${user}`,
      '-X',
      `sasl.password=${USERS[user]}`,
    ];
    const msgs = Array.from({ length: 50 }, (_, i) => `${mech}-${i}`);
    const p = await kcat(['-b', h.saslSsl, '-t', 'secure', '-P', ...auth], {
      input: msgs.join('\n') + '\n',
      timeoutMs: 30_000,
    });
    t.equal(p.code, 0, `${mech}: produce (${p.stderr.slice(0, 300)})`);
    const c = await kcat(['-b', h.saslSsl, '-t', 'secure', '-C', '-e', '-q', '-o', 'beginning', ...auth], {
      timeoutMs: 30_000,
    });
    const got = new Set(c.stdout.split('\n'));
    t.ok(
      msgs.every((m) => got.has(m)),
      `${mech}: consumed everything it produced`,
    );
    t.ok(
      h.logs.some(
        (l) => l.msg === 'authentication succeeded' && l.principal === `User:${user}` && l.mechanism === mech,
      ),
      `${mech}: principal User:${user}`,
    );
  }

  // SSL with a client certificate: CN=writeuser,OU=ServiceUsers,... maps to User:writeuser.
  const ssl = [
    '-X',
    'security.protocol=SSL',
    '-X',
    `ssl.ca.location=${h.pki.caFile}`,
    '-X',
    `ssl.certificate.location=${h.pki.clientCert}`,
    '-X',
    `ssl.key.location=${h.pki.clientKey}`,
  ];
  const sp = await kcat(['-b', h.ssl, '-t', 'secure', '-P', ...ssl], { input: 'by-certificate\n', timeoutMs: 30_000 });
  t.equal(sp.code, 0, `mTLS produce (${sp.stderr.slice(0, 300)})`);
  t.ok(
    h.logs.some((l) => l.msg === 'authenticated by certificate' && l.principal === 'User:writeuser'),
    'principal mapped by the rule',
  );

  // Refusals: the broker's error, a closed connection, and the proxy unaffected.
  const before = h.logs.length;
  const wrong = await kcat(
    [
      '-b',
      h.saslSsl,
      '-L',
      ...tlsArgs,
      '-X',
      'sasl.mechanisms=SCRAM-SHA-512',
      '-X',
      'sasl.username=alice',
      '-X',
      'sasl.password=wrong',
    ],
    { timeoutMs: 20_000 },
  );
  t.not(wrong.code, 0, 'wrong password refused');
  t.match(wrong.stderr, /Authentication failed|SASL authentication error/i, 'with the SASL authentication error');
  const unknown = await kcat(
    [
      '-b',
      h.saslSsl,
      '-L',
      ...tlsArgs,
      '-X',
      'sasl.mechanisms=SCRAM-SHA-256',
      '-X',
      'sasl.username=nobody',
      '-X',
      'sasl.password=x',
    ],
    { timeoutMs: 20_000 },
  );
  t.not(unknown.code, 0, 'unknown user refused');
  t.match(unknown.stderr, /Authentication failed|SASL authentication error/i);
  const failures = h.logs.slice(before).filter((l) => l.msg === 'authentication failed');
  t.ok(
    failures.some((l) => l.user === 'alice') && failures.some((l) => l.user === 'nobody'),
    'failures logged with the attempted user',
  );
  t.notOk(
    JSON.stringify(h.logs).includes('wrong') || JSON.stringify(h.logs).includes(USERS.alice),
    'no password in any log line',
  );
  const rogue = await kcat(
    [
      '-b',
      h.ssl,
      '-L',
      '-X',
      'security.protocol=SSL',
      '-X',
      `ssl.ca.location=${h.pki.caFile}`,
      '-X',
      `ssl.certificate.location=${h.pki.rogueCert}`,
      '-X',
      `ssl.key.location=${h.pki.rogueKey}`,
    ],
    { timeoutMs: 20_000 },
  );
  t.not(rogue.code, 0, 'an untrusted client certificate is refused');
  t.ok(
    h.logs.some((l) => l.msg === 'TLS handshake failed'),
    'logged as a TLS handshake failure',
  );
  const ok = await kcat(['-b', h.bootstrap, '-L'], { timeoutMs: 10_000 });
  t.equal(ok.code, 0, 'the proxy still serves');
});
