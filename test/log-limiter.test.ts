// Recurring warnings logged at most once per interval and key, with the count left out.
import t from 'tap';
import { Writable } from 'node:stream';
import pino from 'pino';
import { LogLimiter } from '../src/log-limiter.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      lines.push(JSON.parse(c.toString()) as Record<string, unknown>);
      cb();
    },
  });
  return { log: pino({ level: 'info' }, sink), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

t.test('one line per key and interval, then the number suppressed', async (t) => {
  const { log, lines } = capture();
  const l = new LogLimiter(1000);
  l.log(log, 'tls', { addr: 'a' }, 'refused', 0);
  l.log(log, 'tls', { addr: 'b' }, 'refused', 10);
  l.log(log, 'tls', { addr: 'c' }, 'refused', 999);
  l.log(log, 'sasl', { addr: 'd' }, 'login refused', 500);
  l.log(log, 'tls', { addr: 'e' }, 'refused', 1000);
  l.log(log, 'tls', { addr: 'f' }, 'refused', 3000);
  await flush();
  t.match(lines, [
    { level: 40, msg: 'refused', addr: 'a' },
    { msg: 'login refused', addr: 'd' },
    { msg: 'refused', addr: 'e', suppressedSinceLast: 2 },
    { msg: 'refused', addr: 'f' },
  ]);
  t.equal(lines.length, 4);
  t.notOk('suppressedSinceLast' in lines[0]!, 'no count when nothing was left out');
  t.notOk('suppressedSinceLast' in lines[3]!, 'the count starts again after each line');
});

t.test('the default interval is ten seconds', async (t) => {
  const { log, lines } = capture();
  const l = new LogLimiter();
  l.log(log, 'k', {}, 'm', 0);
  l.log(log, 'k', {}, 'm', 9999);
  l.log(log, 'k', {}, 'm', 10_000);
  await flush();
  t.equal(lines.length, 2);
});
