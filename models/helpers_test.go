package models_test

import (
	"fmt"
	"reflect"
	"testing"

	"numberd/models"
)

// The account tree used by the rule tests. Kazoo's fixtures (MASTER, RESELLER,
// CHILD, UNRELATED) plus one more level, so that "owner", "parent" and
// "child" of the owner are three distinct non-admin accounts:
//
//	admin                 superduper admin, a root of its own
//	m ── r ── c ── g      master, reseller, customer (the usual owner), grandchild
//	└── u                 unrelated to r, c and g
//
// Paths are ids joined by "/", root first.
var (
	acctAdmin = models.AccountRef{ID: "admin", Path: "admin", Admin: true}
	acctM     = models.AccountRef{ID: "m", Path: "m"}
	acctR     = models.AccountRef{ID: "r", Path: "m/r"}
	acctC     = models.AccountRef{ID: "c", Path: "m/r/c"}
	acctG     = models.AccountRef{ID: "g", Path: "m/r/c/g"}
	acctU     = models.AccountRef{ID: "u", Path: "m/u"}
)

// relation is how the caller relates to the subject account: the number's
// owner for owned numbers, the assign_to account for unowned ones. The
// subject is always acctC.
type relation string

const (
	relAdmin     relation = "admin"     // a superduper admin outside the subject's tree
	relSelf      relation = "owner"     // the subject itself
	relParent    relation = "parent"    // a non-admin ancestor (reseller)
	relChild     relation = "child"     // a descendant of the subject
	relUnrelated relation = "unrelated" // neither
)

// subjectParent is the previous owner of the unowned fixtures (the reseller).
const subjectParent = "r"

var allRelations = []relation{relAdmin, relSelf, relParent, relChild, relUnrelated}

func (r relation) account() models.AccountRef {
	switch r {
	case relAdmin:
		return acctAdmin
	case relSelf:
		return acctC
	case relParent:
		return acctR
	case relChild:
		return acctG
	case relUnrelated:
		return acctU
	}
	panic("unknown relation " + string(r))
}

func (r relation) actor() *models.Actor { return actorOf(r.account()) }

func actorOf(ref models.AccountRef) *models.Actor { return &models.Actor{Account: ref} }

// ownedNumber is a number owned by acctC, with a used_by, a previous owner
// and a reserve history so that every side effect of a move is visible.
func ownedNumber(state models.State, carrier string) *models.Number {
	return &models.Number{
		Number:               "+14158867900",
		State:                state,
		AssignedTo:           acctC.ID,
		Owner:                acctC,
		PreviouslyAssignedTo: "old",
		UsedBy:               "callflow",
		Carrier:              carrier,
		ReserveHistory:       models.StringList{acctC.ID},
		Features:             models.Doc{},
		Public:               models.Doc{"my_key": "my string"},
		CarrierData:          models.Doc{},
	}
}

// unownedNumber is a number nobody owns (Kazoo's AVAILABLE fixture: the
// previous owner was the reseller, the history is empty).
func unownedNumber(state models.State, carrier string) *models.Number {
	return &models.Number{
		Number:               "+15551239876",
		State:                state,
		PreviouslyAssignedTo: subjectParent,
		Carrier:              carrier,
		Features:             models.Doc{},
		Public:               models.Doc{"my_key": "my string"},
		CarrierData:          models.Doc{},
	}
}

// wantErr checks err is a *models.Error with the reason and cause.
func wantErr(t *testing.T, err error, reason, cause string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want error %s (cause %q), got nil", reason, cause)
	}
	e := models.AsError(err)
	if e == nil {
		t.Fatalf("want *models.Error, got %T %v", err, err)
	}
	if got := models.ErrorReason(err); got != reason {
		t.Fatalf("reason = %q, want %q (error %v)", got, reason, err)
	}
	if e.Cause != cause {
		t.Fatalf("cause = %q, want %q", e.Cause, cause)
	}
}

func mustEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s = %#v, want %#v", what, got, want)
	}
}

func mustNoErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

func diffNumbers(got, want *models.Number) string {
	g, w := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := 0; i < g.NumField(); i++ {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			return fmt.Sprintf("%s = %#v, want %#v", g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
	return ""
}
