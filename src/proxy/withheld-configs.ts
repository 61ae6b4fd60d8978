/**
 * Broker configs whose values a client never reads through the proxy (DescribeConfigs of a BROKER
 * resource): their value and every synonym's value are replaced by null and the config is marked
 * sensitive, as Kafka itself answers for passwords. Kafka's own broker configs (its documentation's
 * broker config list, ZooKeeper-era and KRaft names included) fall in these families; the rules
 * match by the name's last segments, so per-listener (`listener.name.<l>.[<mechanism>.]...`),
 * ZooKeeper-client (`zookeeper.ssl....`) and plugin-prefixed (`rsm.config.`, `rlmm.config.`,
 * vendor) variants are withheld the same way:
 *
 * - addresses: where the brokers, controllers and ZooKeeper are, or which hosts clients come from
 *   (`listeners`, `advertised.listeners`, `host.name`, `port`, `zookeeper.connect`,
 *   `controller.quorum.voters`, `controller.quorum.bootstrap.servers`, `*.bootstrap.servers`,
 *   `max.connections.per.ip.overrides`);
 * - URLs of other services (`sasl.oauthbearer.jwks.endpoint.url`, `...token.endpoint.url`);
 * - paths to secrets (`ssl.keystore.location`, `ssl.truststore.location`, `*.file`, keytabs);
 * - secrets and credentials (passwords, passphrases, keys, `sasl.jaas.config`, PEM certificate
 *   chains, `password.encoder.secret`, OAuth client credentials), already null from Kafka but
 *   withheld here too in case a broker or plugin does not mark them;
 * - the OAuth identity provider's identifiers, usually its URL, and the broker's identity there
 *   (`sasl.oauthbearer.expected.issuer`, `.expected.audience`, `.assertion.claim.iss`, `.aud`, `.sub`);
 * - and any config whatever its name whose value looks like an address: a URL or listener
 *   (`scheme://`), an IP address, or `host.domain:port` (vendor configs such as
 *   `confluent.metadata.server.listeners`).
 *
 * Passed on: configs naming listeners or protocols without an address (`listener.security.protocol.map`,
 * `inter.broker.listener.name`, `controller.listener.names`, `early.start.listeners`,
 * `security.inter.broker.protocol`): a client cannot reach a listener by its name, and admin tools
 * use them to explain a broker's security setup. Data directories (`log.dirs`) and class paths are
 * not secrets and pass too.
 */
export type WithheldFamily = 'address' | 'url' | 'secret-path' | 'secret' | 'identity-provider';

const NAME_RULES: ReadonlyArray<readonly [WithheldFamily, RegExp]> = [
  ['address', /^(advertised\.)?listeners$/],
  ['address', /(^|\.)(host|hostname|host\.name|hosts|port|ports|address|addresses|servers|voters|connect)$/],
  ['address', /^max\.connections\.per\.ip\.overrides$/],
  ['url', /(^|\.)(url|urls|uri|uris|endpoint|endpoints)$/],
  ['secret-path', /(^|\.)(location|file|keytab)$/],
  ['secret', /(^|\.)(password|passphrase|secret|key|token|jaas\.config|certificate\.chain|certificates|user\.info)$/],
  ['secret', /(^|\.)credentials(\.|$)/],
  ['identity-provider', /(^|\.)oauthbearer\.(expected\.(issuer|audience)|assertion\.claim\.(iss|aud|sub))$/],
];

/** The family a broker config's name puts it in, or null when its name alone does not withhold it. */
export function withheldFamily(name: string): WithheldFamily | null {
  const n = name.toLowerCase();
  for (const [family, re] of NAME_RULES) if (re.test(n)) return family;
  return null;
}

const ADDRESS_VALUES: readonly RegExp[] = [
  /[A-Za-z][A-Za-z0-9+.-]*:\/\//, // a URL or a listener: PLAINTEXT://host:9092, https://idp/..., file:///...
  /(^|[^\w.])\d{1,3}(\.\d{1,3}){3}([^\w.]|$)/, // an IPv4 address
  /\[[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*\]/, // a bracketed IPv6 address
  /(^|[\s,;=@(])(localhost|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+):\d{1,5}([\s,;/)]|$)/, // host.domain:port
];

/** True when a config value carries something that looks like a network address. */
export function valueLooksLikeAddress(value: string | null): boolean {
  return value !== null && ADDRESS_VALUES.some((re) => re.test(value));
}

/** Whether a broker config (and its synonyms) must be withheld from clients. */
export function isWithheldBrokerConfig(c: {
  name: string;
  value: string | null;
  synonyms?: ReadonlyArray<{ name: string; value: string | null }>;
}): boolean {
  if (withheldFamily(c.name) !== null || valueLooksLikeAddress(c.value)) return true;
  return (c.synonyms ?? []).some((s) => withheldFamily(s.name) !== null || valueLooksLikeAddress(s.value));
}
