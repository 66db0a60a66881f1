package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"numberd/carriers/phonebook"
	"numberd/models"
	"numberd/service"
	"numberd/store"
)

// version is set at build time (-ldflags "-X main.version=...").
var version = "0.1.0-dev"

// hooks let tests observe a running server.
type hooks struct {
	// listening is called with the bound address once the server accepts.
	listening func(addr string)
	// handler, when set, wraps numberd's HTTP handler (tests add routes,
	// e.g. a slow one to prove the drain).
	handler func(next http.Handler, svc *service.Service) http.Handler
}

// run is numberd's entry point: a subcommand (serve by default) with its
// flags.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	return runWith(ctx, args, getenv, stdin, stdout, stderr, hooks{})
}

func runWith(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer, h hooks) error {
	cmd, rest := "serve", args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = rest[0], rest[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, rest, getenv, stdout, stderr, h)
	case "import":
		return importCmd(ctx, rest, getenv, stdin, stdout, stderr)
	case "export":
		return exportCmd(ctx, rest, getenv, stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "numberd", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q (numberd help lists the commands)", cmd)
}

const usage = `usage: numberd [serve] [flags]         serve the API (numberd serve -h lists the flags)
       numberd import [flags] FILE|-   load numbers from a CSV or a list (numberd import -h)
       numberd export [flags]          write an account's numbers as CSV (numberd export -h)
       numberd version`

func newLogger(c Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// openStore opens and migrates the configured database. Errors are one line.
func openStore(ctx context.Context, c Config, log *slog.Logger) (*store.DB, error) {
	cfg, err := store.ParseDSN(c.DB)
	if err != nil {
		return nil, fmt.Errorf("--db: %v", err)
	}
	return store.OpenMigrated(ctx, cfg, store.Options{Logger: log, MaxOpenConns: c.DBMaxConns})
}

func serviceConfig(c Config) (service.Config, error) {
	sc := service.DefaultConfig()
	sc.TokenTTL = c.TokenTTL
	sc.AuthCacheTTL = c.AuthCacheTTL
	sc.ActivateRate, sc.ActivateBurst = c.ActivateRate, c.ActivateBurst
	sc.AuthRate, sc.AuthBurst = c.AuthRate, c.AuthBurst
	sc.EventPollInterval, sc.EventLookback = c.EventPollInterval, c.EventLookback
	sc.CarrierTimeout = c.PhonebookTimeout
	sc.DiscoveryTTL = c.DiscoveryTTL
	sc.Release.ShouldAge = c.ShouldAge
	sc.AgingExpiry = c.AgingExpiry
	switch {
	case len(c.Carriers) > 0:
		sc.Carriers = nil
		for _, name := range c.Carriers {
			name = models.CleanCarrierName(name)
			if !slices.Contains(models.KnownCarriers, name) {
				return sc, fmt.Errorf("--carriers: unknown carrier %q", name)
			}
			if name == models.CarrierOther && c.PhonebookURL == "" {
				return sc, fmt.Errorf("--carriers: other needs --phonebook-url")
			}
			sc.Carriers = append(sc.Carriers, name)
		}
	case c.PhonebookURL != "":
		sc.Carriers = append(sc.Carriers, models.CarrierOther)
	}
	if c.Classifiers != "" {
		b := []byte(c.Classifiers)
		if !strings.HasPrefix(strings.TrimSpace(c.Classifiers), "{") {
			var err error
			if b, err = os.ReadFile(c.Classifiers); err != nil {
				return sc, fmt.Errorf("--classifiers: %v", err)
			}
		}
		list, err := models.ParseClassifiers(b)
		if err != nil {
			return sc, fmt.Errorf("--classifiers: %v", err)
		}
		sc.Classifiers = list
	}
	return sc, nil
}

// serviceOptions wires the upstream phonebook when one is configured: it
// is the other carrier and replaces the embedded locality data.
func serviceOptions(c Config, log *slog.Logger) ([]service.Option, error) {
	opts := []service.Option{service.WithLogger(log)}
	if c.PhonebookURL == "" {
		return opts, nil
	}
	pb, err := phonebook.New(c.PhonebookURL, phonebook.Options{Timeout: c.PhonebookTimeout, Country: c.PhonebookCountry})
	if err != nil {
		return nil, fmt.Errorf("--phonebook-url: %v", err)
	}
	return append(opts, service.WithCarrier(pb), service.WithPhonebook(pb)), nil
}

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer, h hooks) error {
	c, err := loadConfig("numberd serve", args, getenv, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	log := newLogger(c, stderr)
	sc, err := serviceConfig(c)
	if err != nil {
		return err
	}
	opts, err := serviceOptions(c, log)
	if err != nil {
		return err
	}
	db, err := openStore(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close() // last: after the HTTP server has drained
	svc := service.New(db, sc, opts...)
	master, createdMaster, err := svc.Bootstrap(ctx, c.MasterAPIKey)
	if err != nil {
		return fmt.Errorf("bootstrap: %v", err)
	}
	if createdMaster && c.MasterAPIKey == "" {
		fmt.Fprintf(stdout, "Created the master account %s.\nIts API key (shown once, keep it): %s\n", master.ID, master.APIKey)
	}

	var m *metrics
	if c.Metrics {
		m = newMetrics(svc, db.SQL())
	}
	handler := newHandler(svc, c, log, m, h.handler)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	ln, err := net.Listen("tcp", c.Listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %v", c.Listen, err)
	}
	log.Info("numberd serving", "addr", ln.Addr().String(), "db", db.Dialect(), "galera_causal_reads", db.Galera, "version", version)
	if h.listening != nil {
		h.listening(ln.Addr().String())
	}
	if c.PProf != "" {
		stopPProf, err := servePProf(c.PProf, log)
		if err != nil {
			ln.Close()
			return err
		}
		defer stopPProf()
	}
	// The sweeper runs in every instance; its work is safe to race.
	sweepCtx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
	swept := make(chan struct{})
	go func() { defer close(swept); svc.RunSweeper(sweepCtx, c.SweepInterval) }()
	defer func() { stopSweep(); <-swept }() // before db.Close
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight requests", "timeout", c.DrainTimeout)
	sctx, cancel := context.WithTimeout(context.Background(), c.DrainTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		log.Warn("drain timed out; closing remaining connections", "err", err)
		srv.Close()
	}
	log.Info("stopped")
	return nil
}

func writeStatus(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
