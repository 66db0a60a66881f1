package apitest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"

	"numberd/internal/openapicheck"
)

// Stats counts the exchanges CheckOpenAPI saw in this test binary.
var Stats struct {
	// Exchanges is every exchange checked; each one's response was validated.
	Exchanges atomic.Int64
	// RequestsValid counts requests the document accepts.
	RequestsValid atomic.Int64
	// RequestsRejected counts requests the document rejects that the
	// server rejected too (a 4xx error envelope).
	RequestsRejected atomic.Int64
	// RequestsBad counts requests of Bad clients (not validated).
	RequestsBad atomic.Int64
}

// CheckOpenAPI validates one exchange against the OpenAPI document
// (rest/openapi/openapi.yaml) and fails the test on a mismatch:
//
//   - the response must match the documented operation (status, content
//     type, body schema), or, for a request no operation matches, be a 404
//     or 405 error envelope;
//   - the request must match the document, unless the client is Bad (the
//     test breaks the document on purpose), or the server rejected it too
//     with a 4xx error envelope. A request the document rejects but the
//     server served means the two disagree: that fails.
//
// With NUMBERD_OPENAPI_LOG=<file>, each exchange appends one line to the
// file (to count what a full run validated).
func CheckOpenAPI(tb testing.TB, x *Exchange) {
	tb.Helper()
	v, err := openapicheck.Default()
	if err != nil {
		tb.Fatalf("OpenAPI document: %v", err)
	}
	r := x.Response
	res := v.Check(context.Background(), openapicheck.Exchange{
		Method: x.Method, Target: x.Path, Header: x.Header, Body: x.Body,
		Status: r.Status, RespHeader: r.Header, RespBody: r.Raw,
	})
	Stats.Exchanges.Add(1)
	verdict := "valid"
	if res.ResponseErr != nil {
		tb.Errorf("OpenAPI: the response to %s %s (%d) does not match the document (%s):\n%s\nbody: %s",
			x.Method, x.Path, r.Status, opName(res), openapicheck.Describe(res.ResponseErr), clip(r.Raw))
	}
	switch {
	case x.BadRequest:
		Stats.RequestsBad.Add(1)
		verdict = "bad"
	case res.RequestErr == nil:
		Stats.RequestsValid.Add(1)
	case openapicheck.IsErrorEnvelope(r.Status, r.Raw):
		Stats.RequestsRejected.Add(1)
		verdict = "rejected"
	default:
		tb.Errorf("OpenAPI: the request %s %s does not match the document (%s), yet the server answered %d:\n%s\n"+
			"request body: %s\n(if the test breaks the document on purpose, send it with Client.Bad())",
			x.Method, x.Path, opName(res), r.Status, openapicheck.Describe(res.RequestErr), clip(x.Body))
		verdict = "mismatch"
	}
	logExchange(fmt.Sprintf("%s %s %d %s %s\n", x.Method, x.Path, r.Status, opName(res), verdict))
}

func opName(r openapicheck.Result) string {
	if r.Operation == "" {
		return "no documented operation"
	}
	return r.Operation
}

func clip(b []byte) string {
	const max = 2000
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

var logFile = sync.OnceValue(func() *os.File {
	name := os.Getenv("NUMBERD_OPENAPI_LOG")
	if name == "" {
		return nil
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil
	}
	return f
})

func logExchange(line string) {
	if f := logFile(); f != nil {
		f.WriteString(line)
	}
}
