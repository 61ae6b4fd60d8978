// Producer ids and transactions.
import { ApiKey } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import { errorResponseOf } from '../../protocol/error-response.js';
import type * as endTxn from '../../protocol/generated/end-txn.js';
import * as describeProducers from '../../protocol/generated/describe-producers.js';
import * as initProducerId from '../../protocol/generated/init-producer-id.js';
import * as addPartitionsToTxn from '../../protocol/generated/add-partitions-to-txn.js';
import * as addOffsetsToTxn from '../../protocol/generated/add-offsets-to-txn.js';
import * as txnOffsetCommit from '../../protocol/generated/txn-offset-commit.js';
import * as describeTransactions from '../../protocol/generated/describe-transactions.js';
import { CLUSTER_NAME } from '../model.js';
import {
  msg,
  AUDIT_IF_ALLOWED,
  AUDIT_IF_DENIED,
  INTERNAL_TOPICS,
  thenResponse,
  decideTopic,
  TOPIC,
  GROUP,
  CLUSTER,
  TRANSACTIONAL_ID,
  READ,
  WRITE,
  DESCRIBE,
  IDEMPOTENT_WRITE,
  TOPIC_DENIED,
  GROUP_DENIED,
  CLUSTER_DENIED,
  TXN_DENIED,
  type AuthzContext,
  type VerdictFor,
} from './context.js';
import { split } from './split.js';

export function checkInitProducerId(
  c: AuthzContext,
  v: number,
  req: initProducerId.Request,
): VerdictFor<'InitProducerId'> {
  const deny = (code: number) => ({
    kind: 'answer' as const,
    response: { ...initProducerId.defaultResponse(), errorCode: code, producerId: -1n, producerEpoch: -1 },
  });
  if (req.transactionalId !== null)
    return c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId) ? null : deny(TXN_DENIED);
  // An idempotent producer: IDEMPOTENT_WRITE on the cluster, audited when it allows (KafkaApis:
  // logIfDenied = false, most idempotent producers hold WRITE on a topic instead), or WRITE on
  // some topic. A refusal is recorded as the cluster's IDEMPOTENT_WRITE: Kafka logs neither
  // denial, but a refusal missing from the audit trail is one the proxy does not make.
  if (c.allowed(IDEMPOTENT_WRITE, CLUSTER, CLUSTER_NAME, AUDIT_IF_ALLOWED) || c.allowedOnAny(WRITE, TOPIC)) return null;
  c.allowed(IDEMPOTENT_WRITE, CLUSTER, CLUSTER_NAME, AUDIT_IF_DENIED);
  return deny(CLUSTER_DENIED);
}

/**
 * AddPartitionsToTxn v0-3 (the client versions; v4+ is broker-to-broker and not served with ACLs
 * on): WRITE on the transactional id (53 everywhere), then WRITE on each topic; if any topic is
 * denied nothing is forwarded, denied partitions get 29 and the others OPERATION_NOT_ATTEMPTED
 * (55). v4+ (served without an authorizer only): a request naming one of the proxy's own topics is
 * refused whole (29); the transaction coordinator would otherwise write its markers there.
 */
export function checkAddPartitionsToTxn(
  c: AuthzContext,
  v: number,
  req: addPartitionsToTxn.Request,
): VerdictFor<'AddPartitionsToTxn'> {
  if (v >= 4) {
    const denied = req.transactions.flatMap((tx) => tx.topics).filter((t) => !c.allowed(WRITE, TOPIC, t.name));
    return denied.length === 0
      ? null
      : { kind: 'answer', response: errorResponseOf(ApiKey.AddPartitionsToTxn, req, TOPIC_DENIED) };
  }
  const results = (code: (topic: string) => number) => ({
    ...addPartitionsToTxn.defaultResponse(),
    resultsByTopicV3AndBelow: req.v3AndBelowTopics.map((t) => ({
      ...addPartitionsToTxn.defaultResponseTopicResult(),
      name: t.name,
      resultsByPartition: t.partitions.map((p) => ({
        ...addPartitionsToTxn.defaultResponsePartitionResult(),
        partitionIndex: p,
        partitionErrorCode: code(t.name),
      })),
    })),
  });
  if (!c.allowed(WRITE, TRANSACTIONAL_ID, req.v3AndBelowTransactionalId))
    return { kind: 'answer', response: results(() => TXN_DENIED) };
  // Kafka never lets a client add its internal topics to a transaction.
  const denied = new Set(
    req.v3AndBelowTopics
      .filter((t) => INTERNAL_TOPICS.has(t.name) || !c.allowed(WRITE, TOPIC, t.name))
      .map((t) => t.name),
  );
  if (denied.size === 0) return null;
  return {
    kind: 'answer',
    response: results((t) => (denied.has(t) ? TOPIC_DENIED : ErrorCode.OPERATION_NOT_ATTEMPTED)),
  };
}

export function checkAddOffsetsToTxn(
  c: AuthzContext,
  v: number,
  req: addOffsetsToTxn.Request,
): VerdictFor<'AddOffsetsToTxn'> {
  const code = !c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId)
    ? TXN_DENIED
    : !c.allowed(READ, GROUP, req.groupId)
      ? GROUP_DENIED
      : 0;
  return code === 0 ? null : { kind: 'answer', response: { ...addOffsetsToTxn.defaultResponse(), errorCode: code } };
}

export function checkEndTxn(c: AuthzContext, v: number, req: endTxn.Request): VerdictFor<'EndTxn'> {
  return c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId)
    ? null
    : { kind: 'answer', response: errorResponseOf(ApiKey.EndTxn, req, TXN_DENIED) };
}

export function checkTxnOffsetCommit(
  c: AuthzContext,
  v: number,
  req: txnOffsetCommit.Request,
): VerdictFor<'TxnOffsetCommit'> {
  const whole = !c.allowed(WRITE, TRANSACTIONAL_ID, req.transactionalId)
    ? TXN_DENIED
    : !c.allowed(READ, GROUP, req.groupId)
      ? GROUP_DENIED
      : 0;
  return split(ApiKey.TxnOffsetCommit, {
    items: req.topics,
    decide: (t) => whole || decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...txnOffsetCommit.defaultResponseTopic(),
      name: t.name,
      partitions: t.partitions.map((p) => ({
        ...txnOffsetCommit.defaultResponsePartition(),
        partitionIndex: p.partitionIndex,
        errorCode: code,
      })),
    }),
    empty: txnOffsetCommit.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}

/** DescribeTransactions: DESCRIBE on each id; the topics of a transaction the caller may not DESCRIBE are left out. */
export function checkDescribeTransactions(
  c: AuthzContext,
  v: number,
  req: describeTransactions.Request,
): VerdictFor<'DescribeTransactions'> {
  const verdict = checkDescribeTransactionsEach(c, req);
  if (verdict?.kind === 'answer') return verdict;
  return thenResponse(ApiKey.DescribeTransactions, verdict, (res) => {
    for (const st of res.transactionStates) st.topics = st.topics.filter((t) => c.allowed(DESCRIBE, TOPIC, t.topic));
    return res;
  });
}

export function checkDescribeTransactionsEach(
  c: AuthzContext,
  req: describeTransactions.Request,
): VerdictFor<'DescribeTransactions'> {
  return split(ApiKey.DescribeTransactions, {
    items: req.transactionalIds,
    decide: (id) => (c.allowed(DESCRIBE, TRANSACTIONAL_ID, id) ? 0 : TXN_DENIED),
    withItems: (transactionalIds) => ({ ...req, transactionalIds }),
    denied: (transactionalId, code) => ({
      ...describeTransactions.defaultResponseTransactionState(),
      transactionalId,
      errorCode: code,
    }),
    empty: describeTransactions.defaultResponse,
    list: (r) => r.transactionStates,
    reqKey: (id) => id,
    resKey: (s) => s.transactionalId,
  });
}

export function checkListTransactions(c: AuthzContext): VerdictFor<'ListTransactions'> {
  return {
    kind: 'forward',
    response: (res) => {
      res.transactionStates = res.transactionStates.filter((s) =>
        c.allowed(DESCRIBE, TRANSACTIONAL_ID, s.transactionalId),
      );
      return res;
    },
  };
}

export function checkDescribeProducers(
  c: AuthzContext,
  v: number,
  req: describeProducers.Request,
): VerdictFor<'DescribeProducers'> {
  return split(ApiKey.DescribeProducers, {
    items: req.topics,
    decide: (t) => decideTopic(c, READ)(t.name),
    withItems: (topics) => ({ ...req, topics }),
    denied: (t, code) => ({
      ...describeProducers.defaultResponseTopicResponse(),
      name: t.name,
      partitions: t.partitionIndexes.map((p) => ({
        ...describeProducers.defaultResponsePartitionResponse(),
        partitionIndex: p,
        errorCode: code,
        errorMessage: msg(code),
      })),
    }),
    empty: describeProducers.defaultResponse,
    list: (r) => r.topics,
    reqKey: (t) => t.name,
    resKey: (t) => t.name,
  });
}
