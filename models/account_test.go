package models_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"numberd/models"
)

func TestStateHelpers(t *testing.T) {
	mustEqual(t, "AllStates", len(models.AllStates), 9)
	for _, s := range models.AllStates {
		if !s.Valid() {
			t.Errorf("%s not valid", s)
		}
	}
	for _, s := range []models.State{"", "bought", "IN_SERVICE"} {
		if s.Valid() {
			t.Errorf("%q valid", s)
		}
	}
	inService := map[models.State]bool{sInService: true, sPortIn: true, sPortOut: true, sReserved: true}
	for _, s := range models.AllStates {
		if got := s.InServiceLike(); got != inService[s] {
			t.Errorf("%s.InServiceLike() = %v", s, got)
		}
	}
}

func TestAccountRefHierarchy(t *testing.T) {
	cases := []struct {
		ref  models.AccountRef
		id   string
		want bool
	}{
		{acctC, "c", true},
		{acctC, "r", true},
		{acctC, "m", true},
		{acctC, "g", false},
		{acctC, "u", false},
		{acctC, "", false},
		{acctC, "m/r", false},
		{models.AccountRef{ID: "c", Path: "m/rr/c"}, "r", false},
		{models.AccountRef{ID: "c", Path: "mm/c"}, "m", false},
		{models.AccountRef{ID: "c"}, "c", false}, // no path, no hierarchy
		{models.AccountRef{}, "c", false},
	}
	for _, tc := range cases {
		if got := tc.ref.HasAncestorOrSelf(tc.id); got != tc.want {
			t.Errorf("%+v.HasAncestorOrSelf(%q) = %v, want %v", tc.ref, tc.id, got, tc.want)
		}
	}
	if !(models.AccountRef{}).IsZero() || acctC.IsZero() {
		t.Error("IsZero is wrong")
	}
}

func TestActorCanAccessAccount(t *testing.T) {
	cases := []struct {
		actor  *models.Actor
		target models.AccountRef
		want   bool
	}{
		{actorOf(acctR), acctR, true},
		{actorOf(acctR), acctC, true},
		{actorOf(acctR), acctG, true},
		{actorOf(acctC), acctR, false},
		{actorOf(acctU), acctC, false},
		{actorOf(acctAdmin), acctC, true},
		{actorOf(acctAdmin), models.AccountRef{}, false},
		{nil, acctC, false},
	}
	for _, tc := range cases {
		if got := tc.actor.CanAccessAccount(tc.target); got != tc.want {
			t.Errorf("%v.CanAccessAccount(%s) = %v, want %v", tc.actor, tc.target.ID, got, tc.want)
		}
	}
	var nilActor *models.Actor
	if nilActor.IsAdmin() {
		t.Error("nil actor is admin")
	}
}

func TestAccountTreeAndRef(t *testing.T) {
	a := &models.Account{ID: "c", Path: "m/r/c", SuperduperAdmin: true}
	mustEqual(t, "tree", a.Tree(), []string{"m", "r"})
	mustEqual(t, "ref", a.Ref(), models.AccountRef{ID: "c", Path: "m/r/c", Admin: true})
	mustEqual(t, "root tree", (&models.Account{ID: "m", Path: "m"}).Tree(), []string{})
	if a.Deleted() {
		t.Error("deleted without DeletedAt")
	}
}

func TestIsAccountID(t *testing.T) {
	cases := map[string]bool{
		"0123456789abcdef0123456789abcdef":  true,
		"0123456789ABCDEF0123456789abcdef":  false,
		"0123456789abcdef0123456789abcde":   false,
		"0123456789abcdef0123456789abcdef0": false,
		"0123456789abcdeg0123456789abcdef":  false,
		"":                                  false,
	}
	for s, want := range cases {
		if got := models.IsAccountID(s); got != want {
			t.Errorf("IsAccountID(%q) = %v", s, got)
		}
	}
}

func TestErrorHelpers(t *testing.T) {
	e := models.ErrInvalidTransition(sAvailable, sPortIn)
	wrapped := fmt.Errorf("context: %w", e)
	wantErr(t, wrapped, models.ReasonInvalidStateTransition, "from available to port_in")
	mustEqual(t, "code", models.ErrorCode(wrapped), models.ECONFLICT)
	wantErr(t, models.ErrInvalidTransition("", sInService), models.ReasonInvalidStateTransition, "from (nothing) to in_service")
	wantErr(t, models.ErrInvalidTransitionNoCause(), models.ReasonInvalidStateTransition, "")

	foreign := errors.New("boom")
	mustEqual(t, "foreign code", models.ErrorCode(foreign), models.EINTERNAL)
	mustEqual(t, "foreign reason", models.ErrorReason(foreign), "")
	mustEqual(t, "nil code", models.ErrorCode(nil), "")
	if models.AsError(foreign) != nil || models.AsError(nil) != nil {
		t.Error("AsError of a foreign error is not nil")
	}

	f := models.ErrForbidden("state_for_create")
	wantErr(t, f, models.ReasonForbidden, "state_for_create")
	mustEqual(t, "forbidden message", f.Message, models.MessageUnauthorized)
	mustEqual(t, "forbidden code", f.Code, models.EFORBIDDEN)

	in := models.Internal(foreign)
	if !errors.Is(in, foreign) {
		t.Error("Internal does not unwrap")
	}
	mustEqual(t, "internal message", in.Message, "internal error")
}

func TestGregorian(t *testing.T) {
	tm := time.Date(2024, 3, 12, 10, 0, 0, 0, time.UTC)
	g := models.Gregorian(tm)
	mustEqual(t, "gregorian", g, tm.Unix()+62167219200)
	mustEqual(t, "round trip", models.FromGregorian(g), tm)
	mustEqual(t, "epoch", models.Gregorian(time.Unix(0, 0)), int64(62167219200))
}

func TestContextValues(t *testing.T) {
	ctx := context.Background()
	if models.ActorFromContext(ctx) != nil || models.RequestIDFromContext(ctx) != "" {
		t.Fatal("empty context carries values")
	}
	a := actorOf(acctC)
	ctx = models.NewContextWithRequestID(models.NewContextWithActor(ctx, a), "req-1")
	if models.ActorFromContext(ctx) != a {
		t.Error("actor lost")
	}
	mustEqual(t, "request id", models.RequestIDFromContext(ctx), "req-1")
}
