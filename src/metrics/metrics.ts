import client, { type Counter, type Gauge, type Histogram } from 'prom-client';

/**
 * The proxy's Prometheus metrics, all named `kafka_warden_*` (units in the name, counters ending
 * in `_total`). Labels have bounded values: listener names and API names come from the
 * configuration and the protocol, close reasons from a fixed list, brokers from the cluster, and
 * principals (optional per-principal bytes) are capped.
 */
export class Metrics {
  readonly registry = new client.Registry();
  readonly connectionsActive: Gauge<'listener'>;
  readonly connectionsOpened: Counter<'listener'>;
  readonly connectionsClosed: Counter<'listener' | 'reason'>;
  readonly connectionsRefused: Counter<'listener' | 'reason'>;
  readonly requests: Counter<'api'>;
  readonly requestDuration: Histogram<'api'>;
  readonly authentications: Counter<'mechanism' | 'outcome'>;
  readonly authorizations: Counter<'operation' | 'resource_type' | 'outcome'>;
  readonly reloads: Counter<'what' | 'outcome'>;
  private readonly principalBytes: Counter<'principal' | 'direction'> | null;
  private readonly principals = new Set<string>();
  private readonly maxPrincipals: number;

  constructor(opts: { principalBytes?: { maxPrincipals: number } } = {}) {
    const counter = counterIn(this.registry);
    const gauge = gaugeIn(this.registry);
    collectProcessMetrics(this.registry);
    this.connectionsActive = gauge('kafka_warden_connections_active', 'Open client connections', ['listener']);
    this.connectionsOpened = counter('kafka_warden_connections_opened_total', 'Client connections accepted', [
      'listener',
    ]);
    this.connectionsClosed = counter('kafka_warden_connections_closed_total', 'Client connections closed, by reason', [
      'listener',
      'reason',
    ]);
    this.connectionsRefused = counter(
      'kafka_warden_connections_refused_total',
      'Client connections refused by the connection limits, by limit',
      ['listener', 'reason'],
    );
    this.requests = counter('kafka_warden_requests_total', 'Client requests received, by API', ['api']);
    this.requestDuration = durationHistogram(this.registry);
    // Counted for every socket read (for TLS, every record): a plain addition here, handed to
    // prom-client only when scraped (a prom-client inc() hashes and validates its labels per call).
    this.counter(
      'kafka_warden_client_bytes_total',
      'Bytes read from (in) and written to (out) clients',
      ['direction'],
      () => [
        [{ direction: 'in' }, this.bytesIn],
        [{ direction: 'out' }, this.bytesOut],
      ],
    );
    this.authentications = counter(
      'kafka_warden_authentication_attempts_total',
      'Authentication attempts, by mechanism and outcome',
      ['mechanism', 'outcome'],
    );
    this.authorizations = counter(
      'kafka_warden_authorization_decisions_total',
      'Authorization decisions, by operation, resource type and outcome',
      ['operation', 'resource_type', 'outcome'],
    );
    this.reloads = counter(
      'kafka_warden_config_reloads_total',
      'Reloads of configuration, credentials, ACLs and certificates, by outcome',
      ['what', 'outcome'],
    );
    this.maxPrincipals = opts.principalBytes?.maxPrincipals ?? 0;
    this.principalBytes =
      opts.principalBytes === undefined
        ? null
        : counter(
            'kafka_warden_principal_bytes_total',
            `Bytes per principal (the first ${this.maxPrincipals} seen; the rest count as "other")`,
            ['principal', 'direction'],
          );
  }

  /** Bytes read from and written to clients so far (kafka_warden_client_bytes_total). */
  bytesIn = 0;
  bytesOut = 0;
  private readonly apiChildren = new Map<
    number,
    { requests: client.Counter.Internal; duration: client.Histogram.Internal<'api'> }
  >();
  private readonly authzChildren = new Map<string, client.Counter.Internal>();

  /** The request counter and duration histogram of one API (children cached per API). */
  api(apiKey: number, name: string): { requests: client.Counter.Internal; duration: client.Histogram.Internal<'api'> } {
    let c = this.apiChildren.get(apiKey);
    if (c === undefined) {
      c = { requests: this.requests.labels({ api: name }), duration: this.requestDuration.labels({ api: name }) };
      this.apiChildren.set(apiKey, c);
    }
    return c;
  }

  /** Counts one authorization decision. */
  authorization(operation: string, resourceType: string, allowed: boolean): void {
    const k = `${operation}\u0000${resourceType}\u0000${allowed}`;
    let c = this.authzChildren.get(k);
    if (c === undefined) {
      c = this.authorizations.labels({
        operation,
        resource_type: resourceType,
        outcome: allowed ? 'allowed' : 'denied',
      });
      this.authzChildren.set(k, c);
    }
    c.inc();
  }

  /** Per-principal bytes, when enabled; principals beyond the cap are counted as "other". */
  principalTraffic(principal: string, direction: 'in' | 'out', n: number): void {
    if (this.principalBytes === null) return;
    let label = principal;
    if (!this.principals.has(principal)) {
      if (this.principals.size < this.maxPrincipals) this.principals.add(principal);
      else label = 'other';
    }
    this.principalBytes.inc({ principal: label, direction }, n);
  }

  /**
   * A gauge whose values are read at scrape time. `aggregator`: how worker processes' values
   * combine in the one /metrics of `serve --workers N` (a sum unless a sum means nothing: a
   * certificate's expiry is the soonest, "up" holds only if it holds in every worker).
   */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: () => Iterable<[Partial<Record<L, string>>, number]>,
    aggregator: WorkerAggregator = 'sum',
  ): void {
    new client.Gauge({
      name,
      help,
      labelNames,
      aggregator,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [labels, v] of read()) this.set(labels as Partial<Record<L, string | number>>, v);
      },
    });
  }

  /** A counter that follows a monotonic total kept elsewhere (read at scrape time). */
  counter<L extends string>(
    name: string,
    help: string,
    labelNames: L[],
    read: () => Iterable<[Partial<Record<L, string>>, number]>,
  ): void {
    const last = new Map<string, number>();
    new client.Counter({
      name,
      help,
      labelNames,
      registers: [this.registry],
      collect() {
        for (const [labels, v] of read()) {
          const k = JSON.stringify(labels);
          const d = v - (last.get(k) ?? 0);
          if (d > 0) this.inc(labels as Partial<Record<L, string | number>>, d);
          last.set(k, v);
        }
      },
    });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** How a gauge's values from several worker processes combine (prom-client's aggregators). */
export type WorkerAggregator = 'sum' | 'min' | 'max';

/** What the management endpoint serves as /metrics: one process's metrics, or all workers'. */
export interface MetricsSource {
  readonly contentType: string;
  text(): Promise<string>;
}

/** Node.js and process metrics, prefixed as ours. */
function collectProcessMetrics(registry: client.Registry): void {
  client.collectDefaultMetrics({ register: registry, prefix: 'kafka_warden_' });
  // prom-client names two gauges with a counter's _total suffix, which promtool rejects; the
  // same counts remain in kafka_warden_nodejs_active_resources{type}.
  for (const n of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'])
    registry.removeSingleMetric(`kafka_warden_${n}`);
}

/** Makers of counters and gauges registered in `registry`. */
const counterIn =
  (registry: client.Registry) =>
  <L extends string>(name: string, help: string, labelNames: L[]) =>
    new client.Counter<L>({ name, help, labelNames, registers: [registry] });
const gaugeIn =
  (registry: client.Registry) =>
  <L extends string>(name: string, help: string, labelNames: L[]) =>
    new client.Gauge<L>({ name, help, labelNames, registers: [registry] });

/** How long requests take, by API, in buckets from 100 us (a local answer) to 30 s (a long poll). */
function durationHistogram(registry: client.Registry): client.Histogram<'api'> {
  return new client.Histogram({
    name: 'kafka_warden_request_duration_seconds',
    help: 'Time from a request being read to its response being ready, by API',
    labelNames: ['api'],
    buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
}
