package service_test

import (
	"fmt"
	"testing"

	"numberd/service"
)

// benchNumbers returns the iteration's 1,000 numbers, never used before in
// this database: +1415NXXNNNN with NXX from 200 up.
func benchNumbers(iter int) []string {
	out := make([]string, 1000)
	for i := range out {
		k := iter*1000 + i
		out[i] = fmt.Sprintf("+1415%03d%04d", 200+k/10000, k%10000)
	}
	return out
}

func mustAllOK(b *testing.B, res []service.Result, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			b.Fatalf("%s: %v", r.Key, r.Err)
		}
	}
}

// BenchmarkCreateNumbers1000 is PUT .../phone_numbers/collection with 1,000
// new numbers (the master creating them in service for a customer).
func BenchmarkCreateNumbers1000(b *testing.B) {
	e := newEnv(b)
	cust := e.MustAccount(b, e.Master, "customer")
	in := service.CreateInput{}
	b.ReportAllocs()
	iter := 0
	for b.Loop() {
		list := benchNumbers(iter)
		iter++
		res, err := e.Svc.CreateNumbers(e.Master.Ctx, cust.ID, list, in)
		b.StopTimer()
		mustAllOK(b, res, err)
		b.StartTimer()
	}
}

// BenchmarkActivateNumbers1000 is PUT .../phone_numbers/collection/activate
// of 1,000 available numbers into a customer account (the numbers are made
// available outside the timed part).
func BenchmarkActivateNumbers1000(b *testing.B) {
	e := newEnv(b)
	cust := e.MustAccount(b, e.Master, "customer")
	b.ReportAllocs()
	iter := 0
	for b.Loop() {
		b.StopTimer()
		list := benchNumbers(iter)
		iter++
		e.MustCreateAvailable(b, list)
		b.StartTimer()
		res, err := e.Svc.ActivateNumbers(cust.Ctx, cust.ID, list, nil)
		b.StopTimer()
		mustAllOK(b, res, err)
		b.StartTimer()
	}
}
