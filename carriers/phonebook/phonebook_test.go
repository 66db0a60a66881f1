package phonebook_test

import (
	"context"
	"testing"
	"time"

	"numberd/carriers/phonebook"
	"numberd/carriers/phonebook/phonebooktest"
	"numberd/models"
)

var ctx = context.Background()

func client(t *testing.T, f *phonebooktest.Fake) *phonebook.Client {
	t.Helper()
	c, err := phonebook.New(f.URL, phonebook.Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNew_BadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "http://", "::"} {
		if _, err := phonebook.New(u, phonebook.Options{}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestClient_Success(t *testing.T) {
	f := phonebooktest.New(t, "+14152338397", "+14152338421", "+16502530000")
	c := client(t, f)
	got, err := c.Find(ctx, models.SearchQuery{Prefix: "+1415", Country: "US", Quantity: 10})
	if err != nil || len(got) != 2 || got[0].Number != "+14152338397" || got[0].State != models.StateDiscovery || got[0].Carrier != "other" {
		t.Fatalf("find: %+v %v", got, err)
	}
	st, err := c.Check(ctx, []string{"+14152338397", "+14155550000"})
	if err != nil || st["+14152338397"] != "success" || st["+14155550000"] != "error" {
		t.Fatalf("check: %v %v", st, err)
	}
	n := &models.Number{Number: "+14152338397"}
	if err := c.Acquire(ctx, n); err != nil || n.CarrierData["opaque"] == nil {
		t.Fatalf("acquire: %v %v", n.CarrierData, err)
	}
	loc, err := c.Locality(ctx, []string{"+14152338397"})
	if err != nil || len(loc) != 1 || loc[0].City != "Belvedere" || loc[0].Raw == nil {
		t.Fatalf("locality: %+v %v", loc, err)
	}
	_, raw, err := c.CityPrefixes(ctx, "Belvedere")
	if err != nil || raw == nil {
		t.Fatalf("city: %v %v", raw, err)
	}
}

func TestClient_OrderRefused(t *testing.T) {
	f := phonebooktest.New(t, "+14152338397")
	f.FailOrder("+14152338397")
	err := client(t, f).Acquire(ctx, &models.Number{Number: "+14152338397"})
	e := models.AsError(err)
	if e == nil || e.Reason != "unspecified_fault" || e.Message != "fault by carrier" || e.Cause != "+14152338397" {
		t.Fatalf("%v", err)
	}
}

func TestClient_UnknownCity(t *testing.T) {
	f := phonebooktest.New(t)
	_, _, err := client(t, f).CityPrefixes(ctx, "Nowhere")
	e := models.AsError(err)
	if e == nil || e.Reason != phonebook.ReasonInitFailed || e.RawData.(map[string]any)["message"] != "Not Found" {
		t.Fatalf("%#v", err)
	}
}

// Every call fails cleanly (a typed error, within the timeout) when the
// upstream answers 500, answers bad JSON, or does not answer in time.
func TestClient_Failures(t *testing.T) {
	for _, mode := range []string{phonebooktest.Fail, phonebooktest.BadJSON, phonebooktest.Hang} {
		t.Run(mode, func(t *testing.T) {
			f := phonebooktest.New(t, "+14152338397")
			f.SetMode(mode)
			c := client(t, f)
			start := time.Now()
			if _, err := c.Find(ctx, models.SearchQuery{Prefix: "+1415", Quantity: 1}); err == nil {
				t.Error("find: no error")
			}
			if _, err := c.Check(ctx, []string{"+14152338397"}); err == nil {
				t.Error("check: no error")
			}
			err := c.Acquire(ctx, &models.Number{Number: "+14152338397"})
			if e := models.AsError(err); e == nil || e.Message != "fault by carrier" || e.Code != models.EUPSTREAM {
				t.Errorf("acquire: %v", err)
			}
			_, err = c.Locality(ctx, []string{"+14152338397"})
			if e := models.AsError(err); e == nil || e.Reason != phonebook.ReasonLookupFailed {
				t.Errorf("locality: %v", err)
			}
			_, _, err = c.CityPrefixes(ctx, "Belvedere")
			e := models.AsError(err)
			if e == nil || e.Reason != phonebook.ReasonInitFailed {
				t.Fatalf("city: %v", err)
			}
			if mode == phonebooktest.Hang {
				if d := e.RawData.(map[string]any)["unknown error"]; d != "timeout" {
					t.Errorf("city data: %v", e.RawData)
				}
			}
			if time.Since(start) > 3*time.Second {
				t.Errorf("calls took %v: the timeout did not bound them", time.Since(start))
			}
		})
	}
}
