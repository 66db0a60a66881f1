package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"numberd/carriers/phonebook/phonebooktest"
	"numberd/store/storetest"
)

// A server started with no discovery configuration answers classifiers,
// locality and prefix?city=Mountain View from embedded data (what `make
// run` on a fresh checkout does).
func TestRun_NumberIntelligenceWithoutConfiguration(t *testing.T) {
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "k"}, "--db", storetest.DSN(t))
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "k"}})
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)
	pn := s.base + "/v2/accounts/" + master + "/phone_numbers"
	if r := call(t, "GET", pn+"/classifiers", tok, nil); r.status != 200 || !strings.Contains(r.raw, `{"tollfree_us":{`) {
		t.Fatalf("classifiers %d %s", r.status, r.raw)
	}
	r := call(t, "POST", pn+"/locality", tok, map[string]any{"data": map[string]any{"numbers": []string{"+16502530000"}}})
	if loc, _ := data(r)["+16502530000"].(map[string]any)["locality"].(map[string]any); r.status != 200 || loc["locality"] != "Mountain View" {
		t.Fatalf("locality %d %s", r.status, r.raw)
	}
	r = call(t, "GET", s.base+"/v2/phone_numbers/prefix?city=Mountain%20View", "", nil)
	if r.status != 200 || data(r)["Mountain View, CA"] == nil {
		t.Fatalf("prefix %d %s", r.status, r.raw)
	}
}

// A configured phonebook URL enables the other carrier (and its
// locality); discovery flags are validated at start.
func TestRun_PhonebookConfiguration(t *testing.T) {
	f := phonebooktest.New(t, "+14152338397")
	s := startServer(t, map[string]string{"NUMBERD_MASTER_API_KEY": "k", "NUMBERD_PHONEBOOK_URL": f.URL}, "--db", storetest.DSN(t))
	auth := call(t, "PUT", s.base+"/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": "k"}})
	tok, master := auth.body["auth_token"].(string), data(auth)["account_id"].(string)
	r := call(t, "GET", s.base+"/v2/accounts/"+master+"/phone_numbers?prefix=415&quantity=5", tok, nil)
	if r.status != 200 || !strings.Contains(r.raw, `"+14152338397"`) || !strings.Contains(r.raw, `"discovery"`) {
		t.Fatalf("search %d %s", r.status, r.raw)
	}
	r = call(t, "POST", s.base+"/v2/accounts/"+master+"/phone_numbers/locality", tok, map[string]any{"data": map[string]any{"numbers": []string{"+14152338397"}}})
	if !strings.Contains(r.raw, "Belvedere") {
		t.Fatalf("upstream locality %s", r.raw)
	}
}

func TestConfig_DiscoveryFlags(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "classifiers.json")
	os.WriteFile(good, []byte(`{"premium":"^\\+1900","rest":"^(.*)$"}`), 0o644)
	load := func(env map[string]string, args ...string) error {
		c, err := loadConfig("t", args, func(k string) string { return env[k] }, io.Discard)
		if err != nil {
			return err
		}
		_, err = serviceConfig(c)
		return err
	}
	if err := load(nil, "--classifiers", good, "--carriers", "knm_local,inventory"); err != nil {
		t.Errorf("good config: %v", err)
	}
	if err := load(map[string]string{"NUMBERD_CLASSIFIERS": `{"a":"^1"}`}); err != nil {
		t.Errorf("inline classifiers: %v", err)
	}
	for name, args := range map[string][]string{
		"unknown carrier":   {"--carriers", "acme"},
		"other without url": {"--carriers", "other"},
		"missing file":      {"--classifiers", filepath.Join(dir, "nope.json")},
		"bad regex":         {"--classifiers", `{"a":"("}`},
		"bad duration":      {"--discovery-ttl", "soon"},
	} {
		if err := load(nil, args...); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	c, _ := loadConfig("t", nil, func(k string) string { return map[string]string{"NUMBERD_PHONEBOOK_URL": "http://x"}[k] }, io.Discard)
	sc, err := serviceConfig(c)
	if err != nil || strings.Join(sc.Carriers, ",") != "local,inventory,other" {
		t.Errorf("phonebook default carriers: %v %v", sc.Carriers, err)
	}
}
