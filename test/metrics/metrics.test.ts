// Bounded labels: close reasons map to a fixed set; per-principal counters stop at their cap.
import t from 'tap';
import { Metrics, closeReason } from '../../src/metrics/metrics.js';

t.test('close reasons fall into a fixed set', async (t) => {
  const cases: Array<[string, string]> = [
    ['client closed the connection', 'client'],
    ['completed', 'completed'],
    ['authentication failed', 'authentication'],
    ['authentication timed out', 'authentication'],
    ['session expired', 'authentication'],
    ['request before authentication', 'authentication'],
    ['acks=0 produce denied', 'authorization'],
    ['malformed or refused request', 'protocol_error'],
    ['upstream request failed', 'upstream'],
    ['no upstream broker for this port', 'upstream'],
    ['proxy shutting down', 'shutdown'],
    ['socket error', 'socket_error'],
    ['internal error', 'internal_error'],
    ['something new', 'other'],
  ];
  for (const [reason, label] of cases) t.equal(closeReason(reason), label, reason);
});

t.test('per-principal bytes are capped', async (t) => {
  const m = new Metrics({ principalBytes: { maxPrincipals: 2 } });
  m.principalTraffic('User:a', 'in', 10);
  m.principalTraffic('User:b', 'in', 20);
  m.principalTraffic('User:c', 'in', 30);
  m.principalTraffic('User:d', 'out', 5);
  m.principalTraffic('User:a', 'in', 1);
  const text = await m.text();
  t.match(text, /kafka_warden_principal_bytes_total\{principal="User:a",direction="in"\} 11/);
  t.match(text, /kafka_warden_principal_bytes_total\{principal="User:b",direction="in"\} 20/);
  t.match(text, /kafka_warden_principal_bytes_total\{principal="other",direction="in"\} 30/);
  t.match(text, /kafka_warden_principal_bytes_total\{principal="other",direction="out"\} 5/);
  t.notMatch(text, /User:c|User:d/, 'principals past the cap get no series of their own');
  t.notMatch(await new Metrics().text(), /principal_bytes/, 'off unless configured');
});
