// Shared by test/kafka/groups*.test.ts: the ACLs of their users and how GroupsProbe is called.
import { USERS } from './secure.js';

/**
 * bob: exactly what his clients need (topics, groups and transactional ids starting grp-); alice:
 * the same topic ACLs, no Group and no TransactionalId ACL. No super user.
 */
export const GROUPS_ACLS = `acls:
  - { resourceType: TOPIC, resourceName: grp-, patternType: PREFIXED, principal: "User:bob", operation: READ }
  - { resourceType: TOPIC, resourceName: grp-, patternType: PREFIXED, principal: "User:bob", operation: WRITE }
  - { resourceType: GROUP, resourceName: grp-, patternType: PREFIXED, principal: "User:bob", operation: READ }
  - { resourceType: TRANSACTIONAL_ID, resourceName: grp-tx-, patternType: PREFIXED, principal: "User:bob", operation: WRITE }
  - { resourceType: TOPIC, resourceName: grp-, patternType: PREFIXED, principal: "User:alice", operation: READ }
  - { resourceType: TOPIC, resourceName: grp-, patternType: PREFIXED, principal: "User:alice", operation: WRITE }
`;

/** GroupsProbe's arguments: bob and alice over the proxy's SASL_PLAINTEXT listener. */
export function probeArgs(saslPlaintext: string, broker: string): string[] {
  return [
    `bootstrap=${saslPlaintext}`,
    'user=bob',
    `password=${USERS.bob}`,
    'altUser=alice',
    `altPassword=${USERS.alice}`,
    `broker=${broker}`,
  ];
}

export type ProbeLine = Record<string, unknown> & { probe: string; event?: string; what?: string };

/** The JSON lines of GroupsProbe's stdout. */
export function parseLines(stdout: string): ProbeLine[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as ProbeLine);
}
