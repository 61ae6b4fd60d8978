import { readFileSync, writeFileSync, renameSync, existsSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { loadAll as parseYamlDocuments, dump as dumpYaml } from 'js-yaml';
import { z } from 'zod';
import {
  Operation,
  PatternType,
  Permission,
  ResourceType,
  operationName,
  patternTypeName,
  permissionName,
  resourceTypeName,
  type AclBinding,
} from './model.js';
import { invalidBinding } from './filter.js';
import { WardenError } from '../protocol/errors.js';

const upper = (names: string[]) =>
  z
    .string()
    .transform((s) => s.toUpperCase())
    .pipe(z.enum(names as [string, ...string[]]));

const entrySchema = z
  .object({
    resourceType: upper(['TOPIC', 'GROUP', 'CLUSTER', 'TRANSACTIONAL_ID', 'DELEGATION_TOKEN', 'USER']),
    resourceName: z.string().min(1),
    patternType: upper(['LITERAL', 'PREFIXED']).default('LITERAL'),
    principal: z.string().min(1),
    host: z.string().min(1).default('*'),
    operation: upper(Object.keys(Operation).filter((o) => o !== 'ANY')),
    permission: upper(['ALLOW', 'DENY']).default('ALLOW'),
  })
  .strict();

// `acls:` with nothing under it is null: no ACLs yet, like an empty file.
const fileSchema = z
  .object({
    acls: z
      .array(entrySchema)
      .nullable()
      .default([])
      .transform((a) => a ?? []),
  })
  .strict();

/**
 * The ACL file: the bindings as `kafka-acls --list` names them, one entry each:
 *
 *   acls:
 *     - { resourceType: TOPIC, resourceName: orders, patternType: LITERAL,
 *         principal: "User:alice", host: "*", operation: READ, permission: ALLOW }
 */
export function readAclFile(file: string): AclBinding[] {
  if (!existsSync(file)) return [];
  let docs: unknown[];
  try {
    // js-yaml's load() refuses a source without a document (empty, or only comments): no ACLs yet.
    docs = parseYamlDocuments(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new WardenError(
      'WARDEN_ERR_ACL_FILE',
      `ACL file ${file} is not valid YAML: ${(e as { reason?: string }).reason ?? 'parse error'}`,
    );
  }
  if (docs.length > 1)
    throw new WardenError('WARDEN_ERR_ACL_FILE', `ACL file ${file}: expected one YAML document, found ${docs.length}`);
  const raw = docs[0];
  const res = fileSchema.safeParse(raw ?? {});
  if (!res.success) {
    const issue = res.error.issues[0]!;
    throw new WardenError('WARDEN_ERR_ACL_FILE', `ACL file ${file}: ${issue.path.join('.')}: ${issue.message}`);
  }
  return res.data.acls.map((e, i) => {
    const a: AclBinding = {
      resourceType: ResourceType[e.resourceType as keyof typeof ResourceType],
      resourceName: e.resourceName,
      patternType: PatternType[e.patternType as keyof typeof PatternType],
      principal: e.principal,
      host: e.host,
      operation: Operation[e.operation as keyof typeof Operation],
      permission: Permission[e.permission as keyof typeof Permission],
    };
    const bad = invalidBinding(a);
    if (bad !== null) throw new WardenError('WARDEN_ERR_ACL_FILE', `ACL file ${file}: acls.${i}: ${bad}`);
    return a;
  });
}

/** Writes the bindings atomically (temporary file, then rename). */
export function writeAclFile(file: string, acls: readonly AclBinding[]): void {
  const doc = {
    acls: acls.map((a) => ({
      resourceType: resourceTypeName(a.resourceType),
      resourceName: a.resourceName,
      patternType: patternTypeName(a.patternType),
      principal: a.principal,
      host: a.host,
      operation: operationName(a.operation),
      permission: permissionName(a.permission),
    })),
  };
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
  writeFileSync(tmp, `# kafka-warden ACLs\n${dumpYaml(doc, { lineWidth: -1, flowLevel: 2 })}`);
  renameSync(tmp, file);
}
