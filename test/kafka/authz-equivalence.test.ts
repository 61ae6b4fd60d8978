// The proxy's authorizer, proven equal to Kafka's (in the spirit of Kroxylicious's authorization
// equivalence suite). One real broker runs Kafka's StandardAuthorizer with SCRAM users on a
// SASL_PLAINTEXT listener; its PLAINTEXT listener (principal ANONYMOUS, a super user) is the
// proxy's upstream and our admin connection. The same users and the same seeded random ACLs are
// loaded into the broker and into the proxy; then a seeded random sequence of client requests
// (produce, fetch, metadata, groups, offsets, transactions, admin) runs as each user straight
// against the broker and through the proxy's SASL_PLAINTEXT listener, at the same API versions.
// Every response, reduced to what authorization decides (error codes per topic, partition, group,
// transactional id and resource; the topics, groups, transactions and ACLs listed; the
// authorized-operations bitfields), must be equal. The broker is the oracle.
//
// AUTHZ_SEED=<n> replays a seed; the seed is printed either way.
import t from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { startKafka } from '../helpers/kafka.js';
import { startProxyOn } from '../helpers/proxy.js';
import { RawClient, recordBatch } from '../helpers/raw-client.js';
import { loginScram } from '../helpers/scram-client.js';
import { CredentialStore } from '../../src/auth/credentials.js';
import { makeCredential } from '../../src/auth/scram.js';
import { writeAclFile } from '../../src/acl/store.js';
import { ApiKey, API_SPECS } from '../../src/protocol/generated/index.js';
import { describeAcl } from '../../src/acl/model.js';
import type * as apiVersions from '../../src/protocol/generated/api-versions.js';
import type * as createAcls from '../../src/protocol/generated/create-acls.js';
import type * as describeAcls from '../../src/protocol/generated/describe-acls.js';
import type * as findCoordinator from '../../src/protocol/generated/find-coordinator.js';
import type * as initProducerId from '../../src/protocol/generated/init-producer-id.js';
import type * as offsetCommit from '../../src/protocol/generated/offset-commit.js';
import type * as metadata from '../../src/protocol/generated/metadata.js';
import {
  Rand,
  TOPICS,
  DELETABLE_TOPICS,
  GROUPS,
  DELETABLE_GROUPS,
  TXN_IDS,
  ZERO_ID,
  generateAcls,
  generateCases,
  normalise,
  diffLines,
  setRecords,
  type Case,
  type CaseContext,
} from '../helpers/authz-equivalence.js';

const SEED = Number(process.env.AUTHZ_SEED ?? 4404);
const USERS = ['u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'admin'];
const PER_USER = 45;
const password = (u: string) => `${u}-secret`;

t.comment(`authorization equivalence seed ${SEED} (AUTHZ_SEED=${SEED} replays it)`);

const kafka = await startKafka(t, {
  listeners: [{ name: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT' }],
  addScram: USERS.map((u) => `SCRAM-SHA-256=[name=${u},password=${password(u)}]`),
  config: {
    'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
    'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config':
      'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    'authorizer.class.name': 'org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    // ANONYMOUS: the PLAINTEXT and CONTROLLER listeners (the proxy's upstream, our admin, the controller).
    'super.users': 'User:ANONYMOUS;User:admin',
    'allow.everyone.if.no.acl.found': false,
    // Off, so that no case changes which topics exist (Kafka's default is on, which the proxy's
    // Metadata check assumes: see explained()).
    'auto.create.topics.enable': false,
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const admin = await RawClient.connect(kafka.brokers[0]!);
t.teardown(() => admin.close());

/** Retries `f` while it answers one of `retriable` (coordinators loading, a transaction ending). */
async function until<T>(what: string, f: () => Promise<T>, ok: (r: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await f();
    if (ok(r)) return r;
    if (Date.now() > end)
      throw new Error(
        `${what}: still ${JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
      );
    await sleep(50);
  }
}

// ---- state every path starts from -------------------------------------------------------------

await kafka.createTopics(Object.fromEntries([...TOPICS, ...DELETABLE_TOPICS].map((n) => [n, 1])));
setRecords(await recordBatch([Buffer.from('equivalence')]));

async function commitOffsets(groupId: string): Promise<void> {
  await until(
    `offset commit for ${groupId}`,
    () =>
      admin.request<offsetCommit.Response>(ApiKey.OffsetCommit, 8, {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [
          {
            name: 'orders',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 0n,
                committedLeaderEpoch: -1,
                commitTimestamp: -1n,
                committedMetadata: null,
              },
            ],
          },
        ],
      }),
    (r) => r.topics.every((x) => x.partitions.every((p) => p.errorCode === 0)),
  );
}

async function initTxn(transactionalId: string): Promise<CaseContext> {
  const r = await until(
    'InitProducerId',
    () =>
      admin.request<initProducerId.Response>(ApiKey.InitProducerId, 4, {
        transactionalId,
        transactionTimeoutMs: 60000,
        producerId: -1n,
        producerEpoch: -1,
      }),
    (x) => x.errorCode === 0,
  );
  return { producerId: r.producerId, producerEpoch: r.producerEpoch };
}

await until(
  'group coordinator',
  () =>
    admin.request<findCoordinator.Response>(ApiKey.FindCoordinator, 4, {
      key: '',
      keyType: 0,
      coordinatorKeys: ['grp-a'],
    }),
  (r) => r.coordinators.every((c) => c.errorCode === 0),
);
await until(
  'transaction coordinator',
  () =>
    admin.request<findCoordinator.Response>(ApiKey.FindCoordinator, 4, {
      key: '',
      keyType: 1,
      coordinatorKeys: ['tx-a'],
    }),
  (r) => r.coordinators.every((c) => c.errorCode === 0),
);
for (const g of [...GROUPS, ...DELETABLE_GROUPS]) await commitOffsets(g);
for (const id of TXN_IDS) await initTxn(id);

/** Before each path: what the case's request acts on is back as it was. */
async function setup(c: Case): Promise<CaseContext> {
  const none = { producerId: -1n, producerEpoch: -1 };
  if (c.setup === 'deletable-topics') {
    await kafka.createTopics(Object.fromEntries(DELETABLE_TOPICS.map((n) => [n, 1])));
    await until(
      'deletable topics in metadata',
      () =>
        admin.request<metadata.Response>(ApiKey.Metadata, 12, {
          topics: DELETABLE_TOPICS.map((name) => ({ name, topicId: ZERO_ID })),
          allowAutoTopicCreation: false,
          includeClusterAuthorizedOperations: false,
          includeTopicAuthorizedOperations: false,
        }),
      (r) =>
        r.topics.every(
          (x) => x.errorCode === 0 && x.partitions.length > 0 && x.partitions.every((p) => p.leaderId >= 0),
        ),
    );
    return none;
  }
  if (c.setup === 'deletable-groups') {
    for (const g of DELETABLE_GROUPS) await commitOffsets(g);
    return none;
  }
  if (c.setup === 'ongoing-txn') {
    // A fresh epoch (which aborts whatever the other path left open), with a partition and the
    // groups' offsets in the transaction, so that EndTxn and TxnOffsetCommit can succeed.
    const ctx = await initTxn(c.txnId!);
    const txn = {
      v3AndBelowTransactionalId: c.txnId!,
      v3AndBelowProducerId: ctx.producerId,
      v3AndBelowProducerEpoch: ctx.producerEpoch,
    };
    await until(
      'AddPartitionsToTxn',
      () =>
        admin.request<{
          resultsByTopicV3AndBelow: Array<{ resultsByPartition: Array<{ partitionErrorCode: number }> }>;
        }>(ApiKey.AddPartitionsToTxn, 3, {
          transactions: [],
          ...txn,
          v3AndBelowTopics: [{ name: 'orders', partitions: [0] }],
        }),
      (r) => r.resultsByTopicV3AndBelow.every((x) => x.resultsByPartition.every((p) => p.partitionErrorCode === 0)),
    );
    for (const groupId of GROUPS)
      await until(
        'AddOffsetsToTxn',
        () =>
          admin.request<{ errorCode: number }>(ApiKey.AddOffsetsToTxn, 3, {
            transactionalId: c.txnId!,
            producerId: ctx.producerId,
            producerEpoch: ctx.producerEpoch,
            groupId,
          }),
        (r) => r.errorCode === 0,
      );
    return ctx;
  }
  return none;
}

// ---- the same ACLs on both sides --------------------------------------------------------------

const rand = new Rand(SEED);
const acls = generateAcls(
  rand,
  USERS.filter((u) => u !== 'admin'),
);
const created = await admin.request<createAcls.Response>(ApiKey.CreateAcls, 3, {
  creations: acls.map((a) => ({
    resourceType: a.resourceType,
    resourceName: a.resourceName,
    resourcePatternType: a.patternType,
    principal: a.principal,
    host: a.host,
    operation: a.operation,
    permissionType: a.permission,
  })),
});
const refused = created.results.filter((r) => r.errorCode !== 0);
// (No assertion out here: tap would take the file for done before the cases run.)
if (refused.length) throw new Error(`the broker refused ACLs: ${JSON.stringify(refused)}`);
const describeAll = {
  resourceTypeFilter: 1,
  resourceNameFilter: null,
  patternTypeFilter: 1,
  principalFilter: null,
  hostFilter: null,
  operation: 1,
  permissionType: 1,
};
const aclCount = (r: describeAcls.Response) => r.resources.reduce((n, x) => n + x.acls.length, 0);
// The broker applies ACLs when it replays the metadata log: wait until it has them all.
await until(
  'the broker applying the ACLs',
  () => admin.request<describeAcls.Response>(ApiKey.DescribeAcls, 3, describeAll),
  (r) => aclCount(r) === acls.length,
);
t.comment(`${acls.length} ACLs:\n${acls.map(describeAcl).join('\n')}`);

const dir = mkdtempSync(join(tmpdir(), 'warden-equivalence-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const aclFile = join(dir, 'acls.yaml');
writeAclFile(aclFile, acls);
const credentialsFile = join(dir, 'users.yaml');
const store = new CredentialStore(credentialsFile);
for (const u of USERS) store.set(u, 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', password(u)));
store.save();

const proxy = await startProxyOn(kafka.brokers, {
  auth: { credentialsFile },
  config: { acl: { superUsers: ['User:ANONYMOUS', 'User:admin'], allowEveryoneIfNoAclFound: false, file: aclFile } },
  extraListeners: (base) => [
    {
      name: 'saslplain',
      securityProtocol: 'SASL_PLAINTEXT',
      host: '127.0.0.1',
      port: base + 60,
      brokerPortBase: base + 70,
      advertisedHost: '127.0.0.1',
      sasl: { mechanisms: ['SCRAM-SHA-256'] },
    },
  ],
});
t.teardown(() => proxy.stop());

// ---- the two paths ----------------------------------------------------------------------------

const DIRECT = kafka.listener('SASL_PLAINTEXT')[0]!;
const PROXIED = `127.0.0.1:${proxy.base + 70 + kafka.nodes[0]!.id}`;

class Path {
  private conns = new Map<string, RawClient>();
  constructor(readonly address: string) {}
  async conn(user: string): Promise<RawClient> {
    const c = this.conns.get(user);
    if (c && !c.isClosed) return c;
    const n = await loginScram(this.address, user, password(user));
    this.conns.set(user, n);
    return n;
  }
  close(): void {
    for (const c of this.conns.values()) c.close();
  }
}
const direct = new Path(DIRECT);
const proxied = new Path(PROXIED);
t.teardown(() => {
  direct.close();
  proxied.close();
});

async function versions(p: Path): Promise<Map<number, [number, number]>> {
  const r = await (
    await p.conn('admin')
  ).request<apiVersions.Response>(ApiKey.ApiVersions, 3, {
    clientSoftwareName: 'equivalence',
    clientSoftwareVersion: '1',
  });
  return new Map(r.apiKeys.map((k) => [k.apiKey, [k.minVersion, k.maxVersion]]));
}
const brokerVersions = await versions(direct);
const proxyVersions = await versions(proxied);
/** The version both paths use: the case's, lowered to what the broker and the proxy serve. */
function versionFor(c: Case): number | null {
  const b = brokerVersions.get(c.api);
  const p = proxyVersions.get(c.api);
  if (!b || !p) return null;
  const v = Math.min(c.version, b[1], p[1]);
  return v >= Math.max(b[0], p[0]) ? v : null;
}

async function send(p: Path, c: Case, version: number, ctx: CaseContext): Promise<unknown> {
  try {
    const conn = await p.conn(c.user);
    return normalise(await conn.request(c.api, version, c.body(ctx), 20_000));
  } catch (e) {
    return { transportError: (e as Error).message };
  }
}

/**
 * Differences that are explained, each with its reason; null for any other (a proxy bug). Each
 * rule accepts one entry's difference only; every other entry of the response must be equal.
 * All three are the proxy's, known and documented, not Kafka's: the proxy decides each request
 * before it reaches the broker and without knowing which topics exist (a check is synchronous,
 * and what it forwards goes to a super-user upstream that would act on it), where Kafka decides
 * after looking the names up.
 *
 * - DeleteTopics of a missing topic by a caller allowed DESCRIBE but not DELETE on it: Kafka 3
 *   (ControllerApis.deleteTopics: describable names that resolve to no id get the lookup's error;
 *   DELETE is checked on the resolved ids only), the proxy 29.
 * - AddPartitionsToTxn naming a missing topic the caller may write, alongside a denied topic:
 *   Kafka 3 for it (KafkaApis.handleAddPartitionToTxnRequest: nonExistingTopicErrors), the proxy,
 *   answering the refused request itself, 55 (OPERATION_NOT_ATTEMPTED) as for any allowed one.
 * - Metadata asking for auto-creation of a missing topic the caller may describe but not create:
 *   the proxy answers 29 as Kafka does with auto.create.topics.enable=true (its default:
 *   KafkaApis.handleTopicMetadataRequest, unauthorizedForCreateTopicMetadata); this broker runs
 *   with it off, and then Kafka answers 3, with the topic's bitfield.
 */
function explained(c: Case, d: unknown, p: unknown): string | null {
  const rule =
    c.api === ApiKey.DeleteTopics
      ? {
          list: ['responses'],
          accept: (k: Entry, x: Entry) => k.errorCode === 3 && x.errorCode === 29,
          why: 'DeleteTopics of a missing, describable topic: 3 from Kafka, 29 through the proxy (ControllerApis.deleteTopics)',
        }
      : c.api === ApiKey.AddPartitionsToTxn
        ? {
            list: ['resultsByTopicV3AndBelow', 'resultsByPartition'],
            accept: (k: Entry, x: Entry) => k.partitionErrorCode === 3 && x.partitionErrorCode === 55,
            why: 'AddPartitionsToTxn of a missing topic in a refused request: 3 from Kafka, 55 through the proxy (KafkaApis.handleAddPartitionToTxnRequest)',
          }
        : c.api === ApiKey.Metadata && c.setup === 'missing-topics'
          ? {
              list: ['topics'],
              accept: (k: Entry, x: Entry) =>
                k.errorCode === 3 && x.errorCode === 29 && x.topicAuthorizedOperations === -2147483648,
              why: 'auto-creation without CREATE: 29 through the proxy as from Kafka with auto.create.topics.enable=true, 3 from this broker with it off',
            }
          : null;
  if (rule === null) return null;
  let accepted = 0;
  const same = (a: unknown, b: unknown, path: string[]): boolean => {
    if (path.length === 0) return JSON.stringify(a) === JSON.stringify(b);
    const [key, ...rest] = path;
    const ao = a as Record<string, unknown>;
    const bo = b as Record<string, unknown>;
    if (!ao || !bo || typeof ao !== 'object' || typeof bo !== 'object') return false;
    const { [key!]: al, ...aRest } = ao;
    const { [key!]: bl, ...bRest } = bo;
    if (JSON.stringify(aRest) !== JSON.stringify(bRest) || !Array.isArray(al) || !Array.isArray(bl)) return false;
    const byKey = (e: Entry) => String(e.name ?? e.partitionIndex);
    const bm = new Map(bl.map((e: Entry) => [byKey(e), e]));
    if (bm.size !== al.length) return false;
    return al.every((e: Entry) => {
      const x = bm.get(byKey(e));
      if (x === undefined) return false;
      if (rest.length === 0 && JSON.stringify(e) !== JSON.stringify(x)) {
        if (!rule.accept(e, x)) return false;
        accepted++;
        return true;
      }
      return same(e, x, rest);
    });
  };
  return same(d, p, rule.list) && accepted > 0 ? `known proxy difference: ${rule.why}` : null;
}
type Entry = Record<string, unknown> & {
  name?: string;
  partitionIndex?: number;
  errorCode?: number;
  partitionErrorCode?: number;
  topicAuthorizedOperations?: number;
};

/** Every error code in a normalised response. */
function errorCodes(v: unknown): number[] {
  if (Array.isArray(v)) return v.flatMap(errorCodes);
  if (v === null || typeof v !== 'object') return [];
  return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
    /errorCode$/i.test(k) && typeof x === 'number' ? [x] : errorCodes(x),
  );
}

// ---- the cases --------------------------------------------------------------------------------

const cases = generateCases(rand, USERS, PER_USER);
let brokerAcls = acls.length;
const TXN_APIS = new Set<number>([
  ApiKey.InitProducerId,
  ApiKey.AddPartitionsToTxn,
  ApiKey.AddOffsetsToTxn,
  ApiKey.TxnOffsetCommit,
  ApiKey.EndTxn,
  ApiKey.Produce,
]);
t.test(`${cases.length} requests, straight to Kafka and through the proxy (seed ${SEED})`, async (t) => {
  const perApi = new Map<string, number>();
  let mismatches = 0;
  let explainedCount = 0;
  const codes = new Map<number, number>();
  for (const c of cases) {
    const version = versionFor(c);
    if (version === null) {
      t.fail(
        `case ${c.index}: ${API_SPECS.get(c.api)?.name ?? c.api} is not served by both (broker ${JSON.stringify(brokerVersions.get(c.api))}, proxy ${JSON.stringify(proxyVersions.get(c.api))})`,
      );
      continue;
    }
    const d = await send(direct, c, version, await setup(c));
    const p = await send(proxied, c, version, await setup(c));
    if (
      c.api === ApiKey.CreateAcls &&
      (d as { results?: Array<{ errorCode: number }> }).results?.[0]?.errorCode === 0
    ) {
      // The broker applies a new ACL when it replays the metadata log; later cases list it.
      brokerAcls++;
      await until(
        'the broker applying a created ACL',
        () => admin.request<describeAcls.Response>(ApiKey.DescribeAcls, 3, describeAll),
        (r) => aclCount(r) === brokerAcls,
      );
    }
    // A transaction a case left open (or committing) would make the next one's answer depend on
    // timing (CONCURRENT_TRANSACTIONS): end them all before going on.
    if (TXN_APIS.has(c.api)) for (const id of TXN_IDS) await initTxn(id);
    // The topics a DeleteTopics case deleted exist again (and the broker knows) before the next case.
    if (c.setup === 'deletable-topics') await setup(c);
    for (const code of errorCodes(d)) codes.set(code, (codes.get(code) ?? 0) + 1);
    const name = `${API_SPECS.get(c.api)?.name ?? c.api} v${version}`;
    perApi.set(name.split(' ')[0]!, (perApi.get(name.split(' ')[0]!) ?? 0) + 1);
    const label = `case ${c.index} ${c.user}: ${c.label} (v${version})`;
    if (JSON.stringify(d) === JSON.stringify(p)) {
      t.pass(label);
      continue;
    }
    const why = explained(c, d, p);
    if (why !== null) {
      explainedCount++;
      t.pass(`${label}: ${why}`);
      continue;
    }
    mismatches++;
    t.fail(`${label}\n${diffLines(d, p)}`);
  }
  t.comment(`requests per API: ${[...perApi].map(([k, n]) => `${k} ${n}`).join(', ')}`);
  t.comment(
    `error codes Kafka answered (per entry): ${[...codes]
      .sort((x, y) => x[0] - y[0])
      .map(([k, n]) => `${k}: ${n}`)
      .join(', ')}`,
  );
  t.comment(
    `${cases.length - mismatches - explainedCount} equal, ${explainedCount} explained, ${mismatches} different`,
  );
  if (mismatches) t.comment(`${mismatches} differences; AUTHZ_SEED=${SEED} replays them`);
});
