// franz-client: the franz-go Kafka client (github.com/twmb/franz-go with pkg/kadm, pinned in
// go.mod), an independent Kafka protocol implementation, running the client compatibility checks
// (README "Client compatibility") through the proxy. One JSON plan in argv[1], one JSON result
// line on stdout: each check's outcome under its name, an error does not stop the others.
//
//	{"bootstrap": "host:port", "tls": {"ca": FILE, "cert": FILE, "key": FILE},
//	 "sasl": {"mechanism": "SCRAM-SHA-512", "user": U, "password": P},
//	 "matrix": {"topic": T, "group": G, "values": [...], "deniedTopic": D, "timeoutMs": MS,
//	            "checks": ["metadata", "produce", "consume", "group", "denied"]}}
//
//	metadata: {"brokers": [{"id", "host", "port"}]}     the brokers the cluster advertises
//	produce:  {"count": N}                              values produced to T (synchronously)
//	consume:  {"values": [...]}                         T read from the beginning, no group
//	group:    {"values": [...], "committed": N}         a member of G reads T, commits, leaves;
//	                                                    then G's committed offsets on T, summed
//	denied:   {"error": "..."}                          producing to D
//
// Built by scripts/build-test-clients.sh as a Go module (go.mod, go.sum).
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

type plan struct {
	Bootstrap string `json:"bootstrap"`
	TLS       *struct {
		CA   string `json:"ca"`
		Cert string `json:"cert"`
		Key  string `json:"key"`
	} `json:"tls"`
	SASL *struct {
		Mechanism string `json:"mechanism"`
		User      string `json:"user"`
		Password  string `json:"password"`
	} `json:"sasl"`
	Matrix struct {
		Topic       string   `json:"topic"`
		Group       string   `json:"group"`
		Values      []string `json:"values"`
		DeniedTopic string   `json:"deniedTopic"`
		TimeoutMs   int      `json:"timeoutMs"`
		Checks      []string `json:"checks"`
	} `json:"matrix"`
}

func options(p *plan) ([]kgo.Opt, error) {
	opts := []kgo.Opt{kgo.SeedBrokers(p.Bootstrap), kgo.ClientID("franz-test"), kgo.DialTimeout(10 * time.Second), kgo.RequestRetries(2)}
	if os.Getenv("FRANZ_DEBUG") != "" {
		opts = append(opts, kgo.WithLogger(kgo.BasicLogger(os.Stderr, kgo.LogLevelDebug, nil)))
	}
	if p.TLS != nil {
		pool := x509.NewCertPool()
		ca, err := os.ReadFile(p.TLS.CA)
		if err != nil {
			return nil, err
		}
		pool.AppendCertsFromPEM(ca)
		tc := &tls.Config{RootCAs: pool, ServerName: "localhost"}
		if p.TLS.Cert != "" {
			pair, err := tls.LoadX509KeyPair(p.TLS.Cert, p.TLS.Key)
			if err != nil {
				return nil, err
			}
			tc.Certificates = []tls.Certificate{pair}
		}
		opts = append(opts, kgo.DialTLSConfig(tc))
	}
	if s := p.SASL; s != nil {
		switch s.Mechanism {
		case "PLAIN":
			opts = append(opts, kgo.SASL(plain.Auth{User: s.User, Pass: s.Password}.AsMechanism()))
		case "SCRAM-SHA-256":
			opts = append(opts, kgo.SASL(scram.Auth{User: s.User, Pass: s.Password}.AsSha256Mechanism()))
		case "SCRAM-SHA-512":
			opts = append(opts, kgo.SASL(scram.Auth{User: s.User, Pass: s.Password}.AsSha512Mechanism()))
		default:
			return nil, fmt.Errorf("unknown mechanism %s", s.Mechanism)
		}
	}
	return opts, nil
}

func client(p *plan, extra ...kgo.Opt) (*kgo.Client, error) {
	opts, err := options(p)
	if err != nil {
		return nil, err
	}
	return kgo.NewClient(append(opts, extra...)...)
}

func metadata(ctx context.Context, p *plan, res map[string]interface{}) error {
	cl, err := client(p)
	if err != nil {
		return err
	}
	defer cl.Close()
	md, err := kadm.NewClient(cl).BrokerMetadata(ctx)
	if err != nil {
		return err
	}
	brokers := []map[string]interface{}{}
	for _, b := range md.Brokers {
		brokers = append(brokers, map[string]interface{}{"id": b.NodeID, "host": b.Host, "port": b.Port})
	}
	res["brokers"] = brokers
	return nil
}

func produce(ctx context.Context, p *plan, topic string, values []string, res map[string]interface{}) error {
	cl, err := client(p, kgo.RecordRetries(2))
	if err != nil {
		return err
	}
	defer cl.Close()
	recs := make([]*kgo.Record, 0, len(values))
	for _, v := range values {
		recs = append(recs, &kgo.Record{Topic: topic, Value: []byte(v)})
	}
	if err := cl.ProduceSync(ctx, recs...).FirstErr(); err != nil {
		return err
	}
	res["count"] = len(recs)
	return nil
}

// poll collects record values until want arrived; a fetch error other than a retriable one ends it.
func poll(ctx context.Context, cl *kgo.Client, want int) ([]string, error) {
	got := []string{}
	for len(got) < want {
		fs := cl.PollFetches(ctx)
		if ctx.Err() != nil {
			return got, errors.New("timed out")
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) { ferr = err })
		if ferr != nil {
			return got, ferr
		}
		fs.EachRecord(func(r *kgo.Record) { got = append(got, string(r.Value)) })
	}
	return got, nil
}

func consume(ctx context.Context, p *plan, res map[string]interface{}) error {
	m := p.Matrix
	cl, err := client(p, kgo.ConsumeTopics(m.Topic), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	defer cl.Close()
	got, err := poll(ctx, cl, len(m.Values))
	sort.Strings(got)
	res["values"] = got
	return err
}

func group(ctx context.Context, p *plan, res map[string]interface{}) error {
	m := p.Matrix
	cl, err := client(p, kgo.ConsumeTopics(m.Topic), kgo.ConsumerGroup(m.Group), kgo.DisableAutoCommit(), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
	if err != nil {
		return err
	}
	got, err := poll(ctx, cl, len(m.Values))
	sort.Strings(got)
	res["values"] = got
	if err == nil {
		err = cl.CommitUncommittedOffsets(ctx)
	}
	cl.Close() // leaves the group
	if err != nil {
		return err
	}
	// The committed offsets, read back with a fresh admin client (OffsetFetch).
	acl, err := client(p)
	if err != nil {
		return err
	}
	defer acl.Close()
	offs, err := kadm.NewClient(acl).FetchOffsets(ctx, m.Group)
	if err != nil {
		return err
	}
	if err := offs.Error(); err != nil {
		return err
	}
	var sum int64
	for _, o := range offs[m.Topic] {
		sum += o.At
	}
	res["committed"] = sum
	return nil
}

func main() {
	var p plan
	if len(os.Args) < 2 || json.Unmarshal([]byte(os.Args[1]), &p) != nil {
		fmt.Fprintln(os.Stderr, "usage: franz-client PLAN_JSON")
		os.Exit(2)
	}
	out := map[string]interface{}{}
	for _, check := range p.Matrix.Checks {
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(p.Matrix.TimeoutMs)*time.Millisecond)
		res := map[string]interface{}{}
		var err error
		switch check {
		case "metadata":
			err = metadata(ctx, &p, res)
		case "produce":
			err = produce(ctx, &p, p.Matrix.Topic, p.Matrix.Values, res)
		case "consume":
			err = consume(ctx, &p, res)
		case "group":
			err = group(ctx, &p, res)
		case "denied":
			if e := produce(ctx, &p, p.Matrix.DeniedTopic, []string{"nope"}, map[string]interface{}{}); e != nil {
				res["error"] = e.Error()
			} else {
				res["produced"] = 1
			}
		default:
			err = errors.New("unknown check " + check)
		}
		cancel()
		if err != nil {
			res["error"] = err.Error()
		}
		out[check] = res
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
