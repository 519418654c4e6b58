// A Go service of the seed, reduced to what goes on the wire: it publishes the
// seed's report shapes to nsqd with go-nsq, JSON-encoded as kratos-transport's
// default codec writes a Go struct (encoding/json: the field tags, unset
// optional fields left out). The e2e suite builds and runs it against the
// Nest saver.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/nsqio/go-nsq"
)

// RealTimeWarehousingData is the seed's event report (report service proto).
type RealTimeWarehousingData struct {
	Id         *uint32 `json:"id,omitempty"`
	EventName  *string `json:"eventName,omitempty"`
	ReportData *string `json:"reportData,omitempty"`
	CreateTime *string `json:"createTime,omitempty"`
}

// AcceptStatusReportData is the seed's acceptance status of a report.
type AcceptStatusReportData struct {
	Id            *uint32 `json:"id,omitempty"`
	DataName      *string `json:"dataName,omitempty"`
	ReportType    *string `json:"reportType,omitempty"`
	ReportData    *string `json:"reportData,omitempty"`
	Status        *int32  `json:"status,omitempty"`
	ErrorReason   *string `json:"errorReason,omitempty"`
	ErrorHandling *string `json:"errorHandling,omitempty"`
	PartEvent     *string `json:"partEvent,omitempty"`
	PartDate      *string `json:"partDate,omitempty"`
}

func main() {
	nsqd := flag.String("nsqd", "127.0.0.1:4150", "nsqd TCP address")
	eventTopic := flag.String("event-topic", "", "topic of RealTimeWarehousingData")
	statusTopic := flag.String("status-topic", "", "topic of AcceptStatusReportData")
	eventName := flag.String("event-name", "page_view", "eventName of the event reports")
	count := flag.Int("count", 1, "event reports to publish")
	dataName := flag.String("data-name", "", "dataName of the one status report (none when empty)")
	flag.Parse()

	producer, err := nsq.NewProducer(*nsqd, nsq.NewConfig())
	if err != nil {
		fail(err)
	}
	defer producer.Stop()
	producer.SetLogger(nil, nsq.LogLevelError)

	for i := 0; i < *count; i++ {
		content := fmt.Sprintf(`{"seq":%d,"page":"/home"}`, i)
		created := strconv.FormatInt(time.Now().UnixMilli(), 10)
		publish(producer, *eventTopic, RealTimeWarehousingData{EventName: eventName, ReportData: &content, CreateTime: &created})
	}
	if *dataName != "" {
		reportType, status, partDate := "event", int32(1), time.Now().Format("2006-01-02")
		publish(producer, *statusTopic, AcceptStatusReportData{DataName: dataName, ReportType: &reportType, Status: &status, PartDate: &partDate})
	}
	fmt.Printf("published %d event report(s)\n", *count)
}

func publish(producer *nsq.Producer, topic string, body any) {
	payload, err := json.Marshal(body)
	if err != nil {
		fail(err)
	}
	if err := producer.Publish(topic, payload); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
