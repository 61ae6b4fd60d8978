// sarama-client: the Sarama Go client (github.com/IBM/sarama, pinned in go.mod), an independent
// Kafka protocol implementation, driven by the integration tests. One JSON plan in
// argv[1], one JSON result line on stdout; the first error stops the plan and is reported.
//
//	{"bootstrap": "host:port", "version": "1.0.0", "tls": {"ca": FILE, "cert": FILE, "key": FILE},
//	 "sasl": {"mechanism": "SCRAM-SHA-512", "user": U, "password": P},
//	 "steps": [{"produce": {"topic": T, "values": [...]}},
//	           {"consumeGroup": {"topic": T, "group": G, "expect": [...], "timeoutMs": MS}}]}
//
// consumeGroup runs a group member until every expected value arrived (or the time is up) and
// reports everything it received, sorted.
//
// With "matrix" instead of "steps" it runs the client compatibility checks (matrix.go).
//
// Built by scripts/build-test-clients.sh as a Go module (go.mod, go.sum).
package main

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/IBM/sarama"
	"github.com/xdg-go/scram"
)

type plan struct {
	Bootstrap string `json:"bootstrap"`
	Version   string `json:"version"`
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
	Steps  []map[string]json.RawMessage `json:"steps"`
	Matrix *matrixPlan                  `json:"matrix"`
}

// scramClient adapts xdg-go/scram to sarama.SCRAMClient.
type scramClient struct {
	*scram.Client
	*scram.ClientConversation
	hash scram.HashGeneratorFcn
}

func (c *scramClient) Begin(user, password, authzID string) error {
	cl, err := c.hash.NewClient(user, password, authzID)
	if err != nil {
		return err
	}
	c.Client = cl
	c.ClientConversation = cl.NewConversation()
	return nil
}

func (c *scramClient) Step(challenge string) (string, error) {
	return c.ClientConversation.Step(challenge)
}
func (c *scramClient) Done() bool { return c.ClientConversation.Done() }

func config(p *plan) (*sarama.Config, error) {
	cfg := sarama.NewConfig()
	cfg.ClientID = "sarama-test"
	v, err := sarama.ParseKafkaVersion(p.Version)
	if err != nil {
		return nil, err
	}
	cfg.Version = v
	cfg.Metadata.Retry.Max = 2
	cfg.Metadata.Retry.Backoff = 200 * time.Millisecond
	cfg.Net.DialTimeout = 10 * time.Second
	cfg.Producer.Return.Successes = true
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	cfg.Producer.Retry.Max = 1
	cfg.Consumer.Offsets.Initial = sarama.OffsetOldest
	cfg.Consumer.Return.Errors = true
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
		cfg.Net.TLS.Enable = true
		cfg.Net.TLS.Config = tc
	}
	if p.SASL != nil {
		cfg.Net.SASL.Enable = true
		cfg.Net.SASL.Handshake = true
		if !v.IsAtLeast(sarama.V1_0_0_0) {
			// Below Kafka 1.0 Sarama refuses SaslHandshake v1 itself: v0 and raw tokens, which it
			// only runs without ApiVersions.
			cfg.Net.SASL.Version = sarama.SASLHandshakeV0
			cfg.ApiVersionsRequest = false
		}
		cfg.Net.SASL.User = p.SASL.User
		cfg.Net.SASL.Password = p.SASL.Password
		switch p.SASL.Mechanism {
		case "PLAIN":
			cfg.Net.SASL.Mechanism = sarama.SASLTypePlaintext
		case "SCRAM-SHA-256":
			cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA256
			cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: sha256.New} }
		case "SCRAM-SHA-512":
			cfg.Net.SASL.Mechanism = sarama.SASLTypeSCRAMSHA512
			cfg.Net.SASL.SCRAMClientGeneratorFunc = func() sarama.SCRAMClient { return &scramClient{hash: sha512.New} }
		default:
			return nil, fmt.Errorf("unknown mechanism %s", p.SASL.Mechanism)
		}
	}
	return cfg, nil
}

// handler collects the values a consumer group member receives until every expected one is in.
type handler struct {
	mu      sync.Mutex
	got     []string
	missing map[string]bool
	done    chan struct{}
}

func (h *handler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *handler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *handler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for m := range c.Messages() {
		s.MarkMessage(m, "")
		h.mu.Lock()
		h.got = append(h.got, string(m.Value))
		if h.missing[string(m.Value)] {
			delete(h.missing, string(m.Value))
			if len(h.missing) == 0 {
				close(h.done)
			}
		}
		h.mu.Unlock()
	}
	return nil
}

func run(p *plan, out map[string]interface{}) error {
	cfg, err := config(p)
	if err != nil {
		return err
	}
	addrs := []string{p.Bootstrap}
	for _, step := range p.Steps {
		for kind, raw := range step {
			switch kind {
			case "produce":
				var s struct {
					Topic  string   `json:"topic"`
					Values []string `json:"values"`
				}
				json.Unmarshal(raw, &s)
				prod, err := sarama.NewSyncProducer(addrs, cfg)
				if err != nil {
					return err
				}
				msgs := make([]*sarama.ProducerMessage, 0, len(s.Values))
				for _, v := range s.Values {
					msgs = append(msgs, &sarama.ProducerMessage{Topic: s.Topic, Value: sarama.StringEncoder(v)})
				}
				err = prod.SendMessages(msgs)
				prod.Close()
				if err != nil {
					return err
				}
				out["produced"] = len(msgs)
			case "consumeGroup":
				var s struct {
					Topic     string   `json:"topic"`
					Group     string   `json:"group"`
					Expect    []string `json:"expect"`
					TimeoutMs int      `json:"timeoutMs"`
				}
				json.Unmarshal(raw, &s)
				g, err := sarama.NewConsumerGroup(addrs, s.Group, cfg)
				if err != nil {
					return err
				}
				h := &handler{missing: map[string]bool{}, done: make(chan struct{})}
				for _, v := range s.Expect {
					h.missing[v] = true
				}
				ctx, cancel := context.WithCancel(context.Background())
				errs := make(chan error, 1)
				go func() {
					for ctx.Err() == nil {
						if err := g.Consume(ctx, []string{s.Topic}, h); err != nil {
							errs <- err
							return
						}
					}
				}()
				select {
				case <-h.done:
				case err := <-errs:
					cancel()
					g.Close()
					return err
				case <-time.After(time.Duration(s.TimeoutMs) * time.Millisecond):
				}
				cancel()
				g.Close()
				h.mu.Lock()
				got := append([]string(nil), h.got...)
				h.mu.Unlock()
				sort.Strings(got)
				out["consumed"] = got
			default:
				return fmt.Errorf("unknown step %s", kind)
			}
		}
	}
	return nil
}

func main() {
	var p plan
	if len(os.Args) < 2 || json.Unmarshal([]byte(os.Args[1]), &p) != nil {
		fmt.Fprintln(os.Stderr, "usage: sarama-client PLAN_JSON")
		os.Exit(2)
	}
	if os.Getenv("SARAMA_DEBUG") != "" {
		sarama.Logger = log.New(os.Stderr, "[sarama] ", log.Lmicroseconds)
	}
	if p.Version == "" && p.Matrix != nil {
		p.Version = sarama.DefaultVersion.String()
	} else if p.Version == "" {
		p.Version = "1.0.0"
	}
	out := map[string]interface{}{}
	if p.Matrix != nil {
		runMatrix(&p, out)
	} else if err := run(&p, out); err != nil {
		out["error"] = strings.TrimSpace(err.Error())
	}
	b, _ := json.Marshal(out)
	fmt.Println(string(b))
}
