/** One upstream broker as the cluster advertises it. */
export interface UpstreamNode {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

/**
 * The upstream cluster's brokers, learned from Metadata responses (the proxy's own refresh and
 * every Metadata response that passes through) and kept current. Listeners subscribe to learn
 * about new nodes so that they can open a port for each.
 */
export class BrokerMap {
  private readonly nodes = new Map<number, UpstreamNode>();
  /**
   * The node ids of the latest complete broker list (a Metadata response's): nodes are
   * never forgotten (clients with older metadata still use their ports), but a broker that left
   * the cluster is no longer in here.
   */
  private listed: ReadonlySet<number> | null = null;
  private readonly listeners: Array<(node: UpstreamNode) => void> = [];
  clusterId: string | null = null;
  controllerId = -1;

  get size(): number {
    return this.nodes.size;
  }

  get(nodeId: number): UpstreamNode | undefined {
    return this.nodes.get(nodeId);
  }

  all(): UpstreamNode[] {
    return [...this.nodes.values()];
  }

  /** The nodes of the latest complete broker list (every known node before there was one). */
  listedNodes(): UpstreamNode[] {
    const listed = this.listed;
    return listed === null ? this.all() : this.all().filter((n) => listed.has(n.nodeId));
  }

  /** Called with every node that is new or whose address changed. */
  onNode(fn: (node: UpstreamNode) => void): void {
    this.listeners.push(fn);
  }

  /**
   * Records the brokers of a Metadata (or DescribeCluster) response; `complete`: they are all the
   * cluster's live brokers now (any Metadata response).
   */
  update(nodes: Iterable<UpstreamNode>, complete = false): void {
    const ids = new Set<number>();
    for (const n of nodes) {
      ids.add(n.nodeId);
      const old = this.nodes.get(n.nodeId);
      if (old !== undefined && old.host === n.host && old.port === n.port && old.rack === n.rack) continue;
      const copy = { nodeId: n.nodeId, host: n.host, port: n.port, rack: n.rack };
      this.nodes.set(n.nodeId, copy);
      for (const fn of this.listeners) fn(copy);
    }
    if (complete) this.listed = ids;
  }
}
