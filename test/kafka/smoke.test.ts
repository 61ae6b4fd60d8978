import t from 'tap';
import { startKafka, kafkaTool, clientProperties, jaas } from '../helpers/kafka.js';
import { startSecureProxyOn, USERS } from '../helpers/secure.js';

const kafka = await startKafka(t);
const proxy = await startSecureProxyOn(kafka.brokers);
t.teardown(() => proxy.stop());

t.test('kafka-topics over SASL_SSL through the proxy', async (t) => {
  const props = clientProperties({ 'security.protocol': 'SASL_SSL', 'sasl.mechanism': 'SCRAM-SHA-512', 'sasl.jaas.config': jaas('SCRAM-SHA-512', 'alice', USERS.alice), 'ssl.truststore.type': 'PEM', 'ssl.truststore.location': proxy.pki.caFile });
  const r = await kafkaTool('kafka-topics', ['--bootstrap-server', proxy.saslSsl, '--command-config', props, '--create', '--topic', 'smoke', '--partitions', '3']);
  t.equal(r.code, 0, r.stderr);
  const d = await kafkaTool('kafka-topics', ['--bootstrap-server', proxy.saslSsl, '--command-config', props, '--describe', '--topic', 'smoke']);
  t.equal(d.code, 0, d.stderr);
  t.match(d.stdout, /PartitionCount: 3/);
  t.comment(d.stdout);
});
