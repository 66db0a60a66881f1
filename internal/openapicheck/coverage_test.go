package openapicheck

import (
	"reflect"
	"testing"
)

func TestCoverage(t *testing.T) {
	const pn = "/v2/accounts/{account}/phone_numbers"
	ops := []string{
		"GET " + pn,
		"GET " + pn + "/{number}",
		"GET " + pn + "/classifiers/{number}",
		"GET " + pn + "/{number}/identify",
	}
	for _, tc := range []struct {
		name                   string
		ops, routes            []string
		undocumented, unrouted []string
	}{
		{name: "exact", ops: ops[:2], routes: []string{"GET " + pn, "GET " + pn + "/{number}"}},
		{name: "extra route", ops: ops[:2], routes: []string{"GET " + pn, "GET " + pn + "/{number}", "PUT " + pn + "/{number}"},
			undocumented: []string{"PUT " + pn + "/{number}"}},
		{name: "missing route", ops: ops[:2], routes: []string{"GET " + pn},
			unrouted: []string{"GET " + pn + "/{number}"}},
		{name: "multiplexer serves both two-segment paths", ops: ops,
			routes: []string{"GET " + pn, "GET " + pn + "/{number}", "GET " + pn + "/{first}/{second}"}},
		{name: "multiplexer covering nothing", ops: ops[:2],
			routes:       []string{"GET " + pn, "GET " + pn + "/{number}", "GET " + pn + "/{first}/{second}"},
			undocumented: []string{"GET " + pn + "/{first}/{second}"}},
		{name: "an exact route does not cover literal paths", ops: append(ops[:2:2], "GET "+pn+"/check"),
			routes:   []string{"GET " + pn, "GET " + pn + "/{number}"},
			unrouted: []string{"GET " + pn + "/check"}},
		{name: "method must match", ops: []string{"POST " + pn + "/fix/{number}"},
			routes:       []string{"GET " + pn + "/{a}/{b}"},
			undocumented: []string{"GET " + pn + "/{a}/{b}"}, unrouted: []string{"POST " + pn + "/fix/{number}"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u, r := Coverage(tc.ops, tc.routes)
			if !reflect.DeepEqual(u, tc.undocumented) || !reflect.DeepEqual(r, tc.unrouted) {
				t.Errorf("undocumented %q unrouted %q, want %q %q", u, r, tc.undocumented, tc.unrouted)
			}
		})
	}
}
