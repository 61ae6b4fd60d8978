// Group, transaction and idempotence semantics through kafka-warden with the Java client, for
// test/kafka/groups*.test.ts. Usage:
//   GroupsProbe key=value... run=probe[,probe...]
// keys: bootstrap (the proxy, or a broker), user/password (SCRAM-SHA-256 over SASL_PLAINTEXT;
// none: PLAINTEXT), altUser/altPassword (the user without group ACLs, for `denied`), broker (a
// broker's own PLAINTEXT address, for setup only).
// Probes: groups-classic, groups-consumer, static, txn, denied, share, idem (streams until "stop"
// on stdin), read (topic=...: the whole topic, read straight from `bootstrap`).
// Every outcome is one JSON object per line on stdout, with "probe"; the test asserts on them.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public class GroupsProbe {
  static final ObjectMapper JSON = new ObjectMapper();
  static final Map<String, String> OPTS = new HashMap<>();

  public static void main(String[] args) throws Exception {
    for (String a : args) {
      int i = a.indexOf('=');
      OPTS.put(a.substring(0, i), a.substring(i + 1));
    }
    for (String probe : OPTS.get("run").split(",")) {
      try {
        switch (probe) {
          case "groups-classic": groups("classic"); break;
          case "groups-consumer": groups("consumer"); break;
          case "static": staticMembership(); break;
          case "txn": transactions(); break;
          case "denied": denied(); break;
          case "share": share(); break;
          case "idem": idempotent(); break;
          case "read": read(OPTS.get("topic")); break;
          default: throw new IllegalArgumentException("unknown probe " + probe);
        }
      } catch (Throwable e) {
        List<String> causes = new ArrayList<>();
        for (Throwable c = e; c != null && causes.size() < 5; c = c.getCause()) causes.add(c.getClass().getName() + ": " + c.getMessage());
        emit("probe", probe, "event", "failed", "error", e.getClass().getName(), "message", String.valueOf(e.getMessage()), "causes", causes);
      }
    }
    System.out.flush();
    System.exit(0);
  }

  static synchronized void emit(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) m.put((String) kv[i], kv[i + 1]);
    try {
      System.out.println(JSON.writeValueAsString(m));
    } catch (Exception e) {
      throw new RuntimeException(e);
    }
    System.out.flush();
  }

  static Properties props(String user, String password) {
    Properties p = new Properties();
    p.put("bootstrap.servers", OPTS.get("bootstrap"));
    if (user != null) {
      p.put("security.protocol", "SASL_PLAINTEXT");
      p.put("sasl.mechanism", "SCRAM-SHA-256");
      p.put("sasl.jaas.config", "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\"" + password + "\";");
    }
    return p;
  }

  static Properties bob() {
    return props(OPTS.get("user"), OPTS.get("password"));
  }

  static Properties alt() {
    return props(OPTS.get("altUser"), OPTS.get("altPassword"));
  }

  static Properties consumerProps(Properties base, String group, String protocol) {
    Properties p = (Properties) base.clone();
    if (group != null) p.put("group.id", group);
    if (protocol != null) p.put("group.protocol", protocol);
    p.put("key.deserializer", StringDeserializer.class.getName());
    p.put("value.deserializer", StringDeserializer.class.getName());
    p.put("auto.offset.reset", "earliest");
    p.put("enable.auto.commit", "false");
    if ("classic".equals(protocol)) {
      p.put("session.timeout.ms", "10000");
      p.put("heartbeat.interval.ms", "500");
    }
    return p;
  }

  static KafkaProducer<String, String> producer(Properties base, Map<String, String> extra) {
    Properties p = (Properties) base.clone();
    p.put("key.serializer", StringSerializer.class.getName());
    p.put("value.serializer", StringSerializer.class.getName());
    p.put("acks", "all");
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  static void until(String what, long timeoutMs, BooleanSupplier step) {
    long end = System.currentTimeMillis() + timeoutMs;
    while (!step.getAsBoolean()) {
      if (System.currentTimeMillis() > end) throw new IllegalStateException("timed out: " + what);
    }
  }

  static List<Integer> partitions(Collection<TopicPartition> tps) {
    List<Integer> l = new ArrayList<>();
    for (TopicPartition tp : tps) l.add(tp.partition());
    Collections.sort(l);
    return l;
  }

  /** Two members, partitions shared, every record consumed once, commits read back by Admin. */
  static void groups(String protocol) throws Exception {
    String topic = "grp-" + protocol;
    String group = "grp-g-" + protocol;
    String probe = "groups-" + protocol;
    Properties cp = consumerProps(bob(), group, protocol);
    try (KafkaConsumer<String, String> a = new KafkaConsumer<>(cp); KafkaConsumer<String, String> b = new KafkaConsumer<>(cp); Admin admin = Admin.create(bob())) {
      a.subscribe(List.of(topic));
      b.subscribe(List.of(topic));
      int total = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().size();
      Map<String, Integer> seen = new HashMap<>();
      Map<String, Integer> byMember = new HashMap<>(Map.of("a", 0, "b", 0));
      List<String> misplaced = new ArrayList<>();
      BooleanSupplier pollBoth = () -> {
        for (Map.Entry<String, KafkaConsumer<String, String>> m : Map.of("a", a, "b", b).entrySet()) {
          ConsumerRecords<String, String> rs = m.getValue().poll(Duration.ofMillis(100));
          for (ConsumerRecord<String, String> r : rs) {
            seen.merge(r.value(), 1, Integer::sum);
            byMember.merge(m.getKey(), 1, Integer::sum);
            if (!m.getValue().assignment().contains(new TopicPartition(r.topic(), r.partition()))) misplaced.add(r.value());
          }
          if (!rs.isEmpty()) m.getValue().commitSync();
        }
        return true;
      };
      until("both members assigned", 60_000, () -> {
        pollBoth.getAsBoolean();
        Set<TopicPartition> sa = a.assignment(), sb = b.assignment();
        Set<TopicPartition> union = new HashSet<>(sa);
        union.addAll(sb);
        return !sa.isEmpty() && !sb.isEmpty() && Collections.disjoint(sa, sb) && union.size() == total;
      });
      List<Integer> pa = partitions(a.assignment()), pb = partitions(b.assignment());
      int generationA = a.groupMetadata().generationId(), generationB = b.groupMetadata().generationId();
      int n = 200;
      try (KafkaProducer<String, String> p = producer(bob(), Map.of())) {
        for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(topic, "k-" + i, protocol + "-" + i)).get();
      }
      until("every record consumed", 60_000, () -> pollBoth.getAsBoolean() && seen.size() >= n);
      for (int i = 0; i < 5; i++) pollBoth.getAsBoolean(); // anything delivered twice shows up here
      int duplicates = 0;
      for (int c : seen.values()) duplicates += c - 1;
      ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
      Map<String, List<Integer>> described = new TreeMap<>();
      for (MemberDescription m : d.members()) described.put(m.clientId() + "/" + m.consumerId(), partitions(m.assignment().topicPartitions()));
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
      for (int i = 0; i < total; i++) latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> ends = admin.listOffsets(latest).all().get();
      Map<String, Long> committedBy = new TreeMap<>(), endBy = new TreeMap<>();
      for (Map.Entry<TopicPartition, OffsetAndMetadata> e : committed.entrySet()) committedBy.put(String.valueOf(e.getKey().partition()), e.getValue().offset());
      for (Map.Entry<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> e : ends.entrySet()) endBy.put(String.valueOf(e.getKey().partition()), e.getValue().offset());
      emit("probe", probe, "event", "result", "partitions", total, "assignedA", pa, "assignedB", pb, "generationA", generationA, "generationB", generationB,
          "produced", n, "distinct", seen.size(), "duplicates", duplicates, "consumedA", byMember.get("a"), "consumedB", byMember.get("b"), "misplaced", misplaced.size(),
          "groupType", d.type().name(), "groupState", d.groupState().name(), "members", described, "committed", committedBy, "endOffsets", endBy);
    }
  }

  static class Listener implements ConsumerRebalanceListener {
    final AtomicInteger assigned = new AtomicInteger(), revoked = new AtomicInteger();
    public void onPartitionsRevoked(Collection<TopicPartition> p) {
      revoked.incrementAndGet();
    }
    public void onPartitionsAssigned(Collection<TopicPartition> p) {
      assigned.incrementAndGet();
    }
  }

  /** Static membership: a member that leaves and comes back within the session timeout. */
  static void staticMembership() throws Exception {
    String topic = "grp-static", group = "grp-g-static";
    Properties base = consumerProps(bob(), group, "classic");
    base.put("session.timeout.ms", "30000");
    Properties pa = (Properties) base.clone(), pb = (Properties) base.clone();
    pa.put("group.instance.id", "inst-a");
    pa.put("client.id", "static-a");
    pb.put("group.instance.id", "inst-b");
    pb.put("client.id", "static-b");
    Listener lb = new Listener();
    try (KafkaConsumer<String, String> b = new KafkaConsumer<>(pb); Admin admin = Admin.create(bob())) {
      b.subscribe(List.of(topic), lb);
      KafkaConsumer<String, String> a = new KafkaConsumer<>(pa);
      a.subscribe(List.of(topic));
      until("both static members assigned", 60_000, () -> {
        a.poll(Duration.ofMillis(100));
        b.poll(Duration.ofMillis(100));
        return !a.assignment().isEmpty() && !b.assignment().isEmpty() && Collections.disjoint(a.assignment(), b.assignment()) && a.assignment().size() + b.assignment().size() == 4;
      });
      for (int i = 0; i < 5; i++) {
        a.poll(Duration.ofMillis(100));
        b.poll(Duration.ofMillis(100));
      }
      List<Integer> before = partitions(a.assignment()), bBefore = partitions(b.assignment());
      int genA = a.groupMetadata().generationId(), genB = b.groupMetadata().generationId();
      String memberA = a.groupMetadata().memberId();
      int bAssigned = lb.assigned.get(), bRevoked = lb.revoked.get();
      a.close(); // a static member does not send LeaveGroup: the broker keeps its place
      for (int i = 0; i < 10; i++) b.poll(Duration.ofMillis(100));
      Map<String, String> whileAway = new TreeMap<>();
      for (MemberDescription m : admin.describeConsumerGroups(List.of(group)).all().get().get(group).members()) whileAway.put(m.groupInstanceId().orElse("-"), m.consumerId());
      try (KafkaConsumer<String, String> a2 = new KafkaConsumer<>(pa)) {
        a2.subscribe(List.of(topic));
        until("the static member back", 30_000, () -> {
          a2.poll(Duration.ofMillis(100));
          b.poll(Duration.ofMillis(100));
          return !a2.assignment().isEmpty();
        });
        for (int i = 0; i < 10; i++) {
          a2.poll(Duration.ofMillis(100));
          b.poll(Duration.ofMillis(100));
        }
        ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
        Map<String, List<Integer>> described = new TreeMap<>();
        for (MemberDescription m : d.members()) described.put(m.groupInstanceId().orElse("-"), partitions(m.assignment().topicPartitions()));
        emit("probe", "static", "event", "result", "assignedBefore", before, "assignedAfter", partitions(a2.assignment()), "bBefore", bBefore, "bAfter", partitions(b.assignment()),
            "generationABefore", genA, "generationAAfter", a2.groupMetadata().generationId(), "generationBBefore", genB, "generationBAfter", b.groupMetadata().generationId(),
            "memberIdBefore", memberA, "memberIdAfter", a2.groupMetadata().memberId(), "membersWhileAway", whileAway,
            "bAssignedCallbacks", lb.assigned.get() - bAssigned, "bRevokedCallbacks", lb.revoked.get() - bRevoked, "groupState", d.groupState().name(), "members", described);
      }
    }
  }

  static List<String> readAll(Properties base, String topic, String isolation) throws Exception {
    Properties p = consumerProps(base, null, null);
    p.put("isolation.level", isolation);
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic)) tps.add(new TopicPartition(topic, pi.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      until("read " + topic + " to its end", 60_000, () -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
        for (TopicPartition tp : tps) if (c.position(tp) < end.get(tp)) return false;
        return true;
      });
    }
    return values;
  }

  /** A committed, an aborted and a committed transaction; both isolation levels read them back. */
  static void transactions() throws Exception {
    String topic = "grp-txn";
    try (KafkaProducer<String, String> p = producer(bob(), Map.of("transactional.id", "grp-tx-1"))) {
      p.initTransactions();
      String[][] txns = { { "commit", "c1" }, { "abort", "a1" }, { "commit", "c2" } };
      for (String[] t : txns) {
        p.beginTransaction();
        for (int i = 0; i < 5; i++) p.send(new ProducerRecord<>(topic, t[1] + "-" + i));
        p.flush();
        if (t[0].equals("commit")) p.commitTransaction();
        else p.abortTransaction();
      }
    }
    emit("probe", "txn", "event", "result", "readCommitted", readAll(bob(), topic, "read_committed"), "readUncommitted", readAll(bob(), topic, "read_uncommitted"));
  }

  static void refusal(String what, Runnable attempt) {
    try {
      attempt.run();
      emit("probe", "denied", "what", what, "error", null, "message", null);
    } catch (Throwable e) {
      emit("probe", "denied", "what", what, "error", e.getClass().getSimpleName(), "message", String.valueOf(e.getMessage()));
    }
  }

  /** The user with topic ACLs but no Group / TransactionalId ACL. */
  static void denied() {
    for (String protocol : List.of("classic", "consumer")) {
      refusal("group-" + protocol, () -> {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(alt(), "grp-g-" + protocol, protocol))) {
          c.subscribe(List.of("grp-" + protocol));
          until("a group error", 30_000, () -> {
            c.poll(Duration.ofMillis(200));
            return false;
          });
        }
      });
    }
    refusal("share", () -> {
      Properties p = consumerProps(alt(), "grp-s-1", null);
      p.remove("auto.offset.reset");
      p.remove("enable.auto.commit");
      try (KafkaShareConsumer<String, String> c = new KafkaShareConsumer<>(p)) {
        c.subscribe(List.of("grp-share"));
        until("a share group error", 30_000, () -> {
          c.poll(Duration.ofMillis(200));
          return false;
        });
      }
    });
    refusal("transactional-id", () -> {
      try (KafkaProducer<String, String> p = producer(alt(), Map.of("transactional.id", "grp-tx-1", "max.block.ms", "30000"))) {
        p.initTransactions();
      }
    });
    // The same user reads the topic without a group: the refusals above are the group's.
    try {
      emit("probe", "denied", "what", "topic-read", "values", readAll(alt(), "grp-classic", "read_uncommitted").size());
    } catch (Exception e) {
      emit("probe", "denied", "what", "topic-read", "error", e.getClass().getSimpleName(), "message", String.valueOf(e.getMessage()));
    }
  }

  /** A share group (KIP-932): records delivered, acknowledged, and the group described. */
  static void share() throws Exception {
    String topic = "grp-share", group = "grp-s-1";
    // Setup on the broker itself: the group starts at the earliest offset (default: latest).
    Properties direct = new Properties();
    direct.put("bootstrap.servers", OPTS.get("broker"));
    try (Admin admin = Admin.create(direct)) {
      admin.incrementalAlterConfigs(Map.of(new ConfigResource(ConfigResource.Type.GROUP, group), List.of(new AlterConfigOp(new ConfigEntry("share.auto.offset.reset", "earliest"), AlterConfigOp.OpType.SET)))).all().get();
    }
    int n = 50;
    try (KafkaProducer<String, String> p = producer(bob(), Map.of())) {
      for (int i = 0; i < n; i++) p.send(new ProducerRecord<>(topic, "k-" + i, "share-" + i)).get();
    }
    Properties cp = consumerProps(bob(), group, null);
    cp.remove("auto.offset.reset");
    cp.remove("enable.auto.commit");
    cp.put("share.acknowledgement.mode", "explicit");
    Map<String, Integer> seen = new HashMap<>();
    List<String> commitErrors = new ArrayList<>();
    int maxDelivery = 0;
    try (KafkaShareConsumer<String, String> c = new KafkaShareConsumer<>(cp); Admin admin = Admin.create(bob())) {
      c.subscribe(List.of(topic));
      long end = System.currentTimeMillis() + 60_000;
      while (seen.size() < n) {
        if (System.currentTimeMillis() > end) throw new IllegalStateException("timed out: share records, got " + seen.size());
        ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(500));
        for (ConsumerRecord<String, String> r : rs) {
          seen.merge(r.value(), 1, Integer::sum);
          maxDelivery = Math.max(maxDelivery, r.deliveryCount().orElse((short) -1));
          c.acknowledge(r, AcknowledgeType.ACCEPT);
        }
        if (!rs.isEmpty()) for (Map.Entry<TopicIdPartition, Optional<KafkaException>> e : c.commitSync().entrySet()) e.getValue().ifPresent(x -> commitErrors.add(e.getKey() + ": " + x));
      }
      ShareGroupDescription d = admin.describeShareGroups(List.of(group)).all().get().get(group);
      Map<String, Long> startOffsets = new TreeMap<>();
      Map<TopicPartition, SharePartitionOffsetInfo> offs = admin.listShareGroupOffsets(Map.of(group, new ListShareGroupOffsetsSpec())).partitionsToOffsetInfo(group).get();
      for (Map.Entry<TopicPartition, SharePartitionOffsetInfo> e : offs.entrySet()) startOffsets.put(e.getKey().topic() + "-" + e.getKey().partition(), e.getValue().startOffset());
      int duplicates = 0;
      for (int v : seen.values()) duplicates += v - 1;
      emit("probe", "share", "event", "result", "produced", n, "distinct", seen.size(), "duplicates", duplicates, "maxDeliveryCount", maxDelivery, "commitErrors", commitErrors,
          "groupState", d.groupState().name(), "members", d.members().size(), "startOffsets", startOffsets);
    }
  }

  /** An idempotent producer sending until "stop" arrives on stdin; the test restarts the proxy meanwhile. */
  static void idempotent() throws Exception {
    String topic = OPTS.getOrDefault("topic", "grp-idem");
    Map<String, String> extra = new HashMap<>();
    extra.put("enable.idempotence", "true");
    extra.put("max.in.flight.requests.per.connection", "5");
    extra.put("retries", String.valueOf(Integer.MAX_VALUE));
    extra.put("delivery.timeout.ms", "120000");
    extra.put("request.timeout.ms", "5000");
    extra.put("linger.ms", "5");
    extra.put("reconnect.backoff.ms", "100");
    extra.put("reconnect.backoff.max.ms", "500");
    extra.put("metadata.max.age.ms", "5000");
    CountDownLatch stop = new CountDownLatch(1);
    Thread stdin = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in))) {
        for (String l; (l = r.readLine()) != null; ) if (l.trim().equals("stop")) break;
      } catch (Exception e) {
        // stdin closed: stop as well
      }
      stop.countDown();
    });
    stdin.setDaemon(true);
    stdin.start();
    Map<Integer, Long> acked = new ConcurrentSkipListMap<>();
    List<String> errors = Collections.synchronizedList(new ArrayList<>());
    Semaphore window = new Semaphore(500);
    int sent = 0;
    long lastReport = 0;
    try (KafkaProducer<String, String> p = producer(bob(), extra)) {
      while (stop.getCount() > 0) {
        window.acquire();
        final int i = sent++;
        p.send(new ProducerRecord<>(topic, 0, null, "idem-" + i), (md, e) -> {
          if (e == null) acked.put(i, md.offset());
          else errors.add(e.getClass().getName() + ": " + e.getMessage());
          window.release();
        });
        Thread.sleep(1);
        long now = System.currentTimeMillis();
        if (now - lastReport >= 200) {
          lastReport = now;
          emit("probe", "idem", "event", "progress", "sent", sent, "acked", acked.size(), "errors", errors.size());
        }
      }
      p.flush();
    }
    List<List<Long>> pairs = new ArrayList<>();
    for (Map.Entry<Integer, Long> e : acked.entrySet()) pairs.add(List.of((long) e.getKey(), e.getValue()));
    emit("probe", "idem", "event", "done", "sent", sent, "acked", pairs, "errors", errors.subList(0, Math.min(20, errors.size())), "errorCount", errors.size());
  }

  /** The whole topic with offsets, read straight from `bootstrap` (a broker). */
  static void read(String topic) throws Exception {
    Properties p = consumerProps(props(null, null), null, null);
    p.put("max.poll.records", "5000");
    List<Object> records = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : c.partitionsFor(topic)) tps.add(new TopicPartition(topic, pi.partition()));
      c.assign(tps);
      c.seekToBeginning(tps);
      Map<TopicPartition, Long> end = c.endOffsets(tps);
      until("read " + topic, 60_000, () -> {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) records.add(List.of(r.partition(), r.offset(), r.value()));
        for (TopicPartition tp : tps) if (c.position(tp) < end.get(tp)) return false;
        return true;
      });
    }
    emit("probe", "read", "topic", topic, "records", records);
  }
}
