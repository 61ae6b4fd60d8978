// TLS defaults of a listener (issue 10): TLS 1.2 offers only ECDHE key exchange with AEAD ciphers,
// in the server's order, over X25519, P-256 and P-384; TLS 1.0 and 1.1 are refused;
// client-initiated renegotiation is refused; a connection that does not finish its handshake is
// closed by the authentication timeout. Ciphers and curves stay configurable.
import t from 'tap';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { makeServerCert } from '../helpers/certs.js';
import { handshake, startTlsHarness } from '../helpers/tls.js';

const TLS12 = { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' } as const;

t.test('TLS listeners', async (t) => {
  // Default settings with an RSA and with an ECDSA key, and a listener with its own.
  const h = await startTlsHarness(
    (pki) => {
      const ecdsa = makeServerCert(pki, { keyType: 'ecdsa' });
      return {
        rsa: { certFile: pki.serverCert, keyFile: pki.serverKey },
        ecdsa: { certFile: ecdsa.cert, keyFile: ecdsa.key },
        custom: {
          certFile: pki.serverCert,
          keyFile: pki.serverKey,
          ciphers: 'ECDHE-RSA-AES256-SHA384',
          curves: 'P-384',
        },
      };
    },
    { auth: { authenticationTimeoutMs: 1500 } },
  );
  t.teardown(() => h.stop());
  const { rsa, ecdsa: ec } = h.ports;

  t.test('TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305 only', async (t) => {
    for (const [port, key, suites] of [
      [rsa!, 'RSA', ['ECDHE-RSA-AES128-GCM-SHA256', 'ECDHE-RSA-AES256-GCM-SHA384', 'ECDHE-RSA-CHACHA20-POLY1305']],
      [
        ec!,
        'ECDSA',
        ['ECDHE-ECDSA-AES128-GCM-SHA256', 'ECDHE-ECDSA-AES256-GCM-SHA384', 'ECDHE-ECDSA-CHACHA20-POLY1305'],
      ],
    ] as const) {
      for (const cipher of suites) {
        const r = await handshake(port, h.pki, { ...TLS12, ciphers: cipher });
        t.same([r.protocol, r.cipher, r.error], ['TLSv1.2', cipher, null], `${key} key: ${cipher} accepted`);
      }
    }
    const refused = {
      RSA: [
        'ECDHE-RSA-AES128-SHA',
        'ECDHE-RSA-AES256-SHA384',
        'AES128-GCM-SHA256',
        'AES256-GCM-SHA384',
        'AES128-SHA',
        'DHE-RSA-AES128-GCM-SHA256',
        'DHE-RSA-CHACHA20-POLY1305',
        'AES128-CCM',
        'ECDHE-ARIA128-GCM-SHA256',
      ],
      ECDSA: ['ECDHE-ECDSA-AES128-SHA', 'ECDHE-ECDSA-AES256-SHA384', 'ECDHE-ECDSA-AES128-CCM'],
    };
    for (const [key, list] of Object.entries(refused)) {
      for (const cipher of list) {
        const r = await handshake(key === 'RSA' ? rsa! : ec!, h.pki, { ...TLS12, ciphers: `${cipher}:@SECLEVEL=0` });
        t.same(
          [r.protocol, r.error],
          [null, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'],
          `${key} key: ${cipher} refused by the server (${r.error ?? r.cipher})`,
        );
      }
    }
  });

  t.test('the server picks the cipher', async (t) => {
    const r = await handshake(rsa!, h.pki, {
      ...TLS12,
      ciphers: 'ECDHE-RSA-CHACHA20-POLY1305:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256',
    });
    t.equal(r.cipher, 'ECDHE-RSA-AES128-GCM-SHA256', "the server's first choice, not the client's");
    const any = await handshake(rsa!, h.pki, TLS12);
    t.equal(
      any.cipher,
      'ECDHE-RSA-AES128-GCM-SHA256',
      "a client offering node's defaults gets the server's first choice",
    );
    const v13 = await handshake(rsa!, h.pki);
    t.equal(v13.protocol, 'TLSv1.3', 'TLS 1.3 when the client has it');
  });

  t.test('TLS 1.0 and 1.1 refused', async (t) => {
    for (const v of ['TLSv1', 'TLSv1.1'] as const) {
      const r = await handshake(rsa!, h.pki, { minVersion: v, maxVersion: v, ciphers: 'DEFAULT:@SECLEVEL=0' });
      t.same(
        [r.protocol, r.error],
        [null, 'ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION'],
        `${v}: protocol_version alert from the server (${r.error ?? r.protocol})`,
      );
    }
  });

  t.test('key exchange groups: X25519, P-256, P-384', async (t) => {
    for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
      for (const [curve, name] of [
        ['X25519', 'X25519'],
        ['P-256', 'prime256v1'],
        ['P-384', 'secp384r1'],
      ] as const) {
        const r = await handshake(rsa!, h.pki, { minVersion: version, maxVersion: version, ecdhCurve: curve });
        t.same([r.protocol, r.group], [version, name], `${version} over ${curve}`);
      }
      for (const curve of ['X448', 'P-521', 'ffdhe2048']) {
        const r = await handshake(rsa!, h.pki, { minVersion: version, maxVersion: version, ecdhCurve: curve });
        t.equal(r.protocol, null, `${version}: a client with only ${curve} is refused (${r.error ?? r.group})`);
      }
    }
  });

  t.test('client-initiated renegotiation refused', async (t) => {
    const s = tls.connect({
      host: '127.0.0.1',
      port: rsa!,
      servername: 'localhost',
      ca: readFileSync(h.pki.caFile),
      ...TLS12,
    });
    await new Promise<void>((resolve, reject) => {
      s.once('secureConnect', resolve);
      s.once('error', reject);
    });
    const outcome = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve('no answer in 10 s'), 10_000);
      const end = (what: string) => {
        clearTimeout(timer);
        resolve(what);
      };
      s.once('error', (e: NodeJS.ErrnoException) => end(e.code ?? e.message));
      // node calls back on the new handshake's 'secure' only; a refusal comes as an error.
      if (!s.renegotiate({ rejectUnauthorized: true }, (e) => end(e ? `callback error ${e.message}` : 'renegotiated')))
        end('renegotiate() refused locally');
    });
    s.destroy();
    t.equal(outcome, 'ERR_SSL_NO_RENEGOTIATION', 'the server answers a new ClientHello with a no_renegotiation alert');
  });

  t.test('ciphers and curves are configurable; a cipher list replaces the default', async (t) => {
    const port = h.ports.custom!;
    const cbc = await handshake(port, h.pki, { ...TLS12, ciphers: 'ECDHE-RSA-AES256-SHA384' });
    t.same(
      [cbc.protocol, cbc.cipher, cbc.group],
      ['TLSv1.2', 'ECDHE-RSA-AES256-SHA384', 'secp384r1'],
      'the configured suite and curve',
    );
    const gcm = await handshake(port, h.pki, { ...TLS12, ciphers: 'ECDHE-RSA-AES128-GCM-SHA256' });
    t.equal(gcm.error, 'ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'a default suite is no longer offered');
    const x25519 = await handshake(port, h.pki, { ecdhCurve: 'X25519' });
    t.equal(x25519.protocol, null, `X25519 is no longer offered (${x25519.error ?? x25519.group})`);
    const v13 = await handshake(port, h.pki, { ciphers: 'TLS_CHACHA20_POLY1305_SHA256' });
    t.same(
      [v13.protocol, v13.cipher],
      ['TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256'],
      "TLS 1.3 keeps node's suites when the list names none",
    );

    // A configuration reload changes them for new connections.
    const listeners = h.proxy.config.listeners.map((l) =>
      l.name === 'custom' ? { ...l, tls: { ...l.tls!, curves: 'X25519' } } : l,
    );
    const { applied } = h.proxy.applyConfig({ ...h.proxy.config, listeners });
    t.same(applied, ['listeners[3].tls'], 'the new curves applied live');
    const reloaded = await handshake(port, h.pki, { ...TLS12, ciphers: 'ECDHE-RSA-AES256-SHA384' });
    t.same([reloaded.protocol, reloaded.group], ['TLSv1.2', 'X25519'], 'after the reload: X25519');
  });

  // Last: it changes the authentication timeout.
  t.test('a connection that does not finish its TLS handshake is closed by the authentication timeout', async (t) => {
    const port = rsa!;
    /** How long a client that sends `bytes` (and then nothing) stays connected; 20 s at most. */
    const openFor = (bytes: Buffer | null) =>
      new Promise<number>((resolve) => {
        const started = Date.now();
        const s = net.connect(port, '127.0.0.1', () => bytes && s.write(bytes));
        const timer = setTimeout(() => {
          s.destroy();
          resolve(Infinity);
        }, 20_000);
        s.on('error', () => {});
        s.on('close', () => {
          clearTimeout(timer);
          resolve(Date.now() - started);
        });
      });
    // Nothing at all, and the first bytes of a ClientHello record (a slow client).
    const [silent, partial] = await Promise.all([openFor(null), openFor(Buffer.from('160301', 'hex'))]);
    for (const [what, ms] of [
      ['a client that never sends a ClientHello', silent],
      ['a client that stops in its ClientHello', partial],
    ] as const) {
      t.ok(
        ms >= 1400 && ms < 10_000,
        `${what}: closed after ${ms} ms (authenticationTimeoutMs 1500; node's own default would be 120 s)`,
      );
    }
    t.ok(
      h.logs.filter((l) => l.msg === 'TLS handshake failed' && l.code === 'ERR_TLS_HANDSHAKE_TIMEOUT').length >= 2,
      'logged as handshake timeouts',
    );

    // A reloaded authentication timeout applies to new connections.
    h.proxy.applyConfig({ ...h.proxy.config, auth: { ...h.proxy.config.auth, authenticationTimeoutMs: 500 } });
    const after = await openFor(null);
    t.ok(after >= 450 && after < 1400, `after a reload to 500 ms: closed after ${after} ms`);

    const r = await handshake(port, h.pki);
    t.equal(r.protocol, 'TLSv1.3', 'a client that does its handshake is served');
  });
});
