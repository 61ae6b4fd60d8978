import { WardenError } from '../protocol/errors.js';

/**
 * An authentication failure. `message` is for our logs and never holds a secret; what a client is
 * told is always the generic CLIENT_MESSAGE, which does not reveal whether the user exists.
 */
export class AuthError extends WardenError {
  static readonly CLIENT_MESSAGE = 'Authentication failed: Invalid username or password';

  static invalid(detail: string): AuthError {
    return new AuthError('WARDEN_ERR_AUTH_FAILED', detail);
  }

  /**
   * What Kafka's SaslServerAuthenticator tells a client whose login failed: PlainSaslServer's
   * CLIENT_MESSAGE for PLAIN; for SCRAM (whose server throws a SaslException, wrong password and
   * unknown user alike) the authenticator's own text naming the mechanism and whether it was a
   * re-authentication. Java clients and Kafka's tools print it as is.
   */
  static clientMessage(mechanism: string | null, reauthentication: boolean): string {
    if (mechanism === null || !mechanism.startsWith('SCRAM-')) return AuthError.CLIENT_MESSAGE;
    return `Authentication failed during ${reauthentication ? 're-authentication' : 'authentication'} due to invalid credentials with SASL mechanism ${mechanism}`;
  }
}
