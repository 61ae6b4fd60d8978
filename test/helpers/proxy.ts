// Starts the proxy in-process in front of a mock cluster (startHarness) or any other cluster
// (startProxyOn: a real Kafka), with logs captured for assertions.
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.js';
import { parseConfig } from '../../src/config/load.js';
import { Proxy } from '../../src/proxy/proxy.js';
import { MockCluster, type MockClusterOptions } from '../../src/demo/mock-cluster.js';
import { freePortBlock } from './ports.js';

export interface ProxyHarness {
  proxy: Proxy;
  /** The proxy's bootstrap address. */
  bootstrap: string;
  /** Listener port base: node N is at base + 10 + N. */
  base: number;
  logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

export interface Harness extends ProxyHarness {
  cluster: MockCluster;
}

export interface ProxyOptions {
  config?: Record<string, unknown>;
  upstream?: Record<string, unknown>;
  listener?: Record<string, unknown>;
  /** Extra listeners, given the port base (the first listener is always plain at base). */
  extraListeners?: (base: number) => Array<Record<string, unknown>>;
  auth?: Record<string, unknown>;
  base?: number;
}

export async function startHarness(opts: ProxyOptions & { cluster?: MockClusterOptions } = {}): Promise<Harness> {
  const cluster = await MockCluster.start({ brokers: 3, ...opts.cluster });
  try {
    const h = await startProxyOn(cluster.brokers, opts);
    return {
      ...h,
      cluster,
      async stop() {
        await h.stop();
        await cluster.stop();
      },
    };
  } catch (e) {
    await cluster.stop(); // never leave a mock cluster (and the test) hanging
    throw e;
  }
}

/** The proxy in front of the brokers at `bootstrap`; stop() stops only the proxy. */
export async function startProxyOn(bootstrap: string[], opts: ProxyOptions = {}): Promise<ProxyHarness> {
  const base = opts.base ?? (await freePortBlock(opts.extraListeners ? 100 : 20));
  const logs: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const config = parseConfig({
    upstream: { bootstrap, ...opts.upstream },
    listeners: [
      {
        name: 'plain',
        securityProtocol: 'PLAINTEXT',
        host: '127.0.0.1',
        port: base,
        brokerPortBase: base + 10,
        advertisedHost: '127.0.0.1',
        ...opts.listener,
      },
      ...(opts.extraListeners?.(base) ?? []),
    ],
    ...(opts.auth ? { auth: opts.auth } : {}),
    logging: { level: 'debug' },
    shutdown: { drainTimeoutMs: 2000 },
    ...opts.config,
  });
  const log = createLogger(config.logging.level, sink);
  const proxy = new Proxy(config, log);
  await proxy.start();
  return {
    proxy,
    bootstrap: `127.0.0.1:${base}`,
    base,
    logs,
    stop: () => proxy.stop(),
  };
}
