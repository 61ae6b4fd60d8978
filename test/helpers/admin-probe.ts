// For test/kafka/admin-apis*.test.ts: the proxy with ACLs on in front of a real cluster, bob (the
// ACLs each operation needs) and alice (lacking them) as SCRAM users, and AdminProbe
// (test/clients/java/AdminProbe.java) running batches of Admin/producer/consumer calls as any of
// them or straight against the broker.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { clientProperties, jaas, javaClient, type KafkaCluster } from './kafka.js';
import { startSecureProxyOn, USERS, type SecureProxy } from './secure.js';
import { loginScram } from './scram-client.js';
import { RawClient } from './raw-client.js';
import { makePki } from './certs.js';
import { ApiKey } from '../../src/protocol/generated/index.js';
import type * as metadataCodec from '../../src/protocol/generated/metadata.js';
import { metadata } from './requests.js';

export interface ProbeResult {
  client: string;
  cmd: string;
  ok: boolean;
  error?: string;
  message?: string;
  [k: string]: unknown;
}

export type ProbeClient = 'direct' | 'bob' | 'alice';

export interface AdminSetup {
  proxy: SecureProxy;
  /** Runs `CLIENT COMMAND ARGS` lines in one JVM; one result per line, in order. */
  probe(lines: string[], timeoutMs?: number): Promise<ProbeResult[]>;
  /** A raw connection to broker `nodeId`: straight, or through the proxy logged in as `user`. */
  raw(via: ProbeClient, nodeId: number): Promise<RawClient>;
}

/** Starts the proxy with `acls` (YAML list entries) and no super user; stopped at the end of `t`. */
export async function adminSetup(
  t: { teardown(fn: () => unknown): void },
  kafka: KafkaCluster,
  acls: string[],
): Promise<AdminSetup> {
  const dir = (await makePki()).dir;
  const aclFile = join(dir, 'acls.yaml');
  writeFileSync(aclFile, `acls:\n${acls.map((a) => `  - ${a}\n`).join('')}`);
  const proxy = await startSecureProxyOn(kafka.brokers, {
    acl: { superUsers: [], allowEveryoneIfNoAclFound: false, file: aclFile },
  });
  t.teardown(() => proxy.stop());
  const props = (user: 'alice' | 'bob') =>
    clientProperties({
      'security.protocol': 'SASL_PLAINTEXT',
      'sasl.mechanism': 'SCRAM-SHA-256',
      'sasl.jaas.config': jaas('SCRAM-SHA-256', user, USERS[user]),
    });
  const clients = [
    '--client',
    `direct=${kafka.bootstrap}`,
    '--client',
    `bob=${proxy.saslPlaintext}@${props('bob')}`,
    '--client',
    `alice=${proxy.saslPlaintext}@${props('alice')}`,
  ];
  return {
    proxy,
    async probe(lines, timeoutMs = 120_000) {
      const r = await javaClient('AdminProbe', clients, { input: lines.join('\n') + '\n', timeoutMs });
      const out = r.stdout
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as ProbeResult);
      if (out.length !== lines.length)
        throw new Error(
          `AdminProbe answered ${out.length} of ${lines.length} lines (exit ${r.code}): ${JSON.stringify(out)}\n${r.stderr.slice(-3000)}`,
        );
      return out;
    },
    async raw(via, nodeId) {
      if (via === 'direct') return RawClient.connect(`127.0.0.1:${kafka.node(nodeId).ports.PLAINTEXT}`);
      // The proxy's address for the broker, as its Metadata advertises it on this listener.
      const boot = await loginScram(proxy.saslPlaintext, via, USERS[via]);
      try {
        const md = await boot.request<metadataCodec.Response>(ApiKey.Metadata, 12, metadata([]));
        const b = md.brokers.find((x) => x.nodeId === nodeId);
        if (!b) throw new Error(`the proxy's metadata has no broker ${nodeId}`);
        return await loginScram(`${b.host}:${b.port}`, via, USERS[via]);
      } finally {
        boot.close();
      }
    },
  };
}

/** The result of `client cmd` among `results` (the first one at or after index `from`). */
export function pick(results: ProbeResult[], client: ProbeClient, cmd: string, from = 0): ProbeResult {
  const r = results.slice(from).find((x) => x.client === client && x.cmd === cmd);
  if (!r) throw new Error(`no ${client} ${cmd} result`);
  return r;
}

/** A result without the fields that name who asked (to compare a proxied answer with a direct one). */
export function answer(r: ProbeResult): Record<string, unknown> {
  const { client: _c, ...rest } = r;
  return rest;
}
