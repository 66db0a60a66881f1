package main

import (
	"sort"
	"testing"
	"time"

	"numberd/models"
)

// The load tool finds the row 900,000 deep from the data set's definition:
// seedOwnerIsBigco must agree with seedNumber, and numbers must come in
// sorted order.
func TestDataset_Definition(t *testing.T) {
	master := &models.Account{ID: "m", Path: "m", SuperduperAdmin: true}
	bigco := &models.Account{ID: "b", Path: "m/r/b"}
	others := []*models.Account{{ID: "o1", Path: "m/o1"}, {ID: "o2", Path: "m/r/o2"}}
	admin := &models.Actor{Account: master.Ref()}
	const total = 200_000
	pool := writePoolStart(total)
	var nums []string
	states := map[models.State]int{}
	for i := 0; i < total; i += 7 {
		n, err := seedNumber(i, pool, mix(uint64(i)), bigco, others, admin, time.Now())
		if err != nil {
			t.Fatalf("number %d: %v", i, err)
		}
		if got, want := seedOwnerIsBigco(i, pool), n.AssignedTo == bigco.ID; got != want {
			t.Fatalf("number %d (%s, %s): seedOwnerIsBigco %v, seedNumber owner %q", i, n.Number, n.State, got, n.AssignedTo)
		}
		if i >= pool && (n.State != models.StateAvailable || models.IsLocalCarrier(n.Carrier)) {
			t.Fatalf("write-pool number %s is %s on %s", n.Number, n.State, n.Carrier)
		}
		if models.IsLocalCarrier(n.Carrier) && n.Features["local"] == nil {
			t.Fatalf("%s: local carrier without the local feature: %v", n.Number, n.Features)
		}
		states[n.State]++
		nums = append(nums, n.Number)
	}
	if !sort.StringsAreSorted(nums) {
		t.Fatal("numberAt is not in sorted order")
	}
	if states[models.StateInService] < states[models.StateReserved] || states[models.StatePortIn] == 0 || states[models.StateAvailable] == 0 {
		t.Fatalf("state mix %v", states)
	}
}

func TestCompareAnswers(t *testing.T) {
	a := []byte(`{"data":{"id":"+1","features":["local"]},"request_id":"x"}`)
	if got := compareAnswers("rest", a, []byte(`{"data":{"features":["local"],"id":"+1"},"request_id":"y"}`)); got != "same" {
		t.Errorf("equal data: %s", got)
	}
	if got := compareAnswers("rest", a, []byte(`{"data":{"id":"+1","features":[]}}`)); got == "same" {
		t.Error("a difference was not seen")
	}
	if got := compareAnswers("rest", a, []byte(`{"data":{"id":"+1","features":["local"],"x":1}}`)); got == "same" {
		t.Error("an extra field was not seen")
	}
}
