import { X509Certificate, constants as cryptoConstants } from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { watchFiles, type FileWatch } from '../file-watch.js';
import type { Logger } from 'pino';
import type { ListenerConfig } from '../config/schema.js';
import type { AddressBook } from './rewrite.js';
import type { UpstreamNode } from './broker-map.js';
import { ClientConnection, type ClientContext } from './client-connection.js';
import { tlsRefusal } from '../auth/tls-identity.js';
import { clientIp, type ConnectionGate, type Refusal } from './connection-gate.js';

export interface ListenerDeps {
  readonly log: Logger;
  /** Builds the context of a client connection for this listener. */
  context(addresses: AddressBook): Omit<ClientContext, 'listenerName' | 'addresses'>;
  /** Records brokers seen in responses; `complete`: all of the cluster's. */
  learn(nodes: UpstreamNode[], complete?: boolean): void;
  /** Called for every new client connection. */
  track(conn: ClientConnection): void;
  /** A TLS handshake failed (an untrusted certificate, an old protocol version...). */
  onTlsFailure?(client: string, reason: string): void;
  /** A certificate reload was attempted. */
  onCertificateReload?(ok: boolean, message: string): void;
  /** Admits new connections against the connection limits. */
  readonly gate: ConnectionGate;
  /** A connection was refused by the limits. */
  onRefused(reason: Refusal, ip: string): void;
  /** The TLS handshake deadline of a new connection in ms (read per connection: follows reloads). */
  handshakeTimeoutMs(): number;
}

/**
 * node:tls gives each new connection the handshakeTimeout of its server, kept under this symbol,
 * which only the constructor sets. Setting it lets a reloaded deadline apply to new connections;
 * null when node keeps it elsewhere, and then the value at start stays (tls-defaults.test.ts fails).
 */
const kHandshakeTimeout =
  Object.getOwnPropertySymbols(new tls.Server()).find((s) => s.description === 'handshake-timeout') ?? null;

/**
 * One configured listener: a bootstrap port, where any broker answers, and one port per upstream
 * broker (brokerPorts[node] or brokerPortBase + node), advertised to clients as advertisedHost.
 * Node ports are opened as brokers become known.
 */
export class Listener implements AddressBook {
  config: ListenerConfig;
  private readonly deps: ListenerDeps;
  private readonly log: Logger;
  private readonly servers = new Map<number | 'bootstrap', net.Server>();
  private readonly bound = new Map<number | 'bootstrap', number>();
  private closing = false;
  private secureContext: tls.SecureContextOptions | null = null;
  private certificateWatch: FileWatch | null = null;

  constructor(config: ListenerConfig, deps: ListenerDeps) {
    this.config = config;
    this.deps = deps;
    this.log = deps.log.child({ listener: config.name });
  }

  /** The port a node is served on, or null when the configuration gives it none. */
  portFor(nodeId: number): number | null {
    const explicit = this.config.brokerPorts?.[String(nodeId)];
    if (explicit !== undefined) return explicit;
    if (this.config.brokerPortBase !== undefined) return this.config.brokerPortBase + nodeId;
    return null;
  }

  /** The actually bound bootstrap port (differs from the configured one when that is 0). */
  get bootstrapPort(): number {
    return this.bound.get('bootstrap') ?? this.config.port;
  }

  addressFor(nodeId: number): { host: string; port: number | null } {
    const sni = this.config.sni;
    if (sni !== undefined)
      return {
        host: `broker-${nodeId}.${sni.domain}`,
        port: this.config.advertisedBrokerPortBase ?? this.bootstrapPort,
      };
    const port = this.portFor(nodeId);
    if (port === null) return { host: this.config.advertisedHost, port: null };
    if (!this.servers.has(nodeId)) void this.openNode(nodeId);
    const advertisedBase = this.config.advertisedBrokerPortBase;
    return { host: this.config.advertisedHost, port: advertisedBase === undefined ? port : advertisedBase + nodeId };
  }

  learn(nodes: UpstreamNode[], complete?: boolean): void {
    this.deps.learn(nodes, complete);
  }

  /** TLS options from the configured PEM files (read anew on every call). */
  private tlsOptions(): tls.TlsOptions {
    const t = this.config.tls!;
    return {
      cert: readFileSync(t.certFile),
      key: readFileSync(t.keyFile),
      ...(t.keyPassphrase !== undefined ? { passphrase: t.keyPassphrase } : {}),
      ...(t.caFile !== undefined ? { ca: readFileSync(t.caFile) } : {}),
      minVersion: t.minVersion,
      ciphers: t.ciphers,
      ecdhCurve: t.curves,
      honorCipherOrder: true,
      // Client-initiated renegotiation (TLS 1.2) is refused with a no_renegotiation alert. node's
      // own limit (tls.CLIENT_RENEG_LIMIT) lets 3 in 10 minutes through, full handshakes a client
      // makes the proxy do for free, and only reports the 4th (ERR_TLS_SESSION_ATTACK).
      secureOptions: cryptoConstants.SSL_OP_NO_RENEGOTIATION,
      requestCert: t.clientAuth !== 'none',
      // Verification is decided per connection by tlsRefusal(): node's rejectUnauthorized cannot
      // express "optional, but must verify when presented" (clientAuth: requested).
      rejectUnauthorized: false,
    };
  }

  /**
   * Re-reads the certificate files and applies them to every port of this listener: new
   * connections get the new certificate, established ones keep theirs. A broken file is refused
   * and the current certificate stays.
   */
  reloadCertificates(): boolean {
    if (this.config.tls === undefined) return false;
    let opts: tls.TlsOptions;
    try {
      opts = this.tlsOptions();
      tls.createSecureContext(opts);
    } catch (e) {
      this.log.error({ reason: (e as Error).message }, 'certificate reload refused; the current certificate stays');
      this.deps.onCertificateReload?.(false, (e as Error).message);
      return false;
    }
    this.secureContext = opts;
    for (const s of this.servers.values()) (s as tls.Server).setSecureContext(opts);
    this.log.info({ certFile: this.config.tls.certFile }, 'certificates reloaded');
    this.deps.onCertificateReload?.(true, 'certificates reloaded');
    return true;
  }

  /**
   * New TLS settings (a configuration reload): applied to new connections like a certificate
   * reload; refused (false) when they do not load, and the current ones stay.
   */
  updateTls(tlsConfig: NonNullable<ListenerConfig['tls']>): boolean {
    const prev = this.config;
    this.config = { ...prev, tls: tlsConfig };
    if (!this.reloadCertificates()) {
      this.config = prev;
      return false;
    }
    if (this.certificateWatch !== null) {
      this.certificateWatch.close();
      this.certificateWatch = null;
      this.watchCertificates();
    }
    return true;
  }

  /** When the certificate being served expires (the first of its chain), or null without TLS. */
  certificateExpiry(): Date | null {
    const cert = this.secureContext?.cert;
    if (cert === undefined) return null;
    try {
      return new Date(new X509Certificate(cert as Buffer).validTo);
    } catch {
      return null;
    }
  }

  private watchCertificates(): void {
    const t = this.config.tls;
    if (t === undefined || this.certificateWatch !== null) return;
    const files = [t.certFile, t.keyFile, t.caFile].filter((f): f is string => f !== undefined);
    this.certificateWatch = watchFiles(files, 100, () => this.reloadCertificates());
  }

  /** The node an SNI name asks for (broker-<id>.<domain>), or null for a bootstrap connection. */
  private sniNode(socket: net.Socket): number | null {
    const name = (socket as tls.TLSSocket).servername;
    const domain = this.config.sni!.domain.toLowerCase();
    if (typeof name !== 'string') return null;
    const m = /^broker-(\d+)\.(.+)$/.exec(name.toLowerCase());
    return m !== null && m[2] === domain ? Number(m[1]) : null;
  }

  private onSocket(socket: net.Socket, nodeId: number | null): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    if (this.config.sni !== undefined) nodeId = this.sniNode(socket);
    const ctx: ClientContext = { listenerName: this.config.name, addresses: this, ...this.deps.context(this) };
    const conn = new ClientConnection(socket, ctx, nodeId);
    this.deps.track(conn);
  }

  /** Counts an accepted TCP connection until it closes, or closes it at once when over a limit. */
  private admit(socket: net.Socket, refused: WeakSet<net.Socket>): void {
    const ip = clientIp(socket.remoteAddress);
    const name = this.config.name;
    const refusal = this.deps.gate.admit(name, this.config, ip);
    if (refusal !== null) {
      refused.add(socket);
      socket.destroy();
      this.deps.onRefused(refusal, ip);
      return;
    }
    socket.once('close', () => this.deps.gate.release(name, ip));
  }

  /** A TLS server for one port: refuses unverified certificates, reports failed handshakes. */
  private tlsServer(nodeId: number | null, refused: WeakSet<net.Socket>): tls.Server {
    this.secureContext ??= this.tlsOptions();
    const ts = tls.createServer(
      { ...this.secureContext, allowHalfOpen: true, handshakeTimeout: this.deps.handshakeTimeoutMs() },
      (socket) => {
        const refusal = tlsRefusal(socket, this.config.tls!.clientAuth);
        if (refusal !== null) {
          // Only the verification error is reported: nothing of an unverified certificate is used.
          this.log.info(
            {
              client: `${socket.remoteAddress}:${socket.remotePort}`,
              node: nodeId,
              code: refusal,
              reason: 'client certificate refused',
            },
            'TLS handshake failed',
          );
          this.deps.onTlsFailure?.(socket.remoteAddress ?? '', refusal);
          socket.destroy();
          return;
        }
        socket.setNoDelay(true);
        this.onSocket(socket, nodeId);
      },
    );
    if (kHandshakeTimeout !== null)
      ts.prependListener(
        'connection',
        () => ((ts as unknown as Record<symbol, number>)[kHandshakeTimeout] = this.deps.handshakeTimeoutMs()),
      );
    ts.on('tlsClientError', (e: NodeJS.ErrnoException, socket) => {
      // A connection the limits refused dies in its handshake: that was counted already.
      if (refused.has((socket as unknown as { _parent?: net.Socket })._parent as net.Socket)) return;
      this.log.info(
        { client: `${socket.remoteAddress}:${socket.remotePort}`, node: nodeId, code: e.code, reason: e.message },
        'TLS handshake failed',
      );
      this.deps.onTlsFailure?.(socket.remoteAddress ?? '', e.code ?? e.message);
      // node closes the socket after a TLS error but not after ERR_TLS_HANDSHAKE_TIMEOUT.
      socket.destroy();
    });
    return ts;
  }

  private serve(key: number | 'bootstrap', port: number): Promise<void> {
    const nodeId = key === 'bootstrap' ? null : key;
    const refused = new WeakSet<net.Socket>();
    let server: net.Server;
    if (this.config.tls !== undefined) {
      server = this.tlsServer(nodeId, refused);
    } else {
      server = net.createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.onSocket(socket, nodeId));
    }
    // Before anything else (the TLS handshake included): the connection limits.
    server.prependListener('connection', (socket: net.Socket) => this.admit(socket, refused));
    this.servers.set(key, server);
    return new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => {
        this.servers.delete(key);
        this.log.error({ port, node: nodeId, code: e.code }, 'listener port could not be opened');
        reject(e);
      });
      server.listen({ host: this.config.host, port }, () => {
        const addr = server.address() as net.AddressInfo;
        this.bound.set(key, addr.port);
        server.removeAllListeners('error');
        server.on('error', (e: NodeJS.ErrnoException) => this.log.error({ code: e.code }, 'listener error'));
        this.log.info({ host: this.config.host, port: addr.port, node: nodeId ?? 'bootstrap' }, 'listening');
        resolve();
      });
    });
  }

  async openNode(nodeId: number): Promise<void> {
    if (this.closing || this.servers.has(nodeId) || this.config.sni !== undefined) return;
    const port = this.portFor(nodeId);
    if (port === null) return;
    try {
      await this.serve(nodeId, port);
    } catch {
      // Logged in serve(); the node stays unreachable through this listener.
    }
  }

  /** Opens the bootstrap port and the ports of every node known so far. */
  async start(nodes: UpstreamNode[]): Promise<void> {
    await this.serve('bootstrap', this.config.port);
    this.watchCertificates();
    await Promise.all(nodes.map((n) => this.openNode(n.nodeId)));
  }

  /** True when the bootstrap port is bound. */
  get listening(): boolean {
    return this.bound.has('bootstrap') && this.servers.get('bootstrap')?.listening === true;
  }

  /** Stops watching certificate files. */
  close(): void {
    this.certificateWatch?.close();
    this.certificateWatch = null;
  }

  /**
   * Stops accepting connections at once. The returned promise settles when every connection
   * accepted by this listener has closed (node's server.close semantics), so await it only after
   * the connections have been drained or closed.
   */
  stop(): Promise<void> {
    this.closing = true;
    const closed = [...this.servers.values()].map((s) => new Promise<void>((resolve) => s.close(() => resolve())));
    this.servers.clear();
    this.bound.clear();
    return Promise.all(closed).then(() => undefined);
  }
}
