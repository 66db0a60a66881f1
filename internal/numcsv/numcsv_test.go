package numcsv_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"numberd/internal/numcsv"
	"numberd/models"
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name, in, column string
		want             []numcsv.Row
		err              string
	}{
		{"plain list", "+14158867900\n\n4158867901\n", "", []numcsv.Row{{1, "+14158867900", ""}, {3, "4158867901", ""}}, ""},
		{"header and state", "number,state\n+14158867900,reserved\n", "", []numcsv.Row{{2, "+14158867900", "reserved"}}, ""},
		{"header elsewhere", "name;DID;State\nx;(415) 886-7900;in_service\n", "", []numcsv.Row{{2, "(415) 886-7900", "in_service"}}, ""},
		{"unknown header: first column", "foo,bar\n4158867900,x\n", "", []numcsv.Row{{2, "4158867900", ""}}, ""},
		{"column by name", "a,b\nx,4158867900\n", "b", []numcsv.Row{{2, "4158867900", ""}}, ""},
		{"column by index", "x\t4158867900\n", "2", []numcsv.Row{{1, "4158867900", ""}}, ""},
		{"bom and comments", "\uFEFFnumber\n# comment\n+14158867900\n", "", []numcsv.Row{{3, "+14158867900", ""}}, ""},
		{"missing named column", "a,b\n1,2\n", "c", nil, "no such column"},
		{"name without header", "1,2\n", "c", nil, "no header row"},
		{"short row", "number,note\n,x\n", "", []numcsv.Row{{2, "", ""}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := numcsv.Read(strings.NewReader(tc.in), numcsv.ReadOptions{Column: tc.column})
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || len(got) != len(tc.want) {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
			for i := range got {
				if got[i] != tc.want[i] {
					t.Fatalf("row %d: %+v, want %+v", i, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestWriteRead: an export reads back as its numbers and states.
func TestWriteRead(t *testing.T) {
	var b bytes.Buffer
	w := numcsv.NewWriter(&b)
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	w.Write(&models.Number{Number: "+14158867900", State: models.StateReserved, AssignedTo: "a", Carrier: "local",
		Features: models.Doc{"local": map[string]any{}}, FeaturesAllowed: models.StringList{"cnam", "e911"}, CreatedAt: now, UpdatedAt: now})
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	want := "number,state,assigned_to,used_by,carrier,features,features_allowed,features_denied,created,updated\n" +
		"+14158867900,reserved,a,,local,local,cnam;e911,,63934542245,63934542245\n"
	if b.String() != want {
		t.Fatalf("got\n%s", b.String())
	}
	rows, err := numcsv.Read(&b, numcsv.ReadOptions{})
	if err != nil || len(rows) != 1 || rows[0].Number != "+14158867900" || rows[0].State != "reserved" {
		t.Fatalf("%+v %v", rows, err)
	}
	var empty bytes.Buffer
	numcsv.NewWriter(&empty).Flush()
	if !strings.HasPrefix(empty.String(), "number,state,") {
		t.Fatalf("empty export: %q", empty.String())
	}
}
