import { readFileSync } from 'node:fs';
import { verifyChains, type ChainResult } from '../audit/chain.js';

const USAGE = `Usage:
  kafka-warden audit verify FILE...   check the hash chains of audit files (JSON lines), each
                                      writer's chain on its own (its chainid: instance/worker),
                                      across the files in the order given (rotated files oldest
                                      first; a topic dumped with kcat -e -f '%s\\n' is one file);
                                      exits 1 and names each chain's first broken or missing link
`;

/** `kafka-warden audit verify FILE...` */
export function auditCommand(
  args: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  err: (s: string) => void = (s) => process.stderr.write(s),
): number {
  const [sub, ...files] = args;
  if (sub !== 'verify' || files.length === 0) {
    err(USAGE);
    return 2;
  }
  let bad = 0;
  const read: Array<{ name: string; lines: string[] }> = [];
  for (const file of files) {
    try {
      read.push({ name: file, lines: readFileSync(file, 'utf8').split('\n') });
    } catch (e) {
      err(`${file}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      bad++;
    }
  }
  const results = verifyChains(read);
  const report = (r: ChainResult) => {
    const name = r.chainId === '' ? `${r.file}` : `chain ${r.chainId}`;
    if (r.ok) return out(`${name}: ${r.events} events, chainseq ${r.firstSeq}..${r.lastSeq}, chain intact\n`);
    const at = r.chainId === '' ? `line ${r.error!.line}` : `${r.file} line ${r.error!.line}`;
    err(`${name}: ${at}: ${r.error!.reason}\n`);
    bad++;
  };
  // Files in the order given (with their chains that have no id), then each writer's chain.
  for (const f of read) {
    if (f.lines.every((l) => l === '')) out(`${f.name}: no events\n`);
    for (const r of results) if (r.chainId === '' && r.file === f.name) report(r);
  }
  for (const r of results) if (r.chainId !== '') report(r);
  return bad === 0 ? 0 : 1;
}
