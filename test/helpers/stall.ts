// Measures what one client's most expensive requests cost every other client: a prober's
// ApiVersions round trips while an attacker sends the worst frames the proxy admits, back to back.
import net from 'node:net';
import { Writer } from '../../src/protocol/writer.js';
import { encodeRequestHeader } from '../../src/protocol/headers.js';
import { FrameReader } from '../../src/protocol/frame-reader.js';
import { RawClient } from './raw-client.js';
import { ApiKey } from '../../src/protocol/generated/index.js';

/**
 * A Produce request naming `topics` empty topics: the most elements per byte the codec admits
 * (3 bytes each in v9+, 6 in v3-8; the mock brokers speak up to v7).
 */
export function emptyTopicsProduce(topics: number, version = 7, correlationId = 1): Buffer {
  const w = new Writer(16 + topics * 6);
  w.int32(0);
  encodeRequestHeader(w, ApiKey.Produce, version, correlationId, 'attacker');
  const flex = version >= 9;
  if (flex) w.compactNullableString(null);
  else w.nullableString(null);
  w.int16(1);
  w.int32(1000);
  if (flex) w.compactArrayLength(topics);
  else w.arrayLength(topics);
  for (let i = 0; i < topics; i++) {
    if (flex) {
      w.compactString('');
      w.compactArrayLength(0);
      w.uvarint(0);
    } else {
      w.string('');
      w.arrayLength(0);
    }
  }
  if (flex) w.uvarint(0);
  const out = Buffer.from(w.finish());
  out.writeInt32BE(out.length - 4, 0);
  return out;
}

export interface StallResult {
  /** Prober round trips, in ms, sorted. */
  rtts: number[];
  p50: number;
  p99: number;
  max: number;
  /** Attacker frames sent, and how many connections the proxy closed on it. */
  attackerFrames: number;
  attackerClosed: number;
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/**
 * Runs for `ms`: the prober sends ApiVersions every `gapMs` on its own connection; the attacker
 * (unless `frame` is null) sends `frame`, waits for its answer or the close, and sends it again,
 * reconnecting when closed.
 */
export async function measureStall(address: string, frame: Buffer | null, ms: number, gapMs = 5): Promise<StallResult> {
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    Number(address.slice(address.lastIndexOf(':') + 1)),
  ];
  let stop = false;
  let attackerFrames = 0;
  let attackerClosed = 0;
  const attack = async () => {
    while (!stop && frame !== null) {
      const s = net.connect({ host, port });
      s.on('error', () => {});
      await new Promise<void>((resolve) => {
        const reader = new FrameReader(() => {
          if (stop) return s.destroy();
          attackerFrames++;
          s.write(frame);
        }, 1 << 30);
        s.on('data', (c: Buffer) => reader.push(c));
        s.once('connect', () => {
          attackerFrames++;
          s.write(frame);
        });
        s.once('close', () => {
          if (!stop) attackerClosed++;
          resolve();
        });
        const t = setInterval(() => stop && (clearInterval(t), s.destroy()), 50);
      });
    }
  };
  const prober = await RawClient.connect(address);
  const attacking = attack();
  await new Promise((r) => setTimeout(r, 300)); // the attack is under way
  const rtts: number[] = [];
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const t0 = performance.now();
    await prober.request(ApiKey.ApiVersions, 0, {}, 30_000);
    rtts.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, gapMs));
  }
  stop = true;
  await attacking;
  prober.close();
  rtts.sort((a, b) => a - b);
  return {
    rtts,
    p50: quantile(rtts, 0.5),
    p99: quantile(rtts, 0.99),
    max: rtts[rtts.length - 1] ?? NaN,
    attackerFrames,
    attackerClosed,
  };
}
