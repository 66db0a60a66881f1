package graph_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"

	"numberd/internal/apitest"
	"numberd/models"
	"numberd/service"
	"numberd/store"
)

const (
	testPoll     = 100 * time.Millisecond
	testLookback = 2 * time.Second
)

func fastEvents(c *service.Config) { c.EventPollInterval, c.EventLookback = testPoll, testLookback }

// wsMsg is a graphql-transport-ws message.
type wsMsg struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient is a real websocket client speaking graphql-transport-ws.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	msgs chan wsMsg
	ctx  context.Context
}

// dial connects to srv's /graphql and sends connection_init with payload;
// header may carry a token instead.
func dial(t *testing.T, srv *httptest.Server, header http.Header, payload map[string]any) (*wsClient, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/graphql"
	conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	if conn.Subprotocol() != "graphql-transport-ws" {
		t.Fatalf("subprotocol %q", conn.Subprotocol())
	}
	c := &wsClient{t: t, conn: conn, msgs: make(chan wsMsg, 100), ctx: ctx}
	p, _ := json.Marshal(payload)
	if err := wsjson.Write(ctx, conn, wsMsg{Type: "connection_init", Payload: p}); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(c.msgs)
		for {
			var m wsMsg
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				return
			}
			if m.Type == "ping" {
				wsjson.Write(ctx, conn, wsMsg{Type: "pong"})
				continue
			}
			c.msgs <- m
		}
	}()
	m, ok := c.next(5 * time.Second)
	if !ok {
		return nil, fmt.Errorf("connection closed before connection_ack")
	}
	if m.Type != "connection_ack" {
		return nil, fmt.Errorf("got %s %s, want connection_ack", m.Type, m.Payload)
	}
	return c, nil
}

func (c *wsClient) next(wait time.Duration) (wsMsg, bool) {
	select {
	case m, ok := <-c.msgs:
		return m, ok
	case <-time.After(wait):
		return wsMsg{Type: "timeout"}, true
	}
}

func (c *wsClient) subscribe(id, accountID string) {
	q := `subscription($a: ID!) { phoneNumberEvents(accountId: $a) { id number action fromState toState fromAccountId toAccountId createdAt } }`
	p, _ := json.Marshal(map[string]any{"query": q, "variables": map[string]any{"a": accountID}})
	if err := wsjson.Write(c.ctx, c.conn, wsMsg{ID: id, Type: "subscribe", Payload: p}); err != nil {
		c.t.Fatal(err)
	}
}

type gotEvent struct {
	Number, Action, ToState, ToAccountID string
	at                                   time.Time
}

// events collects the next events until none arrive for quiet.
func (c *wsClient) events(quiet time.Duration) []gotEvent {
	c.t.Helper()
	var out []gotEvent
	for {
		m, ok := c.next(quiet)
		if !ok || m.Type == "timeout" {
			return out
		}
		if m.Type != "next" {
			c.t.Fatalf("got %s %s", m.Type, m.Payload)
		}
		var p struct {
			Data struct {
				E struct {
					Number, Action, ToState string
					ToAccountID             string `json:"toAccountId"`
				} `json:"phoneNumberEvents"`
			}
			Errors []any
		}
		json.Unmarshal(m.Payload, &p)
		if p.Errors != nil {
			c.t.Fatalf("errors: %s", m.Payload)
		}
		e := p.Data.E
		out = append(out, gotEvent{Number: e.Number, Action: e.Action, ToState: e.ToState, ToAccountID: e.ToAccountID, at: time.Now()})
	}
}

func waitSubscribers(t *testing.T, svc *service.Service, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for svc.Subscribers() != n {
		if time.Now().After(deadline) {
			t.Fatalf("%d subscribers, want %d", svc.Subscribers(), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSubscription_AcrossInstances: a subscriber on instance B receives the
// events that instance A writes for the subscribed account's subtree — and
// only those — within the stated bound (poll interval + lookback; in
// practice about one poll interval).
func TestSubscription_AcrossInstances(t *testing.T) {
	t.Parallel()
	a := apitest.New(t, fastEvents)
	b := a.Peer()
	srvB := httptest.NewServer(b.Handler)
	t.Cleanup(srvB.Close)

	acme := a.NewAccount(a.Master, "acme", nil)
	shop := a.NewAccount(acme, "shop", nil)
	other := a.NewAccount(a.Master, "other", nil)

	c, err := dial(t, srvB, nil, map[string]any{"token": acme.Token})
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe("1", acme.ID)
	waitSubscribers(t, b.Svc, 1)

	start := time.Now()
	createNumbers(t, a, shop.ID, []string{"+14155550100", "+14155550101"}, nil)
	createNumbers(t, a, other.ID, []string{"+14155550200"}, nil)
	createNumbers(t, a, acme.ID, []string{"+14155550102"}, map[string]any{"state": "RESERVED"})
	written := time.Now()
	got := c.events(testLookback)
	if len(got) != 3 {
		t.Fatalf("got %d events, want 3: %+v", len(got), got)
	}
	seen := map[string]gotEvent{}
	var worst time.Duration
	for _, e := range got {
		seen[e.Number] = e
		worst = max(worst, e.at.Sub(written))
	}
	if seen["+14155550100"].ToAccountID != shop.ID || seen["+14155550100"].Action != "create" || seen["+14155550102"].ToState != "RESERVED" {
		t.Errorf("events %+v", got)
	}
	if _, leaked := seen["+14155550200"]; leaked {
		t.Errorf("an event of another subtree was delivered")
	}
	t.Logf("delivery across instances: last write %v after start, slowest event %v after the writes (poll %v, lookback %v)",
		written.Sub(start), worst, testPoll, testLookback)
	if worst > testPoll+testLookback {
		t.Errorf("an event took %v, more than the bound %v", worst, testPoll+testLookback)
	}

	// A change made through instance B itself, moving a number out of the
	// subtree, is an event of the subtree too (its previous owner).
	r := a.Client(a.Master.Token).GraphQL(`mutation($a: ID!) { releasePhoneNumber(input: {accountId: $a, number: "+14155550101"}) { userErrors { code } } }`,
		map[string]any{"a": shop.ID})
	r.GQLData(t)
	if got := c.events(testLookback); len(got) != 1 || got[0].Number != "+14155550101" || got[0].Action != "release" {
		t.Errorf("release: %+v", got)
	}

	// Closing the socket ends the subscription on the server.
	c.conn.Close(websocket.StatusNormalClosure, "")
	waitSubscribers(t, b.Svc, 0)
}

// TestSubscription_LateCommitsAndDuplicates: the follower re-reads its
// lookback window, so an event that becomes visible after later-stamped
// ones (a long transaction) is still delivered, exactly once; one older
// than the window is not (the documented bound).
func TestSubscription_LateCommitsAndDuplicates(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, fastEvents)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	acme := e.NewAccount(e.Master, "acme", nil)

	// Token in the upgrade request's header instead of the init payload.
	c, err := dial(t, srv, http.Header{"X-Auth-Token": {acme.Token}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.subscribe("7", acme.ID)
	waitSubscribers(t, e.Svc, 1)
	time.Sleep(3 * testPoll) // the follower has polled past "now"

	now := time.Now().UTC().Truncate(time.Millisecond)
	insert := func(id, number string, at time.Time) {
		err := e.DB.Tx(context.Background(), func(q *store.Q) error {
			return q.ApplyNumberChanges(context.Background(), store.NumberChanges{Events: []*models.NumberEvent{{
				ID: id, Number: number, Seq: 1, Action: "create", ToState: models.StateInService, ToAccount: acme.ID, CreatedAt: at,
			}}})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	insert("01LATE0000000000000000000A", "+14155550300", now.Add(-testLookback/2))   // committed late, inside the window
	insert("01LATE0000000000000000000B", "+14155550301", now.Add(-testLookback*3/2)) // older than the window
	got := c.events(4 * testPoll)
	if len(got) != 1 || got[0].Number != "+14155550300" {
		t.Fatalf("got %+v, want only the event inside the lookback window", got)
	}
	// Later polls re-read the window but never deliver it again.
	if again := c.events(testLookback); len(again) != 0 {
		t.Errorf("delivered again: %+v", again)
	}
}

func TestSubscription_Authorization(t *testing.T) {
	t.Parallel()
	e := apitest.New(t, fastEvents)
	srv := httptest.NewServer(e.Handler)
	t.Cleanup(srv.Close)
	acme := e.NewAccount(e.Master, "acme", nil)
	other := e.NewAccount(e.Master, "other", nil)

	// A bad token refuses the connection.
	if _, err := dial(t, srv, nil, map[string]any{"token": "not-a-token"}); err == nil || !strings.Contains(err.Error(), "connection_error") && !strings.Contains(err.Error(), "closed") {
		t.Errorf("bad token: %v", err)
	}
	// Another tenant's account is forbidden; no token is unauthenticated.
	for _, tc := range []struct {
		token, code string
	}{{other.Token, "FORBIDDEN"}, {"", "UNAUTHENTICATED"}} {
		c, err := dial(t, srv, nil, map[string]any{"token": tc.token})
		if err != nil {
			t.Fatal(err)
		}
		c.subscribe("1", acme.ID)
		m, _ := c.next(5 * time.Second)
		if (m.Type != "error" && m.Type != "next") || !strings.Contains(string(m.Payload), `"code":"`+tc.code+`"`) {
			t.Errorf("token %q: %s %s", tc.token, m.Type, m.Payload)
		}
	}
	if n := e.Svc.Subscribers(); n != 0 {
		t.Errorf("%d subscribers after refusals", n)
	}
}
