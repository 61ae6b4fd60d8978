/**
 * Why a client connection closed: one closed set of codes, used as the `reason` of the
 * "client connection closed" log line, the `reason` label of kafka_warden_connections_closed_total
 * and the `reason` of connection-closed audit records (AUDITED_CLOSES). A code names a cause an operator can act on; details (error codes, the
 * request, the peer) go in the log line's other fields, never in the code, so the metric's label
 * set stays bounded whatever clients send.
 */
export const CLOSE_REASONS = {
  /** The client closed its side (FIN, or a reset after it). */
  client_closed: 'the client closed the connection',
  /** Drained after its last answer (a refused handshake, a failed login, an ILLEGAL_SASL_STATE). */
  completed: 'closed after its last answer',
  idle_timeout: 'no traffic for limits.idleTimeoutMs',
  shutdown: 'the proxy is shutting down',
  socket_error: 'the client socket failed',
  authentication_failed: 'authentication failed (credentials, certificate mapping or audit failClosed)',
  authentication_timeout: 'no authentication within auth.timeoutMs',
  reauthentication_timeout: 'a KIP-368 re-authentication did not finish within auth.timeoutMs',
  session_expired: 'the SASL session outlived connections.max.reauth.ms without re-authentication',
  request_before_authentication: 'a request other than ApiVersions or SASL before authentication',
  acks_zero_denied: 'an acks=0 Produce was denied (a broker closes such a connection)',
  acks_zero_failed: 'an acks=0 Produce failed at the broker',
  protocol_error: 'a malformed frame, or an API or version the proxy does not serve',
  internal_error: 'a bug in the proxy: see the error logged with it',
  no_upstream: 'no broker behind this port',
  upstream_failed: 'the broker connection serving its request failed',
  upstream_malformed: 'a broker response the proxy could not decode or rewrite',
} as const;

export type CloseReason = keyof typeof CLOSE_REASONS;

export const CLOSE_REASON_CODES = Object.keys(CLOSE_REASONS) as CloseReason[];

/**
 * Closes that are security decisions of their own, audited as such (io.kafkawarden/connection-closed):
 * the session ended them, with no authentication or authorization event to say so. Others follow a
 * decision already audited (a failed login, a denial) or are not about security.
 */
export const AUDITED_CLOSES: ReadonlySet<CloseReason> = new Set<CloseReason>([
  'authentication_timeout',
  'reauthentication_timeout',
  'session_expired',
  'request_before_authentication',
]);

/** Closes that are part of normal operation, logged at debug rather than info. */
export function routineClose(reason: CloseReason): boolean {
  return reason === 'client_closed';
}
