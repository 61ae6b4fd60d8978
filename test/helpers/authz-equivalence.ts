// The pieces of the authorization equivalence test (test/kafka/authz-equivalence.test.ts): a
// seeded generator of ACLs and of client requests over a fixed pool of resources, and the
// normalisation that reduces a response to what authorization decides (error codes per
// resource, the resources listed, authorized-operations bitfields).
import { ApiKey } from '../../src/protocol/generated/index.js';
import { Operation, PatternType, Permission, ResourceType, type AclBinding } from '../../src/acl/model.js';

/** mulberry32: a small, fast, seeded PRNG; the same seed gives the same test. */
export class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(a: readonly T[]): T {
    return a[this.int(a.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** 1..max distinct elements of `a`. */
  some<T>(a: readonly T[], max = 3): T[] {
    const n = 1 + this.int(Math.min(max, a.length));
    const copy = [...a];
    const out: T[] = [];
    while (out.length < n) out.push(copy.splice(this.int(copy.length), 1)[0]!);
    return out;
  }
}

// ---- the resources ----------------------------------------------------------------------------

/** Topics created before the cases run (one partition each). */
export const TOPICS = ['orders', 'orders-eu', 'pre-alpha', 'pre-beta', 'public', 'secret', 'app-logs'];
/** Topics the DeleteTopics cases delete; each path finds them created again. */
export const DELETABLE_TOPICS = ['del-a', 'pre-del'];
/** Names that never exist (the broker has auto-creation off). */
export const MISSING_TOPICS = ['nope', 'pre-ghost'];
/**
 * What the other cases name: never a deletable topic, whose partition may still be starting on
 * the broker after it was created again (NOT_LEADER_OR_FOLLOWER from Kafka, by timing alone).
 */
export const ALL_TOPICS = [...TOPICS, ...MISSING_TOPICS];
/** What CreateTopics and CreatePartitions name. */
const ADMIN_TOPICS = [...TOPICS, ...DELETABLE_TOPICS, ...MISSING_TOPICS];
export const TOPIC_PREFIXES = ['orders', 'pre-', 'app-', 'del-', 'p'];

/** Classic groups with committed offsets, created before the cases run. */
export const GROUPS = ['grp-a', 'grp-b', 'app-g1', 'other'];
/** Groups the DeleteGroups cases delete; each path finds them created again (empty, with offsets). */
export const DELETABLE_GROUPS = ['grp-del', 'app-del'];
/** Groups of the consumer protocol (ConsumerGroupHeartbeat). */
export const CONSUMER_GROUPS = ['grp-cg', 'app-cg'];
export const ALL_GROUPS = [...GROUPS, ...DELETABLE_GROUPS, ...CONSUMER_GROUPS, 'grp-none'];
export const GROUP_PREFIXES = ['grp-', 'app-', 'g'];

/** Transactional ids initialised before the cases run. */
export const TXN_IDS = ['tx-a', 'tx-b', 'app-tx'];
export const ALL_TXN_IDS = [...TXN_IDS, 'other-tx'];
export const TXN_PREFIXES = ['tx-', 'app-'];

export const CLUSTER = 'kafka-cluster';
export const OTHER_HOST = '10.1.2.3';

// ---- ACLs -------------------------------------------------------------------------------------

const OPS: Record<number, number[]> = {
  [ResourceType.TOPIC]: [
    Operation.ALL,
    Operation.READ,
    Operation.WRITE,
    Operation.CREATE,
    Operation.DELETE,
    Operation.ALTER,
    Operation.DESCRIBE,
    Operation.DESCRIBE_CONFIGS,
    Operation.ALTER_CONFIGS,
  ],
  [ResourceType.GROUP]: [
    Operation.ALL,
    Operation.READ,
    Operation.DELETE,
    Operation.DESCRIBE,
    Operation.DESCRIBE_CONFIGS,
    Operation.ALTER_CONFIGS,
  ],
  [ResourceType.TRANSACTIONAL_ID]: [Operation.ALL, Operation.WRITE, Operation.DESCRIBE],
  [ResourceType.CLUSTER]: [
    Operation.ALL,
    Operation.CREATE,
    Operation.ALTER,
    Operation.DESCRIBE,
    Operation.CLUSTER_ACTION,
    Operation.DESCRIBE_CONFIGS,
    Operation.ALTER_CONFIGS,
    Operation.IDEMPOTENT_WRITE,
  ],
};

function resourceName(rand: Rand, type: number): { name: string; pattern: number } {
  if (type === ResourceType.CLUSTER) return { name: CLUSTER, pattern: PatternType.LITERAL };
  const [names, prefixes] =
    type === ResourceType.TOPIC
      ? [[...TOPICS, ...DELETABLE_TOPICS, 'nope'], TOPIC_PREFIXES]
      : type === ResourceType.GROUP
        ? [ALL_GROUPS, GROUP_PREFIXES]
        : [ALL_TXN_IDS, TXN_PREFIXES];
  const r = rand.next();
  if (r < 0.12) return { name: '*', pattern: PatternType.LITERAL };
  if (r < 0.45) return { name: rand.pick(prefixes), pattern: PatternType.PREFIXED };
  return { name: rand.pick(names), pattern: PatternType.LITERAL };
}

/**
 * Random bindings for each user: topics, groups, transactional ids and the cluster; literal,
 * prefixed and `*` names; a DENY in five; a host of its own (ours or another) in five; a
 * `User:*` principal in twelve.
 */
export function generateAcls(rand: Rand, users: readonly string[]): AclBinding[] {
  const out: AclBinding[] = [];
  const seen = new Set<string>();
  const types = [
    ResourceType.TOPIC,
    ResourceType.TOPIC,
    ResourceType.TOPIC,
    ResourceType.GROUP,
    ResourceType.GROUP,
    ResourceType.TRANSACTIONAL_ID,
    ResourceType.CLUSTER,
  ];
  for (const user of users) {
    const n = 7 + rand.int(8);
    for (let i = 0; i < n; i++) {
      const resourceType = rand.pick(types) as AclBinding['resourceType'];
      const { name, pattern } = resourceName(rand, resourceType);
      const h = rand.next();
      const b: AclBinding = {
        resourceType,
        resourceName: name,
        patternType: pattern as AclBinding['patternType'],
        principal: rand.chance(1 / 12) ? 'User:*' : `User:${user}`,
        host: h < 0.8 ? '*' : h < 0.9 ? '127.0.0.1' : OTHER_HOST,
        operation: rand.pick(OPS[resourceType]!) as AclBinding['operation'],
        permission: (rand.chance(0.2) ? Permission.DENY : Permission.ALLOW) as AclBinding['permission'],
      };
      const key = JSON.stringify(b);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(b);
    }
  }
  return out;
}

// ---- cases ------------------------------------------------------------------------------------

/** What a case's setup leaves for its request: a producer id and epoch of a transactional id. */
export interface CaseContext {
  producerId: bigint;
  producerEpoch: number;
}

export type Setup = 'deletable-topics' | 'deletable-groups' | 'ongoing-txn' | 'missing-topics' | null;

export interface Case {
  index: number;
  user: string;
  api: number;
  /** The version asked for; lowered to what both paths serve. */
  version: number;
  label: string;
  /** What must hold on the admin connection before each path sends the request. */
  setup: Setup;
  /** The transactional id the setup starts a transaction for (ongoing-txn). */
  txnId?: string;
  body: (ctx: CaseContext) => unknown;
}

const partition0 = <T>(f: (p: number) => T) => [f(0)];

type Template = (r: Rand) => Omit<Case, 'index' | 'user'>;

const someTopics = (r: Rand, max = 3) => r.some(ALL_TOPICS, max);

/** One or more request shapes per API; each draws its resources from the pools. */
export const TEMPLATES: Record<string, Template> = {
  produce: (r) => {
    const topics = r.some([...TOPICS, ...MISSING_TOPICS], 3);
    const txn = r.chance(0.2) ? r.pick(ALL_TXN_IDS) : null;
    return {
      api: ApiKey.Produce,
      version: 9,
      label: `Produce ${topics.join(',')}${txn ? ` (transactionalId ${txn}, plain records)` : ''}`,
      setup: null,
      body: () => ({
        transactionalId: txn,
        acks: -1,
        timeoutMs: 5000,
        topicData: topics.map((name) => ({
          name,
          partitionData: partition0((index) => ({ index, records: RECORDS })),
        })),
      }),
    };
  },
  fetch: (r) => {
    const topics = someTopics(r);
    return {
      api: ApiKey.Fetch,
      version: 12,
      label: `Fetch ${topics.join(',')}`,
      setup: null,
      body: () => ({
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 1 << 20,
        isolationLevel: r.int(2),
        sessionId: 0,
        sessionEpoch: -1,
        topics: topics.map((topic) => ({
          topic,
          topicId: ZERO_ID,
          partitions: partition0((partition) => ({
            partition,
            currentLeaderEpoch: -1,
            fetchOffset: 0n,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: 1 << 16,
            replicaDirectoryId: ZERO_ID,
          })),
        })),
        forgottenTopicsData: [],
        rackId: '',
      }),
    };
  },
  listOffsets: (r) => {
    const topics = someTopics(r);
    return {
      api: ApiKey.ListOffsets,
      version: 7,
      label: `ListOffsets ${topics.join(',')}`,
      setup: null,
      body: () => ({
        replicaId: -1,
        isolationLevel: 0,
        timeoutMs: 5000,
        topics: topics.map((name) => ({
          name,
          partitions: partition0((partitionIndex) => ({
            partitionIndex,
            currentLeaderEpoch: -1,
            timestamp: r.pick([-1n, -2n]),
            maxNumOffsets: 1,
          })),
        })),
      }),
    };
  },
  metadataAll: (r) => {
    const v = r.pick([10, 12]);
    const ops = r.chance(0.7);
    return {
      api: ApiKey.Metadata,
      version: v,
      label: `Metadata v${v} all topics${ops ? ' with authorized operations' : ''}`,
      setup: null,
      body: () => ({
        topics: null,
        allowAutoTopicCreation: false,
        includeClusterAuthorizedOperations: ops,
        includeTopicAuthorizedOperations: ops,
      }),
    };
  },
  metadataNamed: (r) => {
    const v = r.pick([10, 12]);
    const topics = r.some(ALL_TOPICS, 4);
    const auto = r.chance(0.5);
    return {
      api: ApiKey.Metadata,
      version: v,
      label: `Metadata v${v} ${topics.join(',')}${auto ? ' (auto-creation asked for)' : ''}`,
      // (The broker has auto-creation off: nothing is created. 'missing-topics' marks the case.)
      setup: auto ? 'missing-topics' : null,
      body: () => ({
        topics: topics.map((name) => ({ name, topicId: ZERO_ID })),
        allowAutoTopicCreation: auto,
        includeClusterAuthorizedOperations: true,
        includeTopicAuthorizedOperations: true,
      }),
    };
  },
  describeTopicPartitions: (r) => {
    const topics = r.some(ALL_TOPICS, 4);
    return {
      api: ApiKey.DescribeTopicPartitions,
      version: 0,
      label: `DescribeTopicPartitions ${topics.join(',')}`,
      setup: null,
      body: () => ({ topics: topics.map((name) => ({ name })), responsePartitionLimit: 2000, cursor: null }),
    };
  },
  findCoordinator: (r) => {
    const txn = r.chance(0.4);
    const keys = txn ? r.some(ALL_TXN_IDS, 2) : r.some(ALL_GROUPS, 2);
    return {
      api: ApiKey.FindCoordinator,
      version: 4,
      label: `FindCoordinator ${txn ? 'transaction' : 'group'} ${keys.join(',')}`,
      setup: null,
      body: () => ({ key: '', keyType: txn ? 1 : 0, coordinatorKeys: keys }),
    };
  },
  joinGroup: (r) => {
    const groupId = r.pick(GROUPS);
    return {
      api: ApiKey.JoinGroup,
      version: 7,
      label: `JoinGroup ${groupId}`,
      setup: null,
      body: () => ({
        groupId,
        sessionTimeoutMs: 30000,
        rebalanceTimeoutMs: 30000,
        memberId: '',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocols: [{ name: 'range', metadata: Buffer.alloc(0) }],
        reason: null,
      }),
    };
  },
  syncGroup: (r) => {
    const groupId = r.pick(GROUPS);
    return {
      api: ApiKey.SyncGroup,
      version: 5,
      label: `SyncGroup ${groupId}`,
      setup: null,
      body: () => ({
        groupId,
        generationId: 1,
        memberId: 'no-such-member',
        groupInstanceId: null,
        protocolType: 'consumer',
        protocolName: 'range',
        assignments: [],
      }),
    };
  },
  heartbeat: (r) => {
    const groupId = r.pick(GROUPS);
    return {
      api: ApiKey.Heartbeat,
      version: 4,
      label: `Heartbeat ${groupId}`,
      setup: null,
      body: () => ({ groupId, generationId: 1, memberId: 'no-such-member', groupInstanceId: null }),
    };
  },
  leaveGroup: (r) => {
    const groupId = r.pick(GROUPS);
    return {
      api: ApiKey.LeaveGroup,
      version: 4,
      label: `LeaveGroup ${groupId}`,
      setup: null,
      body: () => ({
        groupId,
        memberId: '',
        members: [{ memberId: 'no-such-member', groupInstanceId: null, reason: null }],
      }),
    };
  },
  offsetCommit: (r) => {
    // (Never grp-none: a commit would create it, and DeleteGroups cases expect it missing.)
    const groupId = r.pick(GROUPS);
    const topics = r.some([...TOPICS, ...MISSING_TOPICS], 3);
    return {
      api: ApiKey.OffsetCommit,
      version: 8,
      label: `OffsetCommit ${groupId} ${topics.join(',')}`,
      setup: null,
      body: () => ({
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: topics.map((name) => ({
          name,
          partitions: partition0((partitionIndex) => ({
            partitionIndex,
            committedOffset: 0n,
            committedLeaderEpoch: -1,
            commitTimestamp: -1n,
            committedMetadata: null,
          })),
        })),
      }),
    };
  },
  offsetFetch: (r) => {
    const groups = r.some(ALL_GROUPS, 3);
    const all = r.chance(0.5);
    const topics = someTopics(r);
    return {
      api: ApiKey.OffsetFetch,
      version: 8,
      label: `OffsetFetch ${groups.join(',')} ${all ? 'all topics' : topics.join(',')}`,
      setup: null,
      body: () => ({
        groupId: '',
        topics: null,
        requireStable: false,
        groups: groups.map((groupId) => ({
          groupId,
          memberId: null,
          memberEpoch: -1,
          topics: all ? null : topics.map((name) => ({ name, partitionIndexes: [0] })),
        })),
      }),
    };
  },
  describeGroups: (r) => {
    const groups = r.some(ALL_GROUPS, 3);
    return {
      api: ApiKey.DescribeGroups,
      version: 5,
      label: `DescribeGroups ${groups.join(',')} with authorized operations`,
      setup: null,
      body: () => ({ groups, includeAuthorizedOperations: true }),
    };
  },
  listGroups: () => ({
    api: ApiKey.ListGroups,
    version: 4,
    label: 'ListGroups',
    setup: null,
    body: () => ({ statesFilter: [], typesFilter: [] }),
  }),
  deleteGroups: (r) => {
    const groups = r.some([...DELETABLE_GROUPS, 'grp-none'], 3);
    return {
      api: ApiKey.DeleteGroups,
      version: 2,
      label: `DeleteGroups ${groups.join(',')}`,
      setup: 'deletable-groups',
      body: () => ({ groupsNames: groups }),
    };
  },
  initProducerIdTxn: (r) => {
    const txn = r.pick(ALL_TXN_IDS);
    return {
      api: ApiKey.InitProducerId,
      version: 4,
      label: `InitProducerId transactional ${txn}`,
      setup: null,
      body: () => ({ transactionalId: txn, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 }),
    };
  },
  initProducerIdIdempotent: () => ({
    api: ApiKey.InitProducerId,
    version: 4,
    label: 'InitProducerId idempotent',
    setup: null,
    body: () => ({ transactionalId: null, transactionTimeoutMs: 60000, producerId: -1n, producerEpoch: -1 }),
  }),
  addPartitionsToTxn: (r) => {
    const txn = r.pick(TXN_IDS);
    const topics = r.some([...TOPICS, ...MISSING_TOPICS], 3);
    return {
      api: ApiKey.AddPartitionsToTxn,
      version: 3,
      label: `AddPartitionsToTxn ${txn} ${topics.join(',')}`,
      setup: 'ongoing-txn',
      txnId: txn,
      body: (c) => ({
        transactions: [],
        v3AndBelowTransactionalId: txn,
        v3AndBelowProducerId: c.producerId,
        v3AndBelowProducerEpoch: c.producerEpoch,
        v3AndBelowTopics: topics.map((name) => ({ name, partitions: [0] })),
      }),
    };
  },
  addOffsetsToTxn: (r) => {
    const txn = r.pick(TXN_IDS);
    const groupId = r.pick(ALL_GROUPS);
    return {
      api: ApiKey.AddOffsetsToTxn,
      version: 3,
      label: `AddOffsetsToTxn ${txn} ${groupId}`,
      setup: 'ongoing-txn',
      txnId: txn,
      body: (c) => ({ transactionalId: txn, producerId: c.producerId, producerEpoch: c.producerEpoch, groupId }),
    };
  },
  txnOffsetCommit: (r) => {
    const txn = r.pick(TXN_IDS);
    const groupId = r.pick(GROUPS);
    const topics = r.some([...TOPICS, ...MISSING_TOPICS], 3);
    return {
      api: ApiKey.TxnOffsetCommit,
      version: 3,
      label: `TxnOffsetCommit ${txn} ${groupId} ${topics.join(',')}`,
      setup: 'ongoing-txn',
      txnId: txn,
      body: (c) => ({
        transactionalId: txn,
        groupId,
        producerId: c.producerId,
        producerEpoch: c.producerEpoch,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: topics.map((name) => ({
          name,
          partitions: partition0((partitionIndex) => ({
            partitionIndex,
            committedOffset: 0n,
            committedLeaderEpoch: -1,
            committedMetadata: null,
          })),
        })),
      }),
    };
  },
  endTxn: (r) => {
    const txn = r.pick(TXN_IDS);
    const committed = r.chance(0.5);
    return {
      api: ApiKey.EndTxn,
      version: 3,
      label: `EndTxn ${committed ? 'commit' : 'abort'} ${txn}`,
      setup: 'ongoing-txn',
      txnId: txn,
      body: (c) => ({ transactionalId: txn, producerId: c.producerId, producerEpoch: c.producerEpoch, committed }),
    };
  },
  createTopics: (r) => {
    const topics = r.some(ADMIN_TOPICS, 3);
    return {
      api: ApiKey.CreateTopics,
      version: 7,
      label: `CreateTopics (validate only) ${topics.join(',')}`,
      setup: 'deletable-topics',
      body: () => ({
        timeoutMs: 10000,
        validateOnly: true,
        topics: topics.map((name) => ({ name, numPartitions: 1, replicationFactor: -1, assignments: [], configs: [] })),
      }),
    };
  },
  deleteTopics: (r) => {
    const topics = r.some([...DELETABLE_TOPICS, ...MISSING_TOPICS], 3);
    return {
      api: ApiKey.DeleteTopics,
      version: 6,
      label: `DeleteTopics ${topics.join(',')}`,
      setup: 'deletable-topics',
      body: () => ({
        timeoutMs: 10000,
        topicNames: topics,
        topics: topics.map((name) => ({ name, topicId: ZERO_ID })),
      }),
    };
  },
  createPartitions: (r) => {
    const topics = r.some(ADMIN_TOPICS, 3);
    return {
      api: ApiKey.CreatePartitions,
      version: 3,
      label: `CreatePartitions (validate only) ${topics.join(',')}`,
      setup: 'deletable-topics',
      body: () => ({
        timeoutMs: 10000,
        validateOnly: true,
        topics: topics.map((name) => ({ name, count: 3, assignments: null })),
      }),
    };
  },
  describeConfigs: (r) => {
    const topics = someTopics(r, 2);
    const broker = r.chance(0.4);
    return {
      api: ApiKey.DescribeConfigs,
      version: 4,
      label: `DescribeConfigs ${topics.join(',')}${broker ? ' + broker 1' : ''}`,
      setup: null,
      body: () => ({
        includeSynonyms: false,
        includeDocumentation: false,
        resources: [
          ...topics.map((resourceName) => ({ resourceType: 2, resourceName, configurationKeys: null })),
          ...(broker
            ? [{ resourceType: 4, resourceName: '1', configurationKeys: ['log.retention.ms', 'num.io.threads'] }]
            : []),
        ],
      }),
    };
  },
  incrementalAlterConfigs: (r) => {
    const topics = r.some([...TOPICS, ...MISSING_TOPICS], 2);
    const broker = r.chance(0.3);
    return {
      api: ApiKey.IncrementalAlterConfigs,
      version: 1,
      label: `IncrementalAlterConfigs (validate only) ${topics.join(',')}${broker ? ' + broker 1' : ''}`,
      setup: null,
      body: () => ({
        validateOnly: true,
        resources: [
          ...topics.map((resourceName) => ({
            resourceType: 2,
            resourceName,
            configs: [{ name: 'retention.ms', configOperation: 0, value: '604800000' }],
          })),
          ...(broker
            ? [
                {
                  resourceType: 4,
                  resourceName: '1',
                  configs: [{ name: 'log.cleaner.threads', configOperation: 0, value: '1' }],
                },
              ]
            : []),
        ],
      }),
    };
  },
  deleteRecords: (r) => {
    const topics = r.some([...TOPICS, ...MISSING_TOPICS], 3);
    return {
      api: ApiKey.DeleteRecords,
      version: 2,
      label: `DeleteRecords ${topics.join(',')}`,
      setup: null,
      body: () => ({
        timeoutMs: 5000,
        topics: topics.map((name) => ({ name, partitions: [{ partitionIndex: 0, offset: 0n }] })),
      }),
    };
  },
  describeAcls: () => ({
    api: ApiKey.DescribeAcls,
    version: 3,
    label: 'DescribeAcls (every binding)',
    setup: null,
    body: () => ({
      resourceTypeFilter: ResourceType.ANY,
      resourceNameFilter: null,
      patternTypeFilter: PatternType.ANY,
      principalFilter: null,
      hostFilter: null,
      operation: Operation.ANY,
      permissionType: Permission.ANY,
    }),
  }),
  createAcls: (r) => {
    // A binding for a principal no case logs in as, on a topic no case names: it changes nothing else.
    const name = `zzz-${r.int(1_000_000_000)}`;
    return {
      api: ApiKey.CreateAcls,
      version: 3,
      label: `CreateAcls User:nobody READ ${name}`,
      setup: null,
      body: () => ({
        creations: [
          {
            resourceType: ResourceType.TOPIC,
            resourceName: name,
            resourcePatternType: PatternType.LITERAL,
            principal: 'User:nobody',
            host: '*',
            operation: Operation.READ,
            permissionType: Permission.ALLOW,
          },
        ],
      }),
    };
  },
  describeProducers: (r) => {
    const topics = someTopics(r);
    return {
      api: ApiKey.DescribeProducers,
      version: 0,
      label: `DescribeProducers ${topics.join(',')}`,
      setup: null,
      body: () => ({ topics: topics.map((name) => ({ name, partitionIndexes: [0] })) }),
    };
  },
  describeTransactions: (r) => {
    const ids = r.some(ALL_TXN_IDS, 3);
    return {
      api: ApiKey.DescribeTransactions,
      version: 0,
      label: `DescribeTransactions ${ids.join(',')}`,
      setup: null,
      body: () => ({ transactionalIds: ids }),
    };
  },
  listTransactions: () => ({
    api: ApiKey.ListTransactions,
    version: 1,
    label: 'ListTransactions',
    setup: null,
    body: () => ({ stateFilters: [], producerIdFilters: [], durationFilter: -1n }),
  }),
  describeCluster: () => ({
    api: ApiKey.DescribeCluster,
    version: 1,
    label: 'DescribeCluster with authorized operations',
    setup: null,
    body: () => ({ includeClusterAuthorizedOperations: true, endpointType: 1 }),
  }),
  consumerGroupHeartbeat: (r) => {
    const groupId = r.pick(CONSUMER_GROUPS);
    const topics = r.some(TOPICS, 2);
    return {
      api: ApiKey.ConsumerGroupHeartbeat,
      version: 0,
      label: `ConsumerGroupHeartbeat join ${groupId} subscribing ${topics.join(',')}`,
      setup: null,
      body: () => ({
        groupId,
        memberId: `m-${r.int(1 << 30)}`,
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 30000,
        subscribedTopicNames: topics,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: [],
      }),
    };
  },
};

export const ZERO_ID = Buffer.alloc(16);
let RECORDS: Buffer = Buffer.alloc(0);
/** The record batch every Produce case sends. */
export function setRecords(b: Buffer): void {
  RECORDS = b;
}

/** `perUser` cases of every template for each user, in a shuffled order. */
export function generateCases(rand: Rand, users: readonly string[], perUser: number): Case[] {
  const names = Object.keys(TEMPLATES);
  const out: Array<Omit<Case, 'index'>> = [];
  for (const user of users) {
    for (const n of names) out.push({ user, ...TEMPLATES[n]!(rand) });
    for (let i = names.length; i < perUser; i++) out.push({ user, ...TEMPLATES[rand.pick(names)]!(rand) });
  }
  for (let i = out.length - 1; i > 0; i--) {
    const j = rand.int(i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out.map((c, index) => ({ ...c, index }));
}

// ---- normalisation ----------------------------------------------------------------------------

/** Fields that name what an entry is about: kept, and used to sort lists. */
const IDENTITY = new Set([
  'name',
  'topic',
  'topicName',
  'groupId',
  'partitionIndex',
  'index',
  'partition',
  'partitions',
  'transactionalId',
  'key',
  'resourceType',
  'resourceName',
  'patternType',
  'principal',
  'host',
  'operation',
  'permissionType',
]);
/** Fields whose value authorization decides. */
const DECIDED = /(^|[a-z])(errorCode|ErrorCode|AuthorizedOperations|authorizedOperations)$/;

/**
 * What authorization decides in a response: every error code, every authorized-operations
 * bitfield, and the identity of every listed entry (topics, partitions, groups, transactional
 * ids, ACL bindings); lists sorted; config lists as their length; everything else (ids, offsets,
 * hosts, ports, member ids, assignments, messages, timings) dropped.
 */
export function normalise(v: unknown): unknown {
  if (Array.isArray(v)) {
    const items = v
      .map(normalise)
      .filter((x) => !(x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 0));
    return items.sort((a, b) =>
      JSON.stringify(a) < JSON.stringify(b) ? -1 : JSON.stringify(a) > JSON.stringify(b) ? 1 : 0,
    );
  }
  if (v === null || typeof v !== 'object' || Buffer.isBuffer(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    // Which member a partition goes to depends on who joined first (the direct path), not on ACLs.
    if (k === 'assignment') continue;
    if (k === 'configs' && Array.isArray(x)) out.configCount = x.length;
    else if (DECIDED.test(k) || IDENTITY.has(k))
      out[k] = typeof x === 'bigint' ? String(x) : Array.isArray(x) ? normalise(x) : x;
    else if (x !== null && typeof x === 'object' && !Buffer.isBuffer(x)) {
      const n = normalise(x);
      if (Array.isArray(n) ? n.length > 0 : Object.keys(n as object).length > 0) out[k] = n;
    }
  }
  return out;
}

/** A readable line diff of two normalised responses. */
export function diffLines(direct: unknown, proxied: unknown): string {
  const a = JSON.stringify(direct, null, 1).split('\n');
  const b = JSON.stringify(proxied, null, 1).split('\n');
  const out: string[] = [];
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) out.push(`  ${a[i]}`);
    else {
      if (a[i] !== undefined) out.push(`- ${a[i]}   (Kafka)`);
      if (b[i] !== undefined) out.push(`+ ${b[i]}   (proxy)`);
    }
  }
  return out.join('\n');
}
