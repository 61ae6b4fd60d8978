import type { CloseReason } from '../../close-reason.js';
import type { AnyResponse } from '../../protocol/generated/index.js';
import type { ClientRequest } from './request.js';

/** A step a stage attaches to the response of a request it forwards (merge, filter, rewrite). */
export type ResponseStep = (response: AnyResponse) => AnyResponse;

/** What the connection does once a local answer has been queued. */
export interface AfterAnswer {
  /** Read no further requests; close once every answer has gone out. */
  readonly drain: boolean;
  /** How long the drained connection stays open after its last answer. */
  readonly lingerMs?: number;
}

/**
 * What a stage decides for a request:
 * - forward: pass it on to the next stage, optionally with a step for its response (a stage that
 *   forwards a different body, the allowed part of a request, sets it with request.replaceBody);
 * - answer: the proxy answers it itself with a response body (encoded at the request's version
 *   unless `version` says otherwise) or with a ready packet, then optionally drains;
 * - drop: the request gets no answer at all and the connection goes on;
 * - close: the connection closes at once, unanswered requests dropped, with a stable reason;
 * - later: the decision takes time (a SASL step, a failed login's delay). Later frames wait, in
 *   order, and the request keeps its place among the answers.
 */
export type Outcome =
  // `response` is a method so that a step typed for one API's response fits (method parameters
  // are compared both ways): the chain applies it to the response of the request it was made for.
  | { readonly kind: 'forward'; response?(response: AnyResponse): AnyResponse }
  | {
      readonly kind: 'answer';
      readonly body: AnyResponse;
      readonly version?: number;
      readonly headerVersion?: number;
      readonly then?: AfterAnswer;
    }
  | { readonly kind: 'answer-packet'; readonly packet: Buffer; readonly then?: AfterAnswer }
  | { readonly kind: 'drop' }
  | { readonly kind: 'close'; readonly reason: CloseReason; readonly fields?: Record<string, unknown> }
  | { readonly kind: 'later'; readonly outcome: Promise<LocalOutcome> };

/** An outcome that settles a request here (what a `later` outcome resolves to). */
export type LocalOutcome = Exclude<Outcome, { kind: 'forward' } | { kind: 'later' }>;

/**
 * One step of the request pipeline. Stages run in order for every request (RequestChain); the
 * first outcome that is not `forward` ends the request's way through the chain. A stage is
 * synchronous on the hot path: only `later` defers, and only where a decision needs I/O.
 */
export interface Stage {
  readonly name: string;
  onRequest(request: ClientRequest): Outcome;
}

export const FORWARD: Outcome = Object.freeze({ kind: 'forward' });
export const DROP: Outcome = Object.freeze({ kind: 'drop' });

export const forward = (response?: ResponseStep): Outcome => ({ kind: 'forward', response });
export const answer = (body: AnyResponse, then?: AfterAnswer): LocalOutcome => ({ kind: 'answer', body, then });
export const answerPacket = (packet: Buffer, then?: AfterAnswer): LocalOutcome => ({
  kind: 'answer-packet',
  packet,
  then,
});
export const close = (reason: CloseReason, fields?: Record<string, unknown>): LocalOutcome => ({
  kind: 'close',
  reason,
  fields,
});
export const later = (outcome: Promise<LocalOutcome>): Outcome => ({ kind: 'later', outcome });

/** Drain after the answer (a refused handshake, ILLEGAL_SASL_STATE, a failed login). */
export const THEN_DRAIN: AfterAnswer = Object.freeze({ drain: true });
