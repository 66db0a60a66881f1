package rest_test

import (
	"testing"

	"numberd/internal/apitest"
)

func TestSmoke_KZOO41(t *testing.T) {
	e := apitest.New(t)
	acct := e.NewAccount(e.Master, "accountone", nil)
	c := e.Client(e.Master.Token)
	base := "/v2/accounts/" + acct.ID + "/phone_numbers"
	r := c.Do("GET", base, nil).Expect(t, 200)
	if n := r.DataMap()["numbers"].(map[string]any); len(n) != 0 {
		t.Fatalf("numbers not empty: %v", n)
	}
	r = c.Do("PUT", base+"/%2B12345678901", map[string]any{"data": map[string]any{"carrier_name": "knm_other"}, "accept_charges": true}).Expect(t, 201)
	if r.DataMap()["id"] != "+12345678901" {
		t.Fatalf("id: %v", r.DataMap())
	}
	e.Golden(t, "smoke_create", r)
	r = c.Do("GET", base, nil).Expect(t, 200)
	if n := r.DataMap()["numbers"].(map[string]any); len(n) != 1 {
		t.Fatalf("numbers: %v", n)
	}
	c.Do("DELETE", base+"/%2B12345678901", nil).Expect(t, 200)
	r = c.Do("GET", base, nil).Expect(t, 200)
	if n := r.DataMap()["numbers"].(map[string]any); len(n) != 0 {
		t.Fatalf("numbers not empty after delete: %v", n)
	}
}
