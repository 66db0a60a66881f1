package graph_test

import (
	"encoding/base64"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/client"

	"numberd/internal/apitest"
)

const historyQuery = `query($n: String!, $first: Int, $after: String) {
  phoneNumber(number: $n) {
    history(first: $first, after: $after) {
      edges { cursor node { id number action fromState toState fromAccountId toAccountId actorAccountId requestId createdAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount
    }
  }
}`

type event struct {
	ID             string  `json:"id"`
	Number         string  `json:"number"`
	Action         string  `json:"action"`
	FromState      *string `json:"fromState"`
	ToState        string  `json:"toState"`
	FromAccountID  *string `json:"fromAccountId"`
	ToAccountID    *string `json:"toAccountId"`
	ActorAccountID *string `json:"actorAccountId"`
	RequestID      *string `json:"requestId"`
	CreatedAt      string  `json:"createdAt"`
}

type historyPage struct {
	Edges []struct {
		Cursor string `json:"cursor"`
		Node   event  `json:"node"`
	} `json:"edges"`
	PageInfo struct {
		HasNextPage     bool    `json:"hasNextPage"`
		HasPreviousPage bool    `json:"hasPreviousPage"`
		StartCursor     *string `json:"startCursor"`
		EndCursor       *string `json:"endCursor"`
	} `json:"pageInfo"`
	TotalCount int `json:"totalCount"`
}

func history(t testing.TB, c *client.Client, num string, first *int, after *string) (*historyPage, []gqlError) {
	t.Helper()
	var resp struct {
		PhoneNumber *struct {
			History historyPage `json:"history"`
		} `json:"phoneNumber"`
	}
	opts := []client.Option{client.Var("n", num)}
	if first != nil {
		opts = append(opts, client.Var("first", *first))
	}
	if after != nil {
		opts = append(opts, client.Var("after", *after))
	}
	errs := post(t, c, historyQuery, &resp, opts...)
	if resp.PhoneNumber == nil {
		return nil, errs
	}
	return &resp.PhoneNumber.History, errs
}

// reqID sends an X-Request-ID with one request.
func reqID(id string) client.Option { return client.AddHeader("X-Request-ID", id) }

func TestPhoneNumber_History(t *testing.T) {
	ts := newTenants(t)
	e := ts.e
	const num = "+14155550100"
	master, alpha := gql(e, e.Master.Token), gql(e, ts.alpha.Token)
	start := time.Now().Add(-time.Second)

	// create (master, available) → reserve → update (no event) → activate → release.
	wantOK(t, mutate(t, master, "createPhoneNumber", map[string]any{"accountId": ts.alpha.ID, "number": num,
		"state": "AVAILABLE", "carrierName": "knm_other"}, reqID("req-create")))
	wantOK(t, mutate(t, alpha, "reservePhoneNumber", map[string]any{"accountId": ts.alpha.ID, "number": num}, reqID("req-reserve")))
	wantOK(t, mutate(t, alpha, "updatePhoneNumber", map[string]any{"accountId": ts.alpha.ID, "number": num,
		"publicFields": map[string]any{"label": "x"}}, reqID("req-update")))
	wantOK(t, mutate(t, alpha, "activatePhoneNumber", map[string]any{"accountId": ts.alpha.ID, "number": num}, reqID("req-activate")))
	r := rawPost(t, e.Handler, map[string]string{"X-Auth-Token": ts.alpha.Token, "X-Request-ID": "req-release"},
		`mutation($in: ReleasePhoneNumberInput!) { releasePhoneNumber(input: $in) { phoneNumber { state } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"accountId": ts.alpha.ID, "number": num}})
	if len(r.Errors) != 0 || r.Header.Get("X-Request-ID") != "req-release" {
		t.Fatalf("release: errors %+v, X-Request-ID echoed as %q", r.Errors, r.Header.Get("X-Request-ID"))
	}

	s := ptr[string]
	want := []event{
		{Number: num, Action: "release", FromState: s("IN_SERVICE"), ToState: "AVAILABLE", FromAccountID: s(ts.alpha.ID), ActorAccountID: s(ts.alpha.ID), RequestID: s("req-release")},
		{Number: num, Action: "activate", FromState: s("RESERVED"), ToState: "IN_SERVICE", FromAccountID: s(ts.alpha.ID), ToAccountID: s(ts.alpha.ID), ActorAccountID: s(ts.alpha.ID), RequestID: s("req-activate")},
		{Number: num, Action: "reserve", FromState: s("AVAILABLE"), ToState: "RESERVED", ToAccountID: s(ts.alpha.ID), ActorAccountID: s(ts.alpha.ID), RequestID: s("req-reserve")},
		// alpha no longer holds the number (released, available): accounts
		// outside its subtree (the master that created it) are redacted.
		{Number: num, Action: "create", ToState: "AVAILABLE"},
	}

	t.Run("RedactedForNonHolders", func(t *testing.T) {
		// The master holds every number: it sees who created it.
		h, errs := history(t, master, num, nil, nil)
		if errs != nil || h == nil || len(h.Edges) != len(want) {
			t.Fatalf("master history: %+v %+v", h, errs)
		}
		last := h.Edges[len(h.Edges)-1].Node
		if deref(last.ActorAccountID) != e.Master.ID || deref(last.RequestID) != "req-create" {
			t.Errorf("master sees create by %s (%s)", deref(last.ActorAccountID), deref(last.RequestID))
		}
		// A sibling tenant reads the available number but none of alpha's
		// or the master's ids.
		beta := gql(e, ts.beta.Token)
		hb, errs := history(t, beta, num, nil, nil)
		if errs != nil || hb == nil || len(hb.Edges) != len(want) {
			t.Fatalf("beta history: %+v %+v", hb, errs)
		}
		for _, ed := range hb.Edges {
			n := ed.Node
			if n.FromAccountID != nil || n.ToAccountID != nil || n.ActorAccountID != nil || n.RequestID != nil {
				t.Errorf("beta sees ids in %s", show(n))
			}
		}
	})

	t.Run("NewestFirst", func(t *testing.T) {
		h, errs := history(t, alpha, num, nil, nil)
		if errs != nil || h == nil {
			t.Fatalf("history: %+v", errs)
		}
		if h.TotalCount != len(want) || h.PageInfo.HasNextPage || h.PageInfo.HasPreviousPage {
			t.Errorf("totalCount %d, pageInfo %+v", h.TotalCount, h.PageInfo)
		}
		if len(h.Edges) != len(want) {
			t.Fatalf("%d events, want %d: %+v", len(h.Edges), len(want), h.Edges)
		}
		ids := map[string]bool{}
		for i, ed := range h.Edges {
			got := ed.Node
			created, err := time.Parse(time.RFC3339Nano, got.CreatedAt)
			if err != nil || created.Before(start) || created.After(time.Now().Add(time.Second)) {
				t.Errorf("event %d createdAt %q: %v", i, got.CreatedAt, err)
			}
			if got.ID == "" || ids[got.ID] || ed.Cursor == "" {
				t.Errorf("event %d: id %q (dup %v), cursor %q", i, got.ID, ids[got.ID], ed.Cursor)
			}
			ids[got.ID] = true
			got.ID, got.CreatedAt = "", ""
			if !reflect.DeepEqual(got, want[i]) {
				t.Errorf("event %d = %s\nwant      %s", i, show(got), show(want[i]))
			}
		}
	})

	t.Run("Pages", func(t *testing.T) {
		var actions []string
		var after *string
		for page := 0; ; page++ {
			if page > len(want) {
				t.Fatal("too many pages")
			}
			h, errs := history(t, alpha, num, ptr(3), after)
			if errs != nil || h == nil {
				t.Fatalf("page %d: %+v", page, errs)
			}
			if h.TotalCount != len(want) || h.PageInfo.HasPreviousPage != (after != nil) {
				t.Errorf("page %d: totalCount %d, pageInfo %+v", page, h.TotalCount, h.PageInfo)
			}
			for _, ed := range h.Edges {
				actions = append(actions, ed.Node.Action)
			}
			if len(h.Edges) > 0 && (*h.PageInfo.StartCursor != h.Edges[0].Cursor || *h.PageInfo.EndCursor != h.Edges[len(h.Edges)-1].Cursor) {
				t.Errorf("page %d: cursors do not match the edges", page)
			}
			if !h.PageInfo.HasNextPage {
				break
			}
			after = h.PageInfo.EndCursor
		}
		if got := strings.Join(actions, ","); got != "release,activate,reserve,create" {
			t.Errorf("walked %s", got)
		}
	})

	t.Run("PageAfterEachCursor", func(t *testing.T) {
		all, _ := history(t, alpha, num, nil, nil)
		for i, ed := range all.Edges {
			h, errs := history(t, alpha, num, ptr(1), &ed.Cursor)
			if errs != nil {
				t.Fatalf("after %d: %+v", i, errs)
			}
			if i+1 < len(all.Edges) {
				if len(h.Edges) != 1 || h.Edges[0].Node.ID != all.Edges[i+1].Node.ID || h.PageInfo.HasNextPage != (i+2 < len(all.Edges)) {
					t.Errorf("after %d: %+v", i, h)
				}
			} else if len(h.Edges) != 0 || h.PageInfo.HasNextPage || h.PageInfo.EndCursor != nil {
				t.Errorf("after the last: %+v", h)
			}
		}
	})

	for _, tc := range []struct {
		name  string
		first *int
		after *string
		code  string
	}{
		// Rejected before execution by the query limits.
		{"FirstAboveMaximum", ptr(101), nil, "PAGE_SIZE_LIMIT_EXCEEDED"},
		{"FirstNegative", ptr(-1), nil, "VALIDATION"},
		{"CursorNotBase64", nil, ptr("%%%"), "VALIDATION"},
		{"NumberCursor", nil, ptr(base64.RawURLEncoding.EncodeToString([]byte("n:+14155550100"))), "VALIDATION"},
		{"GarbageEventCursor", nil, ptr(base64.RawURLEncoding.EncodeToString([]byte("e:not-a-position"))), "VALIDATION"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h, errs := history(t, alpha, num, tc.first, tc.after)
			if h != nil {
				t.Errorf("history returned with an error: %+v", h)
			}
			wantErrorCodes(t, errs, tc.code)
		})
	}

	t.Run("OtherTenantCannotReadOwnedHistory", func(t *testing.T) {
		wantOK(t, mutate(t, alpha, "activatePhoneNumber", map[string]any{"accountId": ts.alpha.ID, "number": num}))
		h, errs := history(t, gql(e, ts.beta.Token), num, nil, nil)
		if h != nil {
			t.Fatalf("beta read alpha's history: %+v", h)
		}
		wantErrorCodes(t, errs, "NOT_FOUND")
	})
}

func TestPhoneNumber_HistoryRequestID(t *testing.T) {
	for _, tc := range []struct {
		name, header string
		want         *string
	}{
		// Without a usable header numberd makes one (32 hex), as REST does.
		{"None", "", nil},
		{"Short", "abc-123", ptr("abc-123")},
		{"Max", strings.Repeat("r", 64), ptr(strings.Repeat("r", 64))},
		// Longer than the history column: replaced (MySQL would refuse the
		// whole write).
		{"TooLong", strings.Repeat("x", 65), nil},
		{"WayTooLong", strings.Repeat("x", 129), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := apitest.New(t)
			acct := e.NewAccount(e.Master, "alpha", map[string]any{"wnm_allow_additions": true})
			c := gql(e, acct.Token)
			var opts []client.Option
			if tc.header != "" {
				opts = append(opts, reqID(tc.header))
			}
			wantOK(t, mutate(t, c, "createPhoneNumber", map[string]any{"accountId": acct.ID, "number": "+14155550100"}, opts...))
			h, errs := history(t, c, "+14155550100", nil, nil)
			if errs != nil || h == nil || len(h.Edges) != 1 {
				t.Fatalf("history %+v, errors %+v", h, errs)
			}
			got := h.Edges[0].Node.RequestID
			if tc.want == nil {
				if got == nil || !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(*got) {
					t.Errorf("requestId = %v, want a generated 32-hex id", deref(got))
				}
			} else if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("requestId = %v, want %v", deref(got), deref(tc.want))
			}
		})
	}
}

func show(e event) string {
	f := func(p *string) string {
		if p == nil {
			return "null"
		}
		return *p
	}
	return e.Action + " " + f(e.FromState) + "→" + e.ToState + " acct " + f(e.FromAccountID) + "→" + f(e.ToAccountID) +
		" actor " + f(e.ActorAccountID) + " req " + f(e.RequestID) + " " + e.Number
}
