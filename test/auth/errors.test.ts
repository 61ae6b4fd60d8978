// What a client whose login failed is told: Kafka's own texts, which Java clients and Kafka's tools
// print as they get them.
import t from 'tap';
import { AuthError } from '../../src/auth/errors.js';

t.test('failed-login messages as Kafka words them', async (t) => {
  t.equal(
    AuthError.clientMessage('PLAIN', false),
    'Authentication failed: Invalid username or password',
    "PLAIN: PlainSaslServer's text",
  );
  t.equal(
    AuthError.clientMessage('SCRAM-SHA-256', false),
    'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-256',
  );
  t.equal(
    AuthError.clientMessage('SCRAM-SHA-512', false),
    'Authentication failed during authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
  );
  t.equal(
    AuthError.clientMessage('SCRAM-SHA-512', true),
    'Authentication failed during re-authentication due to invalid credentials with SASL mechanism SCRAM-SHA-512',
  );
  t.equal(AuthError.clientMessage(null, false), AuthError.CLIENT_MESSAGE, 'no mechanism yet: the generic text');
});
