// The reference publisher of make bench-apps: a compiled AMQP client (amqp091-go) publishing
// persistent messages to one queue of the broker at $AMQP_URL with publisher confirms, keeping
// -inflight messages unconfirmed at a time, for -seconds. It prints one JSON line: messages
// confirmed per second and the p50/p99 time from publish to confirm. The deployed publisher is
// measured against it.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
)

func main() {
	queue := flag.String("queue", "bench-reference", "queue to publish to")
	queueType := flag.String("queue-type", "classic", "x-queue-type of the queue")
	inflight := flag.Int("inflight", 1, "messages published and not yet confirmed, at most")
	seconds := flag.Float64("seconds", 8, "how long to publish")
	size := flag.Int("size", 256, "message body size in bytes")
	flag.Parse()

	// From the environment, not the command line, which would show its password.
	url := os.Getenv("AMQP_URL")
	if url == "" {
		fail(fmt.Errorf("AMQP_URL is not set"), "connect")
	}
	conn, err := amqp.Dial(url)
	fail(err, "connect")
	defer conn.Close()
	ch, err := conn.Channel()
	fail(err, "open a channel")
	fail(ch.Confirm(false), "enable publisher confirms")
	_, err = ch.QueueDeclare(*queue, true, false, false, false, amqp.Table{"x-queue-type": *queueType})
	fail(err, "declare the queue")
	confirms := ch.NotifyPublish(make(chan amqp.Confirmation, *inflight))

	body := make([]byte, *size)
	for i := range body {
		body[i] = 'x'
	}
	tokens := make(chan struct{}, *inflight)
	var mu sync.Mutex
	sent := map[uint64]time.Time{}
	var latencies []float64
	nacked := 0
	done := make(chan struct{})
	go func() {
		// amqp091-go reports every delivery tag once, in order, multiple acks included.
		for c := range confirms {
			mu.Lock()
			latencies = append(latencies, time.Since(sent[c.DeliveryTag]).Seconds())
			delete(sent, c.DeliveryTag)
			if !c.Ack {
				nacked++
			}
			mu.Unlock()
			<-tokens
		}
		close(done)
	}()

	start := time.Now()
	deadline := start.Add(time.Duration(*seconds * float64(time.Second)))
	var tag uint64
	for time.Now().Before(deadline) {
		tokens <- struct{}{}
		tag++
		mu.Lock()
		sent[tag] = time.Now()
		mu.Unlock()
		err := ch.Publish("", *queue, false, false, amqp.Publishing{
			DeliveryMode: amqp.Persistent, ContentType: "text/plain", Body: body})
		fail(err, "publish")
	}
	// Every message sent is waited for: the rate counts confirmed messages only.
	for i := 0; i < *inflight; i++ {
		tokens <- struct{}{}
	}
	elapsed := time.Since(start).Seconds()
	ch.Close()
	<-done

	sort.Float64s(latencies)
	out := map[string]interface{}{
		"inflight": *inflight, "confirmed": len(latencies) - nacked, "nacked": nacked,
		"seconds": elapsed, "rate": float64(len(latencies)-nacked) / elapsed,
		"p50_ms": percentile(latencies, 0.5) * 1000, "p99_ms": percentile(latencies, 0.99) * 1000,
	}
	fail(json.NewEncoder(os.Stdout).Encode(out), "write the result")
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(float64(len(sorted)) * p)
	if i >= len(sorted) {
		i = len(sorted) - 1
	}
	return sorted[i]
}

func fail(err error, what string) {
	if err != nil {
		fmt.Fprintf(os.Stderr, "reference publisher: cannot %s: %v\n", what, err)
		os.Exit(1)
	}
}
