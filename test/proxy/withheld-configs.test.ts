// Which broker configs DescribeConfigs withholds: Kafka's broker configs (names from its
// documentation's broker config list, 2.x host/port, 3.x ZooKeeper and KRaft), classified by
// family, their per-listener and plugin-prefixed variants, the configs that must still pass (the
// near misses of every rule), and values that carry an address under a name no rule knows.
import t from 'tap';
import {
  withheldFamily,
  valueLooksLikeAddress,
  isWithheldBrokerConfig,
  type WithheldFamily,
} from '../../src/proxy/withheld-configs.js';

const FAMILIES: Record<WithheldFamily, string[]> = {
  address: [
    'listeners',
    'advertised.listeners',
    'host.name',
    'advertised.host.name',
    'port',
    'advertised.port',
    'zookeeper.connect',
    'controller.quorum.voters',
    'controller.quorum.bootstrap.servers',
    'max.connections.per.ip.overrides',
    // plugin clients (tiered storage metadata, metrics reporters) configured by prefix
    'rlmm.config.remote.log.metadata.common.client.bootstrap.servers',
    'confluent.metrics.reporter.bootstrap.servers',
  ],
  url: [
    'sasl.oauthbearer.jwks.endpoint.url',
    'sasl.oauthbearer.token.endpoint.url',
    'listener.name.sasl_ssl.oauthbearer.sasl.oauthbearer.jwks.endpoint.url',
    'rsm.config.s3.endpoint.url',
    'confluent.schema.registry.url',
    'rsm.config.storage.endpoint',
  ],
  'secret-path': [
    'ssl.keystore.location',
    'ssl.truststore.location',
    'listener.name.internal.ssl.keystore.location',
    'listener.name.internal.ssl.truststore.location',
    'zookeeper.ssl.keystore.location',
    'zookeeper.ssl.truststore.location',
    'sasl.oauthbearer.assertion.file',
    'sasl.oauthbearer.assertion.private.key.file',
    'sasl.oauthbearer.assertion.template.file',
    'rsm.config.gcs.credentials.file',
  ],
  secret: [
    'ssl.key.password',
    'ssl.keystore.password',
    'ssl.truststore.password',
    'ssl.keystore.key',
    'ssl.keystore.certificate.chain',
    'ssl.truststore.certificates',
    'sasl.jaas.config',
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config',
    'listener.name.external.plain.sasl.jaas.config',
    'sasl.oauthbearer.assertion.private.key.passphrase',
    'sasl.oauthbearer.client.credentials.client.secret',
    'sasl.oauthbearer.client.credentials.client.id',
    'delegation.token.secret.key',
    'delegation.token.master.key',
    'password.encoder.secret',
    'password.encoder.old.secret',
    'zookeeper.ssl.keystore.password',
    'zookeeper.ssl.truststore.password',
    'listener.name.internal.ssl.key.password',
    'rsm.config.aws.secret.access.key',
    'confluent.basic.auth.user.info',
  ],
  'identity-provider': [
    'sasl.oauthbearer.expected.issuer',
    'sasl.oauthbearer.expected.audience',
    'sasl.oauthbearer.assertion.claim.iss',
    'sasl.oauthbearer.assertion.claim.aud',
    'sasl.oauthbearer.assertion.claim.sub',
  ],
};

/** Kafka broker configs that carry no address, URL, path to a secret or secret: they pass. */
const PASS = [
  // listener and protocol names, no address
  'listener.security.protocol.map',
  'inter.broker.listener.name',
  'control.plane.listener.name',
  'controller.listener.names',
  'early.start.listeners',
  'remote.log.metadata.manager.listener.name',
  'security.inter.broker.protocol',
  'sasl.mechanism.inter.broker.protocol',
  'sasl.mechanism.controller.protocol',
  'sasl.enabled.mechanisms',
  // near misses of the name rules
  'max.connections.per.ip',
  'max.connections',
  'ssl.endpoint.identification.algorithm',
  'sasl.oauthbearer.jwks.endpoint.refresh.ms',
  'sasl.oauthbearer.jwks.endpoint.retry.backoff.ms',
  'sasl.login.connect.timeout.ms',
  'socket.connection.setup.timeout.ms',
  'socket.listen.backlog.size',
  'ssl.keystore.type',
  'ssl.truststore.type',
  'ssl.keymanager.algorithm',
  'password.encoder.key.length',
  'password.encoder.keyfactory.algorithm',
  'delegation.token.expiry.time.ms',
  'delegation.token.max.lifetime.ms',
  'sasl.oauthbearer.scope',
  'sasl.oauthbearer.scope.claim.name',
  'sasl.oauthbearer.sub.claim.name',
  'sasl.oauthbearer.assertion.algorithm',
  'sasl.oauthbearer.assertion.claim.exp.seconds',
  'sasl.kerberos.service.name',
  'sasl.kerberos.kinit.cmd',
  'sasl.kerberos.principal.to.local.rules',
  'ssl.principal.mapping.rules',
  'ssl.client.auth',
  'ssl.cipher.suites',
  'ssl.enabled.protocols',
  'zookeeper.session.timeout.ms',
  'zookeeper.ssl.client.enable',
  'zookeeper.clientCnxnSocket',
  'zookeeper.ssl.keystore.type',
  'zookeeper.set.acl',
  'controller.quorum.election.timeout.ms',
  'controller.quorum.fetch.timeout.ms',
  'remote.log.storage.manager.class.path',
  'remote.log.metadata.manager.class.path',
  'remote.log.storage.manager.impl.prefix',
  // ordinary configs
  'broker.id',
  'node.id',
  'process.roles',
  'broker.rack',
  'log.dirs',
  'log.dir',
  'metadata.log.dir',
  'num.io.threads',
  'num.network.threads',
  'log.retention.ms',
  'message.max.bytes',
  'auto.create.topics.enable',
  'authorizer.class.name',
  'principal.builder.class',
  'super.users',
  'metric.reporters',
  'compression.type',
  'inter.broker.protocol.version',
];

t.test('every family of withheld broker configs', async (t) => {
  for (const [family, names] of Object.entries(FAMILIES)) {
    t.test(family, async (t) => {
      for (const name of names) t.equal(withheldFamily(name), family, name);
    });
  }
});

t.test('configs without addresses or secrets pass', async (t) => {
  for (const name of PASS) t.equal(withheldFamily(name), null, name);
});

t.test('values that look like addresses, whatever the name', async (t) => {
  const addresses = [
    'PLAINTEXT://kafka-1.internal:9092,SSL://kafka-1.internal:9093',
    'CLIENT://:9092',
    'https://idp.example.com/realms/kafka',
    'file:///etc/kafka/jwks.json',
    '10.1.2.3',
    'hostName:100,127.0.0.1:200',
    '1@ctrl-1.example.com:9093,2@ctrl-2.example.com:9093',
    'zk-1.example.com:2181,zk-2.example.com:2181/kafka',
    'localhost:8090',
    '[fd00::1]:9092',
  ];
  for (const v of addresses) t.ok(valueLooksLikeAddress(v), v);
  const plain = [
    null,
    '',
    'SASL_SSL:SASL_SSL,PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    '/var/lib/kafka/data,/var/lib/kafka/data2',
    '3.9-IV0',
    'TLSv1.2,TLSv1.3',
    'RULE:^CN=(.*?),OU=ServiceUsers.*$/$1/L,DEFAULT',
    'RULE:[1:$1@$0](.*@EXAMPLE.COM)s/@.*//,DEFAULT',
    'User:alice;User:1234',
    'org.apache.kafka.common.metrics.JmxReporter',
    'us-east-1d',
    '9223372036854775807',
    '0.9',
  ];
  for (const v of plain) t.notOk(valueLooksLikeAddress(v), String(v));
  t.ok(
    isWithheldBrokerConfig({ name: 'confluent.metadata.server.listeners', value: 'http://0.0.0.0:8090' }),
    'a vendor listener config, by its value',
  );
  t.ok(
    isWithheldBrokerConfig({
      name: 'ssl.keystore.location',
      value: null,
      synonyms: [{ name: 'listener.name.internal.ssl.keystore.location', value: '/etc/kafka/internal.jks' }],
    }),
    'by a synonym',
  );
  t.ok(
    isWithheldBrokerConfig({
      name: 'some.plugin.setting',
      value: null,
      synonyms: [{ name: 'some.plugin.setting', value: 'PLAINTEXT://10.0.0.5:9092' }],
    }),
    "by a synonym's value",
  );
  t.notOk(
    isWithheldBrokerConfig({ name: 'num.io.threads', value: '8', synonyms: [{ name: 'num.io.threads', value: '8' }] }),
    'an ordinary config passes',
  );
});
