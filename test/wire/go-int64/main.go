// A Go service's side of int64 ids on NSQ, reduced to the wire: it publishes a
// struct with int64/uint64 fields encoded by encoding/json (which writes them
// as JSON numbers with all their digits, as kratos-transport's codec does for
// plain Go structs), and consumes such bodies back into the same struct. The
// test suite builds it and checks that the json-bigint codec keeps every
// digit both ways.
//
//	go-int64 publish -nsqd ADDR -topic T -ids 9007199254740993,-9223372036854775808 -unsigned 18446744073709551615
//	go-int64 consume -nsqd ADDR -topic T -channel C -count N
//
// consume prints one JSON line per message with every integer as a decimal
// string, so the reader compares digits, not float64s.
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nsqio/go-nsq"
)

// Order is the message both sides agree on.
type Order struct {
	ID       int64   `json:"id"`
	IDs      []int64 `json:"ids"`
	Owner    Owner   `json:"owner"`
	Unsigned uint64  `json:"unsigned"`
	Qty      int     `json:"qty"`
	Price    float64 `json:"price"`
}

// Owner nests an int64 one level down.
type Owner struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: go-int64 publish|consume [flags]"))
	}
	var err error
	switch os.Args[1] {
	case "publish":
		err = publish(os.Args[2:])
	case "consume":
		err = consume(os.Args[2:])
	default:
		err = fmt.Errorf("unknown mode %q (publish, consume)", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func publish(args []string) error {
	flags := flag.NewFlagSet("publish", flag.ExitOnError)
	nsqd := flags.String("nsqd", "127.0.0.1:4150", "nsqd TCP address")
	topic := flags.String("topic", "", "topic")
	ids := flags.String("ids", "", "comma-separated int64 values: the first is id, the last owner.id")
	unsigned := flags.String("unsigned", "0", "a uint64 value")
	_ = flags.Parse(args)

	order := Order{Owner: Owner{Name: "acme"}, Qty: 42, Price: 9.99}
	for _, text := range strings.Split(*ids, ",") {
		id, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return err
		}
		order.IDs = append(order.IDs, id)
	}
	order.ID = order.IDs[0]
	order.Owner.ID = order.IDs[len(order.IDs)-1]
	u, err := strconv.ParseUint(*unsigned, 10, 64)
	if err != nil {
		return err
	}
	order.Unsigned = u
	body, err := json.Marshal(order)
	if err != nil {
		return err
	}

	producer, err := nsq.NewProducer(*nsqd, nsq.NewConfig())
	if err != nil {
		return err
	}
	defer producer.Stop()
	producer.SetLogger(log.New(os.Stderr, "", log.LstdFlags), nsq.LogLevelWarning)
	if err := producer.Publish(*topic, body); err != nil {
		return err
	}
	fmt.Println(string(body))
	return nil
}

func consume(args []string) error {
	flags := flag.NewFlagSet("consume", flag.ExitOnError)
	nsqd := flags.String("nsqd", "127.0.0.1:4150", "nsqd TCP address")
	topic := flags.String("topic", "", "topic")
	channel := flags.String("channel", "go", "channel")
	count := flags.Int("count", 1, "messages to read before exiting")
	timeout := flags.Duration("timeout", 30*time.Second, "give up after this long")
	_ = flags.Parse(args)

	consumer, err := nsq.NewConsumer(*topic, *channel, nsq.NewConfig())
	if err != nil {
		return err
	}
	consumer.SetLogger(log.New(os.Stderr, "", log.LstdFlags), nsq.LogLevelWarning)
	lines := make(chan string)
	failures := make(chan error, 1)
	done := make(chan struct{})
	consumer.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		var order Order
		if err := json.Unmarshal(m.Body, &order); err != nil {
			select {
			case failures <- fmt.Errorf("unmarshal %q: %w", m.Body, err):
			default:
			}
			return nil
		}
		select {
		case lines <- describe(order):
			return nil
		case <-done:
			return errors.New("stopping: left for another reader") // requeued
		}
	}))
	if err := consumer.ConnectToNSQD(*nsqd); err != nil {
		return err
	}
	defer func() {
		close(done)
		consumer.Stop()
		<-consumer.StopChan
	}()
	deadline := time.After(*timeout)
	for read := 0; read < *count; read++ {
		select {
		case line := <-lines:
			fmt.Println(line)
		case err := <-failures:
			return err
		case <-deadline:
			return fmt.Errorf("read %d of %d messages in %s", read, *count, *timeout)
		}
	}
	return nil
}

// describe writes every integer as a decimal string: the reader compares exact digits.
func describe(o Order) string {
	ids := make([]string, len(o.IDs))
	for i, id := range o.IDs {
		ids[i] = strconv.FormatInt(id, 10)
	}
	line, _ := json.Marshal(map[string]any{
		"id":       strconv.FormatInt(o.ID, 10),
		"ids":      ids,
		"owner":    map[string]string{"id": strconv.FormatInt(o.Owner.ID, 10), "name": o.Owner.Name},
		"unsigned": strconv.FormatUint(o.Unsigned, 10),
		"qty":      strconv.Itoa(o.Qty),
		"price":    strconv.FormatFloat(o.Price, 'g', -1, 64),
	})
	return string(line)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-int64:", err)
	os.Exit(1)
}
