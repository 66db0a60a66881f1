package rest

import (
	"net/http"
	"strings"

	"numberd/internal/numcsv"
	"numberd/models"
)

// wantsCSV: Kazoo master answers the listing in CSV for Accept: text/csv or
// ?accept=csv (kazoo-crossbar-phone-numbers.md §5.1).
func wantsCSV(r *request) bool {
	if strings.EqualFold(r.query("accept"), "csv") || strings.EqualFold(r.query("accept"), "text/csv") {
		return true
	}
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		mt, _, _ := strings.Cut(part, ";")
		if strings.EqualFold(strings.TrimSpace(mt), "text/csv") {
			return true
		}
	}
	return false
}

// listingCSV answers GET /v2/accounts/{A}/phone_numbers as CSV: every
// number of the account matching the listing's filters (pagination
// parameters are ignored), in number order, with numcsv's columns. The
// answer streams: the service reads the account a page at a time, so an
// export of a million numbers holds one page in memory. Errors before the
// first row (auth, unknown account, database down) are ordinary Kazoo error
// envelopes; a failure mid-stream aborts the connection, so a client never
// takes a truncated file for a complete one.
func (h *Handler) listingCSV(r *request) (*reply, error) {
	lq, _ := listQuery(r)
	return &reply{status: http.StatusOK, stream: func(w http.ResponseWriter) {
		var cw *numcsv.Writer
		err := h.svc.ExportNumbers(r.ctx(), r.account(), lq, func(page []*models.Number) error {
			if cw == nil {
				cw = h.startCSV(w)
			}
			for _, n := range page {
				if err := cw.Write(n); err != nil {
					return err
				}
			}
			return cw.Flush()
		})
		if err != nil {
			if cw == nil {
				h.writeError(w, r, err)
				return
			}
			h.log.Error("csv export failed mid-stream", "request_id", r.id, "account", r.account(), "err", err)
			panic(http.ErrAbortHandler)
		}
		if cw == nil {
			cw = h.startCSV(w)
		}
		cw.Flush()
	}}, nil
}

func (h *Handler) startCSV(w http.ResponseWriter) *numcsv.Writer {
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="phone_numbers.csv"`)
	w.WriteHeader(http.StatusOK)
	return numcsv.NewWriter(w)
}
