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
}
