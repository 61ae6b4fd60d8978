import { z } from 'zod';
import { hostPort, listenerSchema } from './listener-schema.js';

export * from './listener-schema.js';

export const configSchema = z
  .object({
    upstream: z
      .object({
        bootstrap: z.array(hostPort).min(1),
        connectTimeoutMs: z.number().int().positive().default(10_000),
        /** Longest a non-parking request may wait for its upstream response. */
        requestTimeoutMs: z.number().int().positive().default(60_000),
        metadataRefreshMs: z.number().int().positive().default(30_000),
        pool: z
          .object({
            mode: z.enum(['pooled', 'dedicated']).default('pooled'),
            maxConnectionsPerBroker: z.number().int().min(1).max(1024).default(4),
          })
          .strict()
          .default({ mode: 'pooled', maxConnectionsPerBroker: 4 }),
      })
      .strict(),
    listeners: z.array(listenerSchema).min(1),
    auth: z
      .object({
        /** YAML file of SCRAM credentials (see `kafka-warden scram`). */
        credentialsFile: z.string().min(1).optional(),
        /** Kafka's ssl.principal.mapping.rules. */
        principalMappingRules: z.string().default('DEFAULT'),
        /** A connection that has not authenticated by then is closed. */
        authenticationTimeoutMs: z.number().int().positive().default(10_000),
        /** connection.failed.authentication.delay.ms */
        failedAuthenticationDelayMs: z.number().int().nonnegative().default(100),
        /** connections.max.reauth.ms: 0 = sessions never expire (KIP-368 off). */
        maxReauthMs: z.number().int().nonnegative().default(0),
        /**
         * The secret unknown users' stand-in SCRAM salts derive from; give every instance of a fleet
         * the same one (as ${file:...}). Default: a random one kept beside the credentials file.
         */
        unknownUserSecret: z.string().min(16).optional(),
        /** Failed logins allowed per client address: `attempts` at once, refilled over `windowMs`; 0 attempts = no limit. */
        failedLogins: z
          .object({
            attempts: z.number().int().nonnegative().default(10),
            windowMs: z.number().int().positive().default(60_000),
          })
          .strict()
          .default({ attempts: 10, windowMs: 60_000 }),
        /** PLAIN's PBKDF2 derivations: at most `concurrency` at once on libuv's pool, `queue` waiting; more fail at once. */
        plainVerification: z
          .object({
            concurrency: z.number().int().positive().max(64).default(2),
            queue: z.number().int().nonnegative().default(64),
          })
          .strict()
          .default({ concurrency: 2, queue: 64 }),
      })
      .strict()
      .default({
        principalMappingRules: 'DEFAULT',
        authenticationTimeoutMs: 10_000,
        failedAuthenticationDelayMs: 100,
        maxReauthMs: 0,
        failedLogins: { attempts: 10, windowMs: 60_000 },
        plainVerification: { concurrency: 2, queue: 64 },
      }),
    /**
     * Kafka-style ACLs checked on every request. Without this section the proxy authorizes
     * nothing (as a broker without an authorizer), except that its own admin APIs stay closed.
     */
    acl: z
      .object({
        /** super.users: allowed everything, before any DENY. */
        superUsers: z.array(z.string().regex(/^User:.+$/, 'principals look like User:name')).default([]),
        /** allow.everyone.if.no.acl.found */
        allowEveryoneIfNoAclFound: z.boolean().default(false),
        /** The ACL store (YAML); changes through the admin APIs are persisted here. */
        file: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /**
     * The topics the proxy keeps its own state in (the audit Kafka sinks' topics) are off limits to
     * every client, super users included, with or without an acl section; the principals named here
     * are exempt (the ACLs then decide for them as for any topic). See README "Protected topics".
     */
    /**
     * Names this instance in its audit chains (each line's `chainid`; with workers, `<id>/worker-N`),
     * so that the chains of a fleet, interleaved in one topic, are told apart. Default: the host name
     * (a pod's name in Kubernetes).
     */
    instanceId: z.string().min(1).max(200).optional(),
    protectedTopics: z
      .object({
        principals: z.array(z.string().regex(/^User:.+$/, 'principals look like User:name')).default([]),
      })
      .strict()
      .default({ principals: [] }),
    /** The CloudEvents audit trail (see README "Audit"). */
    audit: z
      .object({
        /** Allowed decisions recorded: default = management operations and the first Produce/Fetch per connection and topic. Denials are always recorded. */
        allowed: z.enum(['default', 'all', 'none']).default('default'),
        /**
         * Where the stdout and kafka sinks keep undelivered events. Needed only by them: a file sink
         * writes each event to its own file before the request is answered (that file is its
         * durable store). Its onFull also says what a failed file write does (default failClosed).
         */
        spool: z
          .object({
            dir: z.string().min(1),
            maxBytes: z
              .number()
              .int()
              .positive()
              .default(256 * 1024 * 1024),
            segmentBytes: z
              .number()
              .int()
              .positive()
              .default(16 * 1024 * 1024),
            onFull: z.enum(['failClosed', 'dropOldest']).default('failClosed'),
            fsync: z.boolean().default(false),
          })
          .strict()
          .optional(),
        sinks: z
          .array(
            z.discriminatedUnion('type', [
              z
                .object({
                  type: z.literal('file'),
                  path: z.string().min(1),
                  maxBytes: z
                    .number()
                    .int()
                    .positive()
                    .default(100 * 1024 * 1024),
                  maxFiles: z.number().int().positive().default(10),
                  fsync: z.enum(['always', 'interval', 'never']).default('interval'),
                  fsyncIntervalMs: z.number().int().positive().default(1000),
                })
                .strict(),
              z.object({ type: z.literal('stdout') }).strict(),
              z
                .object({
                  type: z.literal('kafka'),
                  topic: z.string().min(1).default('_kafka_warden_audit'),
                  batchSize: z.number().int().positive().default(500),
                  lingerMs: z.number().int().nonnegative().default(20),
                  timeoutMs: z.number().int().positive().default(10_000),
                })
                .strict(),
            ]),
          )
          .min(1),
      })
      .strict()
      .superRefine((a, ctx) => {
        if (a.spool !== undefined) return;
        const spooled = a.sinks.flatMap((s, i) => (s.type === 'file' ? [] : [`sinks[${i}] (${s.type})`]));
        if (spooled.length > 0) {
          ctx.addIssue({
            code: 'custom',
            path: ['spool'],
            message: `${spooled.join(', ')} deliver${spooled.length === 1 ? 's' : ''} from a spool: set spool.dir to a directory for undelivered events (only file sinks need none)`,
          });
        }
      })
      .optional(),
    /** The management endpoint: /metrics, /healthz, /readyz. */
    management: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535),
      })
      .strict()
      .optional(),
    metrics: z
      .object({
        /** Per-principal byte counters, for at most this many principals (the rest count as "other"). */
        principalBytes: z
          .object({ maxPrincipals: z.number().int().positive().max(10_000) })
          .strict()
          .optional(),
      })
      .strict()
      .default({}),
    limits: z
      .object({
        /** socket.request.max.bytes */
        maxFrameBytes: z
          .number()
          .int()
          .positive()
          .default(100 * 1024 * 1024),
        /** Requests a client may have outstanding before the proxy stops reading its socket. */
        maxInFlightPerClient: z.number().int().positive().default(128),
        /**
         * Array entries and tagged fields one request may decode into (about 1 us and 100 bytes each,
         * however small): bounds the event-loop time one request can take from every other client.
         */
        maxRequestElements: z.number().int().positive().default(20_000),
        /** Bytes of requests and responses one client may hold in the proxy before its reads stop. */
        maxBufferedBytesPerClient: z
          .number()
          .int()
          .positive()
          .default(16 * 1024 * 1024),
        /** The same for all clients together. */
        maxBufferedBytes: z
          .number()
          .int()
          .positive()
          .default(512 * 1024 * 1024),
        /** max.connections: client connections over all listeners (TLS handshakes in progress count). */
        maxConnections: z.number().int().positive().default(10_000),
        /** max.connections.per.ip */
        maxConnectionsPerIp: z.number().int().positive().default(1_000),
        /** max.connections.per.ip.overrides: address -> limit (0 refuses the address). */
        maxConnectionsPerIpOverrides: z.record(z.string().min(1), z.number().int().nonnegative()).default({}),
        /** KIP-612 connection_creation_rate per address: new connections per second; 0 = no limit. */
        maxConnectionCreationRatePerIp: z.number().nonnegative().default(50),
        /** connections.max.idle.ms: a connection with nothing to do for this long is closed, authenticated or not. */
        connectionsMaxIdleMs: z.number().int().positive().default(600_000),
      })
      .strict()
      .default({
        maxFrameBytes: 100 * 1024 * 1024,
        maxInFlightPerClient: 128,
        maxRequestElements: 20_000,
        maxBufferedBytesPerClient: 16 * 1024 * 1024,
        maxBufferedBytes: 512 * 1024 * 1024,
        maxConnections: 10_000,
        maxConnectionsPerIp: 1_000,
        maxConnectionsPerIpOverrides: {},
        maxConnectionCreationRatePerIp: 50,
        connectionsMaxIdleMs: 600_000,
      }),
    shutdown: z
      .object({ drainTimeoutMs: z.number().int().nonnegative().default(10_000) })
      .strict()
      .default({ drainTimeoutMs: 10_000 }),
    logging: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .strict()
      .default({ level: 'info' }),
  })
  .strict()
  .superRefine((c, ctx) => {
    const seen = new Map<number, string>();
    c.listeners.forEach((l, i) => {
      const p = l.port;
      if (p !== 0 && seen.has(p)) {
        ctx.addIssue({
          code: 'custom',
          path: ['listeners', i, 'port'],
          message: `port ${p} is already used by ${seen.get(p)}`,
        });
      }
      seen.set(p, `listener ${l.name}`);
    });
    if (c.listeners.some((l) => l.sasl !== undefined) && c.auth.credentialsFile === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['auth', 'credentialsFile'],
        message: 'SASL listeners need a credentials file',
      });
    }
    const names = new Set<string>();
    c.listeners.forEach((l, i) => {
      if (names.has(l.name))
        ctx.addIssue({ code: 'custom', path: ['listeners', i, 'name'], message: `duplicate listener name ${l.name}` });
      names.add(l.name);
    });
  });

export type Config = z.infer<typeof configSchema>;
export type ListenerConfig = z.infer<typeof listenerSchema>;
