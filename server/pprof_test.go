package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
)

func TestServePProf(t *testing.T) {
	// Find a free port, then serve pprof on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	stop, err := servePProf(addr, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	res, err := http.Get("http://" + addr + "/debug/pprof/")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), "allocs") {
		t.Fatalf("GET /debug/pprof/: %d %.200s", res.StatusCode, body)
	}
	if _, err := servePProf(addr, slog.New(slog.DiscardHandler)); err == nil {
		t.Fatal("a second listener on the same address must fail")
	}
}
