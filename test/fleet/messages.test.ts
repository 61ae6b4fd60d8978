// The supervisor and worker messages are told apart from prom-client's on the same channel.
import t from 'tap';
import { isFromWorker, isToWorker } from '../../src/fleet/messages.js';

t.test('guards', async (t) => {
  t.ok(isToWorker({ type: 'warden:probe', id: 1 }));
  t.ok(isToWorker({ type: 'warden:stop' }));
  t.notOk(isToWorker({ type: 'warden:started' }));
  t.notOk(isToWorker({ type: 'prom-client:getMetricsReq', requestId: 1 }));
  t.ok(isFromWorker({ type: 'warden:probe-result', id: 1, ready: true, reasons: [] }));
  t.notOk(isFromWorker({ type: 'prom-client:getMetricsRes' }));
  for (const m of [null, undefined, 'warden:stop', 42, {}]) {
    t.notOk(isToWorker(m));
    t.notOk(isFromWorker(m));
  }
});
