// The clients of the client compatibility matrix (README "Client compatibility",
// test/kafka/clients-matrix.test.ts), each behind one function that runs the same checks and
// reports each check's outcome under its name (an error does not stop the others):
//
//   metadata {brokers}            the brokers the cluster advertises
//   produce  {count}              the plan's values produced to its topic
//   consume  {values}             the topic read from the beginning (kafkajs: with a group of
//                                 its own, as it has no group-less consumer)
//   group    {values, committed}  a member of the plan's group reads the topic, commits, leaves;
//                                 then the group's committed offsets on the topic, summed
//                                 (kcat: {values, resumed}, see kcatChecks)
//   denied   {error}              producing to the denied topic
//
// The Go and Python clients are programs (test/clients/franz, test/clients/sarama,
// test/clients/python) built by scripts/build-test-clients.sh; kafkajs runs in-process; librdkafka
// 2.15.1 through kcat.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { PROJECT_ROOT } from '../../src/demo/mock-cluster.js';
import { runJsonClient } from './json-client.js';
import { kcat } from './kcat.js';

export type Check = 'metadata' | 'produce' | 'consume' | 'group' | 'denied';

export interface Broker {
  id: number;
  host: string;
  port: number;
}

export interface CheckResults {
  error?: string;
  metadata?: { brokers?: Broker[]; error?: string };
  produce?: { count?: number; error?: string };
  consume?: { values?: string[]; error?: string };
  group?: { values?: string[]; committed?: number; resumed?: string[]; error?: string };
  denied?: { produced?: number; error?: string };
}

export interface Plan {
  bootstrap: string;
  tls: { ca: string; cert?: string; key?: string };
  sasl?: { mechanism: 'SCRAM-SHA-512'; user: string; password: string };
  matrix: { topic: string; group: string; values: string[]; deniedTopic: string; timeoutMs: number; checks: Check[] };
}

export const FRANZ = join(PROJECT_ROOT, 'build', 'franz-client');
export const SARAMA = join(PROJECT_ROOT, 'build', 'sarama-client');
export const PYENV_PYTHON = join(PROJECT_ROOT, '.cache', 'pyenv', 'bin', 'python');
const PY_DRIVER = join(PROJECT_ROOT, 'test', 'clients', 'python', 'matrix_client.py');

/** The whole plan's time limit, for the process: every check may take its own limit. */
const processLimit = (p: Plan) => p.matrix.timeoutMs * (p.matrix.checks.length + 1);

export function franzChecks(p: Plan): Promise<CheckResults> {
  return runJsonClient<CheckResults>(FRANZ, [JSON.stringify(p)], processLimit(p));
}

export function saramaChecks(p: Plan): Promise<CheckResults> {
  return runJsonClient<CheckResults>(SARAMA, [JSON.stringify(p)], processLimit(p));
}

export function pythonChecks(client: 'confluent' | 'kafka-python', p: Plan): Promise<CheckResults> {
  return runJsonClient<CheckResults>(PYENV_PYTHON, [PY_DRIVER, '--client', client, JSON.stringify(p)], processLimit(p));
}

export const havePythonClients = existsSync(PYENV_PYTHON);

/** Versions of the Python clients, as installed. */
export async function pythonVersions(): Promise<{ confluent: string; librdkafka: string; kafkaPython: string }> {
  const code =
    'import json, confluent_kafka, kafka; print(json.dumps({"confluent": confluent_kafka.version()[0], "librdkafka": confluent_kafka.libversion()[0], "kafkaPython": kafka.__version__}))';
  return runJsonClient(PYENV_PYTHON, ['-c', code], 30_000);
}

const message = (e: unknown) =>
  e instanceof Error
    ? `${e.name}: ${e.message}` + ('type' in e ? ` (${String((e as { type: unknown }).type)})` : '')
    : String(e);

async function attempt<T extends object>(fn: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await fn();
  } catch (e) {
    return { error: message(e) };
  }
}

/** A promise that rejects after ms, for the steps kafkajs would otherwise wait on forever. */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    p,
    new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out`)), ms))),
  ]).finally(() => clearTimeout(timer));
}

export async function kafkajsChecks(p: Plan): Promise<CheckResults> {
  const m = p.matrix;
  const cfg: KafkaConfig = {
    clientId: 'kafkajs-test',
    brokers: [p.bootstrap],
    ssl: {
      ca: [readFileSync(p.tls.ca)],
      ...(p.tls.cert ? { cert: readFileSync(p.tls.cert), key: readFileSync(p.tls.key!) } : {}),
    },
    ...(p.sasl
      ? { sasl: { mechanism: 'scram-sha-512' as const, username: p.sasl.user, password: p.sasl.password } }
      : {}),
    logLevel: logLevel.NOTHING,
    connectionTimeout: 10_000,
    retry: { retries: 2, initialRetryTime: 200 },
  };
  const kafka = new Kafka(cfg);
  const out: CheckResults = {};
  const produce = async (topic: string, values: string[]) => {
    const producer = kafka.producer({ retry: { retries: 1 } });
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: values.map((value) => ({ value })) });
    } finally {
      await producer.disconnect();
    }
  };
  const consumeGroup = async (groupId: string, commit: boolean) => {
    const consumer = kafka.consumer({ groupId, retry: { retries: 2 } });
    const got: string[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: m.topic, fromBeginning: true });
      await within(
        m.timeoutMs,
        'consume',
        new Promise<void>((resolve, reject) => {
          consumer.on(consumer.events.CRASH, (e) => reject(e.payload.error));
          void consumer
            .run({
              autoCommit: !commit ? true : false,
              eachMessage: async ({ message: msg, partition }) => {
                got.push(msg.value!.toString());
                if (commit)
                  await consumer.commitOffsets([
                    { topic: m.topic, partition, offset: (BigInt(msg.offset) + 1n).toString() },
                  ]);
                if (got.length === m.values.length) resolve();
              },
            })
            .catch(reject);
        }),
      );
    } finally {
      await consumer.disconnect();
    }
    return got.sort();
  };
  for (const check of m.checks) {
    if (check === 'metadata') {
      out.metadata = await attempt(async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const d = await admin.describeCluster();
          return { brokers: d.brokers.map((b) => ({ id: b.nodeId, host: b.host, port: b.port })) };
        } finally {
          await admin.disconnect();
        }
      });
    } else if (check === 'produce') {
      out.produce = await attempt(async () => (await produce(m.topic, m.values), { count: m.values.length }));
    } else if (check === 'consume') {
      out.consume = await attempt(async () => ({ values: await consumeGroup(`${m.group}-plain`, false) }));
    } else if (check === 'group') {
      out.group = await attempt(async () => {
        const values = await consumeGroup(m.group, true);
        const admin = kafka.admin();
        await admin.connect();
        try {
          const [offsets] = await admin.fetchOffsets({ groupId: m.group, topics: [m.topic] });
          return { values, committed: offsets!.partitions.reduce((s, o) => s + Math.max(0, Number(o.offset)), 0) };
        } finally {
          await admin.disconnect();
        }
      });
    } else {
      out.denied = await attempt(async () => (await produce(m.deniedTopic, ['nope']), { produced: 1 }));
    }
  }
  return out;
}

/**
 * librdkafka 2.15.1 through kcat. kcat cannot read a group's committed offsets, so its group check
 * proves the commit by resuming: a member of the group reads the values and leaves (kcat's
 * librdkafka commits the offsets it handed out when it closes), one more value is produced, and a second member of the group must get exactly
 * that one (`resumed`).
 */
export async function kcatChecks(p: Plan): Promise<CheckResults> {
  const m = p.matrix;
  const sec = ['-X', `ssl.ca.location=${p.tls.ca}`, '-X', `client.id=kcat-test`];
  if (p.sasl)
    sec.push(
      '-X',
      'security.protocol=SASL_SSL',
      '-X',
      `sasl.mechanism=${p.sasl.mechanism}`,
      '-X',
      `sasl.username=${p.sasl.user}`,
      '-X',
      `sasl.password=${p.sasl.password}`,
    );
  else
    sec.push(
      '-X',
      'security.protocol=SSL',
      '-X',
      `ssl.certificate.location=${p.tls.cert}`,
      '-X',
      `ssl.key.location=${p.tls.key}`,
    );
  const run = async (args: string[], input?: string) => {
    const r = await kcat(['-b', p.bootstrap, ...sec, ...args], { modern: true, input, timeoutMs: m.timeoutMs });
    if (r.code !== 0) throw new Error(`kcat exited ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
    return r.stdout;
  };
  const lines = (s: string) => s.split('\n').filter(Boolean).sort();
  const produce = (topic: string, values: string[]) =>
    run(
      ['-P', '-t', topic, '-X', 'acks=all', '-X', `message.timeout.ms=${m.timeoutMs - 2000}`],
      values.join('\n') + '\n',
    );
  // Not `-o beginning`: with it kcat assigns every partition from the beginning, committed offsets or not.
  const group = () => run(['-G', m.group, '-X', 'auto.offset.reset=earliest', '-e', '-q', m.topic]);
  const out: CheckResults = {};
  for (const check of m.checks) {
    if (check === 'metadata') {
      out.metadata = await attempt(async () => {
        const md = JSON.parse(await run(['-L', '-J', '-m', String(Math.floor(m.timeoutMs / 2000))])) as {
          brokers: Array<{ id: number; name: string }>;
        };
        return {
          brokers: md.brokers.map((b) => ({
            id: b.id,
            host: b.name.slice(0, b.name.lastIndexOf(':')),
            port: Number(b.name.slice(b.name.lastIndexOf(':') + 1)),
          })),
        };
      });
    } else if (check === 'produce') {
      out.produce = await attempt(async () => (await produce(m.topic, m.values), { count: m.values.length }));
    } else if (check === 'consume') {
      out.consume = await attempt(async () => ({
        values: lines(await run(['-C', '-t', m.topic, '-o', 'beginning', '-e', '-q'])),
      }));
    } else if (check === 'group') {
      out.group = await attempt(async () => {
        const values = lines(await group());
        await produce(m.topic, ['after-commit']);
        return { values, resumed: lines(await group()) };
      });
    } else {
      out.denied = await attempt(async () => (await produce(m.deniedTopic, ['nope']), { produced: 1 }));
    }
  }
  return out;
}
