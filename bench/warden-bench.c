/*
 * warden-bench: a librdkafka load driver for benchmarking kafka-warden (or
 * any Kafka endpoint). Each run prints one JSON object line on stdout;
 * diagnostics go to stderr.
 *
 *   warden-bench produce --brokers B --topic T [--size 1024] --count N
 *                [--acks all|1|0] [--linger-ms 5] [--batch-size 1000000]
 *                [--rate R]  (messages per second; default: as fast as it can)
 *   warden-bench consume --brokers B --topic T --count N
 *   warden-bench latency --brokers B --topic T [--size 1024] --rate R
 *                --count N
 *
 * Common options:
 *   --timeout-ms MS   message.timeout.ms (produce, latency) or the longest
 *                     wait for the next message (consume); default 30000
 *   --max-errors N    delivery/consume errors tolerated; more stops the run
 *                     with exit status 1; default 0
 *   -X key=value      any extra librdkafka property (repeatable), e.g.
 *                     -X security.protocol=SASL_SSL
 *
 * Exit status: 0 success, 1 failure (errors over threshold, timeout,
 * unreachable cluster), 2 usage error, 130 interrupted (SIGINT/SIGTERM;
 * partial results are still printed).
 *
 * MB in mbPerSec is 2^20 bytes; cpuSeconds (produce, consume) is the
 * driver's own CPU time, user + system over all its threads. Builds against librdkafka 2.0.2 and later:
 *   cc -O2 -Wall -Wextra -pthread -o warden-bench warden-bench.c -lrdkafka
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <librdkafka/rdkafka.h>

#define MAX_EXTRA_CONF 64
#define WARMUP_MESSAGES 10
#define METADATA_TIMEOUT_MS 10000

enum mode { MODE_PRODUCE, MODE_CONSUME, MODE_LATENCY };

struct options {
        enum mode mode;
        const char *brokers;
        const char *topic;
        long size;
        long count;
        const char *acks;
        long linger_ms;
        long batch_size;
        double rate;
        long timeout_ms;
        long max_errors;
        const char *extra[MAX_EXTRA_CONF]; /* "key=value" */
        int extra_cnt;
};

static volatile sig_atomic_t interrupted = 0;

static void on_signal(int sig) {
        (void)sig;
        interrupted = 1;
}

static uint64_t now_ns(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns) {
        struct timespec ts = {.tv_sec  = (time_t)(ns / 1000000000u),
                              .tv_nsec = (long)(ns % 1000000000u)};
        nanosleep(&ts, NULL);
}

static void fail(const char *fmt, ...) {
        va_list ap;
        fputs("warden-bench: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static void usage(FILE *out) {
        fprintf(out,
                "usage:\n"
                "  warden-bench produce --brokers B --topic T [--size 1024] "
                "--count N\n"
                "               [--acks all|1|0] [--linger-ms 5] "
                "[--batch-size 1000000] [--rate R]\n"
                "  warden-bench consume --brokers B --topic T --count N\n"
                "  warden-bench latency --brokers B --topic T [--size 1024] "
                "--rate R --count N\n"
                "common: [--timeout-ms 30000] [--max-errors 0] "
                "[-X key=value]...\n");
}

/* ---------------------------------------------------------------------- */
/* Option parsing                                                          */

static int parse_long(const char *name, const char *s, long min, long *out) {
        char *end;
        long v;
        errno = 0;
        v     = strtol(s, &end, 10);
        if (errno || !*s || *end || v < min) {
                fail("invalid %s: %s", name, s);
                return -1;
        }
        *out = v;
        return 0;
}

static int parse_options(int argc, char **argv, struct options *o) {
        int i;

        memset(o, 0, sizeof(*o));
        o->size       = 1024;
        o->count      = -1;
        o->acks       = "all";
        o->linger_ms  = 5;
        o->batch_size = 1000000;
        o->timeout_ms = 30000;

        if (argc < 2)
                return -1;
        if (!strcmp(argv[1], "produce"))
                o->mode = MODE_PRODUCE;
        else if (!strcmp(argv[1], "consume"))
                o->mode = MODE_CONSUME;
        else if (!strcmp(argv[1], "latency"))
                o->mode = MODE_LATENCY;
        else {
                fail("unknown subcommand: %s", argv[1]);
                return -1;
        }

        for (i = 2; i < argc; i++) {
                const char *name = argv[i];
                const char *val  = i + 1 < argc ? argv[i + 1] : NULL;
                int rc           = 0;

                if (!val) {
                        fail("missing value for %s", name);
                        return -1;
                }
                i++;
                if (!strcmp(name, "--brokers"))
                        o->brokers = val;
                else if (!strcmp(name, "--topic"))
                        o->topic = val;
                else if (!strcmp(name, "--size"))
                        rc = parse_long(name, val, 0, &o->size);
                else if (!strcmp(name, "--count"))
                        rc = parse_long(name, val, 1, &o->count);
                else if (!strcmp(name, "--linger-ms"))
                        rc = parse_long(name, val, 0, &o->linger_ms);
                else if (!strcmp(name, "--batch-size"))
                        rc = parse_long(name, val, 1, &o->batch_size);
                else if (!strcmp(name, "--timeout-ms"))
                        rc = parse_long(name, val, 1, &o->timeout_ms);
                else if (!strcmp(name, "--max-errors"))
                        rc = parse_long(name, val, 0, &o->max_errors);
                else if (!strcmp(name, "--acks")) {
                        if (strcmp(val, "all") && strcmp(val, "1") &&
                            strcmp(val, "0") && strcmp(val, "-1")) {
                                fail("invalid --acks: %s", val);
                                return -1;
                        }
                        o->acks = val;
                } else if (!strcmp(name, "--rate")) {
                        char *end;
                        o->rate = strtod(val, &end);
                        if (*end || !(o->rate > 0)) {
                                fail("invalid --rate: %s", val);
                                return -1;
                        }
                } else if (!strcmp(name, "-X")) {
                        if (!strchr(val, '=') ||
                            o->extra_cnt == MAX_EXTRA_CONF) {
                                fail("invalid -X %s (key=value)", val);
                                return -1;
                        }
                        o->extra[o->extra_cnt++] = val;
                } else {
                        fail("unknown option: %s", name);
                        return -1;
                }
                if (rc)
                        return -1;
        }

        if (!o->brokers || !o->topic || o->count < 0) {
                fail("--brokers, --topic and --count are required");
                return -1;
        }
        if (o->mode == MODE_LATENCY) {
                if (!(o->rate > 0)) {
                        fail("latency needs --rate");
                        return -1;
                }
                if (o->count <= WARMUP_MESSAGES) {
                        fail("latency needs --count above %d (warm-up)",
                             WARMUP_MESSAGES);
                        return -1;
                }
        }
        return 0;
}

/* ---------------------------------------------------------------------- */
/* Client setup                                                            */

static int conf_set(rd_kafka_conf_t *conf, const char *key, const char *val) {
        char errstr[512];
        if (rd_kafka_conf_set(conf, key, val, errstr, sizeof(errstr)) !=
            RD_KAFKA_CONF_OK) {
                fail("config %s=%s: %s", key, val, errstr);
                return -1;
        }
        return 0;
}

static int conf_set_long(rd_kafka_conf_t *conf, const char *key, long val) {
        char buf[32];
        snprintf(buf, sizeof(buf), "%ld", val);
        return conf_set(conf, key, buf);
}

static int conf_failed(rd_kafka_conf_t *conf) {
        if (conf)
                rd_kafka_conf_destroy(conf);
        return 1;
}

/* Common configuration; the -X overrides are applied last by new_client(). */
static rd_kafka_conf_t *base_conf(const struct options *o) {
        rd_kafka_conf_t *conf = rd_kafka_conf_new();
        if (conf_set(conf, "bootstrap.servers", o->brokers) ||
            conf_set(conf, "client.id", "warden-bench") ||
            conf_set(conf, "socket.nagle.disable", "true")) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        /* Always on; librdkafka 2.10+ deprecates the property and warns
         * when it is set, so only older libraries are told explicitly. */
        if (rd_kafka_version() < 0x020a0000 &&
            conf_set(conf, "api.version.request", "true")) {
                rd_kafka_conf_destroy(conf);
                return NULL;
        }
        return conf;
}

static rd_kafka_t *new_client(const struct options *o, rd_kafka_type_t type,
                              rd_kafka_conf_t *conf) {
        char errstr[512];
        rd_kafka_t *rk;
        int i;

        for (i = 0; i < o->extra_cnt; i++) {
                char key[256];
                const char *eq = strchr(o->extra[i], '=');
                size_t klen    = (size_t)(eq - o->extra[i]);
                if (klen >= sizeof(key)) {
                        fail("-X key too long");
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
                memcpy(key, o->extra[i], klen);
                key[klen] = '\0';
                if (conf_set(conf, key, eq + 1)) {
                        rd_kafka_conf_destroy(conf);
                        return NULL;
                }
        }
        rk = rd_kafka_new(type, conf, errstr, sizeof(errstr));
        if (!rk) {
                fail("rd_kafka_new: %s", errstr);
                rd_kafka_conf_destroy(conf);
        }
        return rk;
}

/*
 * Fetches the topic's metadata (retrying while it is being created or the
 * cluster is unreachable) and returns its partition count, or -1. Also
 * serves as the warm-up that opens the first connection before timing.
 */
static int topic_partitions(rd_kafka_t *rk, const char *topic,
                            int32_t **ids) {
        uint64_t deadline = now_ns() + METADATA_TIMEOUT_MS * 1000000ull;
        rd_kafka_topic_t *rkt = rd_kafka_topic_new(rk, topic, NULL);
        rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
        int cnt                 = -1;

        if (!rkt) {
                fail("topic %s: %s", topic,
                     rd_kafka_err2str(rd_kafka_last_error()));
                return -1;
        }
        while (!interrupted && now_ns() < deadline) {
                const struct rd_kafka_metadata *md;
                err = rd_kafka_metadata(rk, 0, rkt, &md, 2000);
                if (err) {
                        sleep_ns(100000000u);
                        continue;
                }
                if (md->topic_cnt == 1) {
                        const struct rd_kafka_metadata_topic *t =
                            &md->topics[0];
                        err = t->err;
                        if (!err && t->partition_cnt > 0) {
                                int i;
                                cnt = t->partition_cnt;
                                if (ids) {
                                        *ids = malloc(sizeof(**ids) *
                                                      (size_t)cnt);
                                        for (i = 0; i < cnt; i++)
                                                (*ids)[i] =
                                                    t->partitions[i].id;
                                }
                        }
                }
                rd_kafka_metadata_destroy(md);
                if (cnt > 0)
                        break;
                sleep_ns(100000000u);
        }
        rd_kafka_topic_destroy(rkt);
        if (cnt < 0 && !interrupted)
                fail("no metadata for topic %s: %s", topic,
                     err ? rd_kafka_err2str(err) : "no partitions");
        return cnt;
}

/* CPU time (user + system, all threads) this process has used so far. */
static double cpu_seconds(void) {
        struct rusage ru;
        if (getrusage(RUSAGE_SELF, &ru) != 0)
                return 0;
        return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
               (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void print_throughput(const char *mode, long messages, uint64_t bytes,
                             double seconds, long errors, const char *extra) {
        double rate  = seconds > 0 ? (double)messages / seconds : 0;
        double mbsec = seconds > 0 ? (double)bytes / 1048576.0 / seconds : 0;
        printf("{\"mode\":\"%s\",\"messages\":%ld,\"bytes\":%" PRIu64
               ",\"seconds\":%.6f,\"msgsPerSec\":%.1f,\"mbPerSec\":%.3f,"
               "\"errors\":%ld,\"cpuSeconds\":%.3f%s%s}\n",
               mode, messages, bytes, seconds, rate, mbsec, errors,
               cpu_seconds(), extra ? "," : "", extra ? extra : "");
        fflush(stdout);
}

/* ---------------------------------------------------------------------- */
/* produce                                                                 */

struct produce_state {
        long delivered;
        long errors;
        uint64_t bytes;
        uint64_t last_dr_ns;
        rd_kafka_resp_err_t first_err;
};

static void produce_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                          void *opaque) {
        struct produce_state *st = opaque;
        (void)rk;
        if (m->err) {
                if (!st->first_err)
                        st->first_err = m->err;
                st->errors++;
        } else {
                st->delivered++;
                st->bytes += m->len;
        }
        st->last_dr_ns = now_ns();
}

static int run_produce(const struct options *o) {
        struct produce_state st = {0};
        rd_kafka_conf_t *conf   = base_conf(o);
        rd_kafka_t *rk;
        rd_kafka_topic_t *rkt;
        char *payload;
        int32_t *ids = NULL;
        int part_cnt;
        long produced = 0;
        uint64_t start;
        int rc = 0;

        if (!conf || conf_set(conf, "acks", o->acks) ||
            conf_set_long(conf, "linger.ms", o->linger_ms) ||
            conf_set_long(conf, "batch.size", o->batch_size) ||
            conf_set_long(conf, "message.timeout.ms", o->timeout_ms) ||
            conf_set(conf, "queue.buffering.max.messages", "1000000"))
                return conf_failed(conf);
        rd_kafka_conf_set_dr_msg_cb(conf, produce_dr_cb);
        rd_kafka_conf_set_opaque(conf, &st);
        if (!(rk = new_client(o, RD_KAFKA_PRODUCER, conf)))
                return 1;

        if ((part_cnt = topic_partitions(rk, o->topic, &ids)) < 0) {
                rd_kafka_destroy(rk);
                return interrupted ? 130 : 1;
        }

        payload = malloc((size_t)o->size + 1);
        memset(payload, 'w', (size_t)o->size + 1);
        rkt = rd_kafka_topic_new(rk, o->topic, NULL);

        start = now_ns();
        while (produced < o->count && !interrupted &&
               st.errors <= o->max_errors) {
                /* Round-robin over the partitions spreads the load (and
                 * the mock's per-partition retention) evenly; flags 0:
                 * librdkafka references the shared payload. */
                if (rd_kafka_produce(rkt, ids[produced % part_cnt], 0,
                                     payload, (size_t)o->size, NULL, 0,
                                     NULL) == -1) {
                        rd_kafka_resp_err_t err = rd_kafka_last_error();
                        if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
                                rd_kafka_poll(rk, 1);
                                continue;
                        }
                        fail("produce: %s", rd_kafka_err2str(err));
                        st.errors++;
                        if (!st.first_err)
                                st.first_err = err;
                        break;
                }
                produced++;
                if ((produced & 1023) == 0) {
                        rd_kafka_poll(rk, 0);
                        /* With --rate, an offered load: equal in every
                         * mode, so CPU per message can be compared. */
                        if (o->rate > 0) {
                                uint64_t due = start + (uint64_t)((double)produced * 1e9 / o->rate);
                                uint64_t t = now_ns();
                                if (due > t)
                                        sleep_ns(due - t);
                        }
                }
        }

        /* Bounded by message.timeout.ms: every message gets a report. */
        while (st.delivered + st.errors < produced && !interrupted &&
               st.errors <= o->max_errors)
                rd_kafka_poll(rk, 100);

        print_throughput("produce", st.delivered, st.bytes,
                         st.last_dr_ns > start
                             ? (double)(st.last_dr_ns - start) / 1e9
                             : 0,
                         st.errors, interrupted ? "\"interrupted\":true" : NULL);

        if (interrupted) {
                fail("interrupted after %ld of %ld messages", st.delivered,
                     o->count);
                rc = 130;
        } else if (st.errors > o->max_errors) {
                fail("%ld delivery errors (max %ld), first: %s", st.errors,
                     o->max_errors, rd_kafka_err2str(st.first_err));
                rc = 1;
        }

        if (rc) /* drop what is left so destroy does not wait for it */
                rd_kafka_purge(rk, RD_KAFKA_PURGE_F_QUEUE |
                                       RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(rk, 1000);
        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(rk);
        free(payload);
        free(ids);
        return rc;
}

/* ---------------------------------------------------------------------- */
/* consume                                                                 */

static int run_consume(const struct options *o) {
        rd_kafka_conf_t *conf = base_conf(o);
        rd_kafka_topic_partition_list_t *parts;
        rd_kafka_resp_err_t err, first_err = RD_KAFKA_RESP_ERR_NO_ERROR;
        rd_kafka_t *rk;
        int32_t *ids = NULL;
        int cnt, i, rc = 0;
        long messages = 0, errors = 0;
        uint64_t bytes = 0, start, first_ns = 0, last_ns = 0, idle_since;
        char extra[64];

        /* The assign()-based consumer API needs a group.id, but the group
         * is never joined and nothing is committed. */
        if (!conf || conf_set(conf, "group.id", "warden-bench") ||
            conf_set(conf, "enable.auto.commit", "false") ||
            conf_set(conf, "enable.auto.offset.store", "false") ||
            conf_set(conf, "enable.partition.eof", "false") ||
            conf_set(conf, "auto.offset.reset", "earliest"))
                return conf_failed(conf);
        if (!(rk = new_client(o, RD_KAFKA_CONSUMER, conf)))
                return 1;
        rd_kafka_poll_set_consumer(rk);

        if ((cnt = topic_partitions(rk, o->topic, &ids)) < 0) {
                rd_kafka_destroy(rk);
                return interrupted ? 130 : 1;
        }
        parts = rd_kafka_topic_partition_list_new(cnt);
        for (i = 0; i < cnt; i++)
                rd_kafka_topic_partition_list_add(parts, o->topic, ids[i])
                    ->offset = RD_KAFKA_OFFSET_BEGINNING;
        free(ids);

        start = idle_since = now_ns();
        if ((err = rd_kafka_assign(rk, parts))) {
                fail("assign: %s", rd_kafka_err2str(err));
                rd_kafka_topic_partition_list_destroy(parts);
                rd_kafka_destroy(rk);
                return 1;
        }
        rd_kafka_topic_partition_list_destroy(parts);

        while (messages < o->count && !interrupted) {
                rd_kafka_message_t *m = rd_kafka_consumer_poll(rk, 100);
                uint64_t t            = now_ns();
                if (!m) {
                        if (t - idle_since >
                            (uint64_t)o->timeout_ms * 1000000u) {
                                fail("no message for %ld ms", o->timeout_ms);
                                rc = 1;
                                break;
                        }
                        continue;
                }
                if (m->err) {
                        if (!first_err)
                                first_err = m->err;
                        errors++;
                        fail("consume error: %s", rd_kafka_message_errstr(m));
                } else {
                        if (!messages)
                                first_ns = t;
                        messages++;
                        bytes += m->len + m->key_len;
                        last_ns    = t;
                        idle_since = t;
                }
                rd_kafka_message_destroy(m);
                if (errors > o->max_errors) {
                        rc = 1;
                        break;
                }
        }

        snprintf(extra, sizeof(extra), "\"firstMessageMs\":%.3f%s",
                 first_ns ? (double)(first_ns - start) / 1e6 : 0.0,
                 interrupted ? ",\"interrupted\":true" : "");
        print_throughput("consume", messages, bytes,
                         last_ns ? (double)(last_ns - start) / 1e9 : 0,
                         errors, extra);

        if (interrupted) {
                fail("interrupted after %ld of %ld messages", messages,
                     o->count);
                rc = 130;
        } else if (errors > o->max_errors) {
                fail("%ld consume errors (max %ld), first: %s", errors,
                     o->max_errors, rd_kafka_err2str(first_err));
        } else if (rc) {
                fail("only %ld of %ld messages consumed", messages,
                     o->count);
        }

        rd_kafka_consumer_close(rk);
        rd_kafka_destroy(rk);
        return rc;
}

/* ---------------------------------------------------------------------- */
/* latency                                                                 */

struct latency_state {
        uint64_t *sent_ns;   /* per message, set before produce */
        int64_t *latency_ns; /* per message, -1 until delivered */
        atomic_long reported;
        atomic_long errors;
        _Atomic rd_kafka_resp_err_t first_err;
        atomic_int stop_poller;
        rd_kafka_t *rk;
};

static void latency_dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m,
                          void *opaque) {
        struct latency_state *st = opaque;
        long idx                 = (long)(intptr_t)m->_private;
        uint64_t t               = now_ns();
        (void)rk;
        if (m->err) {
                rd_kafka_resp_err_t none = RD_KAFKA_RESP_ERR_NO_ERROR;
                atomic_compare_exchange_strong(&st->first_err, &none, m->err);
                atomic_fetch_add(&st->errors, 1);
        } else {
                st->latency_ns[idx] = (int64_t)(t - st->sent_ns[idx]);
        }
        atomic_fetch_add(&st->reported, 1);
}

/* Serves delivery reports as soon as they arrive, so that the sending
 * thread's sleeps do not add to the measured latency. */
static void *latency_poller(void *arg) {
        struct latency_state *st = arg;
        while (!atomic_load(&st->stop_poller))
                rd_kafka_poll(st->rk, 50);
        rd_kafka_poll(st->rk, 0);
        return NULL;
}

static int cmp_i64(const void *a, const void *b) {
        int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
        return (x > y) - (x < y);
}

/* Nearest-rank percentile of a sorted array, in microseconds. */
static double percentile_us(const int64_t *sorted, long n, double p) {
        long rank = (long)((p / 100.0) * (double)n + 0.999999);
        if (n == 0)
                return 0;
        if (rank < 1)
                rank = 1;
        if (rank > n)
                rank = n;
        return (double)sorted[rank - 1] / 1000.0;
}

static int run_latency(const struct options *o) {
        struct latency_state st;
        rd_kafka_conf_t *conf = base_conf(o);
        rd_kafka_topic_t *rkt;
        pthread_t poller;
        sigset_t all, old;
        char *payload;
        int64_t *samples;
        long sent = 0, n = 0, i, errors, pending;
        uint64_t interval_ns = (uint64_t)(1e9 / o->rate), t0, deadline;
        int rc = 0;

        if (!conf || conf_set(conf, "acks", "1") ||
            conf_set(conf, "linger.ms", "0") ||
            conf_set_long(conf, "message.timeout.ms", o->timeout_ms))
                return conf_failed(conf);

        memset(&st, 0, sizeof(st));
        st.sent_ns    = calloc((size_t)o->count, sizeof(*st.sent_ns));
        st.latency_ns = malloc((size_t)o->count * sizeof(*st.latency_ns));
        for (i = 0; i < o->count; i++)
                st.latency_ns[i] = -1;
        rd_kafka_conf_set_dr_msg_cb(conf, latency_dr_cb);
        rd_kafka_conf_set_opaque(conf, &st);
        if (!(st.rk = new_client(o, RD_KAFKA_PRODUCER, conf)) ||
            topic_partitions(st.rk, o->topic, NULL) < 0) {
                if (st.rk)
                        rd_kafka_destroy(st.rk);
                free(st.sent_ns);
                free(st.latency_ns);
                return interrupted ? 130 : 1;
        }

        payload = malloc((size_t)o->size + 1);
        memset(payload, 'l', (size_t)o->size + 1);
        rkt = rd_kafka_topic_new(st.rk, o->topic, NULL);

        /* Signals stay with the main thread. */
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        pthread_create(&poller, NULL, latency_poller, &st);
        pthread_sigmask(SIG_SETMASK, &old, NULL);

        /* Open loop: message i is due at t0 + i/rate whatever the
         * latency of earlier ones, so slow responses are not hidden. */
        t0 = now_ns();
        while (sent < o->count && !interrupted &&
               atomic_load(&st.errors) <= o->max_errors) {
                uint64_t due = t0 + (uint64_t)sent * interval_ns;
                uint64_t t   = now_ns();
                if (t < due) {
                        sleep_ns(due - t); /* EINTR: loop re-checks */
                        continue;
                }
                st.sent_ns[sent] = now_ns();
                if (rd_kafka_produce(rkt, RD_KAFKA_PARTITION_UA, 0, payload,
                                     (size_t)o->size, NULL, 0,
                                     (void *)(intptr_t)sent) == -1) {
                        rd_kafka_resp_err_t err = rd_kafka_last_error();
                        fail("produce: %s", rd_kafka_err2str(err));
                        atomic_fetch_add(&st.errors, 1);
                        break;
                }
                sent++;
        }

        deadline = now_ns() + (uint64_t)o->timeout_ms * 1000000u + 1000000000u;
        while (atomic_load(&st.reported) < sent && !interrupted &&
               atomic_load(&st.errors) <= o->max_errors && now_ns() < deadline)
                sleep_ns(1000000u);
        errors  = atomic_load(&st.errors); /* before purge adds its own */
        pending = sent - atomic_load(&st.reported);
        if (pending > 0)
                rd_kafka_purge(st.rk, RD_KAFKA_PURGE_F_QUEUE |
                                          RD_KAFKA_PURGE_F_INFLIGHT);
        rd_kafka_flush(st.rk, 1000);
        atomic_store(&st.stop_poller, 1);
        pthread_join(poller, NULL);

        samples = malloc((size_t)o->count * sizeof(*samples));
        for (i = WARMUP_MESSAGES; i < sent; i++)
                if (st.latency_ns[i] >= 0)
                        samples[n++] = st.latency_ns[i];
        qsort(samples, (size_t)n, sizeof(*samples), cmp_i64);

        printf("{\"mode\":\"latency\",\"count\":%ld,\"p50us\":%.1f,"
               "\"p90us\":%.1f,\"p99us\":%.1f,\"maxus\":%.1f,"
               "\"rate\":%.1f,\"errors\":%ld%s}\n",
               n, percentile_us(samples, n, 50), percentile_us(samples, n, 90),
               percentile_us(samples, n, 99),
               n ? (double)samples[n - 1] / 1000.0 : 0.0, o->rate, errors,
               interrupted ? ",\"interrupted\":true" : "");
        fflush(stdout);

        if (interrupted) {
                fail("interrupted after %ld of %ld messages", sent, o->count);
                rc = 130;
        } else if (errors > o->max_errors) {
                fail("%ld delivery errors (max %ld), first: %s", errors,
                     o->max_errors,
                     rd_kafka_err2str(atomic_load(&st.first_err)));
                rc = 1;
        } else if (pending > 0) {
                fail("%ld delivery reports missing", pending);
                rc = 1;
        }

        rd_kafka_topic_destroy(rkt);
        rd_kafka_destroy(st.rk);
        free(samples);
        free(payload);
        free(st.sent_ns);
        free(st.latency_ns);
        return rc;
}

/* ---------------------------------------------------------------------- */

int main(int argc, char **argv) {
        struct options o;
        struct sigaction sa;

        if (argc >= 2 &&
            (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
                usage(stdout);
                return 0;
        }
        if (parse_options(argc, argv, &o)) {
                usage(stderr);
                return 2;
        }

        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        switch (o.mode) {
        case MODE_PRODUCE:
                return run_produce(&o);
        case MODE_CONSUME:
                return run_consume(&o);
        case MODE_LATENCY:
                return run_latency(&o);
        }
        return 2;
}
