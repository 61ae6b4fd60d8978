// Writes the seed corpus of every fuzz target: real frames from test/fixtures/golden.json
// (captured from kcat/librdkafka, kafkajs and librdkafka's mock brokers), and for the codecs every
// API and version encoded from its default message, so that the fuzzers start from well-formed
// input everywhere. Deterministic; scripts/fuzz.sh runs it before each run.
//
//   node test/fuzz/support/seeds.mjs OUT_DIR    writes OUT_DIR/<target>/<name>
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as generated from '../../../dist/protocol/generated/index.js';
import { API_SPECS, ApiKey } from '../../../dist/protocol/generated/index.js';
import { decodeRequestHeader, encodeRequestHeader, responseHeaderLength } from '../../../dist/protocol/headers.js';
import { Reader } from '../../../dist/protocol/reader.js';
import { Writer } from '../../../dist/protocol/writer.js';
import { frame } from '../../../dist/protocol/frame-reader.js';
import { encodeRecordBatch } from '../../../dist/protocol/record-batch.js';
import { proxyVersionRange } from '../../../dist/proxy/api-table.js';
import { selector, REQUEST, RESPONSE, REQUEST_FRAME, RESPONSE_FRAME } from '../targets/codec.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const golden = JSON.parse(readFileSync(join(here, '..', '..', 'fixtures', 'golden.json'), 'utf8'));

/** The default request of an API (the generated modules export one per message). */
function defaultRequest(spec) {
  const ns = Object.values(generated).find((m) => m !== null && typeof m === 'object' && m.API_KEY === spec.key);
  return ns.defaultRequest();
}

function encoded(encode, version, value) {
  const w = new Writer(64);
  encode(w, version, value);
  return Buffer.from(w.finish());
}

/** Seeds per target: name -> bytes. */
export function seeds() {
  const out = { request: new Map(), codec: new Map(), 'frame-reader': new Map(), 'record-batch': new Map() };
  const add = (target, name, bytes) => out[target].set(name, bytes);

  for (const [i, g] of golden.entries()) {
    const bytes = Buffer.from(g.hex, 'hex');
    const spec = API_SPECS.get(g.apiKey);
    const tag = `golden-${i}-${spec.name}-v${g.version}-${g.direction}`;
    if (g.direction === 'request') {
      add('request', tag, bytes);
      const h = decodeRequestHeader(bytes);
      add('codec', tag, Buffer.concat([selector(g.apiKey, g.version, REQUEST), bytes.subarray(h.bodyOffset)]));
      add('codec', `${tag}-with-header`, Buffer.concat([selector(g.apiKey, g.version, REQUEST_FRAME), bytes]));
      if (g.apiKey === ApiKey.Produce) {
        const body = spec.decodeRequest(new Reader(bytes, h.bodyOffset), g.version);
        for (const t of body.topicData)
          for (const p of t.partitionData)
            if (p.records !== null) add('record-batch', `${tag}-${t.name}-${p.index}`, Buffer.from(p.records));
      }
    } else {
      add('codec', `${tag}-with-header`, Buffer.concat([selector(g.apiKey, g.version, RESPONSE_FRAME), bytes]));
      add(
        'codec',
        tag,
        Buffer.concat([
          selector(g.apiKey, g.version, RESPONSE),
          bytes.subarray(responseHeaderLength(g.apiKey, g.version, bytes)),
        ]),
      );
    }
  }

  for (const spec of API_SPECS.values()) {
    const served = proxyVersionRange(spec.key);
    for (let v = spec.minVersion; v <= spec.maxVersion; v++) {
      const request = encoded(spec.encodeRequest, v, defaultRequest(spec));
      add('codec', `default-${spec.name}-v${v}-request`, Buffer.concat([selector(spec.key, v, REQUEST), request]));
      add(
        'codec',
        `default-${spec.name}-v${v}-response`,
        Buffer.concat([selector(spec.key, v, RESPONSE), encoded(spec.encodeResponse, v, spec.defaultResponse())]),
      );
      if (served !== null && v >= served[0] && v <= served[1]) {
        const w = new Writer(64);
        encodeRequestHeader(w, spec.key, v, 1, 'fuzz');
        add('request', `default-${spec.name}-v${v}`, Buffer.concat([w.finish(), request]));
      }
    }
  }

  // Record sets: real batches, and batches of one and several records, alone and back to back.
  const one = encodeRecordBatch([{ key: null, value: Buffer.from('v') }], 0);
  const three = encodeRecordBatch(
    [
      { key: Buffer.from('k'), value: Buffer.from('value') },
      { key: null, value: Buffer.alloc(0) },
      { key: Buffer.alloc(0), value: Buffer.from('x') },
    ],
    1700000000000,
  );
  add('record-batch', 'one-record', one);
  add('record-batch', 'three-records', three);
  add('record-batch', 'two-batches', Buffer.concat([one, three]));

  // Streams for the frame reader: golden frames back to back, in several chunkings and limits.
  const packets = golden.map((g) => frame(Buffer.from(g.hex, 'hex')));
  const stream = Buffer.concat(packets.slice(0, 12));
  const header = (flags, a, b, lengths) => Buffer.from([flags, a, b, ...lengths]);
  add('frame-reader', 'whole-chunks', Buffer.concat([header(0, 255, 255, [66, 66, 66, 66]), stream]));
  add('frame-reader', 'small-chunks', Buffer.concat([header(0, 255, 255, [1, 3, 5, 2]), stream]));
  add('frame-reader', 'reused-chunks', Buffer.concat([header(1, 255, 255, [7, 0, 30, 4]), stream]));
  add('frame-reader', 'alternating-limit', Buffer.concat([header(3, 255, 40, [13, 17, 2, 66]), stream]));
  add(
    'frame-reader',
    'empty-frames',
    Buffer.concat([header(0, 0, 0, [2, 1, 3, 5]), Buffer.alloc(12), frame(Buffer.from('x'))]),
  );
  add(
    'frame-reader',
    'negative-size',
    Buffer.concat([header(0, 255, 255, [3, 3, 3, 3]), packets[0], Buffer.from([0xff, 0xff, 0xff, 0xfe, 1, 2])]),
  );
  return out;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: node test/fuzz/support/seeds.mjs OUT_DIR');
    process.exit(2);
  }
  for (const [target, files] of Object.entries(seeds())) {
    const d = join(dir, target);
    rmSync(d, { recursive: true, force: true });
    mkdirSync(d, { recursive: true });
    for (const [name, bytes] of files)
      writeFileSync(
        join(
          d,
          `${name.replace(/[^A-Za-z0-9._-]/g, '_')}-${createHash('sha1').update(bytes).digest('hex').slice(0, 8)}`,
        ),
        bytes,
      );
    console.error(`seeds: ${files.size} for ${target}`);
  }
}
