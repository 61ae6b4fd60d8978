// The real-Kafka launcher: a 3-node KRaft cluster on loopback that survives a node's crash and
// restart, creates topics replicated across its nodes, and leaves nothing behind when stopped.
import t from 'tap';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { KafkaCluster } from '../../src/demo/kafka-cluster.js';
import { kafkaTool } from '../helpers/kafka.js';

t.test('three nodes: ready, replicated topics, a node killed and back, stopped clean', async (t) => {
  const cluster = await KafkaCluster.start({ nodes: 3 });
  t.teardown(() => cluster.stop());
  t.equal(cluster.brokers.length, 3);
  t.equal(new Set(cluster.nodes.flatMap((n) => Object.values(n.ports))).size, 6, 'every listener on its own port');

  await cluster.createTopics({ launcher: 3 });
  await cluster.createTopics({ launcher: 3 }); // already there: fine
  const describe = await kafkaTool('kafka-topics', [
    '--bootstrap-server',
    cluster.bootstrap,
    '--describe',
    '--topic',
    'launcher',
  ]);
  t.equal(describe.code, 0, describe.stderr);
  t.match(describe.stdout, /PartitionCount: 3\s+ReplicationFactor: 3/, 'replicated on all three nodes');

  await cluster.killNode(2, 'SIGKILL');
  t.equal(cluster.node(2).process, null, 'node 2 is down');
  t.match(readFileSync(cluster.node(2).logFile, 'utf8'), /node 2 exited \(SIGKILL\)/, 'its exit is in its log');
  await cluster.startNode(2);
  t.ok(cluster.node(2).process, 'node 2 is back on its old ports and data');
  const after = await kafkaTool('kafka-topics', ['--bootstrap-server', cluster.listener('PLAINTEXT')[1]!, '--list']);
  t.match(after.stdout, /^launcher$/m, 'the restarted node serves the cluster metadata');

  await cluster.stop();
  t.notOk(existsSync(cluster.dir), 'its folder is gone');
  t.same(
    cluster.nodes.map((n) => n.process),
    [null, null, null],
    'every node stopped',
  );
});

t.test('one node with an extra SASL listener and SCRAM users made at format time; kept on request', async (t) => {
  const cluster = await KafkaCluster.start({
    listeners: [{ name: 'SASL_PLAINTEXT', securityProtocol: 'SASL_PLAINTEXT' }],
    addScram: ['SCRAM-SHA-256=[name=carol,password=carol-secret]'],
    config: {
      'sasl.enabled.mechanisms': 'SCRAM-SHA-256',
      'listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config':
        'org.apache.kafka.common.security.scram.ScramLoginModule required;',
    },
  });
  t.teardown(() => cluster.stop());
  const users = await kafkaTool('kafka-configs', [
    '--bootstrap-server',
    cluster.bootstrap,
    '--describe',
    '--entity-type',
    'users',
    '--entity-name',
    'carol',
  ]);
  t.equal(users.code, 0, users.stderr);
  t.match(users.stdout, /SCRAM-SHA-256=iterations=\d+/, 'the user made at format time exists');
  t.match(cluster.listener('SASL_PLAINTEXT')[0], /^127\.0\.0\.1:\d+$/);
  await cluster.stop({ keep: true });
  t.ok(existsSync(cluster.node(1).logFile), 'kept: the log is still there');
  rmSync(cluster.dir, { recursive: true, force: true });
});
