import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { createLogger } from '../log.js';
import { parseConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { Proxy } from '../proxy/proxy.js';
import { CredentialStore } from '../auth/credentials.js';
import { makeCredential } from '../auth/scram.js';
import { MockCluster } from './mock-cluster.js';
import { KafkaCluster, KAFKA_VERSION } from './kafka-cluster.js';
import { makeCa, makeLeaf } from './pki.js';
import { writeAclFile } from '../acl/store.js';
import { Operation, PatternType, Permission, ResourceType, type AclBinding } from '../acl/model.js';

export const DEMO_USER = 'demo';
export const DEMO_PASSWORD = 'demo-password';

/**
 * `kafka-warden demo`: librdkafka's mock cluster (or, with `kafka`, real Apache Kafka from the
 * jars scripts/fetch-kafka.sh fetches) on loopback with the proxy in front of it, on a PLAINTEXT
 * listener and a SASL_SSL listener (throwaway certificates, a demo SCRAM user), and how to connect
 * with kcat. Ctrl-C stops both.
 */
export async function runDemo(opts: { brokers: number; port: number; kafka?: boolean }): Promise<void> {
  const files = await writeDemoFiles(mkdtempSync(join(tmpdir(), 'kafka-warden-demo-')));
  const topics = { demo: 6, secret: 1 };
  const cluster = opts.kafka
    ? await startRealKafka(opts.brokers, topics)
    : await MockCluster.start({ brokers: opts.brokers, topics });
  const config = demoConfig(opts.port, cluster.brokers, files);
  const proxy = new Proxy(config, createLogger(config.logging.level));
  await proxy.start();
  printHowTo(opts.port, cluster, opts.kafka ? `real Apache Kafka ${KAFKA_VERSION}` : 'mock Kafka', files);
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

interface DemoFiles {
  caFile: string;
  certFile: string;
  keyFile: string;
  credentialsFile: string;
  aclFile: string;
}

/** Throwaway certificates, the demo SCRAM user and the ACLs, in `dir`. */
async function writeDemoFiles(dir: string): Promise<DemoFiles> {
  const ca = await makeCa();
  const server = await makeLeaf(ca, [['CN', 'localhost']], 'server');
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text, { mode: 0o600 });
    return p;
  };
  const caFile = file('ca.pem', ca.cert);
  const certFile = file('server.pem', server.cert);
  const keyFile = file('server.key', server.key);
  const credentialsFile = join(dir, 'users.yaml');
  const store = new CredentialStore(credentialsFile);
  store.set(DEMO_USER, 'SCRAM-SHA-512', makeCredential('SCRAM-SHA-512', DEMO_PASSWORD));
  store.set(DEMO_USER, 'SCRAM-SHA-256', makeCredential('SCRAM-SHA-256', DEMO_PASSWORD));
  store.save();

  // ACLs: the demo user is a super user; anonymous PLAINTEXT clients may use the topic "demo"
  // (and any consumer group), nothing else, so "secret" shows a denial.
  const aclFile = join(dir, 'acls.yaml');
  const anonymous = (
    resourceType: AclBinding['resourceType'],
    resourceName: string,
    operation: AclBinding['operation'],
  ): AclBinding => ({
    resourceType,
    resourceName,
    patternType: PatternType.LITERAL,
    principal: 'User:ANONYMOUS',
    host: '*',
    operation,
    permission: Permission.ALLOW,
  });
  writeAclFile(aclFile, [
    anonymous(ResourceType.TOPIC, 'demo', Operation.WRITE),
    anonymous(ResourceType.TOPIC, 'demo', Operation.READ),
    anonymous(ResourceType.GROUP, '*', Operation.READ),
  ]);
  return { caFile, certFile, keyFile, credentialsFile, aclFile };
}

function demoConfig(port: number, bootstrap: string[], f: DemoFiles): Config {
  return parseConfig({
    upstream: { bootstrap },
    listeners: [
      {
        name: 'plain',
        securityProtocol: 'PLAINTEXT',
        host: '127.0.0.1',
        port,
        brokerPortBase: port + 8,
        advertisedHost: '127.0.0.1',
      },
      {
        name: 'secure',
        securityProtocol: 'SASL_SSL',
        host: '127.0.0.1',
        port: port + 1,
        brokerPortBase: port + 108,
        advertisedHost: 'localhost',
        tls: { certFile: f.certFile, keyFile: f.keyFile, caFile: f.caFile, clientAuth: 'none' },
        sasl: { mechanisms: ['SCRAM-SHA-512', 'SCRAM-SHA-256', 'PLAIN'] },
      },
    ],
    auth: { credentialsFile: f.credentialsFile },
    acl: { superUsers: [`User:${DEMO_USER}`], file: f.aclFile },
    logging: { level: 'warn' },
  });
}

function printHowTo(port: number, cluster: { brokers: string[]; bootstrap: string }, kind: string, f: DemoFiles): void {
  const brokers = cluster.brokers.length;
  const bs = `127.0.0.1:${port}`;
  const secure = `localhost:${port + 1}`;
  const sasl = `-X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=${DEMO_USER} -X sasl.password=${DEMO_PASSWORD} -X ssl.ca.location=${f.caFile}`;
  process.stdout.write(
    [
      '',
      `kafka-warden demo: a ${brokers}-broker ${kind} cluster at ${cluster.bootstrap}`,
      `and kafka-warden in front of it:`,
      `  PLAINTEXT on ${bs} (brokers on ports ${port + 9}..${port + 8 + brokers})`,
      `  SASL_SSL  on ${secure} (brokers on ports ${port + 109}..${port + 108 + brokers}),`,
      `            user "${DEMO_USER}", password "${DEMO_PASSWORD}", CA certificate ${f.caFile}`,
      '',
      'Try:',
      `  kcat -b ${bs} -L                                  # brokers are the proxy's addresses`,
      `  echo hello | kcat -b ${bs} -t demo -P           # produce`,
      `  kcat -b ${bs} -t demo -C -e                     # consume`,
      `  echo nope | kcat -b ${bs} -t secret -P          # denied: Topic authorization failed (ACLs in ${f.aclFile})`,
      `  kcat -b ${secure} ${sasl} -L`,
      `  echo secured | kcat -b ${secure} ${sasl} -t demo -P`,
      '',
      'Ctrl-C stops the demo.',
      '',
    ].join('\n'),
  );
}

/** Real Kafka for the demo: 1 or 3 nodes (the launcher's sizes), topics created up front. */
async function startRealKafka(brokers: number, topics: Record<string, number>): Promise<KafkaCluster> {
  process.stdout.write(`starting Apache Kafka ${KAFKA_VERSION} (${brokers === 1 ? 1 : 3} nodes)...\n`);
  const cluster = await KafkaCluster.start({ nodes: brokers === 1 ? 1 : 3 });
  await cluster.createTopics(topics);
  return cluster;
}
