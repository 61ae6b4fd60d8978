// The client compatibility matrix (README "Client compatibility"): six independent Kafka clients
// through the proxy in front of one real Kafka node, over SASL_SSL (SCRAM-SHA-512) and mTLS, with
// ACLs on and a normal user (carol over SASL_SSL; over mTLS the principal User:writeuser that the
// principal mapping rules take from the client certificate's CN). For each client and protocol:
// metadata (the brokers advertised are the proxy's), a produce and consume round trip, a consumer
// group with commit, a topic without ACLs giving the client's authorization error, and over
// SASL_SSL a wrong password giving its authentication error. Each cell of the README's matrix is
// one subtest here, named "client / protocol / feature".
//
// Each client runs all its checks for a protocol in one process (kafkajs in this one); the
// clients run side by side, their outcomes are then asserted cell by cell.
import t from 'tap';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential } from '../../src/auth/scram.js';
import { startKafka } from '../helpers/kafka.js';
import { haveModern } from '../helpers/kcat.js';
import { makePki } from '../helpers/certs.js';
import { startSecureProxyOn } from '../helpers/secure.js';
import {
  FRANZ,
  SARAMA,
  franzChecks,
  saramaChecks,
  pythonChecks,
  havePythonClients,
  kafkajsChecks,
  kcatChecks,
  type CheckResults,
  type Plan,
} from '../helpers/matrix-clients.js';

const CLIENTS = {
  'franz-go': franzChecks,
  Sarama: saramaChecks,
  'confluent-kafka-python': (p: Plan) => pythonChecks('confluent', p),
  'kafka-python': (p: Plan) => pythonChecks('kafka-python', p),
  kafkajs: kafkajsChecks,
  'librdkafka 2.15': kcatChecks,
} as const;
type Client = keyof typeof CLIENTS;

/** Each client's authorization and authentication errors, as it reports them. */
const ERRORS: Record<Client, { denied: RegExp; auth: RegExp }> = {
  'franz-go': { denied: /TOPIC_AUTHORIZATION_FAILED/, auth: /SASL_AUTHENTICATION_FAILED/ },
  Sarama: { denied: /The client is not authorized to access this topic/, auth: /SASL Authentication failed/ },
  'confluent-kafka-python': {
    denied: /TOPIC_AUTHORIZATION_FAILED/,
    auth: /SASL authentication error: Authentication failed/,
  },
  'kafka-python': { denied: /TopicAuthorizationFailedError/, auth: /SaslAuthenticationFailedError/ },
  kafkajs: {
    denied: /Not authorized to access topics: \[Topic authorization failed\]/,
    auth: /KafkaJSSASLAuthenticationError/,
  },
  'librdkafka 2.15': {
    denied: /Broker: Topic authorization failed/,
    auth: /SASL authentication error: Authentication failed/,
  },
};

const PROTOCOLS = ['SASL_SSL', 'mTLS'] as const;
type Protocol = (typeof PROTOCOLS)[number];
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-');
const CAROL = { user: 'carol', password: 'carol-secret' };

t.ok(
  existsSync(FRANZ) && existsSync(SARAMA) && havePythonClients && haveModern,
  'the test clients are built (scripts/build-test-clients.sh, scripts/build-modern-librdkafka.sh)',
);

const kafka = await startKafka(t);
const topics: Record<string, number> = { denied: 1 };
for (const c of Object.keys(CLIENTS)) for (const p of PROTOCOLS) topics[`mx-${slug(c)}-${slug(p)}`] = 3;
await kafka.createTopics(topics);

// ACLs: carol and writeuser may use the mx- topics and groups, nothing else; alice is the super user.
const aclDir = (await makePki()).dir;
const aclFile = join(aclDir, 'acls.yaml');
const allow = (principal: string, resourceType: string) =>
  `  - { resourceType: ${resourceType}, resourceName: mx-, patternType: PREFIXED, principal: "${principal}", operation: ALL }`;
writeFileSync(
  aclFile,
  ['acls:', ...['User:carol', 'User:writeuser'].flatMap((p) => [allow(p, 'TOPIC'), allow(p, 'GROUP')])].join('\n') +
    '\n',
);
// The failed-login limit per address is raised: every client's wrong password (and its retries)
// comes from 127.0.0.1 and must meet the authentication error, not the lockout.
const proxy = await startSecureProxyOn(kafka.brokers, {
  acl: { superUsers: ['User:alice'], allowEveryoneIfNoAclFound: false, file: aclFile },
  auth: { failedLogins: { attempts: 1000, windowMs: 60_000 } },
});
t.teardown(() => proxy.stop());

// carol, a SCRAM-SHA-512 user who is no super user: added to the running proxy's credentials file.
const store = new CredentialStore(proxy.credentialsFile);
store.reload();
store.set(CAROL.user, 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', CAROL.password));
const reloads = proxy.logs.filter((l) => l.msg === 'credentials reloaded').length;
store.save();
for (
  const end = Date.now() + 10_000;
  proxy.logs.filter((l) => l.msg === 'credentials reloaded').length === reloads && Date.now() < end;
)
  await new Promise((r) => setTimeout(r, 50));

const nodeId = kafka.nodes[0]!.id;
const expected: Record<Protocol, { bootstrap: string; brokers: Array<{ id: number; host: string; port: number }> }> = {
  SASL_SSL: { bootstrap: proxy.saslSsl, brokers: [{ id: nodeId, host: 'localhost', port: proxy.base + 30 + nodeId }] },
  mTLS: { bootstrap: proxy.ssl, brokers: [{ id: nodeId, host: 'localhost', port: proxy.base + 50 + nodeId }] },
};

function plan(client: Client, protocol: Protocol, password = CAROL.password): Plan {
  const name = `mx-${slug(client)}-${slug(protocol)}`;
  return {
    bootstrap: expected[protocol].bootstrap,
    tls:
      protocol === 'mTLS'
        ? { ca: proxy.pki.caFile, cert: proxy.pki.clientCert, key: proxy.pki.clientKey }
        : { ca: proxy.pki.caFile },
    ...(protocol === 'SASL_SSL' ? { sasl: { mechanism: 'SCRAM-SHA-512' as const, user: CAROL.user, password } } : {}),
    matrix: {
      topic: name,
      group: name,
      values: Array.from({ length: 12 }, (_, i) => `${name}-${i}`),
      deniedTopic: 'denied',
      timeoutMs: 30_000,
      checks: password === CAROL.password ? ['metadata', 'produce', 'consume', 'group', 'denied'] : ['metadata'],
    },
  };
}

// Every client's runs, two clients at a time (the machine has two cores).
const runs: Array<[Client, Protocol | 'wrong password']> = [];
for (const c of Object.keys(CLIENTS) as Client[]) runs.push([c, 'SASL_SSL'], [c, 'mTLS'], [c, 'wrong password']);
const results = new Map<string, CheckResults>();
const queue = [...runs];
await Promise.all(
  [0, 1].map(async () => {
    for (let r = queue.shift(); r; r = queue.shift()) {
      const [client, what] = r;
      const p = what === 'wrong password' ? plan(client, 'SASL_SSL', 'not-the-password') : plan(client, what);
      results.set(`${client}/${what}`, await CLIENTS[client](p).catch((e: unknown) => ({ error: String(e) })));
    }
  }),
);

for (const client of Object.keys(CLIENTS) as Client[]) {
  for (const protocol of PROTOCOLS) {
    const r = results.get(`${client}/${protocol}`)!;
    const p = plan(client, protocol);
    const values = [...p.matrix.values].sort();
    const dump = JSON.stringify(r).slice(0, 1500);
    await t.test(`${client} / ${protocol} / metadata`, async (t) => {
      t.equal(r.error, undefined, `the client ran: ${dump}`);
      t.equal(r.metadata?.error, undefined, r.metadata?.error ?? 'no error');
      t.same(r.metadata?.brokers, expected[protocol].brokers, "the brokers advertised are the proxy's listener ports");
    });
    await t.test(`${client} / ${protocol} / produce and consume`, async (t) => {
      t.equal(r.produce?.error, undefined, r.produce?.error ?? 'no produce error');
      t.equal(r.produce?.count, values.length, 'every value produced');
      t.equal(r.consume?.error, undefined, r.consume?.error ?? 'no consume error');
      t.same(r.consume?.values, values, 'read back exactly what was produced');
    });
    await t.test(`${client} / ${protocol} / consumer group with commit`, async (t) => {
      t.equal(r.group?.error, undefined, r.group?.error ?? 'no error');
      t.same(r.group?.values, values, 'the member got every value');
      if (client === 'librdkafka 2.15')
        t.same(
          r.group?.resumed,
          ['after-commit'],
          'a new member resumed after the committed offsets: only the value produced after the commit',
        );
      else t.equal(r.group?.committed, values.length, "the group's committed offsets, read back, cover every value");
    });
    await t.test(`${client} / ${protocol} / denied topic`, async (t) => {
      t.equal(r.denied?.produced, undefined, 'nothing produced to the topic without ACLs');
      t.match(r.denied?.error ?? '', ERRORS[client].denied, `${client}'s authorization error: ${r.denied?.error}`);
    });
  }
  await t.test(`${client} / SASL_SSL / wrong password`, async (t) => {
    const r = results.get(`${client}/wrong password`)!;
    t.equal(r.metadata?.brokers, undefined, 'no metadata without authentication');
    t.match(
      r.metadata?.error ?? r.error ?? '',
      ERRORS[client].auth,
      `${client}'s authentication error: ${r.metadata?.error ?? r.error}`,
    );
  });
}
