package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// outcome classifies one request.
type outcome int

const (
	okOutcome outcome = iota
	conflictOutcome
	errorOutcome
)

// stats are the measurements of one phase (one server, one scenario).
type stats struct {
	n, errors, conflicts int
	elapsed              time.Duration
	lat                  []time.Duration
	firstErr             string
	cpu                  time.Duration // the server's CPU time over the phase
}

func (s *stats) add(o *stats) {
	s.n += o.n
	s.errors += o.errors
	s.conflicts += o.conflicts
	s.elapsed += o.elapsed
	s.cpu += o.cpu
	s.lat = append(s.lat, o.lat...)
	if s.firstErr == "" {
		s.firstErr = o.firstErr
	}
}

func (s *stats) rps() float64 {
	if s.elapsed <= 0 {
		return 0
	}
	return float64(s.n) / s.elapsed.Seconds()
}

// cpuPerReq is the server's CPU time per request.
func (s *stats) cpuPerReq() time.Duration {
	if s.n == 0 || s.cpu == 0 {
		return 0
	}
	return s.cpu / time.Duration(s.n)
}

func (s *stats) pct(p float64) time.Duration {
	if len(s.lat) == 0 {
		return 0
	}
	slices.Sort(s.lat)
	i := int(p * float64(len(s.lat)-1))
	return s.lat[i]
}

// opFunc makes one request as worker w (its i-th) and classifies it.
type opFunc func(ctx context.Context, w, i int) (outcome, string)

// drive runs op on conc workers for dur and measures every request.
func drive(ctx context.Context, conc int, dur time.Duration, op opFunc) *stats {
	ctx, cancel := context.WithTimeout(ctx, dur)
	defer cancel()
	per := make([]stats, conc)
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			st := &per[w]
			for i := 0; ctx.Err() == nil; i++ {
				t0 := time.Now()
				o, msg := op(ctx, w, i)
				if ctx.Err() != nil && o == errorOutcome {
					break // cut off by the deadline: not an error of the server
				}
				st.lat = append(st.lat, time.Since(t0))
				st.n++
				switch o {
				case conflictOutcome:
					st.conflicts++
				case errorOutcome:
					st.errors++
					if st.firstErr == "" {
						st.firstErr = msg
					}
				}
			}
		}(w)
	}
	wg.Wait()
	total := &stats{}
	for i := range per {
		total.add(&per[i])
	}
	total.elapsed = time.Since(start)
	return total
}

// client is a keep-alive HTTP client sized for conc workers.
func newClient(conc int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conc * 4
	tr.MaxIdleConnsPerHost = conc * 2
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 120 * time.Second}
}

// call makes one request and returns the status and body.
func call(ctx context.Context, c *http.Client, method, url, token string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, err
	}
	if token != "" {
		req.Header.Set("X-Auth-Token", token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

func fmtDur(d time.Duration) string {
	switch {
	case d <= 0:
		return "-"
	case d < time.Millisecond:
		return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond))
	case d < 10*time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	case d < time.Second:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2fs", d.Seconds())
}
