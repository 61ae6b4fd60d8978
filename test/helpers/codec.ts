// Encoding and decoding by api key for unit tests, in one place: the only file of the unit tests
// that knows how the generated registry and Produce's generated defaults are named, so that a
// rename of generated code changes this file alone.
import { API_SPECS } from '../../src/protocol/generated/index.js';
import * as produce from '../../src/protocol/generated/produce.js';
import {
  decodeRequestHeader,
  encodeRequestHeader,
  responseHeaderLength,
  type RequestHeader,
} from '../../src/protocol/headers.js';
import { Reader } from '../../src/protocol/reader.js';
import { sizePrefixed } from '../../src/protocol/writer.js';

function spec(apiKey: number) {
  const s = API_SPECS.get(apiKey);
  if (s === undefined) throw new Error(`no codec for api key ${apiKey}`);
  return s;
}

/** A whole request packet (size, header, body) as a client sends it. */
export function encodeRequest(
  apiKey: number,
  version: number,
  correlationId: number,
  body: unknown,
  clientId: string | null = 'unit-test',
): Buffer {
  return sizePrefixed(128, (w) => {
    encodeRequestHeader(w, apiKey, version, correlationId, clientId);
    spec(apiKey).encodeRequest(w, version, body as never);
  });
}

/** The header and body of a request packet. */
export function decodeRequest(packet: Buffer): { header: RequestHeader; body: Record<string, unknown> } {
  const frame = packet.subarray(4);
  const header = decodeRequestHeader(frame);
  const r = new Reader(frame, header.bodyOffset);
  const body = spec(header.apiKey).decodeRequest(r, header.apiVersion) as Record<string, unknown>;
  r.done();
  return { header, body };
}

/** The correlation id and body of a response packet. */
export function decodeResponse(
  apiKey: number,
  version: number,
  packet: Buffer,
): { correlationId: number; body: Record<string, unknown> } {
  const frame = packet.subarray(4);
  const r = new Reader(frame, responseHeaderLength(apiKey, version, frame));
  const body = spec(apiKey).decodeResponse(r, version) as Record<string, unknown>;
  r.done();
  return { correlationId: frame.readInt32BE(0), body };
}

export const PRODUCE = 0;

/** A Produce request for one partition of `topic`. */
export function produceRequest(topic: string, acks: number, transactionalId: string | null): produce.Request {
  return {
    ...produce.defaultRequest(),
    transactionalId,
    acks,
    timeoutMs: 1000,
    topicData: [
      {
        ...produce.defaultRequestTopicProduceData(),
        name: topic,
        partitionData: [{ ...produce.defaultRequestPartitionProduceData(), index: 0, records: null }],
      },
    ],
  };
}

/** A Produce response with one partition per error code given. */
export function produceResponse(topic: string, errorCodes: number[]): produce.Response {
  return {
    ...produce.defaultResponse(),
    responses: [
      {
        ...produce.defaultResponseTopicProduceResponse(),
        name: topic,
        partitionResponses: errorCodes.map((errorCode, index) => ({
          ...produce.defaultResponsePartitionProduceResponse(),
          index,
          errorCode,
        })),
      },
    ],
  };
}
