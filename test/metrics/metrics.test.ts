// Bounded labels: per-principal counters stop at their cap (close reasons: test/close-reason.test.ts).
import t from 'tap';
import { Metrics } from '../../src/metrics/metrics.js';

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
