import { createHash } from 'node:crypto';

/**
 * Tamper evidence: every line a sink writes carries three CloudEvents extension attributes,
 * `chainseq` (1, 2, 3... per sink), `chainprev` (the previous line's chainhash; 64 zeros before the
 * first) and `chainhash`, the SHA-256 of the line's own bytes up to and including `chainprev`.
 * Editing a line breaks its hash; removing, inserting or reordering lines breaks the next line's
 * link and sequence. The hash covers the exact bytes written, so verification never depends on
 * re-serializing JSON.
 */
export interface ChainState {
  seq: number;
  hash: string;
}

export const GENESIS: ChainState = { seq: 0, hash: '0'.repeat(64) };
const SUFFIX = /,"chainhash":"([0-9a-f]{64})"\}$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The line (without newline) for an event's JSON, chained after `prev`, and the new state. */
export function chainLine(eventJson: string, prev: ChainState): { line: string; state: ChainState } {
  const seq = prev.seq + 1;
  const body = `${eventJson.slice(0, -1)},"chainseq":${seq},"chainprev":"${prev.hash}"}`;
  const hash = sha256(body);
  return { line: `${body.slice(0, -1)},"chainhash":"${hash}"}`, state: { seq, hash } };
}

/** The chain state a line ends in, or null when it carries no valid chain attributes. */
export function stateOf(line: string): ChainState | null {
  const m = SUFFIX.exec(line);
  if (m === null) return null;
  const seq = /,"chainseq":(\d+),"chainprev":"[0-9a-f]{64}","chainhash":"[0-9a-f]{64}"\}$/.exec(line);
  if (seq === null) return null;
  return { seq: Number(seq[1]), hash: m[1]! };
}

export interface VerifyResult {
  ok: boolean;
  /** Lines checked (non-empty). */
  events: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The first broken or missing link: 1-based line number in the input and why. */
  error: { line: number; reason: string } | null;
}

/**
 * Checks a sequence of lines (one file, in order). The first line may continue a chain begun in an
 * earlier (rotated) file; from then on every link must hold.
 */
export function verifyLines(lines: readonly string[]): VerifyResult {
  let prev: ChainState | null = null;
  let events = 0;
  let firstSeq: number | null = null;
  const fail = (line: number, reason: string): VerifyResult => ({
    ok: false,
    events,
    firstSeq,
    lastSeq: prev?.seq ?? null,
    error: { line, reason },
  });
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const n = i + 1;
    if (line === '') {
      if (i === lines.length - 1) break; // the final newline
      return fail(n, 'empty line inside the file');
    }
    let parsed: { chainseq?: unknown; chainprev?: unknown; chainhash?: unknown };
    try {
      parsed = JSON.parse(line) as typeof parsed;
    } catch {
      return fail(n, 'not valid JSON (edited or truncated)');
    }
    const m = SUFFIX.exec(line);
    if (m === null || typeof parsed.chainseq !== 'number' || typeof parsed.chainprev !== 'string')
      return fail(n, 'no chain attributes (chainseq, chainprev, chainhash)');
    const body = `${line.slice(0, line.length - m[0].length)}}`;
    if (sha256(body) !== m[1])
      return fail(n, `event chainseq ${parsed.chainseq} was edited: its hash does not match its content`);
    if (prev === null) {
      if (parsed.chainseq === 1 && parsed.chainprev !== GENESIS.hash)
        return fail(n, 'the first event of the chain does not start from the genesis link');
      firstSeq = parsed.chainseq;
    } else {
      if (parsed.chainseq !== prev.seq + 1) {
        const gap =
          parsed.chainseq > prev.seq
            ? `${parsed.chainseq - prev.seq - 1} event(s) missing after chainseq ${prev.seq}`
            : `chainseq ${parsed.chainseq} after ${prev.seq}: out of order`;
        return fail(n, `broken link: ${gap}`);
      }
      if (parsed.chainprev !== prev.hash)
        return fail(
          n,
          `broken link: chainprev of chainseq ${parsed.chainseq} is not the hash of line ${n - 1} (a line was replaced or reordered)`,
        );
    }
    prev = { seq: parsed.chainseq, hash: m[1]! };
    events++;
  }
  return { ok: true, events, firstSeq, lastSeq: prev?.seq ?? null, error: null };
}
