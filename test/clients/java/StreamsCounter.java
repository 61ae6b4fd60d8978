// A Kafka Streams application with exactly-once processing (exactly_once_v2), for the real-Kafka
// tests: it re-keys its input by value (a repartition topic) and counts per key (a changelog
// topic), so it needs internal topics, a consumer group and transactions, all through the proxy.
//
//   StreamsCounter run  PROPS APP_ID STATE_DIR INPUT OUTPUT [DELAY_MS]
//                       runs until stdin closes, printing {"state":"..."} lines; DELAY_MS per
//                       input record keeps a batch in flight long enough to crash in its middle
//   StreamsCounter read PROPS OUTPUT                           the last committed count per key
//                                                              (read_committed), as one JSON line
import java.io.FileInputStream;
import java.time.Duration;
import java.util.*;
import org.apache.kafka.clients.consumer.*;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.*;
import org.apache.kafka.streams.*;
import org.apache.kafka.streams.kstream.*;

public class StreamsCounter {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    try (FileInputStream in = new FileInputStream(args[1])) { props.load(in); }
    if (args[0].equals("run")) run(props, args[2], args[3], args[4], args[5], args.length > 6 ? Long.parseLong(args[6]) : 0);
    else if (args[0].equals("read")) read(props, args[2]);
    else throw new IllegalArgumentException("unknown command " + args[0]);
  }

  static void run(Properties props, String appId, String stateDir, String input, String output, long delayMs) throws Exception {
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, appId);
    props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir);
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 200);
    props.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 0);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.String()))
        .peek((key, value) -> pause(delayMs))
        .groupBy((key, value) -> value, Grouped.with(Serdes.String(), Serdes.String()))
        .count(Materialized.as("counts"))
        .toStream()
        .to(output, Produced.with(Serdes.String(), Serdes.Long()));
    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    streams.setStateListener((now, before) -> System.out.println("{\"state\":\"" + now + "\"}"));
    streams.setUncaughtExceptionHandler(e -> {
      System.out.println("{\"error\":\"" + e.getClass().getName() + "\",\"message\":" + quote(String.valueOf(e.getMessage())) + "}");
      return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.start();
    while (System.in.read() != -1) { }
    streams.close(Duration.ofSeconds(20));
    System.out.println("{\"closed\":true}");
  }

  static void read(Properties props, String output) {
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    Map<String, Long> counts = new TreeMap<>();
    try (KafkaConsumer<String, Long> c = new KafkaConsumer<>(props, new StringDeserializer(), new LongDeserializer())) {
      List<TopicPartition> parts = new ArrayList<>();
      c.partitionsFor(output).forEach(p -> parts.add(new TopicPartition(p.topic(), p.partition())));
      c.assign(parts);
      c.seekToBeginning(parts);
      Map<TopicPartition, Long> end = c.endOffsets(parts);
      long deadline = System.currentTimeMillis() + 30_000;
      while (parts.stream().anyMatch(p -> c.position(p) < end.get(p)) && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, Long> r : c.poll(Duration.ofMillis(200))) counts.put(r.key(), r.value());
      }
    }
    StringBuilder sb = new StringBuilder("{\"counts\":{");
    String sep = "";
    for (Map.Entry<String, Long> e : counts.entrySet()) { sb.append(sep).append(quote(e.getKey())).append(':').append(e.getValue()); sep = ","; }
    System.out.println(sb.append("}}"));
  }

  static void pause(long ms) {
    if (ms <= 0) return;
    try { Thread.sleep(ms); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
  }

  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
  }
}
