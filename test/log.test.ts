// The process logger: JSON lines with the fields operators rely on, and secrets redacted.
import t from 'tap';
import { Writable } from 'node:stream';
import { createLogger, REDACT_PATHS } from '../src/log.js';

function capture(level = 'info') {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(c: Buffer, _e, cb) {
      for (const l of c.toString().split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { log: createLogger(level, sink), lines };
}

const flush = () => new Promise((r) => setImmediate(r));

t.test('JSON lines with the name, pid, level and an ISO timestamp', async (t) => {
  const { log, lines } = capture();
  log.info({ listener: 'plain' }, 'proxy started');
  await flush();
  t.match(lines, [{ name: 'kafka-warden', pid: process.pid, level: 30, msg: 'proxy started', listener: 'plain' }]);
  t.match(lines[0]!.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});

t.test('the level filters', async (t) => {
  const { log, lines } = capture('warn');
  log.info('hidden');
  log.warn('shown');
  await flush();
  t.same(
    lines.map((l) => l.msg),
    ['shown'],
  );
});

t.test('secrets are redacted at the top level and one level down', async (t) => {
  const { log, lines } = capture();
  log.info(
    {
      password: 'p1',
      secret: 's1',
      token: 't1',
      authBytes: 'a1',
      user: { password: 'p2', name: 'alice' },
      sasl: { authBytes: 'a2' },
      config: { auth: { x: 1 }, port: 9092 },
    },
    'm',
  );
  await flush();
  const text = JSON.stringify(lines[0]);
  for (const s of ['p1', 's1', 't1', 'a1', 'p2', 'a2', '"x"']) t.notOk(text.includes(s), `${s} is not logged`);
  t.match(lines[0], {
    password: '[redacted]',
    user: { password: '[redacted]', name: 'alice' },
    config: { auth: '[redacted]', port: 9092 },
  });
  t.ok(REDACT_PATHS.includes('config.auth'));
});
