// Package phonebooktest is a fake Kazoo phonebook upstream for tests: an
// httptest server answering search, status, order, locality and city
// lookups, which can be told to fail (HTTP 500), answer bad JSON, or hang
// past the client's timeout.
package phonebooktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// Failure modes.
const (
	OK      = ""
	Fail    = "fail"    // HTTP 500 {"status":"error"}
	BadJSON = "badjson" // HTTP 200 with a body that is not JSON
	Hang    = "hang"    // answer after Delay (longer than the client timeout)
)

// Fake is a running fake phonebook.
type Fake struct {
	*httptest.Server

	mu sync.Mutex
	// Numbers are the E.164 numbers the phonebook sells.
	numbers []string
	// mode is the failure mode of every endpoint ("" to answer normally).
	mode string
	// failOrders are numbers whose order fails.
	failOrders map[string]bool
	// Delay is how long Hang waits.
	Delay time.Duration
	// calls counts requests by "METHOD path".
	calls map[string]int
	// Orders are the numbers ordered so far.
	Orders []string
}

// New starts a fake phonebook selling nums; it stops with the test.
func New(tb testing.TB, nums ...string) *Fake {
	f := &Fake{numbers: nums, failOrders: map[string]bool{}, calls: map[string]int{}, Delay: 2 * time.Second}
	f.Server = httptest.NewServer(http.HandlerFunc(f.serve))
	tb.Cleanup(f.Close)
	return f
}

// SetMode sets the failure mode of every endpoint.
func (f *Fake) SetMode(m string) { f.mu.Lock(); f.mode = m; f.mu.Unlock() }

// FailOrder makes orders of n fail (the order endpoint answers status error for it).
func (f *Fake) FailOrder(n string) { f.mu.Lock(); f.failOrders[n] = true; f.mu.Unlock() }

// Calls returns how many requests "METHOD /path" received.
func (f *Fake) Calls(key string) int { f.mu.Lock(); defer f.mu.Unlock(); return f.calls[key] }

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (f *Fake) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls[r.Method+" "+r.URL.Path]++
	mode, delay := f.mode, f.Delay
	f.mu.Unlock()
	switch mode {
	case Fail:
		write(w, http.StatusInternalServerError, map[string]any{"status": "error", "message": "upstream broke"})
		return
	case BadJSON:
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte("{not json"))
		return
	case Hang:
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
	}
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	if r.Body != nil {
		json.NewDecoder(r.Body).Decode(&body)
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case r.Method == http.MethodGet && len(parts) == 3 && parts[0] == "numbers" && parts[2] == "search":
		prefix := r.URL.Query().Get("prefix")
		data := map[string]any{}
		for _, n := range f.numbers {
			if strings.HasPrefix(n, prefix) {
				data[n] = map[string]any{"rate_center": map[string]any{"name": "UPSTREAM"}}
			}
		}
		write(w, http.StatusOK, map[string]any{"status": "success", "data": data})
	case r.Method == http.MethodPost && len(parts) == 3 && parts[0] == "numbers" && parts[2] == "status":
		var npan []string
		json.Unmarshal(body.Data, &npan)
		var out []any
		for _, n := range npan {
			st := "error"
			for _, have := range f.numbers {
				if strings.HasSuffix(have, n) {
					st = "success"
				}
			}
			out = append(out, map[string]any{"number": n, "status": st})
		}
		write(w, http.StatusOK, map[string]any{"status": "success", "data": out})
	case r.Method == http.MethodPut && len(parts) == 3 && parts[0] == "numbers" && parts[2] == "order":
		var d struct {
			Numbers []string `json:"numbers"`
		}
		json.Unmarshal(body.Data, &d)
		data := map[string]any{}
		f.mu.Lock()
		for _, n := range d.Numbers {
			if f.failOrders[n] {
				data[n] = map[string]any{"status": "error", "message": "number no longer available"}
				continue
			}
			f.Orders = append(f.Orders, n)
			data[n] = map[string]any{"status": "success", "opaque": map[string]any{"order_id": "order-" + n}}
		}
		f.mu.Unlock()
		write(w, http.StatusOK, map[string]any{"status": "success", "data": data})
	case r.Method == http.MethodPost && r.URL.Path == "/locality/metadata":
		var nums []string
		json.Unmarshal(body.Data, &nums)
		data := map[string]any{}
		for _, n := range nums {
			data[n] = map[string]any{"status": "success", "number": n, "e164_number": n, "country": "US",
				"geocode":  map[string]any{"locality": "California"},
				"locality": map[string]any{"locality": "Belvedere", "province": "CA", "postal_code": "94920", "type": "WIRELESS"},
				"carrier":  map[string]any{"company": "T-Mobile USA Inc", "type": "WIRELESS"}}
		}
		write(w, http.StatusOK, map[string]any{"status": "success", "data": data})
	case r.Method == http.MethodGet && len(parts) == 2 && parts[1] == "city":
		if strings.EqualFold(r.URL.Query().Get("pattern"), "Belvedere") {
			write(w, http.StatusOK, map[string]any{"status": "success", "data": map[string]any{"Belvedere, CA": []string{"415435"}}})
			return
		}
		write(w, http.StatusNotFound, map[string]any{"data": map[string]any{}, "error": 404, "message": "Not Found", "status": "error"})
	default:
		write(w, http.StatusNotFound, map[string]any{"status": "error", "message": "no such endpoint"})
	}
}
