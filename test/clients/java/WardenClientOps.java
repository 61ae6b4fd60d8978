// What Kafka's tools do not cover, with the Java client: idempotent and transactional producers,
// read_committed consumers and admin calls. Usage:
//
//   WardenClientOps <client.properties> STEP [-- STEP ...]
//
// Steps (run in order in one JVM; each prints one JSON line with "op", and "error" (the Kafka
// exception's class name) and "message" when it failed):
//   idempotent TOPIC COUNT            enable.idempotence=true, acks=all; COUNT records, offsets acked
//   transaction TOPIC TXN_ID          commits "committed-0..2", aborts "aborted-0..1", commits "committed-3"
//   consume TOPIC ISOLATION N         records from the beginning until N came (or 20 s passed), and any after
//   produce TOPIC VALUE               one record (acks=all, no idempotence)
//   cluster                           describeCluster with authorized operations
//   topics                            listTopics
//   describe TOPIC                    describeTopics with authorized operations
//   acls                              describeAcls, every binding
import java.time.Duration;
import java.util.*;
import java.util.concurrent.ExecutionException;
import java.io.FileInputStream;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.acl.*;
import org.apache.kafka.common.serialization.*;

public class WardenClientOps {
  public static void main(String[] args) throws Exception {
    Properties base = new Properties();
    try (FileInputStream in = new FileInputStream(args[0])) {
      base.load(in);
    }
    List<List<String>> steps = new ArrayList<>();
    List<String> cur = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      if (args[i].equals("--")) {
        steps.add(cur);
        cur = new ArrayList<>();
      } else cur.add(args[i]);
    }
    if (!cur.isEmpty()) steps.add(cur);
    for (List<String> step : steps) {
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("op", step.get(0));
      try {
        run(base, step, out);
      } catch (Throwable e) {
        Throwable c = e;
        while ((c instanceof ExecutionException || c.getClass() == KafkaException.class) && c.getCause() != null) c = c.getCause();
        out.put("error", c.getClass().getSimpleName());
        out.put("message", String.valueOf(c.getMessage()));
      }
      System.out.println(json(out));
      System.out.flush();
    }
  }

  static Properties props(Properties base, Map<String, Object> extra) {
    Properties p = new Properties();
    p.putAll(base);
    p.putAll(extra);
    return p;
  }

  static Map<String, Object> producerConfig(boolean idempotent) {
    Map<String, Object> m = new HashMap<>();
    m.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    m.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    m.put(ProducerConfig.ACKS_CONFIG, "all");
    m.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, String.valueOf(idempotent));
    m.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
    m.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "20000");
    m.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
    return m;
  }

  static void run(Properties base, List<String> step, Map<String, Object> out) throws Exception {
    switch (step.get(0)) {
      case "idempotent": {
        String topic = step.get(1);
        int count = Integer.parseInt(step.get(2));
        try (KafkaProducer<String, String> p = new KafkaProducer<>(props(base, producerConfig(true)))) {
          List<Long> offsets = new ArrayList<>();
          List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
          for (int i = 0; i < count; i++) fs.add(p.send(new ProducerRecord<>(topic, 0, "k" + i, "idempotent-" + i)));
          for (java.util.concurrent.Future<RecordMetadata> f : fs) offsets.add(f.get().offset());
          out.put("offsets", offsets);
        }
        break;
      }
      case "produce": {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(props(base, producerConfig(false)))) {
          RecordMetadata md = p.send(new ProducerRecord<>(step.get(1), step.get(2))).get();
          out.put("partition", md.partition());
          out.put("offset", md.offset());
        }
        break;
      }
      case "transaction": {
        String topic = step.get(1);
        Map<String, Object> cfg = producerConfig(true);
        cfg.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, step.get(2));
        cfg.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, "30000");
        try (KafkaProducer<String, String> p = new KafkaProducer<>(props(base, cfg))) {
          p.initTransactions();
          p.beginTransaction();
          for (int i = 0; i < 3; i++) p.send(new ProducerRecord<>(topic, 0, null, "committed-" + i));
          p.commitTransaction();
          p.beginTransaction();
          for (int i = 0; i < 2; i++) p.send(new ProducerRecord<>(topic, 0, null, "aborted-" + i)).get();
          p.abortTransaction();
          p.beginTransaction();
          p.send(new ProducerRecord<>(topic, 0, null, "committed-3"));
          p.commitTransaction();
          out.put("committed", 4);
          out.put("aborted", 2);
        }
        break;
      }
      case "consume": {
        String topic = step.get(1);
        Map<String, Object> cfg = new HashMap<>();
        cfg.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cfg.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        cfg.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, step.get(2));
        cfg.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "15000");
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(props(base, cfg))) {
          List<TopicPartition> tps = new ArrayList<>();
          for (PartitionInfo pi : c.partitionsFor(topic)) tps.add(new TopicPartition(topic, pi.partition()));
          c.assign(tps);
          c.seekToBeginning(tps);
          // Until EXPECTED records came or 20 s passed: a read_committed consumer sees a transaction
          // once its markers are written, which happens after commitTransaction() returned.
          int expected = Integer.parseInt(step.get(3));
          List<String> values = new ArrayList<>();
          long deadline = System.currentTimeMillis() + 20000;
          while (values.size() < expected && System.currentTimeMillis() < deadline) {
            for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) values.add(r.value());
          }
          // And one more poll, for any record beyond those expected.
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) values.add(r.value());
          out.put("values", values);
        }
        break;
      }
      case "cluster": {
        try (Admin a = Admin.create(base)) {
          DescribeClusterResult r = a.describeCluster(new DescribeClusterOptions().includeAuthorizedOperations(true));
          out.put("clusterId", r.clusterId().get());
          List<Object> nodes = new ArrayList<>();
          for (Node n : r.nodes().get()) nodes.add(n.host() + ":" + n.port());
          out.put("nodes", nodes);
          out.put("controller", r.controller().get().id());
          out.put("authorizedOperations", ops(r.authorizedOperations().get()));
        }
        break;
      }
      case "topics": {
        try (Admin a = Admin.create(base)) {
          out.put("topics", new ArrayList<>(new TreeSet<>(a.listTopics().names().get())));
        }
        break;
      }
      case "describe": {
        try (Admin a = Admin.create(base)) {
          TopicDescription d = a.describeTopics(List.of(step.get(1)), new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get().get(step.get(1));
          out.put("partitions", d.partitions().size());
          out.put("leaders", d.partitions().stream().map(p -> p.leader().host() + ":" + p.leader().port()).distinct().sorted().toList());
          out.put("authorizedOperations", ops(d.authorizedOperations()));
        }
        break;
      }
      case "acls": {
        try (Admin a = Admin.create(base)) {
          List<Object> acls = new ArrayList<>();
          for (AclBinding b : a.describeAcls(AclBindingFilter.ANY).values().get()) {
            acls.add(b.pattern().resourceType() + ":" + b.pattern().patternType() + ":" + b.pattern().name() + " " + b.entry().principal() + " " + b.entry().operation() + " " + b.entry().permissionType());
          }
          Collections.sort((List) acls);
          out.put("acls", acls);
        }
        break;
      }
      default:
        throw new IllegalArgumentException("unknown step " + step.get(0));
    }
  }

  static List<Object> ops(Set<AclOperation> ops) {
    List<Object> l = new ArrayList<>();
    if (ops == null) return null;
    for (AclOperation o : ops) l.add(o.name());
    Collections.sort((List) l);
    return l;
  }

  static String json(Object o) {
    if (o == null) return "null";
    if (o instanceof Number || o instanceof Boolean) return o.toString();
    if (o instanceof Map) {
      StringBuilder sb = new StringBuilder("{");
      for (Map.Entry<?, ?> e : ((Map<?, ?>) o).entrySet()) {
        if (sb.length() > 1) sb.append(',');
        sb.append(json(String.valueOf(e.getKey()))).append(':').append(json(e.getValue()));
      }
      return sb.append('}').toString();
    }
    if (o instanceof Collection) {
      StringBuilder sb = new StringBuilder("[");
      for (Object x : (Collection<?>) o) {
        if (sb.length() > 1) sb.append(',');
        sb.append(json(x));
      }
      return sb.append(']').toString();
    }
    StringBuilder sb = new StringBuilder("\"");
    for (char ch : o.toString().toCharArray()) {
      if (ch == '"' || ch == '\\') sb.append('\\').append(ch);
      else if (ch < 0x20) sb.append(String.format("\\u%04x", (int) ch));
      else sb.append(ch);
    }
    return sb.append('"').toString();
  }
}
