import type { Metrics } from '../metrics/metrics.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { ClusterView } from './cluster.js';
import type { UpstreamPools } from './pool.js';
import type { MemoryBudget } from './memory-budget.js';
import type { ConnectionGate } from './connection-gate.js';
import type { Listener } from './listener.js';

/** What the proxy's gauges and audit counters read, at each scrape. */
export interface GaugeSources {
  readonly pools: UpstreamPools;
  readonly memory: MemoryBudget;
  readonly gate: ConnectionGate;
  readonly cluster: ClusterView;
  readonly listeners: readonly Listener[];
  readonly audit: AuditLog | null;
  readonly ready: boolean;
}

export function registerGauges(m: Metrics, s: GaugeSources): void {
  m.gauge('kafka_warden_upstream_connections', 'Open upstream connections, per broker', ['broker'], () =>
    s.pools.all().map((p) => [{ broker: `${p.address.host}:${p.address.port}` }, p.connectionCount]),
  );
  m.gauge(
    'kafka_warden_upstream_in_flight_requests',
    'Requests sent upstream and not yet answered, per broker',
    ['broker'],
    () => s.pools.all().map((p) => [{ broker: `${p.address.host}:${p.address.port}` }, p.inFlight]),
  );
  m.gauge(
    'kafka_warden_upstream_waiting_requests',
    'Client requests waiting for an upstream connection, per broker',
    ['broker'],
    () => s.pools.all().map((p) => [{ broker: `${p.address.host}:${p.address.port}` }, p.waiting]),
  );
  m.gauge(
    'kafka_warden_buffered_bytes',
    'Bytes of requests and responses clients hold in the proxy (limits.maxBufferedBytes)',
    [],
    () => [[{}, s.memory.used]],
  );
  m.gauge(
    'kafka_warden_connections_admitted',
    'TCP connections admitted by the connection limits and still open (TLS handshakes included)',
    [],
    () => [[{}, s.gate.open]],
  );
  registerStateGauges(m, s);
  if (s.audit !== null) registerAuditCounters(m, s.audit);
}

/** Whether the proxy is up and ready, and its certificates' expiry: the gauges no sum makes sense of. */
function registerStateGauges(m: Metrics, s: GaugeSources): void {
  m.gauge(
    'kafka_warden_upstream_up',
    '1 when the upstream cluster answered the last metadata refresh',
    [],
    () => [[{}, s.cluster.reachable ? 1 : 0]],
    'min',
  );
  m.gauge(
    'kafka_warden_ready',
    '1 when every listener is bound and the upstream cluster is reachable',
    [],
    () => [[{}, s.ready ? 1 : 0]],
    'min',
  );
  m.gauge(
    'kafka_warden_tls_certificate_expiry_seconds',
    'Seconds until the certificate a listener serves expires',
    ['listener'],
    () =>
      s.listeners.flatMap((l) => {
        const at = l.certificateExpiry();
        return at === null
          ? []
          : [
              [{ listener: l.config.name }, Math.round((at.getTime() - Date.now()) / 1000)] as [
                { listener: string },
                number,
              ],
            ];
      }),
    'min',
  );
}

function registerAuditCounters(m: Metrics, audit: AuditLog): void {
  m.counter('kafka_warden_audit_events_total', 'Audit events recorded', [], () => [[{}, audit.stats.emitted]]);
  m.counter(
    'kafka_warden_audit_events_dropped_total',
    'Audit events dropped (dropOldest, or a failed file write)',
    [],
    () => [[{}, audit.stats.dropped]],
  );
  m.counter(
    'kafka_warden_audit_events_refused_total',
    'Audit events that could not be stored under failClosed (their requests were refused)',
    [],
    () => [[{}, audit.stats.refused]],
  );
  m.gauge(
    'kafka_warden_audit_spooled_events',
    'Audit events stored and not yet delivered, per spooled sink',
    ['sink'],
    () => Object.entries(audit.pending()).map(([sink, n]) => [{ sink }, n]),
  );
  m.gauge(
    'kafka_warden_audit_sink_lag_seconds',
    'Age of the oldest undelivered audit event, per spooled sink',
    ['sink'],
    () => Object.entries(audit.lagSeconds()).map(([sink, n]) => [{ sink }, n]),
    'max',
  );
}
