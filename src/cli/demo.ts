import { createLogger } from '../log.js';
import { parseConfig } from '../config/load.js';
import { Proxy } from '../proxy/proxy.js';
import { MockCluster } from './mock-cluster.js';

/**
 * `kafka-warden demo`: librdkafka's mock cluster on loopback with the proxy in front of it,
 * and how to connect with kcat. Ctrl-C stops both.
 */
export async function runDemo(opts: { brokers: number; port: number }): Promise<void> {
  const cluster = await MockCluster.start({ brokers: opts.brokers, topics: { demo: 6 } });
  const config = parseConfig({
    upstream: { bootstrap: cluster.brokers },
    listeners: [
      {
        name: 'plain',
        securityProtocol: 'PLAINTEXT',
        host: '127.0.0.1',
        port: opts.port,
        brokerPortBase: opts.port + 8,
        advertisedHost: '127.0.0.1',
      },
    ],
    logging: { level: 'warn' },
  });
  const log = createLogger(config.logging.level);
  const proxy = new Proxy(config, log);
  await proxy.start();
  const bs = `127.0.0.1:${opts.port}`;
  process.stdout.write(
    [
      '',
      `kafka-warden demo: a ${opts.brokers}-broker mock Kafka cluster at ${cluster.bootstrap}`,
      `and kafka-warden in front of it on ${bs} (brokers on ports ${opts.port + 9}..${opts.port + 8 + opts.brokers}).`,
      '',
      'Try:',
      `  kcat -b ${bs} -L                                  # brokers are the proxy's addresses`,
      `  echo hello | kcat -b ${bs} -t demo -P           # produce`,
      `  kcat -b ${bs} -t demo -C -e                     # consume`,
      '',
      'Ctrl-C stops the demo.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    process.stdout.write('\nstopping...\n');
    await proxy.stop();
    await cluster.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}
