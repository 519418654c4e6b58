// go-envelope reads and writes nestjs-transport-nsq's envelope (WIRE.md §2)
// with go-nsq, as a Go service would: the test suite builds it and runs it
// against the transport in both directions.
//
//	go-envelope consume     -nsqd ADDR -topic T -channel C -count N
//	go-envelope publish     -nsqd ADDR -topic T -headers '{"tenant":"acme"}' -payload TEXT | -payload-base64 B64
//	go-envelope publish-raw -nsqd ADDR -topic T -payload TEXT | -payload-base64 B64
//
// consume prints one JSON line per message, in arrival order:
//
//	{"headers":{"tenant":"acme"},"payload":"<base64 of the payload bytes>","enveloped":true}
//	{"headers":{},"payload":"<base64 of the whole body>","enveloped":false}   a raw message
//	{"error":"<why>","body":"<base64 of the whole body>","enveloped":true}     a refused envelope (§2.1)
//
// It finishes (FIN) every message it reads, refused ones included: it is a reader, not a transport.
package main

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/nsqio/go-nsq"
)

type decodedLine struct {
	Headers   map[string]string `json:"headers"`
	Payload   []byte            `json:"payload"`
	Enveloped bool              `json:"enveloped"`
}

type refusedLine struct {
	Error     string `json:"error"`
	Body      []byte `json:"body"`
	Enveloped bool   `json:"enveloped"`
}

func main() {
	if len(os.Args) < 2 {
		fail(errors.New("usage: go-envelope consume|publish|publish-raw [flags]"))
	}
	var err error
	switch os.Args[1] {
	case "consume":
		err = consume(os.Args[2:])
	case "publish":
		err = publish(os.Args[2:], true)
	case "publish-raw":
		err = publish(os.Args[2:], false)
	default:
		err = fmt.Errorf("unknown mode %q (consume, publish, publish-raw)", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func publish(args []string, enveloped bool) error {
	flags := flag.NewFlagSet("publish", flag.ExitOnError)
	nsqd := flags.String("nsqd", "127.0.0.1:4150", "nsqd TCP address")
	topic := flags.String("topic", "", "topic")
	headersJSON := flags.String("headers", "{}", "headers as a JSON object of strings (publish only)")
	payloadText := flags.String("payload", "", "payload, as text")
	payloadBase64 := flags.String("payload-base64", "", "payload, as base64 (instead of -payload)")
	_ = flags.Parse(args)

	payload := []byte(*payloadText)
	if *payloadBase64 != "" {
		var err error
		if payload, err = base64.StdEncoding.DecodeString(*payloadBase64); err != nil {
			return fmt.Errorf("-payload-base64: %w", err)
		}
	}
	body := payload
	if enveloped {
		var headers map[string]string
		if err := json.Unmarshal([]byte(*headersJSON), &headers); err != nil {
			return fmt.Errorf("-headers: %w", err)
		}
		if err := checkHeaders(headers); err != nil {
			return fmt.Errorf("-headers: %w", err)
		}
		body = encode(headers, payload)
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
	fmt.Printf("published %d bytes\n", len(body))
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
	lines := make(chan []byte)
	done := make(chan struct{})
	consumer.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		select {
		case lines <- describe(m.Body):
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
			fmt.Println(string(line))
		case <-deadline:
			return fmt.Errorf("read %d of %d messages in %s", read, *count, *timeout)
		}
	}
	return nil
}

func describe(body []byte) []byte {
	headers, payload, enveloped, err := decode(body)
	var line []byte
	if err != nil {
		line, _ = json.Marshal(refusedLine{Error: err.Error(), Body: body, Enveloped: enveloped})
	} else {
		line, _ = json.Marshal(decodedLine{Headers: headers, Payload: payload, Enveloped: enveloped})
	}
	return line
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "go-envelope:", err)
	os.Exit(1)
}
