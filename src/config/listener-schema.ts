// The schema of one listener: its port(s), TLS and SASL settings.
import { createSecureContext } from 'node:tls';
import { z } from 'zod';

/** host:port of an upstream broker. */
export const hostPort = z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/, 'must be host:port');

const port = z.number().int().min(0).max(65535);

/**
 * The TLS 1.2 suites offered unless `ciphers` is set: ECDHE key exchange (forward secrecy) with an
 * AEAD cipher (AES-GCM, ChaCha20-Poly1305), for ECDSA and RSA keys, in server preference order
 * (no CBC, no static RSA or DHE key exchange).
 */
export const DEFAULT_TLS_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

/** The key exchange groups offered unless `curves` is set (TLS 1.2 ECDHE and TLS 1.3). */
export const DEFAULT_TLS_CURVES = 'X25519:P-256:P-384';

export const tlsSchema = z
  .object({
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    /** Passphrase of an encrypted key file; give it as ${env:NAME} or ${file:/path}. */
    keyPassphrase: z.string().min(1).optional(),
    /** CA bundle for client certificates (required unless clientAuth is none). */
    caFile: z.string().min(1).optional(),
    clientAuth: z.enum(['none', 'requested', 'required']).default('none'),
    minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
    /**
     * OpenSSL cipher list for TLS 1.2; replaces the default list. TLS 1.3 suites stay Node's
     * defaults unless the list names some (TLS_AES_128_GCM_SHA256...).
     */
    ciphers: z.string().min(1).default(DEFAULT_TLS_CIPHERS),
    /** Key exchange groups, most preferred first, `:`-separated (Node's ecdhCurve). */
    curves: z.string().min(1).default(DEFAULT_TLS_CURVES),
  })
  .strict()
  .superRefine((t, ctx) => {
    // An unknown cipher or curve name would otherwise only fail when the listener opens.
    for (const [key, opts] of [
      ['ciphers', { ciphers: t.ciphers }],
      ['curves', { ecdhCurve: t.curves }],
    ] as const) {
      try {
        createSecureContext(opts);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: [key], message: `not usable by OpenSSL: ${(e as Error).message}` });
      }
    }
  })
  .refine((t) => t.clientAuth === 'none' || t.caFile !== undefined, {
    message: 'caFile is needed to verify client certificates',
    path: ['caFile'],
  });

export const saslMechanism = z.enum(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN']);

export const saslSchema = z
  .object({
    mechanisms: z.array(saslMechanism).min(1),
    /** PLAIN sends the password in clear: refused on a listener without TLS unless this is true. */
    allowPlainWithoutTls: z.boolean().default(false),
  })
  .strict();

export const listenerSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_-]+$/, 'use letters, digits, _ and -'),
    securityProtocol: z.enum(['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL']),
    host: z.string().min(1).default('0.0.0.0'),
    /** The bootstrap port: any broker behind it. */
    port,
    /** Node N is served on brokerPortBase + N. */
    brokerPortBase: port.optional(),
    /** Explicit node id -> port map; wins over brokerPortBase. */
    brokerPorts: z.record(z.string().regex(/^\d+$/, 'node ids are integers'), port).optional(),
    /** The host name clients are told to connect to. */
    advertisedHost: z.string().min(1),
    /**
     * When clients reach the node ports through a port mapping (NAT, a Kubernetes NodePort, a
     * relay), node N is advertised on advertisedBrokerPortBase + N instead of its bound port.
     */
    advertisedBrokerPortBase: port.optional(),
    tls: tlsSchema.optional(),
    sasl: saslSchema.optional(),
    /**
     * SNI routing on the one listener port: a TLS client asking for broker-<id>.<domain> reaches
     * broker <id>; any other name is a bootstrap connection. Brokers are advertised under those names.
     */
    sni: z
      .object({ domain: z.string().regex(/^[A-Za-z0-9.-]+$/, 'a DNS domain') })
      .strict()
      .optional(),
    /** listener.name.<l>.max.connections: this listener's connections; 0 = only the global limit. */
    maxConnections: z.number().int().nonnegative().default(0),
    /** max.connection.creation.rate of this listener: new connections per second; 0 = no limit. */
    maxConnectionCreationRate: z.number().nonnegative().default(0),
  })
  .strict()
  .refine((l) => l.brokerPortBase !== undefined || l.brokerPorts !== undefined || l.sni !== undefined, {
    message: 'needs brokerPortBase or brokerPorts so that each broker has its own port (or sni)',
  })
  .superRefine((l, ctx) => {
    const usesTls = l.securityProtocol === 'SSL' || l.securityProtocol === 'SASL_SSL';
    const usesSasl = l.securityProtocol === 'SASL_PLAINTEXT' || l.securityProtocol === 'SASL_SSL';
    if (usesTls && l.tls === undefined)
      ctx.addIssue({ code: 'custom', path: ['tls'], message: `${l.securityProtocol} needs tls (certFile, keyFile)` });
    if (!usesTls && l.tls !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['tls'],
        message: `${l.securityProtocol} does not use TLS; use SSL or SASL_SSL`,
      });
    if (l.sni !== undefined && !usesTls)
      ctx.addIssue({ code: 'custom', path: ['sni'], message: 'SNI routing needs TLS (SSL or SASL_SSL)' });
    if (usesSasl && l.sasl === undefined)
      ctx.addIssue({ code: 'custom', path: ['sasl'], message: `${l.securityProtocol} needs sasl.mechanisms` });
    if (!usesSasl && l.sasl !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['sasl'],
        message: `${l.securityProtocol} does not use SASL; use SASL_PLAINTEXT or SASL_SSL`,
      });
    if (
      l.securityProtocol === 'SASL_PLAINTEXT' &&
      l.sasl?.mechanisms.includes('PLAIN') &&
      !l.sasl.allowPlainWithoutTls
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['sasl', 'mechanisms'],
        message:
          'PLAIN would send passwords in clear on a listener without TLS; set sasl.allowPlainWithoutTls: true to allow it',
      });
    }
  });
