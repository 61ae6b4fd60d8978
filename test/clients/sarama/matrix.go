package main

// The client compatibility checks (README "Client compatibility"), the same in every matrix
// driver: each check's outcome goes under its name in the result, an error does not stop the
// others.
//
//	{"topic": T, "group": G, "values": [...], "deniedTopic": D, "timeoutMs": MS,
//	 "checks": ["metadata", "produce", "consume", "group", "denied"]}
//
//	metadata: {"brokers": [{"id", "host", "port"}]}     the brokers the cluster advertises
//	produce:  {"count": N}                              values produced to T (synchronously)
//	consume:  {"values": [...]}                         T read from the beginning, no group
//	group:    {"values": [...], "committed": N}         a member of G reads T, commits, leaves;
//	                                                    then G's committed offsets on T, summed
//	denied:   {"error": "..."}                          producing to D

import (
	"context"
	"errors"
	"net"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/IBM/sarama"
)

type matrixPlan struct {
	Topic       string   `json:"topic"`
	Group       string   `json:"group"`
	Values      []string `json:"values"`
	DeniedTopic string   `json:"deniedTopic"`
	TimeoutMs   int      `json:"timeoutMs"`
	Checks      []string `json:"checks"`
}

func runMatrix(p *plan, out map[string]interface{}) {
	m := p.Matrix
	timeout := time.Duration(m.TimeoutMs) * time.Millisecond
	for _, check := range m.Checks {
		res := map[string]interface{}{}
		var err error
		switch check {
		case "metadata":
			err = matrixMetadata(p, res)
		case "produce":
			err = matrixProduce(p, m.Topic, m.Values, res)
		case "consume":
			err = matrixConsume(p, m, timeout, res)
		case "group":
			err = matrixGroup(p, m, timeout, res)
		case "denied":
			res2 := map[string]interface{}{}
			if err2 := matrixProduce(p, m.DeniedTopic, []string{"nope"}, res2); err2 != nil {
				res["error"] = err2.Error()
			} else {
				res["produced"] = res2["count"]
			}
		default:
			err = errors.New("unknown check " + check)
		}
		if err != nil {
			res["error"] = err.Error()
		}
		out[check] = res
	}
}

func matrixClient(p *plan) (sarama.Client, error) {
	cfg, err := config(p)
	if err != nil {
		return nil, err
	}
	cfg.Consumer.Offsets.AutoCommit.Enable = false
	return sarama.NewClient([]string{p.Bootstrap}, cfg)
}

func matrixMetadata(p *plan, res map[string]interface{}) error {
	c, err := matrixClient(p)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.RefreshMetadata(); err != nil {
		return err
	}
	brokers := []map[string]interface{}{}
	for _, b := range c.Brokers() {
		host, port, _ := net.SplitHostPort(b.Addr())
		n, _ := strconv.Atoi(port)
		brokers = append(brokers, map[string]interface{}{"id": b.ID(), "host": host, "port": n})
	}
	res["brokers"] = brokers
	return nil
}

func matrixProduce(p *plan, topic string, values []string, res map[string]interface{}) error {
	c, err := matrixClient(p)
	if err != nil {
		return err
	}
	defer c.Close()
	prod, err := sarama.NewSyncProducerFromClient(c)
	if err != nil {
		return err
	}
	defer prod.Close()
	msgs := make([]*sarama.ProducerMessage, 0, len(values))
	for _, v := range values {
		msgs = append(msgs, &sarama.ProducerMessage{Topic: topic, Value: sarama.StringEncoder(v)})
	}
	if err := prod.SendMessages(msgs); err != nil {
		var pe sarama.ProducerErrors
		if errors.As(err, &pe) && len(pe) > 0 {
			return pe[0].Err
		}
		return err
	}
	res["count"] = len(msgs)
	return nil
}

func matrixConsume(p *plan, m *matrixPlan, timeout time.Duration, res map[string]interface{}) error {
	c, err := matrixClient(p)
	if err != nil {
		return err
	}
	defer c.Close()
	cons, err := sarama.NewConsumerFromClient(c)
	if err != nil {
		return err
	}
	defer cons.Close()
	parts, err := cons.Partitions(m.Topic)
	if err != nil {
		return err
	}
	msgs := make(chan string, len(m.Values))
	for _, part := range parts {
		pc, err := cons.ConsumePartition(m.Topic, part, sarama.OffsetOldest)
		if err != nil {
			return err
		}
		defer pc.Close()
		go func() {
			for msg := range pc.Messages() {
				msgs <- string(msg.Value)
			}
		}()
	}
	got := []string{}
	deadline := time.After(timeout)
	for len(got) < len(m.Values) {
		select {
		case v := <-msgs:
			got = append(got, v)
		case <-deadline:
			sort.Strings(got)
			res["values"] = got
			return errors.New("timed out")
		}
	}
	sort.Strings(got)
	res["values"] = got
	return nil
}

// groupHandler marks every message and commits once all expected values are in.
type groupHandler struct {
	mu   sync.Mutex
	want int
	got  []string
	done chan struct{}
}

func (h *groupHandler) Setup(sarama.ConsumerGroupSession) error   { return nil }
func (h *groupHandler) Cleanup(sarama.ConsumerGroupSession) error { return nil }
func (h *groupHandler) ConsumeClaim(s sarama.ConsumerGroupSession, c sarama.ConsumerGroupClaim) error {
	for msg := range c.Messages() {
		s.MarkMessage(msg, "")
		h.mu.Lock()
		h.got = append(h.got, string(msg.Value))
		if len(h.got) == h.want {
			s.Commit()
			close(h.done)
		}
		h.mu.Unlock()
	}
	return nil
}


func matrixGroup(p *plan, m *matrixPlan, timeout time.Duration, res map[string]interface{}) error {
	c, err := matrixClient(p)
	if err != nil {
		return err
	}
	defer c.Close()
	g, err := sarama.NewConsumerGroupFromClient(m.Group, c)
	if err != nil {
		return err
	}
	h := &groupHandler{want: len(m.Values), done: make(chan struct{})}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 1)
	go func() {
		for ctx.Err() == nil {
			if err := g.Consume(ctx, []string{m.Topic}, h); err != nil {
				errs <- err
				return
			}
		}
	}()
	var failure error
	select {
	case <-h.done:
	case failure = <-errs:
	case <-time.After(timeout):
		failure = errors.New("timed out")
	}
	cancel()
	g.Close()
	h.mu.Lock()
	got := append([]string{}, h.got...)
	h.mu.Unlock()
	sort.Strings(got)
	res["values"] = got
	if failure != nil {
		return failure
	}
	// The committed offsets, read back with a fresh admin client (OffsetFetch).
	admin, err := sarama.NewClusterAdminFromClient(c)
	if err != nil {
		return err
	}
	parts, err := c.Partitions(m.Topic)
	if err != nil {
		return err
	}
	offs, err := admin.ListConsumerGroupOffsets(m.Group, map[string][]int32{m.Topic: parts})
	if err != nil {
		return err
	}
	var sum int64
	for _, b := range offs.Blocks[m.Topic] {
		if b.Err != sarama.ErrNoError {
			return b.Err
		}
		if b.Offset > 0 {
			sum += b.Offset
		}
	}
	res["committed"] = sum
	return nil
}
