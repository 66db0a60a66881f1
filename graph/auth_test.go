package graph_test

import (
	"bytes"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"numberd/graph"
	"numberd/internal/apitest"
	"numberd/service"
)

func TestHandler_Authentication(t *testing.T) {
	e := apitest.New(t)
	alpha := e.NewAccount(e.Master, "alpha", nil)
	const query = `{ account(id: "` + "%s" + `") { id } }`
	q := strings.Replace(query, "%s", alpha.ID, 1)

	t.Run("BadToken", func(t *testing.T) {
		for name, h := range map[string]map[string]string{
			"X-Auth-Token":  {"X-Auth-Token": "not-a-token"},
			"Bearer":        {"Authorization": "Bearer not-a-token"},
			"BearerOfLogin": {"Authorization": "Bearer " + strings.Repeat("0", 64)},
		} {
			t.Run(name, func(t *testing.T) {
				r := rawPost(t, e.Handler, h, q, nil)
				if r.Status != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401", r.Status)
				}
				wantErrorCodes(t, r.Errors, "UNAUTHENTICATED")
				if r.Data != nil {
					t.Errorf("data = %v", r.Data)
				}
			})
		}
	})

	t.Run("BearerToken", func(t *testing.T) {
		c := client.New(e.Handler, client.Path("/graphql"), client.AddHeader("Authorization", "Bearer "+alpha.Token))
		var resp struct {
			Account *accountRef `json:"account"`
		}
		mustPost(t, c, `query($id: ID!) { account(id: $id) { id name } }`, &resp, client.Var("id", alpha.ID))
		if resp.Account == nil || resp.Account.ID != alpha.ID {
			t.Fatalf("account = %+v", resp.Account)
		}
	})

	t.Run("DisabledAccount", func(t *testing.T) {
		gamma := e.NewAccount(e.Master, "gamma", nil)
		e.Client(e.Master.Token).Do("POST", "/v2/accounts/"+gamma.ID, map[string]any{"data": map[string]any{"enabled": false}}).Expect(t, 200)
		r := rawPost(t, e.Handler, map[string]string{"X-Auth-Token": gamma.Token}, q, nil)
		if r.Status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", r.Status)
		}
		wantErrorCodes(t, r.Errors, "UNAUTHENTICATED")
	})

	t.Run("Anonymous", func(t *testing.T) {
		anon := gql(e, "")
		for _, tc := range []struct{ name, query, path string }{
			{"phoneNumber", `{ phoneNumber(number: "+14155550100") { number } }`, "phoneNumber"},
			{"phoneNumbers", `{ phoneNumbers(accountId: "` + alpha.ID + `") { totalCount } }`, "phoneNumbers"},
			{"account", q, "account"},
			{"node", `{ node(id: "` + alpha.ID + `") { id } }`, "node"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				var resp map[string]any
				errs := post(t, anon, tc.query, &resp)
				wantErrorCodes(t, errs, "UNAUTHENTICATED")
				if len(errs[0].Path) != 1 || errs[0].Path[0] != tc.path || resp[tc.path] != nil {
					t.Errorf("errors %+v, data %v", errs, resp)
				}
			})
		}
		// Both fields fail on their own.
		var resp map[string]any
		errs := post(t, anon, `{ a: phoneNumber(number: "+14155550100") { number } b: account(id: "`+alpha.ID+`") { id } }`, &resp)
		wantErrorCodes(t, errs, "UNAUTHENTICATED", "UNAUTHENTICATED")
	})

	t.Run("AnonymousMutations", func(t *testing.T) {
		anon := gql(e, "")
		for _, tc := range []struct {
			mutation string
			input    map[string]any
		}{
			{"createPhoneNumber", map[string]any{"accountId": alpha.ID, "number": "+14155550100"}},
			{"updatePhoneNumber", map[string]any{"accountId": alpha.ID, "number": "+14155550100"}},
			{"releasePhoneNumber", map[string]any{"accountId": alpha.ID, "number": "+14155550100"}},
			{"reservePhoneNumber", map[string]any{"accountId": alpha.ID, "number": "+14155550100"}},
			{"activatePhoneNumber", map[string]any{"accountId": alpha.ID, "number": "+14155550100"}},
			{"portPhoneNumber", map[string]any{"accountId": alpha.ID, "number": "+14155550100"}},
			{"createPhoneNumbers", map[string]any{"accountId": alpha.ID, "numbers": []string{"+14155550100"}}},
			{"updatePhoneNumbers", map[string]any{"accountId": alpha.ID, "numbers": []string{"+14155550100"}}},
			{"releasePhoneNumbers", map[string]any{"accountId": alpha.ID, "numbers": []string{"+14155550100"}}},
			{"activatePhoneNumbers", map[string]any{"accountId": alpha.ID, "numbers": []string{"+14155550100"}}},
		} {
			t.Run(tc.mutation, func(t *testing.T) {
				q := `mutation($in: ` + inputTypes[tc.mutation] + `!) { p: ` + tc.mutation + `(input: $in) { userErrors { code } } }`
				var resp map[string]any
				errs := post(t, anon, q, &resp, client.Var("in", tc.input))
				wantErrorCodes(t, errs, "UNAUTHENTICATED")
				if resp != nil {
					t.Errorf("data = %v, want null", resp)
				}
			})
		}
		if stored(t, e, "+14155550100") != nil {
			t.Error("an anonymous mutation created a number")
		}
	})
}

func TestHandler_Introspection(t *testing.T) {
	e := apitest.New(t)
	const q = `{ __schema { queryType { name } mutationType { name } } __type(name: "PhoneNumber") { name kind } }`

	t.Run("Enabled", func(t *testing.T) {
		var resp struct {
			Schema struct {
				QueryType    struct{ Name string } `json:"queryType"`
				MutationType struct{ Name string } `json:"mutationType"`
			} `json:"__schema"`
			Type struct {
				Name string `json:"name"`
				Kind string `json:"kind"`
			} `json:"__type"`
		}
		mustPost(t, gql(e, ""), q, &resp) // anonymous: introspection needs no token
		if resp.Schema.QueryType.Name != "Query" || resp.Schema.MutationType.Name != "Mutation" || resp.Type.Kind != "OBJECT" {
			t.Fatalf("introspection = %+v", resp)
		}
	})

	t.Run("Disabled", func(t *testing.T) {
		logs := &syncBuffer{}
		h := graph.NewHandler(e.Svc, graph.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
		for _, token := range []string{"", e.Master.Token} {
			headers := map[string]string{}
			if token != "" {
				headers["X-Auth-Token"] = token
			}
			r := rawPost(t, h, headers, q, nil)
			if r.Status != http.StatusOK || len(r.Errors) == 0 {
				t.Fatalf("status %d, errors %+v, data %v", r.Status, r.Errors, r.Data)
			}
			for _, ge := range r.Errors {
				if ge.code() != "INTROSPECTION_DISABLED" || !strings.Contains(ge.Message, "introspection") {
					t.Errorf("error %+v, want code INTROSPECTION_DISABLED", ge)
				}
			}
			if r.Data["__schema"] != nil || r.Data["__type"] != nil {
				t.Errorf("schema leaked: %v", r.Data)
			}
		}
		if s := logs.String(); strings.Contains(s, "internal error") {
			t.Errorf("a refused introspection was logged as an internal error:\n%s", s)
		}
		// __typename is not introspection.
		var resp struct {
			Typename string `json:"__typename"`
		}
		mustPost(t, client.New(h), `{ __typename }`, &resp)
		if resp.Typename != "Query" {
			t.Errorf("__typename = %q", resp.Typename)
		}
	})
}

func TestHandler_MalformedQueries(t *testing.T) {
	e := apitest.New(t)
	alpha := e.NewAccount(e.Master, "alpha", nil)
	for _, tc := range []struct {
		name, query, code string
		vars              map[string]any
	}{
		{"Syntax", `{ phoneNumber(number: ) { number } }`, "GRAPHQL_PARSE_FAILED", nil},
		{"UnknownField", `{ phoneNumber(number: "+14155550100") { nope } }`, "GRAPHQL_VALIDATION_FAILED", nil},
		{"MissingArgument", `{ phoneNumber { number } }`, "GRAPHQL_VALIDATION_FAILED", nil},
		{"NoSelection", `{ phoneNumber(number: "+14155550100") }`, "GRAPHQL_VALIDATION_FAILED", nil},
		{"BadEnum", `{ phoneNumbers(accountId: "x", filter: {states: [SOLD]}) { totalCount } }`, "GRAPHQL_VALIDATION_FAILED", nil},
		{"BadVariable", `query($f: Int) { phoneNumbers(accountId: "x", first: $f) { totalCount } }`, "GRAPHQL_VALIDATION_FAILED", map[string]any{"f": "ten"}},
		{"MissingInputField", `mutation($in: CreatePhoneNumberInput!) { createPhoneNumber(input: $in) { userErrors { code } } }`,
			"GRAPHQL_VALIDATION_FAILED", map[string]any{"in": map[string]any{"number": "+14155550100"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rawPost(t, e.Handler, map[string]string{"X-Auth-Token": alpha.Token}, tc.query, tc.vars)
			if r.Status != http.StatusOK && r.Status != http.StatusUnprocessableEntity {
				t.Errorf("status %d", r.Status)
			}
			if len(r.Errors) == 0 {
				t.Fatalf("no errors, data %v", r.Data)
			}
			for _, ge := range r.Errors {
				if ge.code() != tc.code || ge.Message == "internal error" {
					t.Errorf("error %+v, want %s", ge, tc.code)
				}
			}
			if r.Data != nil {
				t.Errorf("data = %v, want none", r.Data)
			}
		})
	}
}

// syncBuffer is a log sink safe for concurrent writers.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestHandler_InternalErrorsHidden(t *testing.T) {
	// Tokens are cached, so requests still authenticate once the database
	// is gone; every resolver then fails inside the store.
	e := apitest.New(t, func(c *service.Config) { c.AuthCacheTTL = time.Hour })
	alpha := e.NewAccount(e.Master, "alpha", map[string]any{"wnm_allow_additions": true})
	logs := &syncBuffer{}
	h := graph.NewHandler(e.Svc, graph.Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	c := client.New(h, client.AddHeader("X-Auth-Token", alpha.Token))
	var warm struct {
		Account *accountRef `json:"account"`
	}
	mustPost(t, c, `query($id: ID!) { account(id: $id) { id name } }`, &warm, client.Var("id", alpha.ID))
	unused := e.Login(alpha.APIKey) // a token never checked, so not cached
	if err := e.DB.Close(); err != nil {
		t.Fatal(err)
	}

	var resp map[string]any
	errs := post(t, c, `{ phoneNumber(number: "+14155550100") { number } }`, &resp)
	wantErrorCodes(t, errs, "INTERNAL")
	if errs[0].Message != "internal error" || len(errs[0].Extensions) != 1 {
		t.Errorf("error %+v, want only \"internal error\" and its code", errs[0])
	}

	// A mutation does not turn it into a userError either.
	errs = post(t, c, `mutation($in: CreatePhoneNumberInput!) { createPhoneNumber(input: $in) { userErrors { code } } }`, &resp,
		client.Var("in", map[string]any{"accountId": alpha.ID, "number": "+14155550100"}))
	wantErrorCodes(t, errs, "INTERNAL")
	if errs[0].Message != "internal error" {
		t.Errorf("error %+v", errs[0])
	}

	// A token that cannot be checked is not a bad token: the client must
	// not be told to log in again.
	r := rawPost(t, h, map[string]string{"X-Auth-Token": unused.Token}, `{ __typename }`, nil)
	if r.Status != http.StatusInternalServerError {
		t.Errorf("status %d, want 500", r.Status)
	}
	wantErrorCodes(t, r.Errors, "INTERNAL")
	if r.Errors[0].Message != "internal error" {
		t.Errorf("error %+v", r.Errors[0])
	}

	log := logs.String()
	if !strings.Contains(log, "graphql internal error") || !strings.Contains(log, "closed") {
		t.Errorf("the cause was not logged:\n%s", log)
	}
}
