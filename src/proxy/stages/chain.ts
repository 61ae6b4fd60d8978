import type { Logger } from 'pino';
import type { CloseReason } from '../../close-reason.js';
import { WardenError } from '../../protocol/errors.js';
import type { RequestHeader } from '../../protocol/headers.js';
import { responsePacket } from '../responses.js';
import type { Metrics } from '../../metrics/metrics.js';
import { readRequest, type ClientRequest, type VersionGate } from './request.js';
import type { LocalOutcome, Outcome, ResponseStep, Stage } from './stage.js';

/** An answer's place in the connection's response order. */
export interface Slot {
  packet: Buffer | null;
  /** The request's api key (-1 when unknown), and when it was read, for the duration histogram. */
  readonly apiKey: number;
  readonly start: number;
  /** No response goes to the client (an acks=0 Produce, answered upstream as acks=1). */
  readonly silent: boolean;
}

/** What the stages may ask of the client connection (ClientConnection implements it). */
export interface ConnectionPort {
  readonly closed: boolean;
  readonly log: Logger;
  close(reason: CloseReason, fields?: Record<string, unknown>): void;
  /** Read no more requests; close once every answer has gone out, `lingerMs` after that. */
  drain(lingerMs?: number): void;
  /** The largest frame the connection reads (smaller before authentication). */
  setMaxFrameBytes(bytes: number): void;
  /** A place in the response order for the request being handled. */
  reserve(apiKey: number, silent?: boolean): Slot;
  /** Fills a slot; answers go out in request order. */
  complete(slot: Slot, packet: Buffer): void;
  /** Stops handling frames (they are kept, in order, and reads pause) until release(). */
  hold(): void;
  release(): void;
}

/** The end of the chain: sends an allowed request to its broker (UpstreamStage). */
export interface UpstreamSink {
  send(request: ClientRequest, response: ResponseStep | undefined): void;
}

/** What the chain asks before it reads a request: a raw frame's owner, the element budget. */
export interface FrameGate {
  /** A frame that is not a request (a SASL v0 raw token): its outcome, else null. */
  interceptFrame(frame: Buffer): Outcome | null;
  /** Elements one request may decode into now (far fewer before authentication). */
  elementBudget(): number;
}

/**
 * Runs every request through the stages in order and applies the first outcome that is not
 * `forward` (answers take their place in the response order; `later` holds the frames behind it).
 * A request every stage forwards goes to the sink with its response steps composed so that the
 * stage nearest the broker sees the response first. A frame that cannot be read or decoded closes
 * the connection as a protocol error; an unexpected exception as an internal error.
 */
export class RequestChain {
  private current: RequestHeader | null = null;

  constructor(
    private readonly port: ConnectionPort,
    private readonly gate: FrameGate,
    private readonly versions: VersionGate,
    private readonly stages: readonly Stage[],
    private readonly sink: UpstreamSink,
    private readonly metrics: Metrics,
  ) {}

  /** The request being handled, for audit events and error reports. */
  get request(): RequestHeader | null {
    return this.current;
  }

  handle(packet: Buffer): void {
    try {
      const intercepted = this.gate.interceptFrame(packet.subarray(4));
      if (intercepted !== null) this.apply(intercepted, null, -1);
      else this.run(readRequest(packet, this.versions, this.gate.elementBudget()));
    } catch (e) {
      this.refuse(e);
    } finally {
      this.current = null;
    }
  }

  private run(req: ClientRequest): void {
    this.current = req.header;
    this.metrics.api(req.apiKey, req.spec.name).requests.inc();
    const steps: ResponseStep[] = [];
    for (const stage of this.stages) {
      const o = stage.onRequest(req);
      if (o.kind !== 'forward') return this.apply(o, req, req.apiKey);
      if (o.response !== undefined) steps.push(o.response);
    }
    this.sink.send(req, composeSteps(steps));
  }

  private apply(o: Outcome, req: ClientRequest | null, apiKey: number, slot?: Slot): void {
    const port = this.port;
    switch (o.kind) {
      case 'forward':
        throw new Error('a forward outcome is applied by the chain, not here');
      case 'later':
        return this.defer(o.outcome, req, apiKey);
      case 'drop':
        return;
      case 'close':
        return port.close(o.reason, { ...this.at(req), ...o.fields });
      case 'answer':
      case 'answer-packet': {
        const packet =
          o.kind === 'answer-packet'
            ? o.packet
            : responsePacket(
                req!.apiKey,
                o.version ?? req!.apiVersion,
                req!.header.correlationId,
                o.body,
                o.headerVersion,
              );
        port.complete(slot ?? port.reserve(apiKey), packet);
        if (o.then?.drain) port.drain(o.then.lingerMs);
      }
    }
  }

  private defer(outcome: Promise<LocalOutcome>, req: ClientRequest | null, apiKey: number): void {
    const slot = this.port.reserve(apiKey);
    this.port.hold();
    outcome.then(
      (o) => {
        if (this.port.closed) return;
        this.apply(o, req, apiKey, slot);
        this.port.release();
      },
      (e: unknown) => this.refuse(e),
    );
  }

  private at(req: ClientRequest | null): Record<string, unknown> {
    const h = req?.header ?? this.current;
    return h === null ? {} : { apiKey: h.apiKey, apiVersion: h.apiVersion, correlationId: h.correlationId };
  }

  private refuse(e: unknown): void {
    if (e instanceof WardenError) {
      this.port.close('protocol_error', { ...this.at(null), code: e.code, detail: e.message });
    } else {
      this.port.log.error({ err: e }, 'unexpected error handling a request');
      this.port.close('internal_error', this.at(null));
    }
  }
}

/** Response steps in reverse order of the stages that attached them. */
function composeSteps(steps: ResponseStep[]): ResponseStep | undefined {
  if (steps.length === 0) return undefined;
  if (steps.length === 1) return steps[0];
  return (response) => steps.reduceRight((r, step) => step(r), response);
}
