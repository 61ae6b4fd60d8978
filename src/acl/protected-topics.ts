/**
 * The topics the proxy keeps its own state in, which clients may not touch whatever the ACLs say.
 *
 * Every part of the proxy that writes a topic through its own upstream connection registers it
 * here (today the audit trail's Kafka sinks, `audit.sinks[].topic`; a later shared-state topic
 * registers the same way). A registered topic is off limits to every client principal, super users
 * included: every operation on it (READ, WRITE, CREATE, DELETE, ALTER, DESCRIBE, DESCRIBE_CONFIGS,
 * ALTER_CONFIGS) is denied, so it is also left out of every listing. Only the principals named in
 * `protectedTopics.principals` are exempt, and for them the ACLs decide as for any topic.
 *
 * The proxy's own producers never pass through a client listener, so none of this applies to them.
 */
export class ProtectedTopics {
  private readonly owners = new Map<string, string>();
  private readonly exempt: ReadonlySet<string>;

  constructor(principals: Iterable<string> = []) {
    this.exempt = new Set(principals);
  }

  /** The registry for a configuration: the audit sinks' topics and the exempt principals. */
  static fromConfig(config: {
    protectedTopics?: { principals: string[] };
    audit?: { sinks: ReadonlyArray<{ type: string; topic?: string }> };
  }): ProtectedTopics {
    const p = new ProtectedTopics(config.protectedTopics?.principals ?? []);
    for (const s of config.audit?.sinks ?? [])
      if (s.type === 'kafka' && s.topic !== undefined) p.register(s.topic, 'audit sink');
    return p;
  }

  /** Marks `topic` as the proxy's own; `owner` says what keeps its state there (for logs). */
  register(topic: string, owner: string): void {
    if (!this.owners.has(topic)) this.owners.set(topic, owner);
  }

  get size(): number {
    return this.owners.size;
  }

  /** The registered topics and what owns each. */
  entries(): ReadonlyMap<string, string> {
    return this.owners;
  }

  has(topic: string): boolean {
    return this.owners.has(topic);
  }

  /** Whether `principal` is named in protectedTopics.principals. */
  isExempt(principal: string): boolean {
    return this.exempt.has(principal);
  }

  /** Whether `topic` is off limits to `principal`. */
  restricts(principal: string, topic: string): boolean {
    return this.owners.has(topic) && !this.exempt.has(principal);
  }

  /** Whether some registered topic is off limits to `principal`. */
  restrictsAny(principal: string): boolean {
    return this.owners.size > 0 && !this.exempt.has(principal);
  }
}
