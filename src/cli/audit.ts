import { readFileSync } from 'node:fs';
import { verifyLines } from '../audit/chain.js';

const USAGE = `Usage:
  kafka-warden audit verify FILE...   check the hash chain of audit files (JSON lines);
                                      exits 1 and names the first broken or missing link
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
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      err(`${file}: cannot be read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      bad++;
      continue;
    }
    const r = verifyLines(text.split('\n'));
    if (r.ok) {
      out(
        r.events === 0
          ? `${file}: no events\n`
          : `${file}: ${r.events} events, chainseq ${r.firstSeq}..${r.lastSeq}, chain intact\n`,
      );
    } else {
      err(`${file}: line ${r.error!.line}: ${r.error!.reason}\n`);
      bad++;
    }
  }
  return bad === 0 ? 0 : 1;
}
