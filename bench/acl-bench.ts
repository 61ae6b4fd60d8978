// Decision time of the authorizer with 100,000 ACLs: uncached (index walk) and cached (LRU hit).
// Medians of several batches; writes its section of bench/BENCHMARKS.md.
//
//   npm run bench -- acl
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cpus } from 'node:os';
import { Authorizer } from '../src/acl/authorizer.js';
import {
  Operation as Op,
  Permission as P,
  PatternType as Pt,
  ResourceType as R,
  type AclBinding,
} from '../src/acl/model.js';
import { PROJECT_ROOT } from '../src/demo/mock-cluster.js';

const N = 100_000;
const acls: AclBinding[] = [];
for (let i = 0; i < N; i++) {
  const user = `User:svc-${i % 2000}`;
  const kind = i % 4;
  acls.push({
    resourceType: kind === 3 ? R.GROUP : R.TOPIC,
    resourceName: kind === 1 ? `team-${i % 500}.` : `team-${i % 500}.topic-${i}`,
    patternType: kind === 1 ? Pt.PREFIXED : Pt.LITERAL,
    principal: user,
    host: '*',
    operation: kind === 2 ? Op.WRITE : Op.READ,
    permission: i % 50 === 0 ? P.DENY : P.ALLOW,
  } as AclBinding);
}
const a = new Authorizer({ superUsers: ['User:admin'] });
a.replace(acls);
// Half the queries are for resources some ACL grants (a literal name, or a name under a prefix), half random.
const queries = Array.from({ length: 10_000 }, (_, i) => {
  if (i % 2 === 0) {
    const acl = acls[(i * 7919) % N]!;
    const name = acl.patternType === Pt.PREFIXED ? `${acl.resourceName}orders-${i}` : acl.resourceName;
    return { p: acl.principal, name, op: acl.operation, type: acl.resourceType };
  }
  return {
    p: `User:svc-${(i * 7) % 2000}`,
    name: `team-${(i * 13) % 500}.topic-${(i * 31) % N}`,
    op: Op.READ as number,
    type: R.TOPIC as number,
  };
});
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
function measure(fn: (q: (typeof queries)[number]) => unknown): number {
  const batches: number[] = [];
  for (let b = 0; b < 15; b++) {
    const t0 = process.hrtime.bigint();
    for (const q of queries) fn(q);
    batches.push(Number(process.hrtime.bigint() - t0) / queries.length);
  }
  return median(batches.slice(3));
}
let allowed = 0;
const uncached = measure(
  (q) => (allowed += a.decide(q.p, '10.1.1.1', q.op as never, q.type as never, q.name).allowed ? 1 : 0),
);
for (const q of queries) a.authorize(q.p, '10.1.1.1', q.op as never, q.type as never, q.name);
const cached = measure((q) => a.authorize(q.p, '10.1.1.1', q.op as never, q.type as never, q.name));
const section = [
  '## ACL decisions (issue 4)',
  '',
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), Node ${process.version}. Command: \`npm run bench -- acl\`.`,
  `${N.toLocaleString('en-US')} ACLs (literal and prefixed, allow and deny, 2,000 principals); 10,000 distinct queries (half for resources an ACL covers), median of 12 batches.`,
  '',
  '| decision | time per decision | target |',
  '|---|---|---|',
  `| uncached (index: literal map + prefix trie) | ${(uncached / 1000).toFixed(2)} us | < 20 us |`,
  `| cached (LRU hit) | ${(cached / 1000).toFixed(2)} us | < 2 us |`,
  '',
].join('\n');
const file = join(PROJECT_ROOT, 'bench', 'BENCHMARKS.md');
let doc = readFileSync(file, 'utf8');
const start = doc.indexOf('## ACL decisions (issue 4)');
if (start >= 0) {
  const next = doc.indexOf('\n## ', start + 5);
  doc = doc.slice(0, start) + section + (next >= 0 ? doc.slice(next + 1) : '');
} else doc = `${doc.trimEnd()}\n\n${section}`;
writeFileSync(file, doc);
process.stdout.write(`${section}\n(${allowed} of ${queries.length * 15} uncached decisions were allows)\n`);
