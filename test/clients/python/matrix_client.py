"""Client compatibility checks (README "Client compatibility") on a Python Kafka client.

    python matrix_client.py --client confluent|kafka-python PLAN_JSON

confluent is confluent-kafka (on its bundled librdkafka), kafka-python the pure Python client;
both pinned in requirements.txt and installed into .cache/pyenv by scripts/build-test-clients.sh.
The plan is the one test/clients/franz/main.go documents:

    {"bootstrap": "host:port", "tls": {"ca": FILE, "cert": FILE, "key": FILE},
     "sasl": {"mechanism": "SCRAM-SHA-512", "user": U, "password": P},
     "matrix": {"topic": T, "group": G, "values": [...], "deniedTopic": D, "timeoutMs": MS,
                "checks": ["metadata", "produce", "consume", "group", "denied"]}}

One JSON line on stdout: each check's outcome under its name ({"error": "..."} when it failed,
with the exception's class name first); an error does not stop the other checks.
"""
import argparse
import json
import logging
import sys
import time


def err_text(e):
    return f"{type(e).__name__}: {e}"


class Confluent:
    def __init__(self, plan):
        import confluent_kafka
        import confluent_kafka.admin  # noqa: F401 - not imported by the package itself
        self.ck = confluent_kafka
        self.plan = plan
        self.errors = []  # what error_cb reported (authentication failures arrive there)
        conf = {"bootstrap.servers": plan["bootstrap"], "client.id": "confluent-test", "error_cb": lambda e: self.errors.append(str(e))}
        tls, sasl = plan.get("tls"), plan.get("sasl")
        if tls:
            conf["ssl.ca.location"] = tls["ca"]
            if tls.get("cert"):
                conf["ssl.certificate.location"] = tls["cert"]
                conf["ssl.key.location"] = tls["key"]
        if sasl:
            conf.update({"security.protocol": "SASL_SSL" if tls else "SASL_PLAINTEXT", "sasl.mechanism": sasl["mechanism"], "sasl.username": sasl["user"], "sasl.password": sasl["password"]})
        elif tls:
            conf["security.protocol"] = "SSL"
        self.conf = conf
        self.timeout = plan["matrix"]["timeoutMs"] / 1000

    def fail(self, e):
        """The exception, with what error_cb saw (the cause of a timeout)."""
        return err_text(e) + ("; error_cb: " + " | ".join(self.errors) if self.errors else "")

    def metadata(self):
        a = self.ck.admin.AdminClient(self.conf)
        try:
            md = a.list_topics(timeout=self.timeout)
        except Exception:
            a.poll(1)  # serves error_cb: the cause of the failure
            raise
        return {"brokers": [{"id": b.id, "host": b.host, "port": b.port} for b in md.brokers.values()]}

    def produce(self, topic, values):
        p = self.ck.Producer({**self.conf, "message.timeout.ms": int(self.timeout * 1000), "acks": "all"})
        reports = []
        for v in values:
            p.produce(topic, v.encode(), on_delivery=lambda err, msg: reports.append(err))
        left = p.flush(self.timeout)
        failed = [e for e in reports if e is not None]
        if failed:
            raise self.ck.KafkaException(failed[0])
        if left or len(reports) != len(values):
            raise TimeoutError(f"{left} messages not delivered")
        return {"count": len(values)}

    def _poll(self, c, want):
        got = []
        end = time.monotonic() + self.timeout
        while len(got) < want and time.monotonic() < end:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                raise self.ck.KafkaException(m.error())
            got.append(m.value().decode())
        if len(got) < want:
            raise TimeoutError(f"received {len(got)} of {want}")
        return got

    def consume(self):
        m = self.plan["matrix"]
        c = self.ck.Consumer({**self.conf, "group.id": m["group"] + "-assign", "enable.auto.commit": False})
        try:
            parts = c.list_topics(m["topic"], timeout=self.timeout).topics[m["topic"]].partitions
            c.assign([self.ck.TopicPartition(m["topic"], p, self.ck.OFFSET_BEGINNING) for p in parts])
            return {"values": sorted(self._poll(c, len(m["values"])))}
        finally:
            c.close()

    def group(self):
        m = self.plan["matrix"]
        c = self.ck.Consumer({**self.conf, "group.id": m["group"], "enable.auto.commit": False, "auto.offset.reset": "earliest"})
        try:
            c.subscribe([m["topic"]])
            got = self._poll(c, len(m["values"]))
            c.commit(asynchronous=False)
            parts = c.list_topics(m["topic"], timeout=self.timeout).topics[m["topic"]].partitions
            committed = c.committed([self.ck.TopicPartition(m["topic"], p) for p in parts], timeout=self.timeout)
        finally:
            c.close()
        return {"values": sorted(got), "committed": sum(tp.offset for tp in committed if tp.offset > 0)}


class KafkaPython:
    def __init__(self, plan):
        import kafka
        self.kafka = kafka
        self.plan = plan
        # What kafka-python logs at WARNING and above: a failed authentication only shows there,
        # the call itself ends in a timeout.
        self.logged = []
        handler = logging.Handler(logging.WARNING)
        handler.emit = lambda record: self.logged.append(record.getMessage())
        logging.getLogger("kafka").addHandler(handler)
        conf = {"bootstrap_servers": plan["bootstrap"], "client_id": "kafka-python-test", "request_timeout_ms": 20000}
        tls, sasl = plan.get("tls"), plan.get("sasl")
        if tls:
            conf.update({"ssl_cafile": tls["ca"], "ssl_check_hostname": True})
            if tls.get("cert"):
                conf.update({"ssl_certfile": tls["cert"], "ssl_keyfile": tls["key"]})
        if sasl:
            conf.update({"security_protocol": "SASL_SSL" if tls else "SASL_PLAINTEXT", "sasl_mechanism": sasl["mechanism"], "sasl_plain_username": sasl["user"], "sasl_plain_password": sasl["password"]})
        elif tls:
            conf["security_protocol"] = "SSL"
        self.conf = conf
        self.timeout = plan["matrix"]["timeoutMs"] / 1000

    def fail(self, e):
        """The exception, with the last things kafka-python logged (the cause of a timeout)."""
        return err_text(e) + ("; log: " + " | ".join(dict.fromkeys(self.logged)) if self.logged else "")

    def metadata(self):
        a = self.kafka.KafkaAdminClient(**self.conf, bootstrap_timeout_ms=int(self.timeout * 1000))
        try:
            cluster = a.describe_cluster()
            return {"brokers": [{"id": b["broker_id"], "host": b["host"], "port": b["port"]} for b in cluster["brokers"]]}
        finally:
            a.close()

    def produce(self, topic, values):
        p = self.kafka.KafkaProducer(**self.conf, acks="all", max_block_ms=int(self.timeout * 1000))
        try:
            futures = [p.send(topic, v.encode()) for v in values]
            for f in futures:
                f.get(timeout=self.timeout)
            return {"count": len(values)}
        finally:
            p.close(timeout=5)

    def _poll(self, c, want):
        got = []
        end = time.monotonic() + self.timeout
        while len(got) < want and time.monotonic() < end:
            for records in c.poll(timeout_ms=500).values():
                got.extend(r.value.decode() for r in records)
        if len(got) < want:
            raise TimeoutError(f"received {len(got)} of {want}")
        return got

    def consume(self):
        m = self.plan["matrix"]
        c = self.kafka.KafkaConsumer(**self.conf, group_id=None, enable_auto_commit=False)
        try:
            parts = c.partitions_for_topic(m["topic"]) or set()
            tps = [self.kafka.TopicPartition(m["topic"], p) for p in sorted(parts)]
            c.assign(tps)
            c.seek_to_beginning(*tps)
            return {"values": sorted(self._poll(c, len(m["values"])))}
        finally:
            c.close()

    def group(self):
        m = self.plan["matrix"]
        c = self.kafka.KafkaConsumer(**self.conf, group_id=m["group"], enable_auto_commit=False, auto_offset_reset="earliest")
        try:
            c.subscribe([m["topic"]])
            got = self._poll(c, len(m["values"]))
            c.commit()
            tps = [self.kafka.TopicPartition(m["topic"], p) for p in sorted(c.partitions_for_topic(m["topic"]))]
            committed = [c.committed(tp) for tp in tps]
        finally:
            c.close()
        return {"values": sorted(got), "committed": sum(o for o in committed if o is not None and o > 0)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--client", choices=["confluent", "kafka-python"], required=True)
    ap.add_argument("plan")
    args = ap.parse_args()
    plan = json.loads(args.plan)
    m = plan["matrix"]
    out = {}
    try:
        client = Confluent(plan) if args.client == "confluent" else KafkaPython(plan)
    except Exception as e:  # noqa: BLE001 - reported, not raised
        print(json.dumps({"error": err_text(e)}))
        return
    for check in m["checks"]:
        try:
            if check == "metadata":
                out[check] = client.metadata()
            elif check == "produce":
                out[check] = client.produce(m["topic"], m["values"])
            elif check == "consume":
                out[check] = client.consume()
            elif check == "group":
                out[check] = client.group()
            elif check == "denied":
                out[check] = {"produced": client.produce(m["deniedTopic"], ["nope"])["count"]}
            else:
                out[check] = {"error": f"unknown check {check}"}
        except Exception as e:  # noqa: BLE001 - reported, not raised
            out[check] = {"error": client.fail(e)}
    print(json.dumps(out))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
