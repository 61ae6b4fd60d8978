import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { subjectDn } from './principal.js';

/**
 * The one door to a TLS client's identity. A certificate counts only once it verified against the
 * listener's CA bundle (`socket.authorized`): with `clientAuth: requested` node:tls completes the
 * handshake whatever the client presents, so reading the peer certificate directly would hand an
 * attacker's self-signed subject to principals, audit events and logs.
 */
export function verifiedPeerCertificate(socket: TLSSocket): X509Certificate | null {
  if (socket.authorized !== true) return null;
  return socket.getPeerX509Certificate?.() ?? null;
}

/** The verified certificate's subject DN (RFC 2253), or null without one (or when it cannot be parsed). */
export function verifiedSubjectDn(socket: TLSSocket): string | null {
  const cert = verifiedPeerCertificate(socket);
  if (cert === null) return null;
  try {
    return subjectDn(cert.raw);
  } catch {
    return null;
  }
}

/**
 * Why a finished handshake must be refused, or null: a client that presented a certificate which
 * does not verify (Kafka's SslFactory fails the handshake for `requested` as for `required`), or no
 * certificate where one is required.
 */
export function tlsRefusal(socket: TLSSocket, clientAuth: 'none' | 'requested' | 'required'): string | null {
  if (clientAuth === 'none' || socket.authorized === true) return null;
  const presented = socket.getPeerX509Certificate?.() !== undefined;
  if (!presented && clientAuth === 'requested') return null;
  return String(socket.authorizationError ?? (presented ? 'CERTIFICATE_VERIFY_FAILED' : 'NO_CLIENT_CERTIFICATE'));
}
