// Cluster administration: APIs that need one operation on the cluster.
import type { ApiKeyCode, RequestOf, ResponseOf } from '../../protocol/generated/index.js';
import { errorResponseOf } from '../../protocol/error-response.js';
import * as alterReplicaLogDirs from '../../protocol/generated/alter-replica-log-dirs.js';
import * as electLeaders from '../../protocol/generated/elect-leaders.js';
import * as alterClientQuotas from '../../protocol/generated/alter-client-quotas.js';
import { CLUSTER_NAME, type OperationCode } from '../model.js';
import { CLUSTER, CLUSTER_DENIED, msg, type CheckOf } from './context.js';

/** A request that needs one operation on the cluster, else the API's error response (31). */
export const clusterCheck =
  <K extends ApiKeyCode>(apiKey: K, op: OperationCode, deny?: (req: RequestOf<K>) => ResponseOf<K>): CheckOf<K> =>
  (c, v, req) =>
    c.allowed(op, CLUSTER, CLUSTER_NAME)
      ? null
      : { kind: 'answer', response: deny ? deny(req) : errorResponseOf(apiKey, req, CLUSTER_DENIED) };

export function denyAlterReplicaLogDirs(req: alterReplicaLogDirs.Request): alterReplicaLogDirs.Response {
  return {
    ...alterReplicaLogDirs.defaultResponse(),
    results: req.dirs.flatMap((d) =>
      d.topics.map((t) => ({
        ...alterReplicaLogDirs.defaultResponseAlterReplicaLogDirTopicResult(),
        topicName: t.name,
        partitions: t.partitions.map((p) => ({
          ...alterReplicaLogDirs.defaultResponseAlterReplicaLogDirPartitionResult(),
          partitionIndex: p,
          errorCode: CLUSTER_DENIED,
        })),
      })),
    ),
  };
}

export function denyElectLeaders(req: electLeaders.Request): electLeaders.Response {
  return {
    ...electLeaders.defaultResponse(),
    errorCode: CLUSTER_DENIED,
    replicaElectionResults: (req.topicPartitions ?? []).map((t) => ({
      ...electLeaders.defaultResponseReplicaElectionResult(),
      topic: t.topic,
      partitionResult: t.partitions.map((p) => ({
        ...electLeaders.defaultResponsePartitionResult(),
        partitionId: p,
        errorCode: CLUSTER_DENIED,
        errorMessage: msg(CLUSTER_DENIED),
      })),
    })),
  };
}

export function denyAlterClientQuotas(req: alterClientQuotas.Request): alterClientQuotas.Response {
  return {
    ...alterClientQuotas.defaultResponse(),
    entries: req.entries.map((e) => ({
      ...alterClientQuotas.defaultResponseEntryData(),
      errorCode: CLUSTER_DENIED,
      errorMessage: msg(CLUSTER_DENIED),
      entity: e.entity.map((x) => ({
        ...alterClientQuotas.defaultResponseEntityData(),
        entityType: x.entityType,
        entityName: x.entityName,
      })),
    })),
  };
}
