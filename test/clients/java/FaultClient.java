// Long-lived Kafka clients for the fault tests (test/kafka/faults*.test.ts), one JSON object a line
// on stdout. Modes:
//   produce PROPS TOPIC INTERVAL_MS   idempotent producer (acks=all): numbered keys k0, k1, ... one
//                                     every INTERVAL_MS until stdin closes; logs each acknowledgement
//                                     {"ack":"k7","p":1,"o":3} or failure {"fail":"k7","e":"..."}
//   consume PROPS TOPIC GROUP         consumer-group member: logs {"got":"k7","p":1,"o":3} and
//                                     commits after every poll, until stdin closes
//   dump PROPS TOPIC                  every record of every partition, from the start to the end
//                                     offsets: {"k":"k7","p":1,"o":3}, then {"end":{"0":n,...}}
//   info PROPS TOPIC                  {"leaders":{"0":1,...},"isr":{"0":[1,2,3],...},"controller":2}
//                                     (Admin: describeTopics and describeMetadataQuorum)
// The long-lived modes also log {"nodes":["host:port",...]} (the broker addresses they know) once
// a second, so the test can check that no upstream address reaches a client.
import java.time.Duration;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.AtomicBoolean;
import java.io.*;
import org.apache.kafka.clients.admin.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.clients.producer.*;
import org.apache.kafka.common.*;
import org.apache.kafka.common.serialization.*;

public class FaultClient {
  static final PrintStream OUT = new PrintStream(new FileOutputStream(FileDescriptor.out), false);

  static synchronized void emit(String json) {
    OUT.println(json);
    OUT.flush();
  }

  static String q(String s) {
    if (s == null) return "null";
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') b.append('\\').append(c);
      else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
      else b.append(c);
    }
    return b.append('"').toString();
  }

  static Properties load(String file) throws IOException {
    Properties p = new Properties();
    try (FileInputStream in = new FileInputStream(file)) { p.load(in); }
    return p;
  }

  /** Set once stdin reaches its end: the test's way to say stop. */
  static final AtomicBoolean STOP = new AtomicBoolean(false);

  static void watchStdin(Runnable onStop) {
    Thread t = new Thread(() -> {
      try { while (System.in.read() >= 0) {} } catch (IOException e) { }
      STOP.set(true);
      if (onStop != null) onStop.run();
    });
    t.setDaemon(true);
    t.start();
  }

  static String nodesJson(List<PartitionInfo> parts) {
    TreeSet<String> nodes = new TreeSet<>();
    for (PartitionInfo pi : parts) {
      if (pi.leader() != null && !pi.leader().isEmpty()) nodes.add(pi.leader().host() + ":" + pi.leader().port());
      for (Node n : pi.replicas()) if (!n.isEmpty()) nodes.add(n.host() + ":" + n.port());
    }
    StringBuilder b = new StringBuilder("{\"nodes\":[");
    int i = 0;
    for (String n : nodes) b.append(i++ > 0 ? "," : "").append(q(n));
    return b.append("]}").toString();
  }

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    Properties props = load(args[1]);
    String topic = args[2];
    switch (mode) {
      case "produce": produce(props, topic, Long.parseLong(args[3])); break;
      case "consume": consume(props, topic, args[3]); break;
      case "dump": dump(props, topic); break;
      case "info": info(props, topic); break;
      default: throw new IllegalArgumentException(mode);
    }
  }

  static void produce(Properties props, String topic, long intervalMs) throws Exception {
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    watchStdin(null);
    long sent = 0;
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      long lastNodes = 0;
      while (!STOP.get()) {
        final String key = "k" + sent++;
        producer.send(new ProducerRecord<>(topic, key, "v-" + key), (md, e) -> {
          if (e != null) emit("{\"fail\":" + q(key) + ",\"e\":" + q(e.toString()) + "}");
          else emit("{\"ack\":" + q(key) + ",\"p\":" + md.partition() + ",\"o\":" + md.offset() + "}");
        });
        long now = System.currentTimeMillis();
        if (now - lastNodes > 1000) {
          lastNodes = now;
          emit(nodesJson(producer.partitionsFor(topic)));
        }
        Thread.sleep(intervalMs);
      }
      producer.flush();
    }
    emit("{\"done\":" + sent + "}");
  }

  static void consume(Properties props, String topic, String group) throws Exception {
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    long got = 0;
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      watchStdin(consumer::wakeup);
      consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        public void onPartitionsRevoked(Collection<TopicPartition> ps) { emit("{\"revoked\":" + ps.size() + "}"); }
        public void onPartitionsAssigned(Collection<TopicPartition> ps) { emit("{\"assigned\":" + ps.size() + "}"); }
      });
      long lastNodes = 0;
      while (!STOP.get()) {
        ConsumerRecords<String, String> recs;
        try {
          recs = consumer.poll(Duration.ofMillis(200));
        } catch (org.apache.kafka.common.errors.WakeupException e) {
          break;
        }
        for (ConsumerRecord<String, String> r : recs) {
          got++;
          emit("{\"got\":" + q(r.key()) + ",\"p\":" + r.partition() + ",\"o\":" + r.offset() + "}");
        }
        if (!recs.isEmpty()) {
          try {
            consumer.commitSync(Duration.ofSeconds(15));
          } catch (org.apache.kafka.common.errors.WakeupException e) {
            break;
          } catch (KafkaException e) {
            emit("{\"commitError\":" + q(e.toString()) + "}");
          }
        }
        long now = System.currentTimeMillis();
        if (now - lastNodes > 1000) {
          lastNodes = now;
          emit(nodesJson(consumer.partitionsFor(topic)));
        }
      }
    }
    emit("{\"done\":" + got + "}");
  }

  static void dump(Properties props, String topic) throws Exception {
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      List<TopicPartition> tps = new ArrayList<>();
      for (PartitionInfo pi : consumer.partitionsFor(topic)) tps.add(new TopicPartition(topic, pi.partition()));
      consumer.assign(tps);
      consumer.seekToBeginning(tps);
      Map<TopicPartition, Long> end = consumer.endOffsets(tps);
      long deadline = System.currentTimeMillis() + 60_000;
      while (System.currentTimeMillis() < deadline) {
        boolean done = true;
        for (TopicPartition tp : tps) if (consumer.position(tp) < end.get(tp)) done = false;
        if (done) break;
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) {
          emit("{\"k\":" + q(r.key()) + ",\"p\":" + r.partition() + ",\"o\":" + r.offset() + "}");
        }
      }
      StringBuilder b = new StringBuilder("{\"end\":{");
      int i = 0;
      for (TopicPartition tp : tps) b.append(i++ > 0 ? "," : "").append(q(String.valueOf(tp.partition()))).append(':').append(end.get(tp));
      emit(b.append("}}").toString());
    }
  }

  static void info(Properties props, String topic) throws Exception {
    try (Admin admin = Admin.create(props)) {
      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get(30, TimeUnit.SECONDS).get(topic);
      StringBuilder leaders = new StringBuilder();
      StringBuilder isr = new StringBuilder();
      for (TopicPartitionInfo p : d.partitions()) {
        String k = q(String.valueOf(p.partition()));
        leaders.append(leaders.length() > 0 ? "," : "").append(k).append(':').append(p.leader() == null ? -1 : p.leader().id());
        StringBuilder ids = new StringBuilder();
        for (Node n : p.isr()) ids.append(ids.length() > 0 ? "," : "").append(n.id());
        isr.append(isr.length() > 0 ? "," : "").append(k).append(":[").append(ids).append(']');
      }
      int controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
      emit("{\"leaders\":{" + leaders + "},\"isr\":{" + isr + "},\"controller\":" + controller + "}");
    }
  }
}
