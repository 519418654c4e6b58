// A Go service answering nestjs-transport-nsq requests, written from WIRE.md
// alone (§2 envelope, §5 request-response) with go-nsq: it reads a request's
// envelope, answers on its nsq-reply-to topic with the nsq-correlation-id,
// and FINs the request. The payload {"n": k} is answered with {"doubled":
// 2k}; {"count": k} with k values streamed (next, seq 0..k-1) then an empty
// complete; {"fail": "why"} with an error reply in Nest's RPC error shape.
package main

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/nsqio/go-nsq"
)

var magic = []byte{0x00, 'N', 'Q', 'E'}

func encode(headers map[string]string, payload []byte) []byte {
	b := append([]byte{}, magic...)
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(len(headers)))
	for k, v := range headers {
		b = append(b, byte(len(k)))
		b = append(b, k...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		b = append(b, v...)
	}
	return append(b, payload...)
}

func decode(body []byte) (map[string]string, []byte, error) {
	headers := map[string]string{}
	if len(body) < 8 || string(body[:4]) != string(magic) {
		return headers, body, nil // raw: no headers
	}
	if body[4] != 1 || body[5] != 0 {
		return nil, nil, errors.New("unknown envelope version or flags")
	}
	n := int(binary.BigEndian.Uint16(body[6:8]))
	off := 8
	for i := 0; i < n; i++ {
		if off+1 > len(body) {
			return nil, nil, errors.New("truncated")
		}
		nl := int(body[off])
		if off+1+nl+4 > len(body) {
			return nil, nil, errors.New("truncated")
		}
		name := string(body[off+1 : off+1+nl])
		off += 1 + nl
		vl := int(binary.BigEndian.Uint32(body[off : off+4]))
		if off+4+vl > len(body) {
			return nil, nil, errors.New("truncated")
		}
		headers[name] = string(body[off+4 : off+4+vl])
		off += 4 + vl
	}
	return headers, body[off:], nil
}

type request struct {
	N     *int   `json:"n,omitempty"`
	Count int    `json:"count,omitempty"`
	Fail  string `json:"fail,omitempty"`
}

func main() {
	nsqd := flag.String("nsqd", "127.0.0.1:4150", "nsqd TCP address")
	topic := flag.String("topic", "", "request topic")
	channel := flag.String("channel", "go-responder", "channel")
	flag.Parse()

	producer, err := nsq.NewProducer(*nsqd, nsq.NewConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	producer.SetLogger(nil, nsq.LogLevelError)
	consumer, err := nsq.NewConsumer(*topic, *channel, nsq.NewConfig())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	consumer.SetLogger(nil, nsq.LogLevelError)
	consumer.AddHandler(nsq.HandlerFunc(func(m *nsq.Message) error {
		headers, payload, err := decode(m.Body)
		if err != nil {
			return nil // undecodable: FIN, nothing to answer
		}
		replyTo, id := headers["nsq-reply-to"], headers["nsq-correlation-id"]
		if replyTo == "" || id == "" {
			return nil // not a request
		}
		reply := func(status string, seq int, body []byte) error {
			return producer.Publish(replyTo, encode(map[string]string{
				"nsq-correlation-id": id,
				"nsq-reply-status":   status,
				"nsq-reply-seq":      strconv.Itoa(seq),
				"nsq-reply-attempt":  strconv.Itoa(int(m.Attempts)),
			}, body))
		}
		var req request
		if err := json.Unmarshal(payload, &req); err != nil {
			body, _ := json.Marshal(map[string]string{"status": "error", "message": "bad request"})
			return reply("error", 0, body)
		}
		switch {
		case req.Fail != "":
			body, _ := json.Marshal(map[string]string{"status": "error", "message": req.Fail})
			return reply("error", 0, body)
		case req.Count > 0:
			for i := 0; i < req.Count; i++ {
				body, _ := json.Marshal(map[string]int{"i": i})
				if err := reply("next", i, body); err != nil {
					return err // requeued: another run answers
				}
			}
			return reply("complete", req.Count, nil)
		default:
			n := 0
			if req.N != nil {
				n = *req.N
			}
			body, _ := json.Marshal(map[string]any{"doubled": 2 * n, "from": "go"})
			return reply("complete", 0, body)
		}
	}))
	if err := consumer.ConnectToNSQD(*nsqd); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := producer.Ping(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println("GO-RESPONDER-READY")
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	<-stop
	consumer.Stop()
	<-consumer.StopChan
	producer.Stop()
}
