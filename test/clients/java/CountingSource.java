// A Kafka Connect source connector for the real-Kafka tests: one task that writes the numbers
// 0..count-1 (key and value "n-<i>") to `topic`, `batch` records per poll, and keeps its place as
// the source offset {"n": i}, so that a worker restarted after a crash resumes where the last
// committed offset says. Nothing else in Kafka's Maven artifacts (connect-file is not served)
// gives a connector that stops at a known count.
import java.util.*;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.connect.connector.Task;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.source.*;

public class CountingSource extends SourceConnector {
  private Map<String, String> props;

  @Override public void start(Map<String, String> props) { this.props = props; }
  @Override public Class<? extends Task> taskClass() { return CountingTask.class; }
  @Override public List<Map<String, String>> taskConfigs(int maxTasks) { return List.of(props); }
  @Override public void stop() { }
  @Override public String version() { return "1"; }
  @Override public ExactlyOnceSupport exactlyOnceSupport(Map<String, String> props) { return ExactlyOnceSupport.SUPPORTED; }

  @Override public ConfigDef config() {
    return new ConfigDef()
        .define("topic", ConfigDef.Type.STRING, ConfigDef.Importance.HIGH, "where the numbers go")
        .define("count", ConfigDef.Type.INT, ConfigDef.Importance.HIGH, "how many")
        .define("batch", ConfigDef.Type.INT, 50, ConfigDef.Importance.LOW, "records per poll")
        .define("pause.ms", ConfigDef.Type.INT, 20, ConfigDef.Importance.LOW, "pause between polls");
  }

  public static class CountingTask extends SourceTask {
    private static final Map<String, String> PARTITION = Map.of("source", "counting");
    private String topic;
    private int count, batch, pauseMs;
    private long next;

    @Override public String version() { return "1"; }

    @Override public void start(Map<String, String> props) {
      topic = props.get("topic");
      count = Integer.parseInt(props.get("count"));
      batch = Integer.parseInt(props.getOrDefault("batch", "50"));
      pauseMs = Integer.parseInt(props.getOrDefault("pause.ms", "20"));
      Map<String, Object> offset = context.offsetStorageReader().offset(PARTITION);
      next = offset == null ? 0 : ((Number) offset.get("n")).longValue() + 1;
    }

    @Override public List<SourceRecord> poll() throws InterruptedException {
      Thread.sleep(next >= count ? 500 : pauseMs);
      List<SourceRecord> out = new ArrayList<>();
      for (int i = 0; i < batch && next < count; i++, next++) {
        String v = "n-" + next;
        out.add(new SourceRecord(PARTITION, Map.of("n", next), topic, 0, Schema.STRING_SCHEMA, v, Schema.STRING_SCHEMA, v));
      }
      return out;
    }

    @Override public void stop() { }
  }
}
