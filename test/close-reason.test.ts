// The close reasons are one closed set: the log line's reason and the metric's label are its codes.
import t from 'tap';
import { CLOSE_REASONS, CLOSE_REASON_CODES, routineClose } from '../src/close-reason.js';
import { Metrics } from '../src/metrics/metrics.js';

t.test('every code is a stable snake_case label with a description', async (t) => {
  t.ok(CLOSE_REASON_CODES.length >= 15);
  for (const code of CLOSE_REASON_CODES) {
    t.match(code, /^[a-z]+(_[a-z]+)*$/, code);
    t.ok(CLOSE_REASONS[code].length > 10, `${code} is described`);
  }
  t.equal(new Set(CLOSE_REASON_CODES).size, CLOSE_REASON_CODES.length);
});

t.test('only a client closing its own connection is routine', async (t) => {
  t.ok(routineClose('client_closed'));
  for (const code of CLOSE_REASON_CODES.filter((c) => c !== 'client_closed')) t.notOk(routineClose(code), code);
});

t.test('the closed-connections metric takes the codes as its label', async (t) => {
  const m = new Metrics();
  m.connectionsClosed.inc({ listener: 'plain', reason: 'session_expired' });
  t.match(await m.text(), /kafka_warden_connections_closed_total\{listener="plain",reason="session_expired"\} 1/);
});
