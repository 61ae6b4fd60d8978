// DescribeConfigs, AlterConfigs, IncrementalAlterConfigs.
import { ApiKey, type RequestOf, type ResponseOf } from '../../protocol/generated/index.js';
import { ErrorCode } from '../../protocol/generated/error-codes.js';
import * as describeConfigs from '../../protocol/generated/describe-configs.js';
import * as alterConfigs from '../../protocol/generated/alter-configs.js';
import * as incrementalAlterConfigs from '../../protocol/generated/incremental-alter-configs.js';
import { CLUSTER_NAME, type OperationCode, type ResourceTypeCode } from '../model.js';
import {
  msg,
  TOPIC,
  GROUP,
  CLUSTER,
  DESCRIBE_CONFIGS,
  ALTER_CONFIGS,
  TOPIC_DENIED,
  GROUP_DENIED,
  CLUSTER_DENIED,
  type AuthzContext,
  type CheckFor,
  type VerdictOf,
} from './context.js';
import { split } from './split.js';

export interface ConfigItem {
  resourceType: number;
  resourceName: string;
}
export interface ConfigResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

/** ConfigResource types and what a config request on each needs. */
export function configResource(resourceType: number): { type: ResourceTypeCode; code: number } | null {
  switch (resourceType) {
    case 2: // TOPIC
      return { type: TOPIC, code: TOPIC_DENIED };
    case 4: // BROKER
    case 8: // BROKER_LOGGER
    case 16: // CLIENT_METRICS
      return { type: CLUSTER, code: CLUSTER_DENIED };
    case 32: // GROUP
      return { type: GROUP, code: GROUP_DENIED };
    default:
      return null;
  }
}

type ConfigKey = typeof ApiKey.DescribeConfigs | typeof ApiKey.AlterConfigs | typeof ApiKey.IncrementalAlterConfigs;

/** The three config APIs: `op` on each resource (the cluster for broker resources), 29/30/31 by its type. */
function configsCheck<K extends ConfigKey, Q extends ConfigItem, R extends ConfigResult>(
  c: AuthzContext,
  key: K,
  op: OperationCode,
  shape: {
    resources: Q[];
    withResources: (resources: Q[]) => RequestOf<K>;
    empty: () => ResponseOf<K>;
    results: (r: ResponseOf<K>) => R[];
    result: () => R;
  },
): VerdictOf<K> {
  return split(key, {
    items: shape.resources,
    decide: (r) => {
      const res = configResource(r.resourceType);
      if (res === null) return ErrorCode.INVALID_REQUEST;
      return c.allowed(op, res.type, res.type === CLUSTER ? CLUSTER_NAME : r.resourceName) ? 0 : res.code;
    },
    withItems: shape.withResources,
    denied: (r, code) => ({
      ...shape.result(),
      resourceType: r.resourceType,
      resourceName: r.resourceName,
      errorCode: code,
      errorMessage: msg(code),
    }),
    empty: shape.empty,
    list: shape.results,
    reqKey: (r) => `${r.resourceType}:${r.resourceName}`,
    resKey: (r) => `${r.resourceType}:${r.resourceName}`,
  });
}

export const checkDescribeConfigs: CheckFor<'DescribeConfigs'> = (c, v, req) =>
  configsCheck(c, ApiKey.DescribeConfigs, DESCRIBE_CONFIGS, {
    resources: req.resources,
    withResources: (resources) => ({ ...req, resources }),
    empty: describeConfigs.defaultResponse,
    results: (r) => r.results,
    result: describeConfigs.defaultResponseResult,
  });

export const checkAlterConfigs: CheckFor<'AlterConfigs'> = (c, v, req) =>
  configsCheck(c, ApiKey.AlterConfigs, ALTER_CONFIGS, {
    resources: req.resources,
    withResources: (resources) => ({ ...req, resources }),
    empty: alterConfigs.defaultResponse,
    results: (r) => r.responses,
    result: alterConfigs.defaultResponseResourceResponse,
  });

export const checkIncrementalAlterConfigs: CheckFor<'IncrementalAlterConfigs'> = (c, v, req) =>
  configsCheck(c, ApiKey.IncrementalAlterConfigs, ALTER_CONFIGS, {
    resources: req.resources,
    withResources: (resources) => ({ ...req, resources }),
    empty: incrementalAlterConfigs.defaultResponse,
    results: (r) => r.responses,
    result: incrementalAlterConfigs.defaultResponseAlterConfigsResourceResponse,
  });
