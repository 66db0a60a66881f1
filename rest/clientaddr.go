package rest

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientAddr is the address api_auth attempts are rate-limited by.
//
// X-Forwarded-For is NOT trusted by default: any client can send it, so
// believing it would let an attacker pick a fresh "address" per attempt and
// dodge the brute-force limit. It is read only when the TCP peer is one of
// the configured trusted proxies (--trusted-proxies), and then from the
// right: the right-most address that is not itself a trusted proxy is the
// client (entries further left were written by the client and may be
// forged). With no usable entry the peer's address is used.
func (h *Handler) clientAddr(r *http.Request) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	if len(h.proxies) == 0 || !h.trusted(peer) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	var list []string
	for _, hv := range hops {
		for _, f := range strings.Split(hv, ",") {
			list = append(list, strings.TrimSpace(f))
		}
	}
	for i := len(list) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(list[i])
		if err != nil {
			return peer // garbage from a trusted hop: do not guess further
		}
		if !h.trusted(a.String()) {
			return a.Unmap().String()
		}
	}
	return peer
}

func (h *Handler) trusted(addr string) bool {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range h.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
