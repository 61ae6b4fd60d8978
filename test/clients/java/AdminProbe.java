// Admin API and client probes for test/kafka/admin-apis*.test.ts: the Java Admin client, producer
// and consumer, each call printed as one JSON line, so that a test can compare the same call made
// through the proxy and straight against the broker.
//
// Usage: AdminProbe --client NAME=HOST:PORT[@PROPERTIES_FILE] ... < commands
// Each stdin line is `CLIENT COMMAND ARGS...`; each prints one line
// {"client":..,"cmd":..,"ok":true,...} or {"client":..,"cmd":..,"ok":false,"error":"ExceptionClass","message":..}.
// One JVM runs many calls: a JVM start costs more than most of them.
import java.io.BufferedReader;
import java.io.FileReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class AdminProbe {
  private static final Map<String, Properties> clients = new HashMap<>();
  private static final Map<String, Admin> admins = new HashMap<>();
  private static final List<KafkaProducer<byte[], byte[]>> openProducers = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    for (int i = 0; i < args.length; i++) {
      if (!args[i].equals("--client")) throw new IllegalArgumentException("unknown argument " + args[i]);
      String spec = args[++i];
      String name = spec.substring(0, spec.indexOf('='));
      String rest = spec.substring(spec.indexOf('=') + 1);
      Properties p = new Properties();
      int at = rest.indexOf('@');
      if (at >= 0) {
        try (FileReader r = new FileReader(rest.substring(at + 1))) {
          p.load(r);
        }
        rest = rest.substring(0, at);
      }
      p.put("bootstrap.servers", rest);
      clients.put(name, p);
    }
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    String line;
    while ((line = in.readLine()) != null) {
      line = line.trim();
      if (line.isEmpty()) continue;
      String[] w = line.split("\\s+");
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("client", w[0]);
      out.put("cmd", w[1]);
      try {
        run(w[0], w[1], Arrays.copyOfRange(w, 2, w.length), out);
        out.put("ok", true);
      } catch (Throwable e) {
        Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        out.put("ok", false);
        out.put("error", c.getClass().getSimpleName());
        out.put("message", String.valueOf(c.getMessage()));
      }
      System.out.println(json(out));
      System.out.flush();
    }
    for (Admin a : admins.values()) a.close(Duration.ofSeconds(5));
    for (KafkaProducer<byte[], byte[]> p : openProducers) p.close(Duration.ofSeconds(5));
  }

  private static Properties props(String client) {
    Properties p = clients.get(client);
    if (p == null) throw new IllegalArgumentException("no client " + client);
    Properties copy = new Properties();
    copy.putAll(p);
    return copy;
  }

  private static Admin admin(String client) {
    return admins.computeIfAbsent(client, c -> {
      Properties p = props(c);
      p.put("default.api.timeout.ms", "20000");
      p.put("request.timeout.ms", "15000");
      return Admin.create(p);
    });
  }

  private static KafkaProducer<byte[], byte[]> producer(String client, Map<String, Object> extra) {
    Properties p = props(client);
    p.put("key.serializer", ByteArraySerializer.class.getName());
    p.put("value.serializer", ByteArraySerializer.class.getName());
    p.put("delivery.timeout.ms", "30000");
    p.put("request.timeout.ms", "15000");
    p.put("linger.ms", "0");
    p.putAll(extra);
    return new KafkaProducer<>(p);
  }

  private static KafkaConsumer<byte[], byte[]> consumer(String client) {
    Properties p = props(client);
    p.put("key.deserializer", ByteArrayDeserializer.class.getName());
    p.put("value.deserializer", ByteArrayDeserializer.class.getName());
    p.put("enable.auto.commit", "false");
    // No silent reset: an out-of-range position must surface as an exception.
    p.put("auto.offset.reset", "none");
    p.put("request.timeout.ms", "15000");
    p.put("default.api.timeout.ms", "20000");
    return new KafkaConsumer<>(p);
  }

  private static void run(String client, String cmd, String[] a, Map<String, Object> out) throws Exception {
    switch (cmd) {
      case "produce": {
        // produce TOPIC PARTITION TS,TS,...|COUNTxSIZE [PROP=VALUE ...]: explicit timestamps, or
        // COUNT records of SIZE bytes with the producer's timestamps; acks=all.
        TopicPartition tp = new TopicPartition(a[0], Integer.parseInt(a[1]));
        Map<String, Object> extra = new HashMap<>();
        for (int i = 3; i < a.length; i++) extra.put(a[i].substring(0, a[i].indexOf('=')), a[i].substring(a[i].indexOf('=') + 1));
        List<Long> offsets = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = producer(client, extra)) {
          if (a[2].contains("x")) {
            int count = Integer.parseInt(a[2].substring(0, a[2].indexOf('x')));
            int size = Integer.parseInt(a[2].substring(a[2].indexOf('x') + 1));
            for (int i = 0; i < count; i++) offsets.add(p.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value(size, i))).get().offset());
          } else {
            int i = 0;
            for (String ts : a[2].split(",")) offsets.add(p.send(new ProducerRecord<>(tp.topic(), tp.partition(), Long.parseLong(ts), null, value(16, i++))).get().offset());
          }
          out.put("offsets", offsets);
          out.put("throttleTimeMax", metric(p.metrics(), "produce-throttle-time-max"));
          out.put("throttleTimeAvg", metric(p.metrics(), "produce-throttle-time-avg"));
        }
        return;
      }
      case "txn": {
        // txn TOPIC PARTITION TRANSACTIONAL_ID COUNT commit|open: a transactional producer writes COUNT
        // records; `open` leaves the transaction ongoing until the probe exits.
        TopicPartition tp = new TopicPartition(a[0], Integer.parseInt(a[1]));
        Map<String, Object> extra = new HashMap<>();
        extra.put("transactional.id", a[2]);
        extra.put("transaction.timeout.ms", "120000");
        KafkaProducer<byte[], byte[]> p = producer(client, extra);
        boolean keep = false;
        try {
          p.initTransactions();
          p.beginTransaction();
          List<Long> offsets = new ArrayList<>();
          for (int i = 0; i < Integer.parseInt(a[3]); i++) offsets.add(p.send(new ProducerRecord<>(tp.topic(), tp.partition(), null, value(16, i))).get().offset());
          if (a[4].equals("commit")) p.commitTransaction();
          // Closing a producer aborts its transaction: an open one stays open until the probe ends.
          else keep = true;
          out.put("offsets", offsets);
        } finally {
          if (keep) openProducers.add(p);
          else p.close(Duration.ofSeconds(5));
        }
        return;
      }
      case "consume": {
        // consume TOPIC PARTITION OFFSET COUNT: value sizes and offsets of COUNT records from OFFSET.
        TopicPartition tp = new TopicPartition(a[0], Integer.parseInt(a[1]));
        int count = Integer.parseInt(a[3]);
        List<Long> offsets = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(client)) {
          c.assign(List.of(tp));
          c.seek(tp, Long.parseLong(a[2]));
          long end = System.currentTimeMillis() + 30_000;
          while (offsets.size() < count && System.currentTimeMillis() < end) {
            for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
              offsets.add(r.offset());
              sizes.add(r.value() == null ? -1 : r.value().length);
            }
          }
        }
        out.put("offsets", offsets);
        out.put("sizes", sizes);
        return;
      }
      case "consumeAcross": {
        // consumeAcross TOPIC PARTITION FIRST TOTAL READY_FILE GO_FILE: reads FIRST records from offset
        // 0, writes READY_FILE, keeps polling (through whatever happens to the leader meanwhile)
        // until TOTAL records or 60 s; GO_FILE says the test is done changing the cluster.
        TopicPartition tp = new TopicPartition(a[0], Integer.parseInt(a[1]));
        int first = Integer.parseInt(a[2]);
        int total = Integer.parseInt(a[3]);
        Path ready = Path.of(a[4]);
        Path go = Path.of(a[5]);
        List<Long> offsets = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = consumer(client)) {
          c.assign(List.of(tp));
          c.seek(tp, 0);
          long end = System.currentTimeMillis() + 90_000;
          boolean signalled = false;
          while (System.currentTimeMillis() < end && (offsets.size() < total || !Files.exists(go))) {
            try {
              for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) offsets.add(r.offset());
            } catch (RuntimeException e) {
              errors.add(e.getClass().getSimpleName() + ": " + e.getMessage());
              if (errors.size() > 20) break;
            }
            if (!signalled && offsets.size() >= first) {
              Files.writeString(ready, String.valueOf(c.position(tp)));
              signalled = true;
            }
          }
          out.put("position", c.position(tp));
        }
        out.put("count", offsets.size());
        out.put("distinct", new HashSet<>(offsets).size());
        out.put("firstOffset", offsets.isEmpty() ? -1 : offsets.get(0));
        out.put("lastOffset", offsets.isEmpty() ? -1 : offsets.get(offsets.size() - 1));
        boolean inOrder = true;
        for (int i = 1; i < offsets.size(); i++) if (offsets.get(i) != offsets.get(i - 1) + 1) inOrder = false;
        out.put("contiguous", inOrder);
        out.put("errors", errors);
        return;
      }
      case "deleteRecords": {
        // deleteRecords TOPIC PARTITION BEFORE_OFFSET
        TopicPartition tp = new TopicPartition(a[0], Integer.parseInt(a[1]));
        DeletedRecords d = admin(client).deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(Long.parseLong(a[2])))).lowWatermarks().get(tp).get();
        out.put("lowWatermark", d.lowWatermark());
        return;
      }
      case "listOffsets": {
        // listOffsets TOPIC PARTITION earliest|latest|max|ts=MS
        TopicPartition tp = new TopicPartition(a[0], Integer.parseInt(a[1]));
        OffsetSpec spec = switch (a[2]) {
          case "earliest" -> OffsetSpec.earliest();
          case "latest" -> OffsetSpec.latest();
          case "max" -> OffsetSpec.maxTimestamp();
          default -> OffsetSpec.forTimestamp(Long.parseLong(a[2].substring(3)));
        };
        ListOffsetsResult.ListOffsetsResultInfo r = admin(client).listOffsets(Map.of(tp, spec)).partitionResult(tp).get();
        out.put("offset", r.offset());
        out.put("timestamp", r.timestamp());
        out.put("leaderEpoch", r.leaderEpoch().orElse(-1));
        return;
      }
      case "createPartitions": {
        // createPartitions TOPIC TOTAL_COUNT
        admin(client).createPartitions(Map.of(a[0], NewPartitions.increaseTo(Integer.parseInt(a[1])))).all().get();
        return;
      }
      case "describeTopic": {
        // describeTopic TOPIC [LEADER]: with LEADER, asks again (up to 15 s) until every partition
        // has that leader in the metadata the broker answers with.
        TopicDescription d;
        long end = System.currentTimeMillis() + 15_000;
        for (;;) {
          d = admin(client).describeTopics(List.of(a[0])).allTopicNames().get().get(a[0]);
          boolean settled = a.length < 2 || d.partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() == Integer.parseInt(a[1]));
          if (settled || System.currentTimeMillis() > end) break;
          Thread.sleep(100);
        }
        List<Object> parts = new ArrayList<>();
        for (TopicPartitionInfo p : d.partitions()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("partition", p.partition());
          m.put("leader", p.leader() == null ? -1 : p.leader().id());
          m.put("replicas", p.replicas().stream().map(n -> n.id()).toList());
          m.put("isr", p.isr().stream().map(n -> n.id()).toList());
          parts.add(m);
        }
        out.put("partitions", parts);
        return;
      }
      case "alterConfig": {
        // alterConfig TOPIC|BROKER NAME KEY VALUE (IncrementalAlterConfigs SET)
        ConfigResource r = new ConfigResource(ConfigResource.Type.valueOf(a[0]), a[1]);
        admin(client).incrementalAlterConfigs(Map.of(r, List.of(new AlterConfigOp(new ConfigEntry(a[2], a[3]), AlterConfigOp.OpType.SET)))).all().get();
        return;
      }
      case "describeConfig": {
        // describeConfig TOPIC|BROKER NAME KEY [EXPECTED]: with EXPECTED, asks again (up to 15 s)
        // until the broker has applied the change (configs reach each broker with the metadata log).
        ConfigResource r = new ConfigResource(ConfigResource.Type.valueOf(a[0]), a[1]);
        ConfigEntry e;
        long end = System.currentTimeMillis() + 15_000;
        for (;;) {
          e = admin(client).describeConfigs(List.of(r)).all().get().get(r).get(a[2]);
          if (a.length < 4 || (e != null && a[3].equals(e.value())) || System.currentTimeMillis() > end) break;
          Thread.sleep(100);
        }
        out.put("value", e == null ? null : e.value());
        out.put("source", e == null ? null : e.source().name());
        return;
      }
      case "electLeaders": {
        // electLeaders TOPIC PARTITION...: preferred leader election; per partition the error or null
        Set<TopicPartition> tps = new HashSet<>();
        for (int i = 1; i < a.length; i++) tps.add(new TopicPartition(a[0], Integer.parseInt(a[i])));
        Map<TopicPartition, Optional<Throwable>> res = admin(client).electLeaders(ElectionType.PREFERRED, tps).partitions().get();
        Map<String, Object> m = new TreeMap<>();
        for (Map.Entry<TopicPartition, Optional<Throwable>> e : res.entrySet()) m.put(String.valueOf(e.getKey().partition()), e.getValue().map(t -> t.getClass().getSimpleName()).orElse(null));
        out.put("results", m);
        return;
      }
      case "describeLogDirs": {
        // describeLogDirs BROKER_ID,...: per broker, per log dir, its error, total/usable bytes and replica sizes
        List<Integer> ids = Arrays.stream(a[0].split(",")).map(Integer::parseInt).toList();
        Map<Integer, Map<String, LogDirDescription>> res = admin(client).describeLogDirs(ids).allDescriptions().get();
        Map<String, Object> brokers = new TreeMap<>();
        for (Map.Entry<Integer, Map<String, LogDirDescription>> b : res.entrySet()) {
          Map<String, Object> dirs = new TreeMap<>();
          for (Map.Entry<String, LogDirDescription> d : b.getValue().entrySet()) {
            Map<String, Object> dm = new LinkedHashMap<>();
            dm.put("error", d.getValue().error() == null ? null : d.getValue().error().getClass().getSimpleName());
            dm.put("totalBytes", d.getValue().totalBytes().orElse(-1));
            Map<String, Object> reps = new TreeMap<>();
            for (Map.Entry<TopicPartition, ReplicaInfo> r : d.getValue().replicaInfos().entrySet()) reps.put(r.getKey().toString(), r.getValue().size());
            dm.put("replicas", reps);
            dirs.put(d.getKey(), dm);
          }
          brokers.put(String.valueOf(b.getKey()), dirs);
        }
        out.put("brokers", brokers);
        return;
      }
      case "describeProducers": {
        // describeProducers TOPIC PARTITION
        TopicPartition tp = new TopicPartition(a[0], Integer.parseInt(a[1]));
        DescribeProducersResult.PartitionProducerState s = admin(client).describeProducers(List.of(tp)).partitionResult(tp).get();
        List<Object> ps = new ArrayList<>();
        for (ProducerState p : s.activeProducers()) {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("producerId", p.producerId());
          m.put("producerEpoch", p.producerEpoch());
          m.put("lastSequence", p.lastSequence());
          m.put("lastTimestamp", p.lastTimestamp());
          m.put("currentTransactionStartOffset", p.currentTransactionStartOffset().orElse(-1));
          ps.add(m);
        }
        ps.sort(Comparator.comparing(o -> String.valueOf(((Map<?, ?>) o).get("producerId"))));
        out.put("producers", ps);
        return;
      }
      case "describeTransactions": {
        // describeTransactions TRANSACTIONAL_ID
        TransactionDescription d = admin(client).describeTransactions(List.of(a[0])).description(a[0]).get();
        out.put("state", d.state().name());
        out.put("producerId", d.producerId());
        out.put("producerEpoch", d.producerEpoch());
        out.put("coordinatorId", d.coordinatorId());
        out.put("timeoutMs", d.transactionTimeoutMs());
        out.put("partitions", d.topicPartitions().stream().map(TopicPartition::toString).sorted().toList());
        return;
      }
      default:
        throw new IllegalArgumentException("unknown command " + cmd);
    }
  }

  private static byte[] value(int size, int i) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) ('a' + (i % 26)));
    return b;
  }

  private static Object metric(Map<MetricName, ? extends Metric> metrics, String name) {
    for (Map.Entry<MetricName, ? extends Metric> e : metrics.entrySet()) {
      if (e.getKey().name().equals(name) && e.getKey().group().equals("producer-metrics")) {
        Object v = e.getValue().metricValue();
        return v instanceof Double d && (d.isNaN() || d.isInfinite()) ? null : v;
      }
    }
    return null;
  }

  private static String json(Object o) {
    if (o == null) return "null";
    if (o instanceof String s) {
      StringBuilder b = new StringBuilder("\"");
      for (char c : s.toCharArray()) {
        if (c == '"' || c == '\\') b.append('\\').append(c);
        else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
        else b.append(c);
      }
      return b.append('"').toString();
    }
    if (o instanceof Number || o instanceof Boolean) return o.toString();
    if (o instanceof Map<?, ?> m) {
      StringJoiner j = new StringJoiner(",", "{", "}");
      for (Map.Entry<?, ?> e : m.entrySet()) j.add(json(String.valueOf(e.getKey())) + ":" + json(e.getValue()));
      return j.toString();
    }
    if (o instanceof Collection<?> c) {
      StringJoiner j = new StringJoiner(",", "[", "]");
      for (Object x : c) j.add(json(x));
      return j.toString();
    }
    return json(o.toString());
  }
}
