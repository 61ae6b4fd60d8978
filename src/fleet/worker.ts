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
  // Listen first: a stop, a reload or a signal may come while the proxy is still loading (a worker
  // restarted just as the supervisor stops), and must not be lost or kill the process unhandled.
  let proxy: Proxy | null = null;
  let stopRequested = false;
  const stop = () => {
    stopRequested = true;
    if (proxy === null) return; // done once started
    const p = proxy;
    proxy = null;
    void p.stop().then(() => process.exit(0));
  };
  const reload = () => void proxy?.reloadConfigFile(configFile);
  const send = (m: FromWorker) => process.send?.(m);
  const onMessage = (m: ToWorker) => {
    switch (m.type) {
      case 'warden:probe': {
        const r = proxy?.readiness() ?? { ready: false, reasons: ['starting'] };
        return send({ type: 'warden:probe-result', id: m.id, ready: r.ready, reasons: r.reasons });
      }
      case 'warden:reload':
        return reload();
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
  process.on('SIGHUP', reload);
  // A supervisor that is gone (killed with SIGKILL) leaves no one to hand connections: stop too.
  process.on('disconnect', stop);

  const adapt = (c: Config) => configForWorker(c, worker, workers);
  const config = adapt(loadConfigFile(configFile));
  const log = logFor(config).child({ worker });
  const started = new Proxy(config, log, { adapt });
  // The supervisor's /metrics gathers every worker's registry through prom-client's cluster
  // messages: constructing an AggregatorRegistry is what makes a worker answer them.
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([started.metrics.registry]);
  await started.start();
  started.watchConfigFile(configFile);
  proxy = started;
  send({ type: 'warden:started' });
  if (stopRequested) stop();
}
