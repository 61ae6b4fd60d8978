import {
  isOperation,
  isPatternType,
  isPermission,
  isResourceType,
  Operation,
  PatternType,
  Permission,
  ResourceType,
  WILDCARD,
  type AclBinding,
} from './model.js';

/** A Kafka AclBindingFilter (DescribeAcls, DeleteAcls): null or ANY fields match everything. */
export interface AclFilter {
  resourceType: number;
  resourceName: string | null;
  patternType: number;
  principal: string | null;
  host: string | null;
  operation: number;
  permission: number;
}

/**
 * Whether a filter matches a binding, with Kafka's ResourcePatternFilter semantics: LITERAL and
 * PREFIXED match patterns of that type and name; ANY matches any pattern with that name; MATCH
 * matches every pattern that would apply to a resource of that name (its LITERAL name, LITERAL `*`,
 * and PREFIXED patterns that are a prefix of it).
 */
export function filterMatches(f: AclFilter, a: AclBinding): boolean {
  if (f.resourceType !== ResourceType.ANY && f.resourceType !== a.resourceType) return false;
  if (f.resourceName !== null) {
    switch (f.patternType) {
      case PatternType.LITERAL:
      case PatternType.PREFIXED:
        if (a.patternType !== f.patternType || a.resourceName !== f.resourceName) return false;
        break;
      case PatternType.ANY:
        if (a.resourceName !== f.resourceName) return false;
        break;
      case PatternType.MATCH:
        if (a.patternType === PatternType.LITERAL) {
          if (a.resourceName !== f.resourceName && a.resourceName !== WILDCARD) return false;
        } else if (a.patternType === PatternType.PREFIXED) {
          if (!f.resourceName.startsWith(a.resourceName)) return false;
        } else return false;
        break;
      default:
        return false;
    }
  } else if (
    f.patternType !== PatternType.ANY &&
    f.patternType !== PatternType.MATCH &&
    f.patternType !== a.patternType
  ) {
    return false;
  }
  if (f.principal !== null && f.principal !== a.principal) return false;
  if (f.host !== null && f.host !== a.host) return false;
  if (f.operation !== Operation.ANY && f.operation !== a.operation) return false;
  if (f.permission !== Permission.ANY && f.permission !== a.permission) return false;
  return true;
}

/** A binding as a CreateAcls creation carries it: codes as numbers off the wire. */
export type BindingCodes = { [F in keyof AclBinding]: AclBinding[F] extends number ? number : AclBinding[F] };

/** The binding a CreateAcls creation names, or why it cannot be created (Kafka's validation). */
export function bindingOf(c: BindingCodes): AclBinding | string {
  const { resourceType, patternType, operation, permission } = c;
  if (!isResourceType(resourceType)) return 'invalid resource type';
  if (!isPatternType(patternType)) return 'pattern type must be LITERAL or PREFIXED';
  if (!isOperation(operation)) return 'invalid operation';
  if (!isPermission(permission)) return 'permission must be ALLOW or DENY';
  const a: AclBinding = { ...c, resourceType, patternType, operation, permission };
  return invalidBinding(a) ?? a;
}

/** Why a binding cannot be created (Kafka's CreateAcls validation), or null when it can. */
export function invalidBinding(a: AclBinding): string | null {
  if (a.resourceType === ResourceType.ANY || !Object.values(ResourceType).includes(a.resourceType))
    return 'invalid resource type';
  if (a.patternType !== PatternType.LITERAL && a.patternType !== PatternType.PREFIXED)
    return 'pattern type must be LITERAL or PREFIXED';
  if (a.operation === Operation.ANY || !Object.values(Operation).includes(a.operation)) return 'invalid operation';
  if (a.permission !== Permission.ALLOW && a.permission !== Permission.DENY) return 'permission must be ALLOW or DENY';
  if (a.resourceName === '') return 'resource name must not be empty';
  if (a.resourceType === ResourceType.CLUSTER && a.resourceName !== 'kafka-cluster')
    return 'the cluster resource is named kafka-cluster';
  if (!/^[^:]+:.+$/.test(a.principal)) return 'principal must look like User:name';
  if (a.host === '') return 'host must not be empty';
  return null;
}
