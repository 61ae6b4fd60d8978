/*
 * mock-cluster: runs librdkafka's in-process mock Kafka cluster for tests.
 *
 *   mock-cluster [--brokers N] [--topic NAME:PARTITIONS[:REPLICATION]]...
 *
 * Prints exactly one line "BOOTSTRAP=host:port,..." on stdout, then reads
 * commands from stdin, one per line, answering each with "OK" or
 * "ERR <reason>":
 *
 *   down <nodeId>                        take a broker down (closes its
 *                                        listener and connections)
 *   up <nodeId>                          bring it back
 *   leader <topic> <partition> <nodeId>  move a partition leader (-1: none)
 *   topic <name> <partitions> [<replication>]   create a topic
 *   delay <nodeId> <apiKey> <ms> [<count>]  answer the next <count> (1)
 *                                        requests of that API on that broker
 *                                        <ms> late, without an error (a
 *                                        request held at the broker, such as
 *                                        Produce acks=all waiting for its
 *                                        followers); later responses on the
 *                                        same connection wait behind it
 *
 * Blank lines are ignored (no answer). Default replication is min(3, N);
 * librdkafka 2.0.2's mock ignores REPLICATION and always uses that.
 * Exits 0, destroying the cluster, on stdin EOF, SIGTERM or SIGINT.
 * Diagnostics go to stderr; stdout carries only the protocol above.
 *
 * Builds against librdkafka 2.0.2 and later:
 *   cc -O2 -Wall -Wextra -o mock-cluster mock-cluster.c -lrdkafka
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#define MAX_TOPICS 64
#define LINE_MAX_LEN 1024

struct topic_spec {
        char *name; /* owned */
        int partitions;
        int replication; /* 0: default */
};

static volatile sig_atomic_t stop_requested = 0;

static void on_signal(int sig) {
        (void)sig;
        stop_requested = 1;
}

static void usage(FILE *out) {
        fprintf(out,
                "usage: mock-cluster [--brokers N] "
                "[--topic NAME:PARTITIONS[:REPLICATION]]...\n"
                "stdin commands: down <id> | up <id> | "
                "leader <topic> <partition> <id> | "
                "topic <name> <partitions> [<replication>] | "
                "delay <id> <apiKey> <ms> [<count>]\n");
}

/* Parses a base-10 integer in [min, max]; returns 0 on success. */
static int parse_int(const char *s, long min, long max, long *out) {
        char *end;
        long v;

        if (!s || !*s)
                return -1;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return -1;
        *out = v;
        return 0;
}

/* Parses NAME:PARTITIONS[:REPLICATION]; arg is modified and referenced. */
static int parse_topic_spec(char *arg, struct topic_spec *spec) {
        char *colon = strchr(arg, ':');
        char *colon2;
        long v;

        if (!colon || colon == arg)
                return -1;
        *colon = '\0';
        spec->name        = arg;
        spec->replication = 0;
        colon2            = strchr(colon + 1, ':');
        if (colon2) {
                *colon2 = '\0';
                if (parse_int(colon2 + 1, 1, 1000, &v))
                        return -1;
                spec->replication = (int)v;
        }
        if (parse_int(colon + 1, 1, 100000, &v))
                return -1;
        spec->partitions = (int)v;
        return 0;
}

static int default_replication(int brokers) {
        return brokers < 3 ? brokers : 3;
}

static void reply(rd_kafka_resp_err_t err) {
        if (err)
                printf("ERR %s: %s\n", rd_kafka_err2name(err),
                       rd_kafka_err2str(err));
        else
                printf("OK\n");
        fflush(stdout);
}

static void reply_usage(const char *msg) {
        printf("ERR %s\n", msg);
        fflush(stdout);
}

static void handle_command(rd_kafka_mock_cluster_t *mcluster, int brokers,
                           char *line) {
        char *argv[6];
        int argc = 0;
        char *save = NULL;
        char *tok;
        long a, b;

        for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < 6;
             tok = strtok_r(NULL, " \t\r\n", &save))
                argv[argc++] = tok;
        if (argc == 0)
                return; /* blank line: no answer */
        if (tok) {
                reply_usage("too many arguments");
                return;
        }

        if (!strcmp(argv[0], "down") || !strcmp(argv[0], "up")) {
                if (argc != 2 || parse_int(argv[1], INT32_MIN, INT32_MAX, &a))
                        reply_usage("usage: down|up <nodeId>");
                else if (!strcmp(argv[0], "down"))
                        reply(rd_kafka_mock_broker_set_down(mcluster,
                                                            (int32_t)a));
                else
                        reply(rd_kafka_mock_broker_set_up(mcluster,
                                                          (int32_t)a));

        } else if (!strcmp(argv[0], "leader")) {
                if (argc != 4 || parse_int(argv[2], 0, INT32_MAX, &a) ||
                    parse_int(argv[3], -1, INT32_MAX, &b))
                        reply_usage(
                            "usage: leader <topic> <partition> <nodeId>");
                else
                        reply(rd_kafka_mock_partition_set_leader(
                            mcluster, argv[1], (int32_t)a, (int32_t)b));

        } else if (!strcmp(argv[0], "topic")) {
                long repl = default_replication(brokers);
                if (argc < 3 || argc > 4 || parse_int(argv[2], 1, 100000, &a) ||
                    (argc == 4 && parse_int(argv[3], 1, 1000, &repl)))
                        reply_usage(
                            "usage: topic <name> <partitions> [<replication>]");
                else
                        reply(rd_kafka_mock_topic_create(mcluster, argv[1],
                                                         (int)a, (int)repl));

        } else if (!strcmp(argv[0], "delay")) {
                long ms, cnt = 1, i;
                if (argc < 4 || argc > 5 ||
                    parse_int(argv[1], INT32_MIN, INT32_MAX, &a) ||
                    parse_int(argv[2], 0, INT16_MAX, &b) ||
                    parse_int(argv[3], 0, 600000, &ms) ||
                    (argc == 5 && parse_int(argv[4], 1, 1000, &cnt))) {
                        reply_usage("usage: delay <nodeId> <apiKey> <ms> [<count>]");
                } else {
                        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
                        for (i = 0; i < cnt && !err; i++)
                                err = rd_kafka_mock_broker_push_request_error_rtts(
                                    mcluster, (int32_t)a, (int16_t)b, 1,
                                    RD_KAFKA_RESP_ERR_NO_ERROR, (int)ms);
                        reply(err);
                }
        } else {
                reply_usage("unknown command");
        }
}

/*
 * Reads stdin line by line until EOF or a stop signal. poll() with a timeout
 * keeps the loop responsive to signals whichever thread receives them.
 */
static void command_loop(rd_kafka_mock_cluster_t *mcluster, int brokers) {
        char buf[LINE_MAX_LEN];
        size_t len       = 0;
        int discarding   = 0; /* inside an over-long line */
        struct pollfd pfd = {.fd = STDIN_FILENO, .events = POLLIN};

        while (!stop_requested) {
                ssize_t n;
                char *nl;
                int r = poll(&pfd, 1, 200);

                if (r < 0 && errno != EINTR) {
                        perror("mock-cluster: poll");
                        return;
                }
                if (r <= 0)
                        continue;

                n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
                if (n < 0) {
                        if (errno == EINTR || errno == EAGAIN)
                                continue;
                        perror("mock-cluster: read");
                        return;
                }
                if (n == 0) {
                        if (len > 0 && !discarding) { /* unterminated last line */
                                buf[len] = '\0';
                                handle_command(mcluster, brokers, buf);
                        }
                        return;
                }
                len += (size_t)n;

                while ((nl = memchr(buf, '\n', len))) {
                        size_t linelen = (size_t)(nl - buf) + 1;
                        *nl            = '\0';
                        if (discarding) {
                                discarding = 0;
                                reply_usage("line too long");
                        } else {
                                handle_command(mcluster, brokers, buf);
                        }
                        memmove(buf, buf + linelen, len - linelen);
                        len -= linelen;
                }
                if (len == sizeof(buf) - 1) {
                        discarding = 1;
                        len        = 0;
                }
        }
}

int main(int argc, char **argv) {
        struct topic_spec topics[MAX_TOPICS];
        int topic_cnt = 0;
        long brokers  = 3;
        char errstr[512];
        rd_kafka_conf_t *conf;
        rd_kafka_t *rk;
        rd_kafka_mock_cluster_t *mcluster;
        struct sigaction sa;
        int i;

        for (i = 1; i < argc; i++) {
                if (!strcmp(argv[i], "--brokers") && i + 1 < argc) {
                        if (parse_int(argv[++i], 1, 1000, &brokers)) {
                                fprintf(stderr,
                                        "mock-cluster: invalid --brokers %s\n",
                                        argv[i]);
                                return 2;
                        }
                } else if (!strcmp(argv[i], "--topic") && i + 1 < argc) {
                        char *spec;
                        if (topic_cnt == MAX_TOPICS) {
                                fprintf(stderr,
                                        "mock-cluster: too many --topic\n");
                                return 2;
                        }
                        spec = strdup(argv[++i]); /* keep argv intact */
                        if (!spec ||
                            parse_topic_spec(spec, &topics[topic_cnt])) {
                                fprintf(stderr,
                                        "mock-cluster: invalid --topic, "
                                        "expected NAME:PARTITIONS"
                                        "[:REPLICATION]\n");
                                return 2;
                        }
                        topic_cnt++;
                } else if (!strcmp(argv[i], "--help") ||
                           !strcmp(argv[i], "-h")) {
                        usage(stdout);
                        return 0;
                } else {
                        usage(stderr);
                        return 2;
                }
        }

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal; /* no SA_RESTART: interrupt poll() */
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        signal(SIGPIPE, SIG_IGN);

        /* The mock cluster needs a client handle for its bookkeeping; this
         * producer never connects anywhere itself. */
        conf = rd_kafka_conf_new();
        /* The mock brokers' sockets take their options from this handle.
         * Real brokers disable Nagle, and librdkafka only does by default
         * since 2.10: without it small responses wait for the client's
         * delayed ACK (up to 40 ms) or its next request. */
        if (rd_kafka_conf_set(conf, "socket.nagle.disable", "true", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK ||
            rd_kafka_conf_set(conf, "log_level", "3", errstr,
                              sizeof(errstr)) != RD_KAFKA_CONF_OK) {
                fprintf(stderr, "mock-cluster: %s\n", errstr);
                rd_kafka_conf_destroy(conf);
                return 1;
        }
        rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof(errstr));
        if (!rk) {
                fprintf(stderr, "mock-cluster: rd_kafka_new: %s\n", errstr);
                return 1;
        }

        mcluster = rd_kafka_mock_cluster_new(rk, (int)brokers);
        if (!mcluster) {
                fprintf(stderr, "mock-cluster: failed to create cluster\n");
                rd_kafka_destroy(rk);
                return 1;
        }

        for (i = 0; i < topic_cnt; i++) {
                int repl = topics[i].replication
                               ? topics[i].replication
                               : default_replication((int)brokers);
                rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
                    mcluster, topics[i].name, topics[i].partitions, repl);
                if (err) {
                        fprintf(stderr,
                                "mock-cluster: creating topic %s: %s\n",
                                topics[i].name, rd_kafka_err2str(err));
                        rd_kafka_mock_cluster_destroy(mcluster);
                        rd_kafka_destroy(rk);
                        return 1;
                }
        }

        printf("BOOTSTRAP=%s\n", rd_kafka_mock_cluster_bootstraps(mcluster));
        fflush(stdout);

        command_loop(mcluster, (int)brokers);

        rd_kafka_mock_cluster_destroy(mcluster);
        rd_kafka_destroy(rk);
        for (i = 0; i < topic_cnt; i++)
                free(topics[i].name);
        return 0;
}
