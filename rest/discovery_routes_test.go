package rest_test

import (
	"slices"
	"testing"

	"numberd/rest"
	"numberd/service"
	"numberd/store/storetest"
)

// The discovery routes are in the one route table, and building the mux
// with them does not panic (ServeMux rejects ambiguous pairs such as
// classifiers/{N} vs {N}/identify at registration).
func TestRoutes_Discovery(t *testing.T) {
	h := rest.NewHandler(service.New(storetest.Open(t), service.DefaultConfig()), rest.Config{})
	const pn = "/v2/accounts/{account}/phone_numbers"
	routes := h.Routes()
	for _, want := range []string{
		"GET /v2/phone_numbers", "GET /v2/phone_numbers/prefix", "GET " + pn + "/prefix",
		"POST " + pn + "/check", "POST " + pn + "/locality", "GET " + pn + "/carriers_info",
		"GET " + pn + "/classifiers", "GET " + pn + "/{first}/{second}",
		"POST " + pn + "/fix", "POST " + pn + "/fix/{number}",
	} {
		if !slices.Contains(routes, want) {
			t.Errorf("missing route %s", want)
		}
	}
}
