// Warnings and errors only, plus the lines that say a node started or stopped: small logs that
// still tell why a test's broker misbehaved.
export const LOG4J2_CONFIG = `Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Logger:
      - name: kafka.server.KafkaRaftServer
        level: INFO
      - name: kafka.server.BrokerServer
        level: INFO
      - name: org.apache.kafka.controller.QuorumController
        level: INFO
    Root:
      level: WARN
      AppenderRef:
        - ref: STDOUT
`;
