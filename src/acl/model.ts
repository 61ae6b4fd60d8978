/**
 * Kafka's ACL model: the wire codes of resource types, pattern types, operations and permissions
 * (as in Kafka's AclOperation, ResourceType, PatternType, AclPermissionType), and one ACL binding.
 */
export const ResourceType = {
  ANY: 1,
  TOPIC: 2,
  GROUP: 3,
  CLUSTER: 4,
  TRANSACTIONAL_ID: 5,
  DELEGATION_TOKEN: 6,
  USER: 7,
} as const;
export const PatternType = { ANY: 1, MATCH: 2, LITERAL: 3, PREFIXED: 4 } as const;
export const Operation = {
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;
export const Permission = { ANY: 1, DENY: 2, ALLOW: 3 } as const;

export type ResourceTypeCode = (typeof ResourceType)[keyof typeof ResourceType];
export type PatternTypeCode = (typeof PatternType)[keyof typeof PatternType];
export type OperationCode = (typeof Operation)[keyof typeof Operation];
export type PermissionCode = (typeof Permission)[keyof typeof Permission];

/** A guard for one of the code tables above: whether a number off the wire is one of its codes. */
const codeOf = <T extends Record<string, number>>(table: T) => {
  const codes = new Set<number>(Object.values(table));
  return (n: number): n is T[keyof T] => codes.has(n);
};
export const isResourceType = codeOf(ResourceType);
export const isPatternType = codeOf(PatternType);
export const isOperation = codeOf(Operation);
export const isPermission = codeOf(Permission);

/** The one cluster resource's name. */
export const CLUSTER_NAME = 'kafka-cluster';
/** LITERAL `*` matches every resource name of its type; `User:*` every principal; `*` every host. */
export const WILDCARD = '*';
export const WILDCARD_PRINCIPAL = 'User:*';

export interface AclBinding {
  resourceType: ResourceTypeCode;
  resourceName: string;
  patternType: PatternTypeCode;
  principal: string;
  host: string;
  operation: OperationCode;
  permission: PermissionCode;
}

const nameOf = <T extends Record<string, number>>(table: T, code: number): string =>
  Object.entries(table).find(([, v]) => v === code)?.[0] ?? String(code);

export const resourceTypeName = (c: number) => nameOf(ResourceType, c);
export const patternTypeName = (c: number) => nameOf(PatternType, c);
export const operationName = (c: number) => nameOf(Operation, c);
export const permissionName = (c: number) => nameOf(Permission, c);

/** One line as `kafka-acls --list` prints a binding, for logs and audit. */
export function describeAcl(a: AclBinding): string {
  return `(principal=${a.principal}, host=${a.host}, operation=${operationName(a.operation)}, permissionType=${permissionName(a.permission)}) on ${resourceTypeName(a.resourceType)}:${patternTypeName(a.patternType)}:${a.resourceName}`;
}
