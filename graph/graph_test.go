package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"github.com/99designs/gqlgen/client"

	"numberd/internal/apitest"
	"numberd/models"
	"numberd/service"
)

// These tests drive the real executable schema through graph.NewHandler
// (mounted by apitest at /graphql, behind the same token authentication as
// production) with gqlgen's test client, on a real database: SQLite by
// default, MariaDB/MySQL with NUMBERD_TEST_DB=mysql.

// pnFragment selects every field of a PhoneNumber; phoneNumber mirrors it
// (the gqlgen client decodes strictly: every returned key needs a field).
const pnFragment = `
fragment PN on PhoneNumber {
  id number state
  account { id name }
  features availableFeatures
  cnam { displayName inboundLookup }
  e911 { streetAddress extendedAddress locality region postalCode plusFour callerName
         latitude longitude locationId status activatedTime notificationContactEmails legacyData }
  porting { portId serviceProvider billingName billingAccountId billingStreetAddress
            billingExtendedAddress billingLocality billingRegion billingPostalCode
            billingTelephoneNumber requestedPortDate customerContact comments }
  carrierModule reserveHistory usedBy createdAt updatedAt publicFields
}`

type accountRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type cnam struct {
	DisplayName   *string `json:"displayName"`
	InboundLookup *bool   `json:"inboundLookup"`
}

type e911 struct {
	StreetAddress             *string  `json:"streetAddress"`
	ExtendedAddress           *string  `json:"extendedAddress"`
	Locality                  *string  `json:"locality"`
	Region                    *string  `json:"region"`
	PostalCode                *string  `json:"postalCode"`
	PlusFour                  *string  `json:"plusFour"`
	CallerName                *string  `json:"callerName"`
	Latitude                  *string  `json:"latitude"`
	Longitude                 *string  `json:"longitude"`
	LocationID                *string  `json:"locationId"`
	Status                    *string  `json:"status"`
	ActivatedTime             *string  `json:"activatedTime"`
	NotificationContactEmails []string `json:"notificationContactEmails"`
	LegacyData                any      `json:"legacyData"`
}

type porting struct {
	PortID                 *string  `json:"portId"`
	ServiceProvider        *string  `json:"serviceProvider"`
	BillingName            *string  `json:"billingName"`
	BillingAccountID       *string  `json:"billingAccountId"`
	BillingStreetAddress   *string  `json:"billingStreetAddress"`
	BillingExtendedAddress *string  `json:"billingExtendedAddress"`
	BillingLocality        *string  `json:"billingLocality"`
	BillingRegion          *string  `json:"billingRegion"`
	BillingPostalCode      *string  `json:"billingPostalCode"`
	BillingTelephoneNumber *string  `json:"billingTelephoneNumber"`
	RequestedPortDate      *string  `json:"requestedPortDate"`
	CustomerContact        *string  `json:"customerContact"`
	Comments               []string `json:"comments"`
}

type phoneNumber struct {
	ID                string         `json:"id"`
	Number            string         `json:"number"`
	State             string         `json:"state"`
	Account           *accountRef    `json:"account"`
	Features          []string       `json:"features"`
	AvailableFeatures []string       `json:"availableFeatures"`
	Cnam              *cnam          `json:"cnam"`
	E911              *e911          `json:"e911"`
	Porting           *porting       `json:"porting"`
	CarrierModule     string         `json:"carrierModule"`
	ReserveHistory    []string       `json:"reserveHistory"`
	UsedBy            *string        `json:"usedBy"`
	CreatedAt         string         `json:"createdAt"`
	UpdatedAt         string         `json:"updatedAt"`
	PublicFields      map[string]any `json:"publicFields"`
}

type userError struct {
	Code    string  `json:"code"`
	Message string  `json:"message"`
	Field   *string `json:"field"`
}

type payload struct {
	PhoneNumber *phoneNumber `json:"phoneNumber"`
	UserErrors  []userError  `json:"userErrors"`
}

type batchResult struct {
	Number      string       `json:"number"`
	PhoneNumber *phoneNumber `json:"phoneNumber"`
	UserErrors  []userError  `json:"userErrors"`
}

type batchPayload struct {
	Results    []batchResult `json:"results"`
	UserErrors []userError   `json:"userErrors"`
}

// gqlError is one entry of a response's "errors".
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

func (e gqlError) code() string { s, _ := e.Extensions["code"].(string); return s }

// gql returns a gqlgen test client for e's /graphql acting with token ("" is
// anonymous).
func gql(e *apitest.Env, token string, opts ...client.Option) *client.Client {
	o := []client.Option{client.Path("/graphql")}
	if token != "" {
		o = append(o, client.AddHeader("X-Auth-Token", token))
	}
	return client.New(e.Handler, append(o, opts...)...)
}

// post runs a query and returns its GraphQL errors (nil when there are
// none). A transport failure (HTTP ≥ 400, undecodable data) fails the test.
func post(t testing.TB, c *client.Client, query string, resp any, opts ...client.Option) []gqlError {
	t.Helper()
	err := c.Post(query, resp, opts...)
	if err == nil {
		return nil
	}
	var raw client.RawJsonError
	if !errors.As(err, &raw) {
		t.Fatalf("post: %v", err)
	}
	var errs []gqlError
	if err := json.Unmarshal(raw.RawMessage, &errs); err != nil {
		t.Fatalf("errors are not a list: %v: %s", err, raw.RawMessage)
	}
	return errs
}

// mustPost runs a query that must not produce GraphQL errors.
func mustPost(t testing.TB, c *client.Client, query string, resp any, opts ...client.Option) {
	t.Helper()
	if errs := post(t, c, query, resp, opts...); errs != nil {
		t.Fatalf("unexpected GraphQL errors: %+v", errs)
	}
}

// wantErrorCodes fails unless errs carry exactly the given extension codes.
func wantErrorCodes(t testing.TB, errs []gqlError, codes ...string) {
	t.Helper()
	got := make([]string, len(errs))
	for i, e := range errs {
		got[i] = e.code()
	}
	if !slices.Equal(got, codes) {
		t.Fatalf("error codes = %v, want %v (errors: %+v)", got, codes, errs)
	}
}

// inputTypes names the input type of each mutation.
var inputTypes = map[string]string{
	"createPhoneNumber":    "CreatePhoneNumberInput",
	"updatePhoneNumber":    "UpdatePhoneNumberInput",
	"releasePhoneNumber":   "ReleasePhoneNumberInput",
	"reservePhoneNumber":   "PhoneNumberActionInput",
	"activatePhoneNumber":  "PhoneNumberActionInput",
	"portPhoneNumber":      "PhoneNumberActionInput",
	"createPhoneNumbers":   "CreatePhoneNumbersInput",
	"updatePhoneNumbers":   "UpdatePhoneNumbersInput",
	"releasePhoneNumbers":  "ReleasePhoneNumbersInput",
	"activatePhoneNumbers": "ActivatePhoneNumbersInput",
}

// mutate runs a single-number mutation with input and returns its payload;
// GraphQL (non-user) errors fail the test.
func mutate(t testing.TB, c *client.Client, name string, input map[string]any, opts ...client.Option) payload {
	t.Helper()
	q := `mutation($in: ` + inputTypes[name] + `!) { p: ` + name + `(input: $in) {
	  phoneNumber { ...PN } userErrors { code message field } } }` + pnFragment
	var resp struct {
		P payload `json:"p"`
	}
	mustPost(t, c, q, &resp, append(opts, client.Var("in", input))...)
	return resp.P
}

// mutateBatch runs a batch mutation with input and returns its payload.
func mutateBatch(t testing.TB, c *client.Client, name string, input map[string]any) batchPayload {
	t.Helper()
	q := `mutation($in: ` + inputTypes[name] + `!) { p: ` + name + `(input: $in) {
	  results { number phoneNumber { ...PN } userErrors { code message field } }
	  userErrors { code message field } } }` + pnFragment
	var resp struct {
		P batchPayload `json:"p"`
	}
	mustPost(t, c, q, &resp, client.Var("in", input))
	return resp.P
}

// wantOK fails when a payload carries user errors or no number.
func wantOK(t testing.TB, p payload) *phoneNumber {
	t.Helper()
	if len(p.UserErrors) != 0 || p.PhoneNumber == nil {
		t.Fatalf("want success, got userErrors %+v (phoneNumber %v)", p.UserErrors, p.PhoneNumber)
	}
	return p.PhoneNumber
}

// wantUserError fails unless p failed with exactly one user error of code.
func wantUserError(t testing.TB, p payload, code string) userError {
	t.Helper()
	if p.PhoneNumber != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != code {
		t.Fatalf("want one userError %s and no number, got %+v (phoneNumber %+v)", code, p.UserErrors, p.PhoneNumber)
	}
	if p.UserErrors[0].Message == "" {
		t.Fatalf("userError %s has no message", code)
	}
	return p.UserErrors[0]
}

// actorCtx returns a context authenticated as the owner of token, for
// seeding and checking through the service layer.
func actorCtx(t testing.TB, e *apitest.Env, token string) context.Context {
	t.Helper()
	a, err := e.Svc.Authenticate(context.Background(), token)
	if err != nil {
		t.Fatalf("authenticate: %v", err)
	}
	return models.NewContextWithActor(context.Background(), a)
}

// seed creates a number for acct as the master, in state (in_service when
// ""), with public fields.
func seed(t testing.TB, e *apitest.Env, acct apitest.Account, number string, state models.State, public models.Doc) *models.Number {
	t.Helper()
	n, err := e.Svc.CreateNumber(actorCtx(t, e, e.Master.Token), acct.ID, number, service.CreateInput{Public: public, State: state})
	if err != nil {
		t.Fatalf("seed %s: %v", number, err)
	}
	return n
}

// stored reads a number as the master; nil when it does not exist.
func stored(t testing.TB, e *apitest.Env, number string) *models.Number {
	t.Helper()
	n, err := e.Svc.FindNumber(actorCtx(t, e, e.Master.Token), number)
	if models.ErrorReason(err) == models.ReasonNotFound {
		return nil
	}
	if err != nil {
		t.Fatalf("read %s: %v", number, err)
	}
	return n
}

// tenants is the usual cast: two sibling customers under the master, both
// allowed to create numbers.
type tenants struct {
	e           *apitest.Env
	alpha, beta apitest.Account
}

func newTenants(t testing.TB) tenants {
	t.Helper()
	e := apitest.New(t)
	flags := map[string]any{"wnm_allow_additions": true}
	return tenants{e: e, alpha: e.NewAccount(e.Master, "alpha", flags), beta: e.NewAccount(e.Master, "beta", flags)}
}

// rawResponse is a GraphQL reply decoded with exact numbers.
type rawResponse struct {
	Status int
	Header http.Header
	Data   map[string]any
	Errors []gqlError
}

// rawPost sends a GraphQL request to h at /graphql with the given headers
// and decodes the reply keeping numbers exact (json.Number); unlike the
// gqlgen client it also returns non-2xx replies.
func rawPost(t testing.TB, h http.Handler, headers map[string]string, query string, vars map[string]any) rawResponse {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var out struct {
		Data   map[string]any `json:"data"`
		Errors []gqlError     `json:"errors"`
	}
	dec := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("reply is not JSON (status %d): %v: %s", rec.Code, err, rec.Body.Bytes())
	}
	return rawResponse{Status: rec.Code, Header: rec.Header(), Data: out.Data, Errors: out.Errors}
}

func ptr[T any](v T) *T { return &v }

// deref returns *p, or nil (for messages).
func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}
