package rest_test

// Authentication (crossbar §1.1), account-hierarchy authorization (§1.2),
// the request id (§1.4) and the accounts endpoints numberd serves.

import (
	"net/http"
	"testing"
	"time"

	"numberd/internal/apitest"
	"numberd/service"
)

func TestAPIAuth(t *testing.T) {
	e := apitest.New(t)
	anon := e.Client("")

	t.Run("success", func(t *testing.T) {
		r := anon.Do("PUT", "/v2/api_auth", body(map[string]any{"api_key": apitest.MasterKey}))
		check(t, e, r, http.StatusCreated, "api_auth_success")
		if r.DataMap()["account_id"] != e.Master.ID {
			t.Fatalf("account_id %v, want %s", r.DataMap()["account_id"], e.Master.ID)
		}
		if tok, _ := r.Body["auth_token"].(string); tok == "" {
			t.Fatalf("no auth_token in %s", r.Raw)
		}
	})
	t.Run("child account", func(t *testing.T) {
		acct := e.NewAccount(e.Master, "apiuser", nil)
		r := anon.Do("PUT", "/v2/api_auth", body(map[string]any{"api_key": acct.APIKey}))
		e.Name(acct.APIKey, "{APIUSER_API_KEY}")
		check(t, e, r, http.StatusCreated, "api_auth_child")
		if r.DataMap()["account_id"] != acct.ID {
			t.Fatalf("account_id %v, want %s", r.DataMap()["account_id"], acct.ID)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		r := anon.Do("PUT", "/v2/api_auth", body(map[string]any{"api_key": "not-a-key"}))
		check(t, e, r, http.StatusUnauthorized, "api_auth_wrong_key")
		expectError(t, r, http.StatusUnauthorized, "invalid_credentials")
		assertJSON(t, "data", r.Data(), map[string]any{"message": "invalid credentials"})
	})
	t.Run("missing api_key", func(t *testing.T) {
		r := anon.Do("PUT", "/v2/api_auth", body(map[string]any{}))
		check(t, e, r, http.StatusBadRequest, "api_auth_missing_key")
		expectValidation(t, r, map[string]any{"api_key": map[string]any{"required": map[string]any{"message": "Field is required but missing"}}})
	})
	t.Run("empty body", func(t *testing.T) {
		r := anon.Do("PUT", "/v2/api_auth", nil)
		check(t, e, r, http.StatusBadRequest, "api_auth_missing_key")
	})
}

func TestTokenSources(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "tokens", nil)
	path := "/v2/accounts/" + acct.ID

	t.Run("X-Auth-Token", func(t *testing.T) {
		check(t, e, e.Client(acct.Token).Do("GET", path, nil), http.StatusOK, "token_account_get")
	})
	t.Run("Authorization Bearer", func(t *testing.T) {
		c := e.Client("")
		c.Headers = map[string]string{"Authorization": "Bearer " + acct.Token}
		r := c.Do("GET", path, nil)
		check(t, e, r, http.StatusOK, "token_account_get")
		if r.Body["auth_token"] != acct.Token {
			t.Fatalf("envelope auth_token %v, want the bearer token", r.Body["auth_token"])
		}
	})
	t.Run("auth_token query parameter", func(t *testing.T) {
		check(t, e, e.Client("").Do("GET", path+"?auth_token="+acct.Token, nil), http.StatusOK, "token_account_get")
	})
	t.Run("auth_token in the envelope", func(t *testing.T) {
		r := e.Client("").Do("POST", path, map[string]any{"auth_token": acct.Token, "data": map[string]any{}})
		r.Expect(t, http.StatusOK)
	})
	t.Run("no token", func(t *testing.T) {
		r := e.Client("").Do("GET", path, nil)
		check(t, e, r, http.StatusUnauthorized, "token_missing")
		expectError(t, r, http.StatusUnauthorized, "invalid_credentials")
		assertJSON(t, "data", r.Data(), map[string]any{"message": "invalid credentials"})
	})
	t.Run("no token on a number path", func(t *testing.T) {
		check(t, e, e.Client("").Do("GET", pn(acct), nil), http.StatusUnauthorized, "token_missing")
	})
	t.Run("garbage token", func(t *testing.T) {
		r := e.Client("garbage-token").Do("GET", path, nil)
		check(t, e, r, http.StatusUnauthorized, "token_garbage")
	})
	t.Run("garbage bearer", func(t *testing.T) {
		c := e.Client("")
		c.Headers = map[string]string{"Authorization": "Bearer garbage-token"}
		check(t, e, c.Do("GET", path, nil), http.StatusUnauthorized, "token_garbage")
	})
	t.Run("revoked token", func(t *testing.T) {
		other := e.Login(acct.APIKey)
		c := e.Client(other.Token)
		c.Do("GET", path, nil).Expect(t, http.StatusOK)
		r := c.Do("DELETE", "/v2/token_auth", nil)
		r.Expect(t, http.StatusOK)
		r = c.Do("GET", path, nil)
		expectError(t, r, http.StatusUnauthorized, "invalid_credentials")
		// The first token is unaffected.
		e.Client(acct.Token).Do("GET", path, nil).Expect(t, http.StatusOK)
	})
}

func TestExpiredToken(t *testing.T) {
	// Tokens of this environment expire the moment they are issued.
	e := apitest.New(t, func(c *service.Config) { c.TokenTTL = -time.Minute })
	if e.Master.Token == "" {
		t.Fatal("api_auth issued no token")
	}
	r := e.Client(e.Master.Token).Do("GET", "/v2/accounts/"+e.Master.ID, nil)
	check(t, e, r, http.StatusUnauthorized, "token_expired")
	expectError(t, r, http.StatusUnauthorized, "invalid_credentials")
	assertJSON(t, "data", r.Data(), map[string]any{"message": "invalid credentials"})
}

func TestRequestID(t *testing.T) {
	e := apitest.New(t)
	c := e.Client(e.Master.Token)
	path := "/v2/accounts/" + e.Master.ID

	t.Run("echoed on success", func(t *testing.T) {
		c := e.Client(e.Master.Token)
		c.Headers = map[string]string{"X-Request-ID": "req-1234-abcd"}
		r := c.Do("GET", path, nil).Expect(t, http.StatusOK)
		if r.Body["request_id"] != "req-1234-abcd" || r.Header.Get("X-Request-ID") != "req-1234-abcd" {
			t.Fatalf("request_id %v, header %q", r.Body["request_id"], r.Header.Get("X-Request-ID"))
		}
	})
	t.Run("echoed on error", func(t *testing.T) {
		c := e.Client("")
		c.Headers = map[string]string{"X-Request-ID": "req-error-1"}
		r := c.Do("GET", path, nil).Expect(t, http.StatusUnauthorized)
		if r.Body["request_id"] != "req-error-1" || r.Header.Get("X-Request-ID") != "req-error-1" {
			t.Fatalf("request_id %v, header %q", r.Body["request_id"], r.Header.Get("X-Request-ID"))
		}
	})
	t.Run("echoed on unknown path", func(t *testing.T) {
		c := e.Client(e.Master.Token)
		c.Headers = map[string]string{"X-Request-ID": "req-404"}
		r := c.Do("GET", "/v2/nowhere", nil).Expect(t, http.StatusNotFound)
		if r.Body["request_id"] != "req-404" || r.Header.Get("X-Request-ID") != "req-404" {
			t.Fatalf("request_id %v, header %q", r.Body["request_id"], r.Header.Get("X-Request-ID"))
		}
	})
	t.Run("generated when absent", func(t *testing.T) {
		r1 := c.Do("GET", path, nil).Expect(t, http.StatusOK)
		r2 := c.Do("GET", path, nil).Expect(t, http.StatusOK)
		id1, _ := r1.Body["request_id"].(string)
		id2, _ := r2.Body["request_id"].(string)
		if !hex32.MatchString(id1) || !hex32.MatchString(id2) || id1 == id2 {
			t.Fatalf("generated request ids %q and %q: want distinct 32-hex ids", id1, id2)
		}
		if r1.Header.Get("X-Request-ID") != id1 {
			t.Fatalf("header %q, envelope %q", r1.Header.Get("X-Request-ID"), id1)
		}
	})
}

func TestAccounts(t *testing.T) {
	e := apitest.New(t)
	master := e.Client(e.Master.Token)
	reseller := e.NewAccount(e.Master, "reseller", map[string]any{"reseller": true, "wnm_allow_additions": true})
	rc := e.Client(reseller.Token)

	var childID string
	t.Run("create as master", func(t *testing.T) {
		r := master.Do("PUT", "/v2/accounts/"+e.Master.ID, body(map[string]any{"name": "created", "wnm_allow_additions": true}))
		r.Expect(t, http.StatusCreated)
		id, _ := r.DataMap()["id"].(string)
		if !hex32.MatchString(id) {
			t.Fatalf("data.id %q is not 32 hex digits", id)
		}
		e.Name(id, "{CREATED_ID}")
		check(t, e, r, http.StatusCreated, "account_create_master")
	})
	t.Run("create as reseller", func(t *testing.T) {
		r := rc.Do("PUT", "/v2/accounts/"+reseller.ID, body(map[string]any{"name": "child"}))
		r.Expect(t, http.StatusCreated)
		childID, _ = r.DataMap()["id"].(string)
		if !hex32.MatchString(childID) {
			t.Fatalf("data.id %q is not 32 hex digits", childID)
		}
		e.Name(childID, "{CHILD_ID}")
		check(t, e, r, http.StatusCreated, "account_create_child")
		assertJSON(t, "tree", r.DataMap()["tree"], []any{e.Master.ID, reseller.ID})
	})
	t.Run("non-admin sets reseller", func(t *testing.T) {
		r := rc.Do("PUT", "/v2/accounts/"+reseller.ID, body(map[string]any{"name": "sneaky", "reseller": true}))
		check(t, e, r, http.StatusForbidden, "account_create_forbidden_flag")
		expectForbiddenAccount(t, r)
	})
	t.Run("non-admin sets wnm_allow_additions", func(t *testing.T) {
		r := rc.Do("PUT", "/v2/accounts/"+reseller.ID, body(map[string]any{"name": "sneaky", "wnm_allow_additions": true}))
		check(t, e, r, http.StatusForbidden, "account_create_forbidden_flag")
	})
	t.Run("non-admin sets is_reseller", func(t *testing.T) {
		r := rc.Do("PUT", "/v2/accounts/"+reseller.ID, body(map[string]any{"name": "sneaky", "is_reseller": true}))
		check(t, e, r, http.StatusForbidden, "account_create_forbidden_flag")
	})
	t.Run("create without name", func(t *testing.T) {
		r := rc.Do("PUT", "/v2/accounts/"+reseller.ID, body(map[string]any{}))
		check(t, e, r, http.StatusBadRequest, "account_create_no_name")
		expectValidation(t, r, map[string]any{"name": map[string]any{"required": map[string]any{"message": "Field is required but missing"}}})
	})
	t.Run("create with a non-string name", func(t *testing.T) {
		r := rc.Do("PUT", "/v2/accounts/"+reseller.ID, body(map[string]any{"name": 5}))
		check(t, e, r, http.StatusBadRequest, "account_create_name_type")
	})
	t.Run("get self", func(t *testing.T) {
		r := rc.Do("GET", "/v2/accounts/"+reseller.ID, nil)
		check(t, e, r, http.StatusOK, "account_get_self")
		if r.DataMap()["id"] != reseller.ID || r.DataMap()["name"] != "reseller" {
			t.Fatalf("data %v", r.DataMap())
		}
	})
	t.Run("get descendant", func(t *testing.T) {
		check(t, e, rc.Do("GET", "/v2/accounts/"+childID, nil), http.StatusOK, "account_get_child")
	})
	t.Run("descendant gets ancestor", func(t *testing.T) {
		key := master.Do("GET", "/v2/accounts/"+childID+"/api_key", nil).Expect(t, http.StatusOK).DataMap()["api_key"].(string)
		child := e.Login(key)
		r := e.Client(child.Token).Do("GET", "/v2/accounts/"+reseller.ID, nil)
		check(t, e, r, http.StatusForbidden, "account_forbidden")
		expectForbiddenAccount(t, r)
	})
	t.Run("get unknown as master", func(t *testing.T) {
		r := master.Do("GET", "/v2/accounts/0123456789abcdef0123456789abcdef", nil)
		check(t, e, r, http.StatusNotFound, "account_get_unknown_admin")
		expectError(t, r, http.StatusNotFound, "bad_identifier")
	})
	t.Run("get unknown as non-admin", func(t *testing.T) {
		r := rc.Do("GET", "/v2/accounts/0123456789abcdef0123456789abcdef", nil)
		check(t, e, r, http.StatusForbidden, "account_forbidden")
	})
	t.Run("api_key", func(t *testing.T) {
		r := rc.Do("GET", "/v2/accounts/"+reseller.ID+"/api_key", nil)
		e.Name(reseller.APIKey, "{RESELLER_API_KEY}")
		check(t, e, r, http.StatusOK, "account_api_key")
		if r.DataMap()["api_key"] != reseller.APIKey {
			t.Fatalf("api_key %v", r.DataMap()["api_key"])
		}
	})
	t.Run("children", func(t *testing.T) {
		r := rc.Do("GET", "/v2/accounts/"+reseller.ID+"/children", nil)
		check(t, e, r, http.StatusOK, "account_children")
		list, _ := r.Data().([]any)
		if len(list) != 1 {
			t.Fatalf("children: %s", r.Raw)
		}
	})
	t.Run("POST renames", func(t *testing.T) {
		r := rc.Do("POST", "/v2/accounts/"+childID, body(map[string]any{"name": "renamed"}))
		check(t, e, r, http.StatusOK, "account_post")
		if r.DataMap()["name"] != "renamed" {
			t.Fatalf("name %v", r.DataMap()["name"])
		}
		if got := rc.Do("GET", "/v2/accounts/"+childID, nil).DataMap()["name"]; got != "renamed" {
			t.Fatalf("name after POST %v", got)
		}
	})
	t.Run("PATCH", func(t *testing.T) {
		r := rc.Do("PATCH", "/v2/accounts/"+childID, body(map[string]any{"enabled": false}))
		check(t, e, r, http.StatusOK, "account_patch")
		if r.DataMap()["enabled"] != false || r.DataMap()["name"] != "renamed" {
			t.Fatalf("data %v", r.DataMap())
		}
	})
	t.Run("non-admin update sets a flag", func(t *testing.T) {
		r := rc.Do("PATCH", "/v2/accounts/"+childID, body(map[string]any{"wnm_allow_additions": true}))
		check(t, e, r, http.StatusForbidden, "account_forbidden")
		r = rc.Do("POST", "/v2/accounts/"+reseller.ID, body(map[string]any{"reseller": false}))
		check(t, e, r, http.StatusForbidden, "account_forbidden")
	})
	t.Run("admin update sets a flag", func(t *testing.T) {
		r := master.Do("PATCH", "/v2/accounts/"+childID, body(map[string]any{"wnm_allow_additions": true}))
		r.Expect(t, http.StatusOK)
		if r.DataMap()["wnm_allow_additions"] != true {
			t.Fatalf("data %v", r.DataMap())
		}
	})
	t.Run("update with a bad name", func(t *testing.T) {
		r := rc.Do("POST", "/v2/accounts/"+childID, body(map[string]any{"name": "  "}))
		check(t, e, r, http.StatusBadRequest, "account_update_bad_name")
	})
	t.Run("DELETE own account", func(t *testing.T) {
		r := rc.Do("DELETE", "/v2/accounts/"+reseller.ID, nil)
		check(t, e, r, http.StatusForbidden, "account_forbidden")
	})
	t.Run("DELETE with children", func(t *testing.T) {
		r := master.Do("DELETE", "/v2/accounts/"+reseller.ID, nil)
		check(t, e, r, http.StatusConflict, "account_delete_has_children")
	})
	t.Run("DELETE", func(t *testing.T) {
		r := rc.Do("DELETE", "/v2/accounts/"+childID, nil)
		check(t, e, r, http.StatusOK, "account_delete")
		if r.DataMap()["id"] != childID {
			t.Fatalf("data %v", r.DataMap())
		}
		check(t, e, master.Do("GET", "/v2/accounts/"+childID, nil), http.StatusNotFound, "account_get_deleted_admin")
		check(t, e, rc.Do("GET", "/v2/accounts/"+childID, nil), http.StatusForbidden, "account_forbidden")
		r = rc.Do("GET", "/v2/accounts/"+reseller.ID+"/children", nil).Expect(t, http.StatusOK)
		if list, _ := r.Data().([]any); len(list) != 0 {
			t.Fatalf("children after delete: %s", r.Raw)
		}
	})
}
