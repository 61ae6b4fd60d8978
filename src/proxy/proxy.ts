import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { ClusterView } from './cluster.js';
import { ClusterClient } from './cluster-client.js';
import { applyLiveConfig, reloadStores, type LiveParts } from './live-config.js';
import { sweepIdleConnections } from './idle-sweep.js';
import { registerGauges } from './gauges.js';
import { UpstreamPools } from './pool.js';
import { MemoryBudget } from './memory-budget.js';
import { ConnectionGate } from './connection-gate.js';
import { LogLimiter } from '../log-limiter.js';
import { Listener } from './listener.js';
import type { ClientConnection, ListenerSecurity } from './client-connection.js';
import type { ListenerConfig } from '../config/schema.js';
import { CredentialStore } from '../auth/credentials.js';
import { PrincipalMapper } from '../auth/principal.js';
import { UnknownUsers, unknownUserSecret } from '../auth/unknown-users.js';
import { FailedLoginLimiter, HashLimiter } from '../auth/login-guard.js';
import { AclManager } from '../acl/manager.js';
import { ProtectedTopics } from '../acl/protected-topics.js';
import { AuditLog } from '../audit/audit-log.js';
import { Metrics } from '../metrics/metrics.js';
import { ManagementServer } from '../metrics/server.js';
import { authenticationEvent, lifecycleEvent, reloadEvent } from '../audit/event.js';
import { readFileSync } from 'node:fs';
import { watchFiles, type FileWatch } from '../file-watch.js';
import { loadConfigFile } from '../config/load.js';
import { fileURLToPath } from 'node:url';
import { hostname } from 'node:os';

const VERSION = (() => {
  try {
    return (
      JSON.parse(readFileSync(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8')) as {
        version: string;
      }
    ).version;
  } catch {
    return 'unknown';
  }
})();

/**
 * The proxy: the upstream cluster view, the upstream connection pools and every listener.
 *
 * start(): learn the cluster (brokers, versions), open listener ports.
 * stop(): stop accepting, let in-flight requests finish up to the drain timeout, close the rest.
 */
export class Proxy {
  /** The configuration in force (live settings follow reloads; the rest keep their start values). */
  config: Config;
  readonly cluster: ClusterView;
  readonly pools: UpstreamPools;
  readonly listeners: Listener[];
  private readonly log: Logger;
  private readonly clients = new Set<ClientConnection>();
  private stopping: Promise<void> | null = null;
  readonly credentials: CredentialStore;
  private mapper: PrincipalMapper;
  private configWatcher: FileWatch | null = null;
  private readonly unknownUsers: UnknownUsers;
  private readonly plainHashing: HashLimiter;
  private readonly failedLogins: FailedLoginLimiter;
  /** The ACLs, or null when the configuration has no acl section (nothing is authorized). */
  readonly acl: AclManager | null;
  /** The audit trail, or null when the configuration has no audit section. */
  readonly audit: AuditLog | null;
  /** The topics the proxy keeps its own state in, off limits to clients (fixed until a restart). */
  readonly protectedTopics: ProtectedTopics;
  readonly metrics: Metrics;
  /** Bytes all clients hold in the proxy. */
  readonly memory: MemoryBudget;
  /** The connection limits, checked before a connection is served. */
  readonly gate: ConnectionGate;
  /** Refusals (which an attacker controls) are logged at most every few seconds per kind. */
  private readonly refusalLog = new LogLimiter();
  private stopIdleSweep: (() => void) | null = null;
  private management: ManagementServer | null = null;
  /** The management endpoint's port once listening. */
  managementPort: number | null = null;

  /** What this process runs of a configuration it loads (a worker's share: see fleet/worker-config.ts). */
  private readonly adapt: (config: Config) => Config;

  constructor(config: Config, log: Logger, opts: { adapt?: (config: Config) => Config } = {}) {
    this.config = config;
    this.log = log;
    this.adapt = opts.adapt ?? ((c) => c);
    this.cluster = new ClusterView(config.upstream.bootstrap, log, config.upstream.connectTimeoutMs);
    this.pools = new UpstreamPools(
      {
        mode: config.upstream.pool.mode,
        maxConnectionsPerBroker: config.upstream.pool.maxConnectionsPerBroker,
        connectTimeoutMs: config.upstream.connectTimeoutMs,
      },
      log,
      // A lost upstream connection may be the cluster going away: readiness follows within ~2 s.
      (c) => {
        if (c.connectFailed) this.cluster.connectFailed(c.address);
        this.cluster.connectionLost(`upstream connection to ${c.address.host}:${c.address.port} lost`);
      },
    );
    this.credentials = new CredentialStore(config.auth.credentialsFile ?? null);
    this.mapper = new PrincipalMapper(config.auth.principalMappingRules);
    this.unknownUsers = new UnknownUsers(
      unknownUserSecret(config.auth.unknownUserSecret, config.auth.credentialsFile ?? null),
      this.credentials.profile,
    );
    this.plainHashing = new HashLimiter(config.auth.plainVerification);
    this.failedLogins = new FailedLoginLimiter(config.auth.failedLogins);
    this.metrics = new Metrics({ principalBytes: config.metrics.principalBytes });
    this.memory = new MemoryBudget(config.limits.maxBufferedBytes);
    this.gate = new ConnectionGate(config.limits);
    this.audit =
      config.audit === undefined
        ? null
        : new AuditLog(config.audit, {
            log,
            upstream: (auditLog) => new ClusterClient(this.cluster, auditLog, config.upstream.connectTimeoutMs),
            chainId: config.instanceId ?? hostname(),
          });
    this.protectedTopics = ProtectedTopics.fromConfig(config);
    // Their ids too, learned at every refresh: a request naming one by id is refused before any
    // client could have learned the id through the proxy.
    this.cluster.watchTopics([...this.protectedTopics.entries().keys()]);
    this.credentials.onReload((err) => this.credentialsReloaded(err));
    this.acl =
      config.acl === undefined
        ? null
        : new AclManager(
            {
              superUsers: config.acl.superUsers,
              allowEveryoneIfNoAclFound: config.acl.allowEveryoneIfNoAclFound,
              file: config.acl.file ?? null,
            },
            log,
          );
    this.listeners = config.listeners.map((lc) => this.listener(lc));
    this.cluster.brokers.onNode((n) => {
      for (const l of this.listeners) void l.openNode(n.nodeId);
    });
  }

  private credentialsReloaded(err: Error | null): void {
    if (err)
      this.log.error({ reason: err.message }, 'credentials reload refused; the previous credentials stay in force');
    else this.log.info({ users: this.credentials.list().length }, 'credentials reloaded');
    this.recordReload('credentials', this.credentials.file, err);
  }

  /** What the client connections of a listener get from the proxy, read afresh for each (live settings). */
  private clientContext(lc: ListenerConfig) {
    return {
      security: this.securityOf(lc),
      cluster: this.cluster,
      pools: this.pools,
      log: this.log,
      maxFrameBytes: this.config.limits.maxFrameBytes,
      maxInFlight: this.config.limits.maxInFlightPerClient,
      maxRequestElements: this.config.limits.maxRequestElements,
      maxBufferedBytes: this.config.limits.maxBufferedBytesPerClient,
      memory: this.memory,
      requestTimeoutMs: this.config.upstream.requestTimeoutMs,
      audit: this.audit,
      clusterId: this.clusterId,
      metrics: this.metrics,
    };
  }

  private listener(lc: ListenerConfig): Listener {
    return new Listener(lc, {
      log: this.log,
      context: () => this.clientContext(lc),
      onTlsFailure: (client, reason) => {
        this.metrics.authentications.inc({ mechanism: 'SSL', outcome: 'failure' });
        this.audit?.record(
          authenticationEvent(this.clusterId(), {
            success: false,
            principal: null,
            mechanism: 'SSL',
            identifier: null,
            clientAddress: client.replace(/^::ffff:/, ''),
            listener: lc.name,
            tlsSubject: null,
            message: `TLS handshake failed: ${reason}`,
          }),
        );
      },
      onCertificateReload: (ok, message) => {
        this.metrics.reloads.inc({ what: 'certificates', outcome: ok ? 'success' : 'failure' });
        this.audit?.record(
          reloadEvent(this.clusterId(), {
            what: `certificates of listener ${lc.name}`,
            file: lc.tls?.certFile ?? null,
            ok,
            message,
          }),
        );
      },
      gate: this.gate,
      onRefused: (reason, ip) => {
        this.metrics.connectionsRefused.inc({ listener: lc.name, reason });
        this.refusalLog.log(
          this.log,
          `${lc.name}:${reason}`,
          { listener: lc.name, reason, client: ip },
          'connection refused by the connection limits',
        );
      },
      learn: (nodes, complete) => this.cluster.brokers.update(nodes, complete),
      handshakeTimeoutMs: () => this.config.auth.authenticationTimeoutMs,
      track: (c) => {
        this.clients.add(c);
        c.onClose(() => this.clients.delete(c));
      },
    });
  }

  readonly clusterId = (): string => this.cluster.brokers.clusterId ?? 'unknown';

  /**
   * Applies a new configuration to the running proxy. Live: credentials, ACL file and
   * certificates are re-read; acl.superUsers and allowEveryoneIfNoAclFound, audit.allowed, TLS
   * settings of each listener, principal mapping rules, authentication timings, limits, shutdown
   * and the log level. Everything else (ports, upstream, listeners added or removed, files of the
   * credential store, ACL store and audit sinks, management, metrics and protectedTopics) keeps
   * running as it was and is reported as needing a restart.
   */
  applyConfig(next: Config): { restartRequired: string[]; applied: string[] } {
    const live: LiveParts = {
      listeners: this.listeners,
      acl: this.acl,
      audit: this.audit,
      failedLogins: this.failedLogins,
      plainHashing: this.plainHashing,
      memory: this.memory,
      gate: this.gate,
      log: this.log,
      setMapper: (mapper) => (this.mapper = mapper),
    };
    const { config, restartRequired, applied } = applyLiveConfig(live, this.config, next);
    this.config = config;
    return { restartRequired, applied };
  }

  /**
   * Reloads from the configuration file (SIGHUP, or the file changed): credentials, ACLs and
   * certificates are re-read; the new configuration is validated and applied as far as it can be
   * live. An invalid file is refused, logged and counted, and the running configuration stays.
   */
  reloadConfigFile(file: string): boolean {
    let next: Config;
    try {
      next = this.adapt(loadConfigFile(file));
    } catch (e) {
      this.log.error(
        { file, reason: (e as Error).message },
        'configuration reload refused; the running configuration stays',
      );
      this.recordReload('config', file, e as Error);
      return false;
    }
    reloadStores(this.log, this.credentials, this.acl, this.listeners);
    const { restartRequired, applied } = this.applyConfig(next);
    if (restartRequired.length > 0)
      this.log.warn(
        { file, settings: restartRequired },
        'configuration reloaded; these changed settings need a restart and keep their running values',
      );
    this.log.info({ file, applied }, 'configuration reloaded');
    this.recordReload('config', file, null);
    return true;
  }

  /** Reloads when the configuration file changes. */
  watchConfigFile(file: string): void {
    if (this.configWatcher !== null) return;
    this.configWatcher = watchFiles([file], 200, () => this.reloadConfigFile(file));
  }

  private recordReload(what: string, file: string | null, err: Error | null): void {
    this.metrics.reloads.inc({ what, outcome: err === null ? 'success' : 'failure' });
    this.audit?.record(
      reloadEvent(this.clusterId(), {
        what,
        file,
        ok: err === null,
        message: err === null ? 'reloaded' : `refused: ${err.message}`,
      }),
    );
  }

  private securityOf(lc: ListenerConfig): ListenerSecurity {
    return {
      protocol: lc.securityProtocol,
      sasl:
        lc.sasl === undefined
          ? null
          : {
              mechanisms: lc.sasl.mechanisms,
              lookup: this.credentials.lookup,
              unknown: this.unknownUsers,
              hashing: this.plainHashing,
              maxReauthMs: this.config.auth.maxReauthMs,
            },
      mapper: this.mapper,
      authTimeoutMs: this.config.auth.authenticationTimeoutMs,
      failedAuthDelayMs: this.config.auth.failedAuthenticationDelayMs,
      credentials: this.credentials,
      acl: this.acl,
      failedLogins: this.failedLogins,
      protectedTopics: this.protectedTopics,
    };
  }

  /** Open client connections. */
  get connectionCount(): number {
    return this.clients.size;
  }

  /** Ready: every listener bound and the upstream cluster reachable. */
  get ready(): boolean {
    return this.readiness().ready;
  }

  /** Ready: every listener bound and the upstream cluster reachable; else why not. */
  readiness(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.stopping !== null) reasons.push('stopping');
    if (!this.cluster.reachable)
      reasons.push(`upstream cluster unreachable${this.cluster.lastError ? ` (${this.cluster.lastError})` : ''}`);
    for (const l of this.listeners) if (!l.listening) reasons.push(`listener ${l.config.name} not bound`);
    return { ready: reasons.length === 0, reasons };
  }

  async start(): Promise<void> {
    registerGauges(this.metrics, this);
    if (this.config.management !== undefined) {
      const ready = () => {
        const r = this.readiness();
        return { ok: r.ready, reasons: r.reasons };
      };
      this.management = new ManagementServer(this.metrics, ready, this.log);
      this.managementPort = await this.management.start(this.config.management.host, this.config.management.port);
    }
    this.credentials.watch();
    if (this.acl === null) {
      this.log.warn(
        'no acl section: requests are not authorized (every authenticated client may do everything its protocol allows)',
      );
    } else {
      this.acl.watch();
      this.acl.onReload((err) => this.recordReload('acls', this.acl!.file, err));
      if (this.acl.file === null)
        this.log.warn('acl.file is not set: ACLs created through the admin APIs last until the proxy stops');
    }
    await this.cluster.start(this.config.upstream.metadataRefreshMs);
    if (!this.cluster.reachable) {
      this.log.warn({ reason: this.cluster.lastError }, 'starting while the upstream cluster is unreachable');
    }
    this.audit?.start();
    for (const l of this.listeners) await l.start(this.cluster.brokers.all());
    this.stopIdleSweep = sweepIdleConnections(this.clients, () => this.config.limits.connectionsMaxIdleMs);
    this.audit?.record(lifecycleEvent(this.clusterId(), { action: 'start', version: VERSION, pid: process.pid }));
    this.log.info(
      { listeners: this.listeners.map((l) => l.config.name), brokers: this.cluster.brokers.size },
      'proxy started',
    );
  }

  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const timeout = this.config.shutdown.drainTimeoutMs;
    this.log.info({ connections: this.clients.size, drainTimeoutMs: timeout }, 'proxy stopping');
    const listenersClosed = Promise.all(this.listeners.map((l) => l.stop()));
    for (const c of this.clients) c.drain();
    const deadline = Date.now() + timeout;
    while (this.clients.size > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    const left = this.clients.size;
    for (const c of [...this.clients]) c.close('shutdown');
    await listenersClosed;
    this.audit?.record(lifecycleEvent(this.clusterId(), { action: 'stop', version: VERSION, pid: process.pid }));
    await this.audit?.stop();
    this.stopIdleSweep?.();
    this.cluster.stop();
    this.pools.closeAll();
    this.credentials.close();
    this.acl?.close();
    this.configWatcher?.close();
    await this.management?.close();
    for (const l of this.listeners) l.close();
    this.log.info({ closedWithRequestsInFlight: left }, 'proxy stopped');
  }
}
