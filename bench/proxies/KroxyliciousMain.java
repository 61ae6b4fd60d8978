// Starts Kroxylicious's proxy runtime from a YAML configuration file, as its own command-line
// launcher (kroxylicious-app, which the registry this project reaches does not serve) does:
//   java -cp 'DIR/*:DIR' KroxyliciousMain -c FILE
// Compiled by bench/proxies/fetch.sh against the jars it fetches; used by bench/real-kafka.ts.
import io.kroxylicious.proxy.KafkaProxy;
import io.kroxylicious.proxy.config.ConfigParser;
import io.kroxylicious.proxy.config.Configuration;
import io.kroxylicious.proxy.internal.config.Features;
import java.nio.file.Files;
import java.nio.file.Path;

public final class KroxyliciousMain {
    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !args[0].equals("-c")) {
            System.err.println("usage: KroxyliciousMain -c CONFIG.yaml");
            System.exit(2);
        }
        ConfigParser parser = new ConfigParser();
        Configuration config = parser.parseConfiguration(Files.readString(Path.of(args[1])));
        try (KafkaProxy proxy = new KafkaProxy(parser, config, Features.defaultFeatures())) {
            proxy.startup();
            System.err.println("kroxylicious: started");
            proxy.block();
        }
    }
}
