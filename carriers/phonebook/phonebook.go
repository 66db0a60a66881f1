// Package phonebook is the client of an upstream speaking Kazoo's
// "phonebook" protocol (kazoo-number-manager.md §4.3 and §4.5): the `other`
// carrier (search, status check, order) and the locality and prefix-by-city
// lookups. It imports net/http and models only; the service gets it
// injected by the server when an operator configures a phonebook URL.
//
// Every call is bounded by the client's timeout (and the caller's context).
// Failures come back as *models.Error in Kazoo's shapes: an order that
// fails is knm's by_carrier (500 unspecified_fault "fault by carrier"),
// a failed locality lookup is 500 "number locality lookup failed", a
// failed prefix lookup is 500 "init failed" carrying the upstream body.
package phonebook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"numberd/models"
)

// Reasons of the errors this package returns (besides knm's
// unspecified_fault). REST renders them with Kazoo's messages.
const (
	ReasonLookupFailed = "lookup_failed" // REST: 500 "number locality lookup failed"
	ReasonInitFailed   = "init_failed"   // REST: 500 "init failed"
)

// DefaultTimeout bounds one upstream call (Kazoo's number_search_timeout_ms).
const DefaultTimeout = 5 * time.Second

// maxBody bounds what is read from the upstream.
const maxBody = 8 << 20

// Client talks to one phonebook.
type Client struct {
	base     string
	country  string
	gateways []string
	http     *http.Client
}

// Options tune New.
type Options struct {
	// Timeout bounds every call (DefaultTimeout when 0).
	Timeout time.Duration
	// Country is the country of orders and checks (Kazoo's
	// number_manager.other.default_country), "US" when empty.
	Country string
	// Gateways are sent with orders (Kazoo's other.endpoints).
	Gateways []string
	// Transport replaces the HTTP transport (tests).
	Transport http.RoundTripper
}

// New returns a client of the phonebook at baseURL (http or https).
func New(baseURL string, o Options) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("phonebook URL %q: must be http(s)://host[:port][/path]", baseURL)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Country == "" {
		o.Country = "US"
	}
	return &Client{
		base:     strings.TrimRight(baseURL, "/"),
		country:  strings.ToUpper(o.Country),
		gateways: append([]string{}, o.Gateways...),
		http:     &http.Client{Timeout: o.Timeout, Transport: o.Transport},
	}, nil
}

// Name is the carrier module name of numbers found here.
func (c *Client) Name() string { return models.CarrierOther }

// MaxPrefixLength is knm_other's info().maximal_prefix_length.
func (c *Client) MaxPrefixLength() int { return 10 }

// upstreamError describes a failed call for logs (never shown to clients).
type upstreamError struct {
	op     string
	status int
	body   any
	err    error
}

func (e *upstreamError) Error() string {
	switch {
	case e.err != nil:
		return "phonebook " + e.op + ": " + e.err.Error()
	case e.status != 0 && e.status != http.StatusOK:
		return fmt.Sprintf("phonebook %s: HTTP %d", e.op, e.status)
	}
	return "phonebook " + e.op + ": unexpected reply"
}

func (e *upstreamError) Unwrap() error { return e.err }

// call sends one request and decodes a JSON reply. It returns the HTTP
// status, the decoded body (nil when it is not JSON) and a transport or
// decoding error.
func (c *Client) call(ctx context.Context, op, method, path string, q url.Values, body any) (int, map[string]any, error) {
	u := c.base + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, &upstreamError{op: op, err: err}
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, &upstreamError{op: op, err: err}
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, &upstreamError{op: op, err: err}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return resp.StatusCode, nil, &upstreamError{op: op, status: resp.StatusCode, err: err}
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return resp.StatusCode, nil, &upstreamError{op: op, status: resp.StatusCode, err: fmt.Errorf("bad JSON: %v", err)}
	}
	return resp.StatusCode, out, nil
}

func success(status int, body map[string]any) bool {
	return status == http.StatusOK && body != nil && body["status"] == "success"
}

// Find searches the phonebook (GET {url}/numbers/{country}/search). Each
// answer becomes a discovery result whose carrier data is the upstream
// entry.
func (c *Client) Find(ctx context.Context, q models.SearchQuery) ([]models.FoundNumber, error) {
	country := q.Country
	if country == "" {
		country = c.country
	}
	v := url.Values{"prefix": {q.Prefix}, "limit": {strconv.Itoa(q.Quantity)}, "offset": {strconv.Itoa(q.Offset)}}
	status, body, err := c.call(ctx, "search", http.MethodGet, "/numbers/"+url.PathEscape(country)+"/search", v, nil)
	if err != nil {
		return nil, err
	}
	if !success(status, body) {
		return nil, &upstreamError{op: "search", status: status, body: body}
	}
	data, ok := body["data"].(map[string]any)
	if !ok {
		if _, isList := body["data"].([]any); isList || body["data"] == nil {
			return nil, nil // no results
		}
		return nil, &upstreamError{op: "search", status: status, body: body}
	}
	out := make([]models.FoundNumber, 0, len(data))
	for num, entry := range data {
		e := models.Normalize(num)
		if !models.Reconcilable(e) {
			continue
		}
		cd, _ := entry.(map[string]any)
		out = append(out, models.FoundNumber{Number: e, State: models.StateDiscovery, Carrier: models.CarrierOther, CarrierData: models.Doc(cd)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Number < out[j].Number })
	return out, nil
}

// ErrByCarrier is knm's by_carrier error for number n: 500
// unspecified_fault "fault by carrier".
func ErrByCarrier(n string, cause error) *models.Error {
	return &models.Error{Code: models.EUPSTREAM, Reason: models.ReasonUnspecifiedFault, Message: "fault by carrier", Cause: n, Err: cause}
}

// Acquire orders the number (PUT {url}/numbers/{country}/order). On
// success the upstream's opaque data becomes the carrier data and its
// locality is kept beside it; any failure is ErrByCarrier.
func (c *Client) Acquire(ctx context.Context, n *models.Number) error {
	body := map[string]any{"data": map[string]any{"numbers": []string{n.Number}, "gateways": c.gateways}}
	status, resp, err := c.call(ctx, "order", http.MethodPut, "/numbers/"+url.PathEscape(c.country)+"/order", nil, body)
	if err != nil {
		return ErrByCarrier(n.Number, err)
	}
	if !success(status, resp) {
		return ErrByCarrier(n.Number, &upstreamError{op: "order", status: status, body: resp})
	}
	data, _ := resp["data"].(map[string]any)
	entry, _ := data[n.Number].(map[string]any)
	if entry == nil {
		entry, _ = data[models.ToNPAN(n.Number)].(map[string]any)
	}
	if entry == nil || entry["status"] != "success" {
		return ErrByCarrier(n.Number, &upstreamError{op: "order", status: status, body: resp})
	}
	if n.CarrierData == nil {
		n.CarrierData = models.Doc{}
	}
	if op, ok := entry["opaque"]; ok {
		n.CarrierData["opaque"] = op
	}
	if loc, ok := entry["locality"]; ok {
		n.CarrierData["locality"] = loc
	}
	return nil
}

// Disconnect is a no-op, as in knm_other.
func (c *Client) Disconnect(ctx context.Context, n *models.Number) error { return nil }

// Check asks the phonebook whether numbers are still available
// (POST {url}/numbers/{country}/status with NPAN numbers). It returns the
// upstream status per E.164 number; numbers it does not mention are absent.
func (c *Client) Check(ctx context.Context, nums []string) (map[string]string, error) {
	npan := make([]string, len(nums))
	byNPAN := map[string]string{}
	for i, n := range nums {
		npan[i] = models.ToNPAN(n)
		byNPAN[npan[i]] = n
	}
	status, body, err := c.call(ctx, "status", http.MethodPost, "/numbers/"+url.PathEscape(c.country)+"/status", nil, map[string]any{"data": npan})
	if err != nil {
		return nil, err
	}
	if !success(status, body) {
		return nil, &upstreamError{op: "status", status: status, body: body}
	}
	out := map[string]string{}
	put := func(num string, st any) {
		s, ok := st.(string)
		if !ok || num == "" {
			return
		}
		if e, ok := byNPAN[num]; ok {
			out[e] = s
		} else if e := models.Normalize(num); models.Reconcilable(e) {
			out[e] = s
		}
	}
	switch d := body["data"].(type) {
	case []any:
		for _, x := range d {
			if m, ok := x.(map[string]any); ok {
				num, _ := m["number"].(string)
				put(num, m["status"])
			}
		}
	case map[string]any:
		for num, st := range d {
			put(num, st)
		}
	default:
		return nil, &upstreamError{op: "status", status: status, body: body}
	}
	return out, nil
}

// Locality asks POST {url}/locality/metadata. Each entry of the upstream
// data is kept as Raw (REST passes it through) and read into the typed
// fields where it has Kazoo's shape. Any failure is 500 "number locality
// lookup failed".
func (c *Client) Locality(ctx context.Context, nums []string) ([]models.Locality, error) {
	status, body, err := c.call(ctx, "locality", http.MethodPost, "/locality/metadata", nil, map[string]any{"data": nums})
	if err == nil && !success(status, body) {
		err = &upstreamError{op: "locality", status: status, body: body}
	}
	data, _ := body["data"].(map[string]any)
	if err == nil && data == nil {
		err = &upstreamError{op: "locality", status: status, body: body}
	}
	if err != nil {
		return nil, &models.Error{Code: models.EUPSTREAM, Reason: ReasonLookupFailed, Message: "number locality lookup failed",
			System: true, RawData: map[string]any{}, Err: err}
	}
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]models.Locality, 0, len(keys))
	for _, k := range keys {
		m, _ := data[k].(map[string]any)
		out = append(out, localityOf(k, m))
	}
	return out, nil
}

func localityOf(key string, m map[string]any) models.Locality {
	s := func(mm map[string]any, k string) string { v, _ := mm[k].(string); return v }
	l := models.Locality{Number: key, E164: models.Normalize(key), Raw: m, Status: s(m, "status")}
	if e := s(m, "e164_number"); e != "" {
		l.E164 = e
	}
	l.Country = s(m, "country")
	loc, _ := m["locality"].(map[string]any)
	l.City, l.Region, l.NumberType = s(loc, "locality"), s(loc, "province"), s(loc, "type")
	geo, _ := m["geocode"].(map[string]any)
	l.RegionName = s(geo, "locality")
	car, _ := m["carrier"].(map[string]any)
	l.Carrier = s(car, "company")
	if l.City != "" && l.Region != "" {
		l.Description = l.City + ", " + l.Region
	}
	return l
}

// CityPrefixes asks GET {url}/{country}/city?pattern={city} and returns
// the upstream's data as is. A non-200 reply or one without data is 500
// "init failed" carrying the upstream body; a transport error carries
// {"unknown error": reason} (kazoo-crossbar-phone-numbers.md §5.4).
func (c *Client) CityPrefixes(ctx context.Context, city string) ([]models.CityPrefixes, any, error) {
	raw, err := c.cityPrefixes(ctx, city)
	return nil, raw, err
}

func (c *Client) cityPrefixes(ctx context.Context, city string) (any, error) {
	status, body, err := c.call(ctx, "prefix", http.MethodGet, "/"+url.PathEscape(c.country)+"/city", url.Values{"pattern": {city}}, nil)
	fail := func(data any, cause error) error {
		return &models.Error{Code: models.EUPSTREAM, Reason: ReasonInitFailed, Message: "init failed", System: true, RawData: data, Err: cause}
	}
	if err != nil {
		var ue *upstreamError
		if errors.As(err, &ue) && ue.status != 0 {
			// A reply that is not JSON: show what we know.
			return nil, fail(map[string]any{"unknown error": "bad reply from phonebook"}, err)
		}
		return nil, fail(map[string]any{"unknown error": transportReason(err)}, err)
	}
	data, ok := body["data"]
	if status != http.StatusOK || !ok {
		return nil, fail(body, &upstreamError{op: "prefix", status: status})
	}
	return data, nil
}

// transportReason is a short, safe description of a transport failure.
func transportReason(err error) string {
	var ue interface{ Timeout() bool }
	if errors.As(err, &ue) && ue.Timeout() {
		return "timeout"
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "timeout"
	}
	if strings.Contains(err.Error(), "connection refused") {
		return "econnrefused"
	}
	return "unreachable"
}
