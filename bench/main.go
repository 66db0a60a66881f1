// Command bench measures numberd at a million numbers against the limit of
// its database: it builds the data set, starts numberd (the real binary) and
// a minimal baseline server on it, drives both over loopback and prints
// throughput, latency, numberd ÷ baseline and numberd's peak RSS (see
// README, "Performance").
//
//	go run ./bench data -db sqlite:./data/bench/numberd.db    # build the data set (if missing)
//	go run ./bench run  -db sqlite:./data/bench/numberd.db    # build if missing, then measure
//	go run ./bench baseline -db ... -listen ...               # the baseline server (started by run)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"
)

const usage = `usage: bench data     [-db DSN] [-numbers N] [-rebuild]
       bench run      [-db DSN] [-numberd bin/numberd] [-duration 10s] [-c 16] [-quick] [-profile DIR] [-markdown FILE] [-only a,b]
       bench baseline -db DSN -listen ADDR`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if p := os.Getenv("BENCH_CPUPROFILE"); p != "" { // profiling the tool itself
		f, err := os.Create(p)
		if err == nil {
			pprof.StartCPUProfile(f)
			defer pprof.StopCPUProfile()
		}
	}
	if err := run(ctx, os.Args[1:]); err != nil {
		pprof.StopCPUProfile()
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "data":
		return cmdData(ctx, args[1:])
	case "run":
		return cmdRun(ctx, args[1:])
	case "baseline":
		return cmdBaseline(ctx, args[1:])
	}
	return errors.New(usage)
}

const defaultDB = "sqlite:./data/bench/numberd.db"

func cmdData(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench data", flag.ContinueOnError)
	dsn := fs.String("db", defaultDB, "numberd --db value of the bench database")
	total := fs.Int("numbers", 1_000_000, "numbers in the data set (a multiple of 10,000, at most 1,000,000)")
	rebuild := fs.Bool("rebuild", false, "drop the data set and build it again")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, err := ensureDataset(ctx, *dsn, *total, *rebuild)
	return err
}

// ensureDataset opens the database and builds the data set when missing.
func ensureDataset(ctx context.Context, dsn string, total int, rebuild bool) (datasetInfo, error) {
	if total <= 0 || total%blockSize != 0 || total > blockSize*len(npas)*len(nxxs) {
		return datasetInfo{}, fmt.Errorf("-numbers must be a multiple of %d, at most %d", blockSize, blockSize*len(npas)*len(nxxs))
	}
	db, err := openDB(ctx, dsn, rebuild)
	if err != nil {
		return datasetInfo{}, err
	}
	defer db.Close()
	if d, err := readDataset(ctx, db); err == nil {
		if d.Total != total {
			return d, fmt.Errorf("%s holds %d numbers, %d asked: use -rebuild", dsn, d.Total, total)
		}
		fmt.Printf("data set: %s already holds %s (%d numbers)\n", dsn, d.Version, d.Total)
		return d, nil
	}
	fmt.Printf("data set: building %d numbers over %d accounts in %s\n", total, numAccounts, dsn)
	start := time.Now()
	d, err := buildDataset(ctx, db, total, os.Stdout)
	if err != nil {
		return d, err
	}
	fmt.Printf("data set: built in %.1fs (%s)\n", time.Since(start).Seconds(), db.Dialect())
	return d, nil
}
