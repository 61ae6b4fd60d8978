import type { Logger } from 'pino';
import { ApiKey } from '../../protocol/generated/index.js';
import { framePool } from '../../protocol/buffer-pool.js';
import { ACKS_ZERO_AS, produceError, rewriteAcks } from '../acks-zero.js';
import { rewriteResponse, rewritesAddresses, type AddressBook } from '../rewrite.js';
import { Lane, type UpstreamPools } from '../pool.js';
import type { UpstreamError } from '../upstream.js';
import type { ClusterView } from '../cluster.js';
import type { ConnectionPort, Slot, UpstreamSink } from './chain.js';
import type { ClientRequest } from './request.js';
import type { ResponseStep } from './stage.js';

/** The broker a client connection talks to: a node port's node, or one pinned for a bootstrap connection. */
export interface Route {
  readonly nodeId: number | null;
  /** Its upstream lane, or null when no broker is known behind the port. */
  readonly lane: Lane | null;
}

export function routeClient(cluster: ClusterView, pools: UpstreamPools, nodeId: number | null): Route {
  if (nodeId === null) {
    const target = cluster.pickBootstrapTarget();
    return { nodeId: target.nodeId, lane: new Lane(pools.get(target.address)) };
  }
  const node = cluster.brokers.get(nodeId);
  return { nodeId, lane: node === undefined ? null : new Lane(pools.get({ host: node.host, port: node.port })) };
}

/** The bytes of this client's requests on their way up, counted against its buffer limit (ClientMemory). */
export interface RequestBytes {
  holdRequest(bytes: number): void;
  releaseRequest(bytes: number): void;
}

export interface UpstreamOptions {
  readonly addresses: AddressBook;
  readonly requestTimeoutMs: number;
}

/**
 * The end of the chain: sends a request upstream on the connection's lane and puts the broker's
 * response, through the response steps and the address rewrite, into the request's slot. An
 * acks=0 Produce goes upstream as acks=1 and its answer stays here (acks-zero.ts): a failure
 * closes this client's connection, as the broker would have.
 */
export class UpstreamStage implements UpstreamSink {
  constructor(
    private readonly port: ConnectionPort,
    private readonly lane: Lane,
    private readonly bytes: RequestBytes,
    private readonly options: UpstreamOptions,
  ) {}

  private get log(): Logger {
    return this.port.log;
  }

  send(req: ClientRequest, step: ResponseStep | undefined): void {
    const body = req.body;
    const packet = req.upstreamPacket();
    if (req.trailingBytes > 0)
      this.log.debug(
        { apiKey: req.apiKey, apiVersion: req.apiVersion, trailingBytes: req.trailingBytes },
        'trailing request bytes dropped',
      );
    const { policy, header } = req;
    const acksZero = req.is(ApiKey.Produce) && req.body.acks === 0;
    if (acksZero && req.is(ApiKey.Produce)) rewriteAcks(packet, header, req.body, ACKS_ZERO_AS);
    const slot = this.port.reserve(req.apiKey, acksZero);
    const size = packet.length;
    this.bytes.holdRequest(size);
    const pending = {
      clientCorrelationId: header.correlationId,
      deadline: Date.now() + this.options.requestTimeoutMs + (policy.holdMs?.(body) ?? 0),
      onResponse: (p: Buffer) => (acksZero ? this.acksZeroAnswered(slot, p, req) : this.answered(slot, p, req, step)),
      onError: (e: UpstreamError) => this.port.close('upstream_failed', { code: e.code, detail: e.message }),
    };
    this.lane.send(packet, pending, policy.parks?.(body) ?? false, () => this.bytes.releaseRequest(size));
  }

  private answered(slot: Slot, p: Buffer, req: ClientRequest, step: ResponseStep | undefined): void {
    if (this.port.closed) return;
    const { apiKey, apiVersion } = req;
    const addresses = rewritesAddresses(apiKey, apiVersion);
    let out = p;
    if (addresses || step !== undefined) {
      try {
        out = rewriteResponse(apiKey, apiVersion, p, this.options.addresses, { addresses, transform: step }) ?? p;
        // The rewritten response was encoded into a new buffer: the original is done with.
        if (out !== p) framePool.release(p);
      } catch (e) {
        this.log.warn({ apiKey, apiVersion, reason: (e as Error).message }, 'upstream response could not be rewritten');
        return this.port.close('upstream_malformed');
      }
    }
    this.port.complete(slot, out);
  }

  private acksZeroAnswered(slot: Slot, p: Buffer, req: ClientRequest): void {
    if (this.port.closed) return;
    let error: number;
    try {
      error = produceError(p, req.apiVersion);
    } catch (e) {
      this.log.warn(
        { apiKey: req.apiKey, apiVersion: req.apiVersion, reason: (e as Error).message },
        'upstream produce response malformed',
      );
      return this.port.close('upstream_malformed');
    }
    framePool.release(p);
    // What the broker does with a failed acks=0 Produce, on this client's connection only.
    if (error !== 0) this.port.close('acks_zero_failed', { errorCode: error });
    else this.port.complete(slot, SILENT);
  }
}

/** The packet of a silent slot. */
const SILENT = Buffer.alloc(0);
