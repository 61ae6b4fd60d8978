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

/**
 * The line (without newline) for an event's JSON, chained after `prev`, and the new state.
 * `chainId` names the writer (`chainid`: the instance, and its worker), so that the chains of
 * several writers interleaved in one place (a topic, a collector) can be told apart and each
 * checked on its own.
 */
export function chainLine(eventJson: string, prev: ChainState, chainId?: string): { line: string; state: ChainState } {
  const seq = prev.seq + 1;
  const id = chainId === undefined ? '' : `,"chainid":${JSON.stringify(chainId)}`;
  const body = `${eventJson.slice(0, -1)}${id},"chainseq":${seq},"chainprev":"${prev.hash}"}`;
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
 * Checks a sequence of lines (one file, in order) as one chain. The first line may continue a
 * chain begun in an earlier (rotated) file; from then on every link must hold.
 */
export function verifyLines(lines: readonly string[]): VerifyResult {
  const chain = new ChainCheck();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '' && i === lines.length - 1) break; // the final newline
    const reason = lineProblem(line) ?? chain.add(line, `line ${i + 1}`);
    if (reason !== null) return { ...chain.result(), ok: false, error: { line: i + 1, reason } };
  }
  return chain.result();
}

/** One chain's result in `verifyChains`, with the file of its first problem. */
export interface ChainResult extends VerifyResult {
  /** The writer (`chainid`); '' for lines that carry none (one writer per file, as before chain ids). */
  chainId: string;
  /** The file of a chain without an id; for one with an id, the file of its error (else null). */
  file: string | null;
}

/**
 * Checks the chains in files written by many writers (instances and their workers, interleaved in
 * one topic or spread over files), each chain on its own, in the order the files are given (so
 * that rotated files continue their chain). Lines without a chain id form one chain per file.
 * A file problem (an empty or unparseable line) is reported as its chain's error.
 */
export function verifyChains(files: ReadonlyArray<{ name: string; lines: readonly string[] }>): ChainResult[] {
  const chains = new Map<string, { check: ChainCheck; error: ChainResult['error']; file: string | null }>();
  const fileErrors: ChainResult[] = [];
  for (const { name, lines } of files) {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === '' && i === lines.length - 1) break;
      const problem = lineProblem(line);
      if (problem !== null) {
        fileErrors.push({ ...EMPTY, chainId: '', file: name, ok: false, error: { line: i + 1, reason: problem } });
        break;
      }
      const id = chainIdOf(line);
      const key = id === '' ? `\u0000${name}` : id;
      let c = chains.get(key);
      if (c === undefined)
        chains.set(key, (c = { check: new ChainCheck(), error: null, file: id === '' ? name : null }));
      if (c.error !== null) continue;
      const reason = c.check.add(line, `${name} line ${i + 1}`);
      if (reason !== null) {
        c.error = { line: i + 1, reason };
        c.file = name;
      }
    }
  }
  const results = [...chains].map(([key, c]): ChainResult => ({
    ...c.check.result(),
    chainId: key.startsWith('\u0000') ? '' : key,
    file: c.file,
    ok: c.error === null,
    error: c.error,
  }));
  return [...results, ...fileErrors];
}

const EMPTY: VerifyResult = { ok: true, events: 0, firstSeq: null, lastSeq: null, error: null };

/** Why a line cannot be part of any chain (empty, not JSON), or null. */
function lineProblem(line: string): string | null {
  if (line === '') return 'empty line inside the file';
  try {
    JSON.parse(line);
  } catch {
    return 'not valid JSON (edited or truncated)';
  }
  return null;
}

const CHAIN_ID =
  /,"chainid":("(?:[^"\\]|\\.)*"),"chainseq":\d+,"chainprev":"[0-9a-f]{64}","chainhash":"[0-9a-f]{64}"\}$/;

function chainIdOf(line: string): string {
  const m = CHAIN_ID.exec(line);
  return m === null ? '' : (JSON.parse(m[1]!) as string);
}

/** One chain, fed its lines in order: each must carry the next link. */
class ChainCheck {
  private prev: { state: ChainState; where: string } | null = null;
  private events = 0;
  private firstSeq: number | null = null;

  /** Takes the chain's next line (`where`: for messages); returns what is wrong with it, or null. */
  add(line: string, where: string): string | null {
    const parsed = JSON.parse(line) as { chainseq?: unknown; chainprev?: unknown };
    const m = SUFFIX.exec(line);
    if (m === null || typeof parsed.chainseq !== 'number' || typeof parsed.chainprev !== 'string')
      return 'no chain attributes (chainseq, chainprev, chainhash)';
    const body = `${line.slice(0, line.length - m[0].length)}}`;
    if (sha256(body) !== m[1])
      return `event chainseq ${parsed.chainseq} was edited: its hash does not match its content`;
    const prev = this.prev;
    if (prev === null) {
      if (parsed.chainseq === 1 && parsed.chainprev !== GENESIS.hash)
        return 'the first event of the chain does not start from the genesis link';
      this.firstSeq = parsed.chainseq;
    } else if (parsed.chainseq !== prev.state.seq + 1) {
      return parsed.chainseq > prev.state.seq
        ? `broken link: ${parsed.chainseq - prev.state.seq - 1} event(s) missing after chainseq ${prev.state.seq}`
        : `broken link: chainseq ${parsed.chainseq} after ${prev.state.seq}: out of order`;
    } else if (parsed.chainprev !== prev.state.hash) {
      return `broken link: chainprev of chainseq ${parsed.chainseq} is not the hash of the chain's previous event (${prev.where}): an event was replaced or reordered`;
    }
    this.prev = { state: { seq: parsed.chainseq, hash: m[1]! }, where };
    this.events++;
    return null;
  }

  result(): VerifyResult {
    return {
      ok: true,
      events: this.events,
      firstSeq: this.firstSeq,
      lastSeq: this.prev?.state.seq ?? null,
      error: null,
    };
  }
}
