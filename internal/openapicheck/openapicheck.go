// Package openapicheck holds numberd's v2 REST API to its OpenAPI document
// (rest/openapi/openapi.yaml) with kin-openapi: it validates the document,
// checks single request/response exchanges against it, and compares its
// paths with the route table. It is test support: only tests import it, so
// kin-openapi stays out of the numberd binary.
package openapicheck

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"numberd/rest/openapi"
)

// Validator checks exchanges against one OpenAPI document.
type Validator struct {
	Doc    *openapi3.T
	router routers.Router
	// errorEnvelope validates replies to requests no operation matches.
	errorEnvelope *openapi3.Schema
}

// New loads a document (YAML or JSON), validates it with kin-openapi
// (examples and defaults included, unless opts say otherwise) and prepares
// its router.
func New(src []byte, opts ...openapi3.ValidationOption) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(src)
	if err != nil {
		return nil, fmt.Errorf("load: %w", err)
	}
	if err := doc.Validate(loader.Context, opts...); err != nil {
		return nil, fmt.Errorf("invalid document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("router: %w", err)
	}
	v := &Validator{Doc: doc, router: router}
	if ref := doc.Components.Schemas["ErrorEnvelope"]; ref != nil {
		v.errorEnvelope = ref.Value
	}
	return v, nil
}

// Default is the validator of the embedded document, loaded once.
var Default = sync.OnceValues(func() (*Validator, error) { return New(openapi.YAML()) })

// Exchange is one HTTP request and the reply it got.
type Exchange struct {
	Method string
	// Target is the request target: path and query, as sent
	// (e.g. "/v2/accounts/…/phone_numbers/%2B1415…?hard=true").
	Target string
	Header http.Header
	Body   []byte

	Status     int
	RespHeader http.Header
	RespBody   []byte
}

// Result is what Check found. Operation is the documented "METHOD path"
// the exchange matched ("" when none). RequestErr says how the request
// breaks the document; ResponseErr how the reply does, or why a reply to
// an undocumented request is wrong.
type Result struct {
	Operation   string
	RequestErr  error
	ResponseErr error
}

// Check validates the request and the response of one exchange.
//
// A request that matches no documented path and method must have been
// answered 404 or 405 in the error envelope (the server does not serve it
// either); its RequestErr says it is undocumented. A POST with ?verb= is
// checked as the method it tunnels, as the server serves it.
func (v *Validator) Check(ctx context.Context, x Exchange) Result {
	method := x.Method
	u, err := url.ParseRequestURI(x.Target)
	if err != nil {
		return Result{RequestErr: fmt.Errorf("bad request target %q: %w", x.Target, err)}
	}
	if verb := u.Query().Get("verb"); verb != "" && method == http.MethodPost {
		method = strings.ToUpper(verb)
	} else if method == http.MethodPost {
		// The envelope's root "verb" tunnels too.
		var env struct {
			Verb string `json:"verb"`
		}
		if json.Unmarshal(x.Body, &env) == nil && env.Verb != "" {
			method = strings.ToUpper(env.Verb)
		}
	}
	switch x.Method {
	case http.MethodOptions:
		// CORS preflight: every path answers 200 with no body (described
		// in the document's introduction, not per path).
		res := Result{Operation: "OPTIONS (CORS preflight)"}
		if x.Status != http.StatusOK || len(x.RespBody) != 0 {
			res.ResponseErr = fmt.Errorf("a preflight must be answered 200 with no body, got %d with %d bytes", x.Status, len(x.RespBody))
		}
		return res
	case http.MethodHead:
		// Served as GET without a body: check the status and headers.
		head := x
		head.Method = http.MethodGet
		res := v.check(ctx, head, http.MethodGet, u, true)
		res.Operation = "HEAD (as " + res.Operation + ")"
		return res
	}
	return v.check(ctx, x, method, u, false)
}

func (v *Validator) check(ctx context.Context, x Exchange, method string, u *url.URL, noBody bool) Result {
	var body []byte
	if len(bytes.TrimSpace(x.Body)) > 0 { // the server reads a blank body as none
		body = x.Body
	}
	req, err := http.NewRequestWithContext(ctx, method, "http://numberd.test"+x.Target, bytes.NewReader(body))
	if err != nil {
		return Result{RequestErr: err}
	}
	for k, vs := range x.Header {
		req.Header[k] = slices.Clone(vs)
	}
	if body == nil {
		req.Body, req.ContentLength = http.NoBody, 0
	}

	route, params, err := v.router.FindRoute(req)
	if err != nil {
		return Result{
			RequestErr:  fmt.Errorf("%s %s is not in the document: %w", method, u.Path, err),
			ResponseErr: v.checkUnrouted(x, noBody),
		}
	}
	res := Result{Operation: method + " " + route.Path}
	opts := &openapi3filter.Options{
		MultiError:            true,
		IncludeResponseStatus: true,
		// Tokens are the server's business; the response check covers 401.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// Name the failing value's place, not the whole schema.
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()},
		ExcludeResponseBody:     noBody,
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		res.RequestErr = err
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 x.Status,
		Header:                 x.RespHeader,
		Options:                opts,
	}
	out.SetBodyBytes(x.RespBody)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		res.ResponseErr = err
	}
	return res
}

// checkUnrouted accepts a reply to an undocumented request only when it is
// a 404 or 405 in the error envelope.
func (v *Validator) checkUnrouted(x Exchange, noBody bool) error {
	if x.Status != http.StatusNotFound && x.Status != http.StatusMethodNotAllowed {
		return fmt.Errorf("the request matches no documented operation, yet the server answered %d", x.Status)
	}
	if v.errorEnvelope == nil || noBody {
		return nil
	}
	var body any
	if err := json.Unmarshal(x.RespBody, &body); err != nil {
		return fmt.Errorf("%d reply is not JSON: %w", x.Status, err)
	}
	if err := v.errorEnvelope.VisitJSON(body, openapi3.MultiErrors(), openapi3.DisableSchemaErrorDetails()); err != nil {
		return fmt.Errorf("%d reply is not an ErrorEnvelope: %w", x.Status, err)
	}
	return nil
}

// IsErrorEnvelope reports whether a 4xx reply is a Kazoo error envelope:
// the server rejected the request in its documented way.
func IsErrorEnvelope(status int, body []byte) bool {
	if status < 400 || status > 499 {
		return false
	}
	var env struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	return json.Unmarshal(body, &env) == nil && env.Status == "error" && env.Error == fmt.Sprint(status)
}

// Operations lists the document's "METHOD path" pairs, sorted.
func (v *Validator) Operations() []string {
	var out []string
	for path, item := range v.Doc.Paths.Map() {
		for method := range item.Operations() {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

// Coverage compares the document's operations with a route table of
// "METHOD pattern" entries (rest.Handler.Routes): undocumented lists the
// routes the document lacks, unrouted the operations no route serves.
//
// A route matches the operation with the same method and path. A route
// that matches none may be a multiplexer: Go's mux cannot register two
// patterns such as .../classifiers/{number} and .../{number}/identify, so
// one route .../{first}/{second} serves both and switches on the segments.
// Such a route counts as documented when it covers at least one operation
// (same method, same segment count, its literal segments equal, its
// wildcards matching anything), and the operations it covers count as
// routed. A route that exactly matches an operation never covers others: a
// documented GET .../phone_numbers/check is not "routed" by
// GET .../phone_numbers/{number}.
func Coverage(operations, routes []string) (undocumented, unrouted []string) {
	documented := map[string]bool{}
	for _, op := range operations {
		documented[op] = true
	}
	served := map[string]bool{}
	var multiplexers []string
	for _, rt := range routes {
		served[rt] = true
		if !documented[rt] {
			multiplexers = append(multiplexers, rt)
		}
	}
	covered := func(op string) bool {
		for _, rt := range multiplexers {
			if covers(rt, op) {
				return true
			}
		}
		return false
	}
	for _, rt := range multiplexers {
		found := false
		for _, op := range operations {
			if covers(rt, op) {
				found = true
				break
			}
		}
		if !found {
			undocumented = append(undocumented, rt)
		}
	}
	for _, op := range operations {
		if !served[op] && !covered(op) {
			unrouted = append(unrouted, op)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	return undocumented, unrouted
}

// covers reports whether the route "METHOD pattern" serves the operation
// "METHOD path": same method and segment count, every literal segment of
// the pattern equal to the operation's (which must be literal too), every
// wildcard of the pattern matching any segment.
func covers(route, op string) bool {
	rm, rp, _ := strings.Cut(route, " ")
	om, opath, _ := strings.Cut(op, " ")
	if rm != om {
		return false
	}
	rs, ps := strings.Split(rp, "/"), strings.Split(opath, "/")
	if len(rs) != len(ps) {
		return false
	}
	for i := range rs {
		if strings.HasPrefix(rs[i], "{") {
			continue
		}
		if rs[i] != ps[i] {
			return false
		}
	}
	return true
}

// Describe flattens a kin-openapi error (often a tree of MultiErrors) into
// one line per problem, each saying where it is, for test failures.
func Describe(err error) string {
	var lines []string
	var walk func(err error, prefix string)
	walk = func(err error, prefix string) {
		switch e := err.(type) {
		case nil:
		case openapi3.MultiError:
			for _, x := range e {
				walk(x, prefix)
			}
		case *openapi3filter.RequestError:
			p := prefix
			switch {
			case e.Parameter != nil:
				p += fmt.Sprintf("%s parameter %q: ", e.Parameter.In, e.Parameter.Name)
			case e.RequestBody != nil:
				p += "request body: "
			}
			if e.Err == nil {
				lines = append(lines, p+e.Reason)
				return
			}
			if e.Reason != "" {
				p += e.Reason + ": "
			}
			walk(e.Err, p)
		case *openapi3filter.ResponseError:
			p := prefix
			if e.Err == nil {
				lines = append(lines, p+e.Reason)
				return
			}
			if e.Reason != "" {
				p += e.Reason + ": "
			}
			walk(e.Err, p)
		case *openapi3filter.SecurityRequirementsError:
			lines = append(lines, prefix+e.Error())
		default:
			lines = append(lines, prefix+err.Error())
		}
	}
	walk(err, "")
	for i, l := range lines {
		lines[i] = "  - " + strings.ReplaceAll(l, "\n", "\n    ")
	}
	return strings.Join(lines, "\n")
}
