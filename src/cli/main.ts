#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { loadConfigFile, loadConfigFileWithSecrets } from '../config/load.js';
import { redactConfig } from '../config/secrets.js';
import { dump as dumpYaml } from 'js-yaml';
import { WardenError } from '../protocol/errors.js';
import { createLogger } from '../log.js';
import { Proxy } from '../proxy/proxy.js';
import { runDemo } from '../demo/demo.js';
import { scramCommand } from './scram.js';
import { auditCommand } from './audit.js';
import cluster from 'node:cluster';
import type { Logger } from 'pino';
import { Supervisor } from '../fleet/supervisor.js';
import { runWorker } from '../fleet/worker.js';
import { defaultWorkers } from '../fleet/cores.js';
import { WORKER_ENV, WORKERS_ENV } from '../fleet/messages.js';
import type { Config } from '../config/schema.js';
import { unknownUserSecret } from '../auth/unknown-users.js';

const USAGE = `kafka-warden: a security proxy for Kafka

Usage:
  kafka-warden serve --config FILE [--workers N]
                                       run the proxy in N worker processes (default: one per
                                       core, capped by the container's CPU quota; 1: one process;
                                       or KAFKA_WARDEN_WORKERS)
  kafka-warden demo [--brokers N] [--kafka]
                                       start a local test cluster (librdkafka's mock, or with
                                       --kafka real Apache Kafka: 1 or 3 nodes) and the proxy in front of it
  kafka-warden check-config FILE       validate a configuration file and print the effective one (secrets redacted)
  kafka-warden scram add|list|remove   manage SCRAM credentials (see kafka-warden scram)
  kafka-warden audit verify FILE...    check the hash chain of audit files
  kafka-warden help
`;

/** `serve`: one process, or a supervisor and its workers (this same program, forked by node:cluster). */
async function serveCommand(configFile: string, workersArg: string | undefined): Promise<void> {
  if (cluster.isWorker) {
    // Told by the supervisor, not worked out again: the CPUs may have changed since it started.
    const worker = Number(process.env[WORKER_ENV]);
    const workers = Number(process.env[WORKERS_ENV]);
    return runWorker(configFile, worker, workers, (c) => createLogger(c.logging.level));
  }
  const workers = parseWorkers(workersArg);
  if (workers === 1) return serve(configFile);
  return supervise(configFile, workers);
}

/** --workers, else KAFKA_WARDEN_WORKERS (handy in a container spec), else one per core. */
function parseWorkers(flag: string | undefined): number {
  const arg = flag ?? process.env.KAFKA_WARDEN_WORKERS;
  if (arg === undefined || arg === '') return defaultWorkers();
  const n = Number(arg);
  if (!Number.isInteger(n) || n < 1 || n > 256)
    throw new WardenError('WARDEN_ERR_CONFIG', `--workers must be a whole number from 1 to 256, not ${arg}`);
  return n;
}

/** The supervisor of N workers until SIGTERM/SIGINT; SIGHUP reaches every worker. */
async function supervise(configFile: string, workers: number): Promise<void> {
  // Invalid configuration fails here, once, before any worker starts.
  const config = loadConfigFile(configFile);
  const log = createLogger(config.logging.level).child({ supervisor: true });
  // The secret that makes unknown users' stand-in salts stable is created here, once, so that the
  // workers, starting at the same moment, cannot each write a different one.
  unknownUserSecret(config.auth.unknownUserSecret, config.auth.credentialsFile ?? null);
  const supervisor = new Supervisor(config, workers, log);
  onStopSignals(log, () => supervisor.stop());
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'signal received');
    let next: Config | null = null;
    try {
      next = loadConfigFile(configFile);
    } catch {
      // Each worker refuses it too, and logs and counts why.
    }
    supervisor.reload(next);
  });
  await supervisor.start();
}

/** SIGTERM and SIGINT: `stop` once, then exit. */
function onStopSignals(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const onSignal = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'signal received');
    void stop().then(() => {
      log.flush?.();
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}

/** Runs the proxy in this process until SIGTERM/SIGINT, then drains and exits. */
export async function serve(configFile: string): Promise<void> {
  const config = loadConfigFile(configFile);
  const log = createLogger(config.logging.level);
  const proxy = new Proxy(config, log);
  onStopSignals(log, () => proxy.stop());
  // SIGHUP and edits of the file reload what can change live.
  process.on('SIGHUP', () => {
    log.info({ signal: 'SIGHUP' }, 'signal received');
    proxy.reloadConfigFile(configFile);
  });
  await proxy.start();
  proxy.watchConfigFile(configFile);
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'serve': {
      const { values } = parseArgs({
        args: rest,
        options: { config: { type: 'string', short: 'c' }, workers: { type: 'string', short: 'w' } },
      });
      if (!values.config) {
        process.stderr.write('kafka-warden serve: --config FILE is required\n');
        return 2;
      }
      await serveCommand(values.config, values.workers);
      return -1; // keeps running
    }
    case 'demo': {
      const { values } = parseArgs({
        args: rest,
        options: { brokers: { type: 'string' }, port: { type: 'string' }, kafka: { type: 'boolean' } },
      });
      await runDemo({
        brokers: Number(values.brokers ?? 3),
        port: Number(values.port ?? 19092),
        kafka: values.kafka === true,
      });
      return -1;
    }
    case 'scram':
      return scramCommand(rest);
    case 'audit':
      return auditCommand(rest);
    case 'check-config': {
      const file = rest[0];
      if (!file) {
        process.stderr.write('kafka-warden check-config: a FILE is required\n');
        return 2;
      }
      // Valid: print the effective configuration (defaults filled in), secrets redacted.
      const { config, secrets } = loadConfigFileWithSecrets(file);
      process.stdout.write(
        `# ${file}: valid; the effective configuration${secrets.length ? `, ${secrets.length} secret value(s) redacted` : ''}:\n`,
      );
      process.stdout.write(dumpYaml(redactConfig(config, secrets), { lineWidth: -1 }));
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`kafka-warden: unknown command ${cmd}\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (e: unknown) => {
    if (e instanceof WardenError) process.stderr.write(`kafka-warden: ${e.message}\n`);
    else process.stderr.write(`kafka-warden: ${(e as Error).stack ?? String(e)}\n`);
    process.exit(1);
  },
);
