package main

import (
	"fmt"
	"runtime"
	"strings"
)

func numCPU() int { return runtime.NumCPU() }

func printRow(r *row) {
	fmt.Println("   " + strings.Join(cells(r), " | "))
}

var header = []string{"scenario", "numberd req/s", "p50", "p99", "errors", "CPU/req", "baseline req/s", "p50", "p99", "CPU/req", "numberd ÷ baseline", "same answer", "numberd peak RSS", "load (1 min)"}

// cells renders one row of the table.
func cells(r *row) []string {
	c := []string{r.name}
	if r.numberd != nil {
		errs := fmt.Sprint(r.numberd.errors)
		if r.numberd.conflicts > 0 {
			errs += fmt.Sprintf(" (+%d conflicts)", r.numberd.conflicts)
		}
		c = append(c, fmt.Sprintf("%.0f", r.numberd.rps()), fmtDur(r.numberd.pct(0.50)), fmtDur(r.numberd.pct(0.99)), errs, fmtDur(r.numberd.cpuPerReq()))
	} else {
		c = append(c, r.note, "", "", "", "")
	}
	if r.baseline != nil {
		c = append(c, fmt.Sprintf("%.0f", r.baseline.rps()), fmtDur(r.baseline.pct(0.50)), fmtDur(r.baseline.pct(0.99)), fmtDur(r.baseline.cpuPerReq()))
		if r.numberd != nil && r.baseline.rps() > 0 {
			c = append(c, fmt.Sprintf("%.0f %%", 100*r.numberd.rps()/r.baseline.rps()))
		} else {
			c = append(c, "n/a")
		}
	} else {
		c = append(c, "-", "", "", "", "-")
	}
	c = append(c, r.same)
	if r.rssKB > 0 {
		c = append(c, fmt.Sprintf("%d MB", r.rssKB/1024))
	} else {
		c = append(c, "-")
	}
	c = append(c, strings.Fields(r.load + " ?")[0])
	return c
}

// table renders the rows as a markdown table.
func table(rows []*row) string {
	var b strings.Builder
	b.WriteString("| " + strings.Join(header, " | ") + " |\n")
	b.WriteString("|" + strings.Repeat("---|", len(header)) + "\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(cells(r), " | ") + " |\n")
	}
	for _, r := range rows {
		if r.numberd != nil && r.numberd.firstErr != "" {
			fmt.Fprintf(&b, "\nFirst error of %s: `%s`\n", r.name, strings.ReplaceAll(r.numberd.firstErr, "`", "'"))
		}
	}
	return b.String()
}

// targets checks the targets against the rows.
func targets(rows []*row, maxRSSKB int64) string {
	by := map[string]*row{}
	for _, r := range rows {
		by[r.name] = r
	}
	var b strings.Builder
	check := func(ok bool, format string, args ...any) {
		mark := "met"
		if !ok {
			mark = "**missed**"
		}
		fmt.Fprintf(&b, "- %s: %s\n", fmt.Sprintf(format, args...), mark)
	}
	ratio := func(name string) (float64, bool) {
		r := by[name]
		if r == nil || r.numberd == nil || r.baseline == nil || r.baseline.rps() == 0 {
			return 0, false
		}
		return r.numberd.rps() / r.baseline.rps(), true
	}
	if x, ok := ratio("rest-get"); ok {
		check(x >= 0.70, "REST single reads at %.0f %% of the baseline (target ≥ 70 %%)", 100*x)
	}
	if x, ok := ratio("graphql-get"); ok {
		check(x >= 0.50, "GraphQL single reads at %.0f %% of the baseline (target ≥ 50 %%)", 100*x)
	}
	for _, api := range []string{"rest", "graphql"} {
		f, d := by[api+"-list-first"], by[api+"-list-deep"]
		if f == nil || d == nil || f.numberd == nil || d.numberd == nil || d.numberd.rps() == 0 {
			continue
		}
		cost := f.numberd.rps() / d.numberd.rps()
		check(cost <= 1.5, "%s page 900,000 rows deep costs %.2f× the first page (throughput; p50 %s vs %s) (target ≤ 1.5×)",
			api, cost, fmtDur(d.numberd.pct(0.5)), fmtDur(f.numberd.pct(0.5)))
	}
	if maxRSSKB > 0 {
		check(maxRSSKB < 150*1024, "numberd's peak RSS %d MB (target < 150 MB)", maxRSSKB/1024)
	}
	if r := by["write-mix"]; r != nil && r.numberd != nil {
		check(r.numberd.errors == 0, "write mix: %d errors, %d expected state conflicts, %d requests (target: no errors)", r.numberd.errors, r.numberd.conflicts, r.numberd.n)
	}
	return b.String()
}
