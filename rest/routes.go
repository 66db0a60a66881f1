package rest

import "net/http"

// Routes returns every "METHOD pattern" the v2 API serves (the OpenAPI
// document is checked against this list).
func (h *Handler) Routes() []string {
	out := make([]string, 0, len(h.routes))
	for _, rt := range h.routes {
		out = append(out, rt.method+" "+rt.pattern)
	}
	return out
}

// routeTable is the whole Kazoo v2 surface numberd serves, on one screen.
// Literal segments win over {number} in Go's mux, so
// .../collection/activate and .../{number}/activate coexist; a literal word
// reached through {number} with the wrong method answers 405 (numberParam).
func (h *Handler) routeTable() []route {
	const pn = "/v2/accounts/{account}/phone_numbers"
	get, put, post, patch, del := http.MethodGet, http.MethodPut, http.MethodPost, http.MethodPatch, http.MethodDelete
	return []route{
		{method: get, pattern: "/v2/openapi.json", fn: h.openAPI, anonymous: true},
		{method: put, pattern: "/v2/api_auth", fn: h.apiAuth, public: true},
		{method: del, pattern: "/v2/token_auth", fn: h.logout},

		{method: put, pattern: "/v2/accounts/{account}", fn: h.createAccount},
		{method: get, pattern: "/v2/accounts/{account}", fn: h.getAccount},
		{method: post, pattern: "/v2/accounts/{account}", fn: h.updateAccount},
		{method: patch, pattern: "/v2/accounts/{account}", fn: h.updateAccount},
		{method: del, pattern: "/v2/accounts/{account}", fn: h.deleteAccount},
		{method: get, pattern: "/v2/accounts/{account}/api_key", fn: h.getAPIKey},
		{method: get, pattern: "/v2/accounts/{account}/children", fn: h.listChildren},

		{method: get, pattern: pn, fn: h.listNumbers},
		{method: get, pattern: pn + "/{number}", fn: h.getNumber},
		{method: put, pattern: pn + "/{number}", fn: h.createNumber},
		{method: post, pattern: pn + "/{number}", fn: h.updateNumber(false)},
		{method: patch, pattern: pn + "/{number}", fn: h.updateNumber(true)},
		{method: del, pattern: pn + "/{number}", fn: h.releaseNumber},
		{method: put, pattern: pn + "/{number}/activate", fn: h.activateNumber},
		{method: put, pattern: pn + "/{number}/reserve", fn: h.reserveNumber},
		{method: put, pattern: pn + "/{number}/port", fn: h.portNumber},

		{method: put, pattern: pn + "/collection", fn: h.createCollection},
		{method: post, pattern: pn + "/collection", fn: h.updateCollection(false)},
		{method: patch, pattern: pn + "/collection", fn: h.updateCollection(true)},
		{method: del, pattern: pn + "/collection", fn: h.releaseCollection},
		{method: put, pattern: pn + "/collection/activate", fn: h.activateCollection},

		// Discovery and number intelligence (issue 4).
		{method: get, pattern: "/v2/phone_numbers", fn: h.searchNumbers, public: true},
		{method: get, pattern: "/v2/phone_numbers/prefix", fn: h.prefixByCity, public: true},
		{method: get, pattern: pn + "/prefix", fn: h.prefixByCity},
		{method: post, pattern: pn + "/check", fn: h.checkNumbers},
		{method: post, pattern: pn + "/locality", fn: h.locality},
		{method: get, pattern: pn + "/carriers_info", fn: h.carriersInfo},
		{method: get, pattern: pn + "/classifiers", fn: h.classifiers},
		// classifiers/{N} and {N}/identify conflict in ServeMux (neither is
		// more specific): one pattern, dispatched on the literal segment.
		{method: get, pattern: pn + "/{first}/{second}", fn: h.getTwoSegments},
		{method: post, pattern: pn + "/fix", fn: h.fixNumbers},
		{method: post, pattern: pn + "/fix/{number}", fn: h.fixNumber},
	}
}
