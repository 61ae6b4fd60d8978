// One worker process of `serve --workers N`: a whole proxy (its own upstream pools, the same
// listeners as every other worker, handed connections in turn by the supervisor) that answers the
// supervisor's probes, reloads when told and drains when told to stop.
import { AggregatorRegistry } from 'prom-client';
import type { Logger } from 'pino';
import { loadConfigFile } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Proxy } from '../proxy/proxy.js';
import { configForWorker } from './worker-config.js';
import { isToWorker, type FromWorker, type ToWorker } from './messages.js';

export async function runWorker(
  configFile: string,
  worker: number,
  workers: number,
  logFor: (c: Config) => Logger,
): Promise<void> {
  const adapt = (c: Config) => configForWorker(c, worker, workers);
  const config = adapt(loadConfigFile(configFile));
  const log = logFor(config).child({ worker });
  const proxy = new Proxy(config, log, { adapt });
  // The supervisor's /metrics gathers every worker's registry through prom-client's cluster
  // messages: constructing an AggregatorRegistry is what makes a worker answer them.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([proxy.metrics.registry]);
  const send = (m: FromWorker) => process.send?.(m);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    void proxy.stop().then(() => {
      log.flush?.();
      process.exit(0);
    });
  };
  const onMessage = (m: ToWorker) => {
    switch (m.type) {
      case 'warden:probe': {
        const r = proxy.readiness();
        return send({ type: 'warden:probe-result', id: m.id, ready: r.ready, reasons: r.reasons });
      }
      case 'warden:reload':
        return void proxy.reloadConfigFile(configFile);
      case 'warden:stop':
        return stop();
    }
  };
  process.on('message', (m: unknown) => {
    if (isToWorker(m)) onMessage(m);
  });
  // Signals sent to the whole process group reach the workers too: the same as the supervisor's word.
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => proxy.reloadConfigFile(configFile));
  // A supervisor that is gone (killed with SIGKILL) leaves no one to hand connections: stop too.
  process.on('disconnect', stop);
  await proxy.start();
  proxy.watchConfigFile(configFile);
  send({ type: 'warden:started' });
}
