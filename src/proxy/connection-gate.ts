import { LRUCache } from 'lru-cache';

/** Kafka's connection limits (max.connections, max.connections.per.ip[.overrides], KIP-612's creation rates). */
export interface ConnectionLimits {
  /** All listeners together. */
  maxConnections: number;
  maxConnectionsPerIp: number;
  /** Per address: a higher or lower limit (0 refuses the address). */
  maxConnectionsPerIpOverrides: Readonly<Record<string, number>>;
  /** New connections per second from one address; 0 = no limit. */
  maxConnectionCreationRatePerIp: number;
}

/** A listener's own limits; 0 = no limit. */
export interface ListenerLimits {
  maxConnections: number;
  /** New connections per second on the listener (max.connection.creation.rate). */
  maxConnectionCreationRate: number;
}

/** Why a connection was refused: the metric label. */
export type Refusal =
  | 'max_connections'
  | 'listener_max_connections'
  | 'max_connections_per_ip'
  | 'listener_creation_rate'
  | 'ip_creation_rate';

/** A token bucket refilled at `rate` per second, holding at most `rate` tokens (one second's worth). */
class Bucket {
  private tokens: number;
  private at: number;

  constructor(rate: number, now: number) {
    this.tokens = rate;
    this.at = now;
  }

  take(rate: number, now: number): boolean {
    this.tokens = Math.min(rate, this.tokens + ((now - this.at) * rate) / 1000);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * Admits or refuses new TCP connections before anything else is done with them (before the TLS
 * handshake), counting them per listener and per client address until they close. A refused
 * connection is closed at once; Kafka's acceptor instead delays a connection over a creation rate,
 * which in Node would hold the socket open in the attacker's favour.
 */
export class ConnectionGate {
  private limits: ConnectionLimits;
  private total = 0;
  private readonly perListener = new Map<string, number>();
  private readonly perIp = new Map<string, number>();
  private readonly listenerRates = new Map<string, Bucket>();
  private readonly ipRates = new LRUCache<string, Bucket>({ max: 100_000 });

  constructor(limits: ConnectionLimits) {
    this.limits = limits;
  }

  configure(limits: ConnectionLimits): void {
    this.limits = limits;
  }

  get open(): number {
    return this.total;
  }

  /** Admits a connection (counted until release()) or says why not. */
  admit(listener: string, own: ListenerLimits, ip: string, now = Date.now()): Refusal | null {
    const l = this.limits;
    if (this.total >= l.maxConnections) return 'max_connections';
    const onListener = this.perListener.get(listener) ?? 0;
    if (own.maxConnections > 0 && onListener >= own.maxConnections) return 'listener_max_connections';
    const fromIp = this.perIp.get(ip) ?? 0;
    if (fromIp >= (l.maxConnectionsPerIpOverrides[ip] ?? l.maxConnectionsPerIp)) return 'max_connections_per_ip';
    if (own.maxConnectionCreationRate > 0) {
      let b = this.listenerRates.get(listener);
      if (b === undefined) this.listenerRates.set(listener, (b = new Bucket(own.maxConnectionCreationRate, now)));
      if (!b.take(own.maxConnectionCreationRate, now)) return 'listener_creation_rate';
    }
    if (l.maxConnectionCreationRatePerIp > 0) {
      let b = this.ipRates.get(ip);
      if (b === undefined) this.ipRates.set(ip, (b = new Bucket(l.maxConnectionCreationRatePerIp, now)));
      if (!b.take(l.maxConnectionCreationRatePerIp, now)) return 'ip_creation_rate';
    }
    this.total++;
    this.perListener.set(listener, onListener + 1);
    this.perIp.set(ip, fromIp + 1);
    return null;
  }

  release(listener: string, ip: string): void {
    this.total--;
    const n = (this.perListener.get(listener) ?? 1) - 1;
    this.perListener.set(listener, n);
    const m = (this.perIp.get(ip) ?? 1) - 1;
    if (m <= 0) this.perIp.delete(ip);
    else this.perIp.set(ip, m);
  }
}

/** The address a client connects from, as limits and ACLs name it (IPv4 without its ::ffff: prefix). */
export function clientIp(remoteAddress: string | undefined): string {
  return (remoteAddress ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}
