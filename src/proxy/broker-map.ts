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

  /** Called with every node that is new or whose address changed. */
  onNode(fn: (node: UpstreamNode) => void): void {
    this.listeners.push(fn);
  }

  /** Records the brokers of a Metadata (or DescribeCluster) response. */
  update(nodes: Iterable<UpstreamNode>): void {
    for (const n of nodes) {
      const old = this.nodes.get(n.nodeId);
      if (old !== undefined && old.host === n.host && old.port === n.port && old.rack === n.rack) continue;
      const copy = { nodeId: n.nodeId, host: n.host, port: n.port, rack: n.rack };
      this.nodes.set(n.nodeId, copy);
      for (const fn of this.listeners) fn(copy);
    }
  }
}
