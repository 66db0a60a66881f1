// Package numcsv is numberd's CSV format for phone numbers: the columns of
// the listing export (GET .../phone_numbers with Accept: text/csv, and
// `numberd export`), and the reader of `numberd import`, which accepts that
// export back as well as any CSV with a number column or a plain
// one-number-per-line file.
package numcsv

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"numberd/models"
)

// Columns are the export's columns, in order. created and updated are
// Gregorian seconds, as in the JSON listing; list columns are joined with
// ";".
var Columns = []string{"number", "state", "assigned_to", "used_by", "carrier", "features",
	"features_allowed", "features_denied", "created", "updated"}

// Writer writes numbers as CSV rows.
type Writer struct {
	w      *csv.Writer
	header bool
}

// NewWriter returns a Writer; the header row is written before the first
// number (or by Flush when there is none).
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

func (w *Writer) writeHeader() error {
	if w.header {
		return nil
	}
	w.header = true
	return w.w.Write(Columns)
}

// Write writes one number.
func (w *Writer) Write(n *models.Number) error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	return w.w.Write([]string{
		n.Number, string(n.State), n.AssignedTo, n.UsedBy, n.Carrier,
		strings.Join(n.FeatureNames(), ";"), strings.Join(n.FeaturesAllowed, ";"), strings.Join(n.FeaturesDenied, ";"),
		strconv.FormatInt(models.Gregorian(n.CreatedAt), 10), strconv.FormatInt(models.Gregorian(n.UpdatedAt), 10),
	})
}

// Flush writes buffered rows (and the header if nothing was written yet).
func (w *Writer) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	w.w.Flush()
	return w.w.Error()
}

// Row is one input row of an import.
type Row struct {
	// Line is the 1-based line the row starts on.
	Line int
	// Number is the number cell as written.
	Number string
	// State is the state cell ("" when the file has no state column).
	State string
}

// numberHeaders are the header names taken for the number column.
var numberHeaders = map[string]bool{
	"number": true, "numbers": true, "e164": true, "phone_number": true, "phone number": true,
	"phonenumber": true, "did": true, "tn": true, "id": true,
}

// ReadOptions select the columns of an import file.
type ReadOptions struct {
	// Column names the number column: a header name, or a 1-based index.
	// Empty: the column headed number (e164, phone_number, did, tn, id), or
	// the first column.
	Column string
}

// Read reads an import file: a CSV (comma, semicolon or tab separated, the
// first row a header or not) or one number per line. Blank lines and lines
// starting with # are skipped. A header is recognised when its number cell
// holds no digit. A "state" column, when headed, is returned per row.
func Read(r io.Reader, opts ReadOptions) ([]Row, error) {
	br := bufio.NewReader(r)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3) // UTF-8 byte order mark (spreadsheet exports)
	}
	sep := sniffSeparator(br)
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.Comment = '#'
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = false

	numCol, stateCol := -1, -1
	if opts.Column != "" {
		if i, err := strconv.Atoi(opts.Column); err == nil {
			if i < 1 {
				return nil, fmt.Errorf("--column %s: columns count from 1", opts.Column)
			}
			numCol = i - 1
		}
	}
	var rows []Row
	first := true
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return rows, fmt.Errorf("line %d: %v", pe.Line, pe.Err)
			}
			return rows, err
		}
		if first {
			first = false
			if isHeader(rec, numCol) {
				for i, c := range rec {
					name := strings.ToLower(strings.TrimSpace(c))
					switch {
					case opts.Column != "" && numCol < 0 && strings.EqualFold(strings.TrimSpace(c), opts.Column):
						numCol = i
					case opts.Column == "" && numCol < 0 && numberHeaders[name]:
						numCol = i
					}
					if name == "state" {
						stateCol = i
					}
				}
				if numCol < 0 {
					if opts.Column != "" {
						return nil, fmt.Errorf("--column %s: no such column in the header %q", opts.Column, strings.Join(rec, string(sep)))
					}
					numCol = 0
				}
				continue
			}
			if numCol < 0 {
				if opts.Column != "" {
					return nil, fmt.Errorf("--column %s: the file has no header row; give a column number", opts.Column)
				}
				numCol = 0
			}
		}
		row := Row{Line: line}
		if numCol < len(rec) {
			row.Number = strings.TrimSpace(rec[numCol])
		}
		if stateCol >= 0 && stateCol < len(rec) {
			row.State = strings.TrimSpace(rec[stateCol])
		}
		if row.Number == "" && len(rec) == 1 {
			continue // a blank-ish line
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// isHeader: the number cell (or every cell when the column is unknown)
// holds no digit.
func isHeader(rec []string, numCol int) bool {
	cells := rec
	if numCol >= 0 {
		if numCol >= len(rec) {
			return false
		}
		cells = rec[numCol : numCol+1]
	}
	for _, c := range cells {
		if strings.ContainsAny(c, "0123456789") {
			return false
		}
	}
	return true
}

// sniffSeparator picks ',' unless the first line has tabs or semicolons
// and no comma.
func sniffSeparator(br *bufio.Reader) rune {
	b, _ := br.Peek(4096)
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	switch {
	case bytes.IndexByte(b, ',') >= 0:
		return ','
	case bytes.IndexByte(b, '\t') >= 0:
		return '\t'
	case bytes.IndexByte(b, ';') >= 0:
		return ';'
	}
	return ','
}
