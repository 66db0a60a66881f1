package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"numberd/models"
)

// lock makes a read inside a transaction a locking read on MySQL
// (SELECT … FOR UPDATE). SQLite has no row locks: its immediate transactions
// already hold the database write lock, so the read is just as safe.
func (q *Q) lock(g *gorm.DB) *gorm.DB {
	if q.inTx && q.dialect == MySQL {
		return g.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	return g
}

// numberSelect is the column list of a number read, in scanNumber's
// order, with its owner's tree position (LEFT JOIN accounts a). Reads scan
// these columns by hand rather than through GORM's reflection: a
// single-number GET spent more in GORM's statement and scan machinery than
// in the query (see README, "Performance"). TestNumberColumns keeps the list
// in step with models.Number.
const numberSelect = "n.number, n.state, n.assigned_to, n.previously_assigned_to, n.used_by, n.carrier, " +
	"n.reserve_history, n.features, n.features_allowed, n.features_denied, n.public, n.carrier_data, " +
	"n.ported_in, n.expires_at, n.version, n.created_at, n.updated_at"

const numberWithOwner = numberSelect + ", a.path AS owner_path, a.superduper_admin AS owner_admin"

// scanNumber scans one row of numberSelect (withOwner: numberWithOwner).
func scanNumber(rows *sql.Rows, withOwner bool) (*models.Number, error) {
	n := &models.Number{}
	var expires sql.NullTime
	dest := []any{&n.Number, &n.State, &n.AssignedTo, &n.PreviouslyAssignedTo, &n.UsedBy, &n.Carrier,
		&n.ReserveHistory, &n.Features, &n.FeaturesAllowed, &n.FeaturesDenied, &n.Public, &n.CarrierData,
		&n.PortedIn, &expires, &n.Version, &n.CreatedAt, &n.UpdatedAt}
	var path sql.NullString
	var admin sql.NullBool
	if withOwner {
		dest = append(dest, &path, &admin)
	}
	if err := rows.Scan(dest...); err != nil {
		return nil, err
	}
	if expires.Valid {
		t := expires.Time
		n.ExpiresAt = &t
	}
	if n.AssignedTo != "" {
		n.Owner = models.AccountRef{ID: n.AssignedTo, Path: path.String, Admin: admin.Bool}
	}
	return n, nil
}

// scanNumbers reads every row of a numberSelect query.
func scanNumbers(rows *sql.Rows, err error, withOwner bool, sizeHint int) ([]*models.Number, error) {
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := make([]*models.Number, 0, sizeHint)
	for rows.Next() {
		n, err := scanNumber(rows, withOwner)
		if err != nil {
			return nil, translate(err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err)
	}
	return out, nil
}

// NumberByE164 reads one number with its owner, or returns the bare
// not_found error.
func (q *Q) NumberByE164(ctx context.Context, e164 string) (*models.Number, error) {
	rows, err := q.g.WithContext(ctx).Raw("SELECT "+numberWithOwner+
		" FROM numbers AS n LEFT JOIN accounts a ON a.id = n.assigned_to WHERE n.number = ? LIMIT 1", e164).Rows()
	got, err := scanNumbers(rows, err, true, 1)
	if err != nil {
		return nil, err
	}
	if len(got) == 0 {
		return nil, models.ErrNotFound()
	}
	return got[0], nil
}

// NumbersForUpdate reads the numbers that exist among nums, with their
// owners, keyed by number. Inside Tx on MySQL the number rows stay locked
// until commit (the owner accounts are read without locks).
func (q *Q) NumbersForUpdate(ctx context.Context, nums []string) (map[string]*models.Number, error) {
	out := make(map[string]*models.Number, len(nums))
	owners := map[string]bool{}
	for _, chunk := range chunks(nums, 500) {
		var rows []*models.Number
		if err := q.lock(q.g.WithContext(ctx)).Where("number IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, n := range rows {
			out[n.Number] = n
			if n.AssignedTo != "" {
				owners[n.AssignedTo] = true
			}
		}
	}
	if len(owners) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(owners))
	for id := range owners {
		ids = append(ids, id)
	}
	accts, err := q.AccountsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, n := range out {
		if n.AssignedTo == "" {
			continue
		}
		n.Owner = models.AccountRef{ID: n.AssignedTo}
		if a := accts[n.AssignedTo]; a != nil {
			n.Owner = a.Ref()
		}
	}
	return out, nil
}

// DiscoveriesAmong returns the discovery rows among nums, keyed by number
// (no owners: discovery rows have none). Activations call it before their
// transaction; it is usually empty, so it costs one indexed lookup.
func (q *Q) DiscoveriesAmong(ctx context.Context, nums []string) (map[string]*models.Number, error) {
	out := map[string]*models.Number{}
	for _, chunk := range chunks(nums, 500) {
		var rows []*models.Number
		if err := q.g.WithContext(ctx).Where("number IN ? AND state = ?", chunk, models.StateDiscovery).Find(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, n := range rows {
			out[n.Number] = n
		}
	}
	return out, nil
}

// NumberQuery selects numbers for listings and searches. Rows come ordered
// by number (keyset pagination: After / AtOrAfter), or descending with Desc.
type NumberQuery struct {
	Owner  string   // assigned_to equals
	Owners []string // assigned_to is one of these
	// OwnerDeleted keeps numbers whose owner account is deleted.
	OwnerDeleted bool
	OwnerSubtree string // assigned to an account in this subtree (an account path)
	Unassigned   bool   // assigned_to is empty
	States       []models.State
	Carriers     []string
	Prefix       string // number starts with (a range scan on the key)
	After        string // number > After
	AtOrAfter    string // number >= AtOrAfter
	Before       string // number < Before
	Desc         bool
	CreatedFrom  *time.Time
	CreatedTo    *time.Time
	UpdatedFrom  *time.Time
	UpdatedTo    *time.Time
	ExpiresTo    *time.Time
	Limit        int
	// WithOwner loads each number's owner reference (tree path, admin).
	WithOwner bool
	// OrderBy sorts by OrderCreated or OrderUpdated, then by number (the
	// tie-breaker); "" sorts by number alone. Desc reverses both.
	OrderBy string
	// AfterKey and BeforeKey bound the rows by keyset, in ascending terms:
	// rows whose (sort value, number) is strictly greater than AfterKey and
	// strictly less than BeforeKey. For the number order only Number counts.
	AfterKey, BeforeKey *Keyset
}

// Sort columns of NumberQuery.OrderBy.
const (
	OrderCreated = "created_at"
	OrderUpdated = "updated_at"
)

// Keyset is a position in an ordered listing: the sort value of a row (At,
// for the time orders) and its number. Because the number is unique the
// position is exact, so pages stay correct while rows are added, removed
// or changed between requests (no OFFSET to shift).
type Keyset struct {
	At     time.Time
	Number string
}

// keysetWhere adds "(col, number) op key" as index-friendly predicates.
func keysetWhere(g *gorm.DB, col string, op string, k *Keyset) *gorm.DB {
	if col == "" {
		return g.Where("n.number "+op+" ?", k.Number)
	}
	// The redundant first condition lets both engines start the index range
	// scan at the key.
	return g.Where("n."+col+" "+op+"= ? AND (n."+col+" "+op+" ? OR n.number "+op+" ?)", k.At, k.At, k.Number)
}

func (q *Q) numberQuery(ctx context.Context, f NumberQuery) *gorm.DB {
	g := q.g.WithContext(ctx).Table("numbers AS n" + q.listingIndexHint(f))
	if f.WithOwner || f.OwnerDeleted {
		g = g.Joins("LEFT JOIN accounts a ON a.id = n.assigned_to")
	}
	if f.Owner != "" {
		g = g.Where("n.assigned_to = ?", f.Owner)
	}
	if len(f.Owners) > 0 {
		g = g.Where("n.assigned_to IN ?", f.Owners)
	}
	if f.OwnerDeleted {
		g = g.Where("a.deleted_at IS NOT NULL")
	}
	if f.Unassigned {
		g = g.Where("n.assigned_to = ''")
	}
	if f.OwnerSubtree != "" {
		// The subtree's accounts first (a range on accounts.path), then
		// their numbers through idx_numbers_owner_number: counting a
		// subtree reads index entries of its accounts only, instead of
		// joining every number of the table to its owner.
		g = g.Where("n.assigned_to IN (?)", subtree(q.g.WithContext(ctx).Table("accounts AS sa").Select("sa.id"), "sa", f.OwnerSubtree))
	}
	if len(f.States) == 1 {
		g = g.Where("n.state = ?", f.States[0])
	} else if len(f.States) > 1 {
		g = g.Where("n.state IN ?", f.States)
	}
	if len(f.Carriers) > 0 {
		g = g.Where("n.carrier IN ?", f.Carriers)
	}
	if f.Prefix != "" {
		g = g.Where("n.number >= ? AND n.number < ?", f.Prefix, PrefixEnd(f.Prefix))
	}
	if f.After != "" {
		g = g.Where("n.number > ?", f.After)
	}
	if f.AtOrAfter != "" {
		g = g.Where("n.number >= ?", f.AtOrAfter)
	}
	if f.Before != "" {
		g = g.Where("n.number < ?", f.Before)
	}
	if f.CreatedFrom != nil {
		g = g.Where("n.created_at >= ?", *f.CreatedFrom)
	}
	if f.CreatedTo != nil {
		g = g.Where("n.created_at <= ?", *f.CreatedTo)
	}
	if f.UpdatedFrom != nil {
		g = g.Where("n.updated_at >= ?", *f.UpdatedFrom)
	}
	if f.UpdatedTo != nil {
		g = g.Where("n.updated_at <= ?", *f.UpdatedTo)
	}
	if f.ExpiresTo != nil {
		g = g.Where("n.expires_at IS NOT NULL AND n.expires_at <= ?", *f.ExpiresTo)
	}
	if f.AfterKey != nil {
		g = keysetWhere(g, sortColumn(f.OrderBy), ">", f.AfterKey)
	}
	if f.BeforeKey != nil {
		g = keysetWhere(g, sortColumn(f.OrderBy), "<", f.BeforeKey)
	}
	return g
}

// sortColumn whitelists NumberQuery.OrderBy.
// listingIndexHint pins an account's listing to the index that matches its
// order on MySQL. With several indexes starting with assigned_to, MariaDB
// may pick one that only narrows on the account and then walks all of its
// rows to reach a keyset position: measured on a million-number account,
// the page 900,000 rows deep took ~1 s instead of milliseconds. SQLite's
// planner chooses the right index itself.
func (q *Q) listingIndexHint(f NumberQuery) string {
	if q.dialect != MySQL || f.Owner == "" {
		return ""
	}
	switch f.OrderBy {
	case OrderCreated:
		return " FORCE INDEX (idx_numbers_owner_created)"
	case OrderUpdated:
		return " FORCE INDEX (idx_numbers_owner_updated)"
	}
	return " FORCE INDEX (idx_numbers_owner_number)"
}

func sortColumn(order string) string {
	switch order {
	case OrderCreated, OrderUpdated:
		return order
	}
	return ""
}

// FindNumbers runs a NumberQuery.
func (q *Q) FindNumbers(ctx context.Context, f NumberQuery) ([]*models.Number, error) {
	rows, err := q.findQuery(ctx, f).Rows()
	return scanNumbers(rows, err, f.WithOwner, min(max(f.Limit, 0), 1000))
}

// FindNumberKeys runs a NumberQuery for the number, state and carrier of
// each row only: searches offer numbers, and skipping the JSON columns
// makes them several times cheaper than FindNumbers.
func (q *Q) FindNumberKeys(ctx context.Context, f NumberQuery) ([]models.FoundNumber, error) {
	f.WithOwner = false
	rows, err := q.findQuery(ctx, f).Select("n.number, n.state, n.carrier").Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer rows.Close()
	out := make([]models.FoundNumber, 0, max(f.Limit, 0))
	for rows.Next() {
		var k models.FoundNumber
		if err := rows.Scan(&k.Number, &k.State, &k.Carrier); err != nil {
			return nil, translate(err)
		}
		out = append(out, k)
	}
	return out, translate(rows.Err())
}

// findQuery is the statement FindNumbers runs (and ExplainFindNumbers shows).
func (q *Q) findQuery(ctx context.Context, f NumberQuery) *gorm.DB {
	g := q.numberQuery(ctx, f)
	if f.WithOwner {
		g = g.Select(numberWithOwner)
	} else {
		g = g.Select(numberSelect)
	}
	dir := ""
	if f.Desc {
		dir = " DESC"
	}
	if col := sortColumn(f.OrderBy); col != "" {
		g = g.Order("n." + col + dir + ", n.number" + dir)
	} else {
		g = g.Order("n.number" + dir)
	}
	if f.Limit > 0 {
		g = g.Limit(f.Limit)
	}
	return g
}

// ExplainFindNumbers returns the database's plan for the statement
// FindNumbers runs for f (SQLite: EXPLAIN QUERY PLAN rows' detail column;
// MySQL: one "table type key rows Extra" line per EXPLAIN row). Tests use
// it to prove that searches are index range scans.
func (q *Q) ExplainFindNumbers(ctx context.Context, f NumberQuery) ([]string, error) {
	var rows []*models.Number
	stmt := q.findQuery(ctx, f).Session(&gorm.Session{DryRun: true}).Find(&rows).Statement
	sql, vars := stmt.SQL.String(), stmt.Vars
	var out []string
	if q.dialect == SQLite {
		var plan []struct {
			ID, Parent, Notused int
			Detail              string
		}
		if err := q.g.WithContext(ctx).Raw("EXPLAIN QUERY PLAN "+sql, vars...).Scan(&plan).Error; err != nil {
			return nil, translate(err)
		}
		for _, p := range plan {
			out = append(out, p.Detail)
		}
		return out, nil
	}
	var plan []struct {
		Table string
		Type  *string
		Key   *string
		Rows  *string // MariaDB may print "1 (0%)"
		Extra *string
	}
	if err := q.g.WithContext(ctx).Raw("EXPLAIN "+sql, vars...).Scan(&plan).Error; err != nil {
		return nil, translate(err)
	}
	s := func(p *string) string {
		if p == nil {
			return "NULL"
		}
		return *p
	}
	for _, p := range plan {
		out = append(out, fmt.Sprintf("table=%s type=%s key=%s rows=%s extra=%s", p.Table, s(p.Type), s(p.Key), s(p.Rows), s(p.Extra)))
	}
	return out, nil
}

// CountNumbers counts the numbers a NumberQuery selects (ignoring Limit).
func (q *Q) CountNumbers(ctx context.Context, f NumberQuery) (int64, error) {
	f.Limit, f.WithOwner = 0, false
	var n int64
	err := q.numberQuery(ctx, f).Count(&n).Error
	return n, translate(err)
}

// CountNumbersByState counts numbers per state for a NumberQuery.
func (q *Q) CountNumbersByState(ctx context.Context, f NumberQuery) (map[models.State]int64, error) {
	f.Limit, f.WithOwner = 0, false
	var rows []struct {
		State models.State
		N     int64
	}
	if err := q.numberQuery(ctx, f).Select("n.state AS state, COUNT(*) AS n").Group("n.state").Scan(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := map[models.State]int64{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}

// CountNumbersBySubtree counts numbers per state in each account subtree
// named by its path (keyed by path), in one statement: a UNION ALL of one
// grouped index range scan per subtree (dashboard tiles of many accounts
// at once). Subtrees may nest; each is counted in full.
func (q *Q) CountNumbersBySubtree(ctx context.Context, paths []string) (map[string]map[models.State]int64, error) {
	out := make(map[string]map[models.State]int64, len(paths))
	for _, chunk := range chunks(paths, 50) {
		var parts []string
		var args []any
		for _, p := range chunk {
			out[p] = map[models.State]int64{}
			parts = append(parts, "SELECT ? AS root, n.state AS state, COUNT(*) AS n FROM numbers n "+
				"JOIN accounts a ON a.id = n.assigned_to "+
				"WHERE (a.path = ? OR (a.path > ? AND a.path < ?)) GROUP BY n.state")
			args = append(args, p, p, p+"/", p+"0")
		}
		var rows []struct {
			Root  string
			State models.State
			N     int64
		}
		if err := q.g.WithContext(ctx).Raw(strings.Join(parts, " UNION ALL "), args...).Scan(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			out[r.Root][r.State] = r.N
		}
	}
	return out, nil
}

// PrefixEnd is the smallest string greater than every string starting with
// prefix (prefix ends with a digit or '+', so bumping the last byte works).
func PrefixEnd(prefix string) string {
	b := []byte(prefix)
	b[len(b)-1]++
	return string(b)
}

// NumberChanges is the outcome of one use case over one or many numbers,
// written together: batched inserts and upserts instead of a round trip per
// number.
type NumberChanges struct {
	Insert []*models.Number
	Update []*models.Number
	Delete []string
	Events []*models.NumberEvent
}

// Empty reports whether there is nothing to write.
func (c *NumberChanges) Empty() bool {
	return len(c.Insert) == 0 && len(c.Update) == 0 && len(c.Delete) == 0 && len(c.Events) == 0
}

// Rows per multi-row INSERT. The pure-Go SQLite driver binds parameters in
// time quadratic in their number (each placeholder searches the argument
// list), so on SQLite a statement carries ~500 parameters: 200 numbers of
// 17 columns (3,400) spent most of a 1,000-number collection in bind. MySQL
// takes large statements cheaply.
func (q *Q) batchSizes() (numbers, events int) {
	if q.dialect == SQLite {
		return 30, 50
	}
	return 200, 500
}

// numberColumns are the columns an update rewrites (everything but the key
// and the creation time).
var numberColumns = []string{
	"state", "assigned_to", "previously_assigned_to", "used_by", "carrier", "reserve_history",
	"features", "features_allowed", "features_denied", "public", "carrier_data", "ported_in",
	"expires_at", "version", "updated_at",
}

// ApplyNumberChanges writes a NumberChanges. Call it inside Tx after reading
// the updated numbers with NumbersForUpdate: the rows are locked (MySQL) or
// the database is (SQLite), so the upserts below only ever update rows this
// transaction read. A duplicate insert means another writer created the
// number meanwhile: a RetryableError, so the use case re-reads and decides
// again.
func (q *Q) ApplyNumberChanges(ctx context.Context, c NumberChanges) error {
	g := q.g.WithContext(ctx)
	numberBatch, eventBatch := q.batchSizes()
	if len(c.Insert) > 0 {
		if err := g.CreateInBatches(c.Insert, numberBatch).Error; err != nil {
			e := translate(err)
			if models.ErrorReason(e) == "duplicate" {
				return &RetryableError{Err: err}
			}
			return e
		}
	}
	if len(c.Update) > 0 {
		up := g.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "number"}},
			DoUpdates: clause.AssignmentColumns(numberColumns),
		})
		if err := up.CreateInBatches(c.Update, numberBatch).Error; err != nil {
			return translate(err)
		}
	}
	for _, chunk := range chunks(c.Delete, 500) {
		if err := g.Where("number IN ?", chunk).Delete(&models.Number{}).Error; err != nil {
			return translate(err)
		}
	}
	if len(c.Events) > 0 {
		if err := g.CreateInBatches(c.Events, eventBatch).Error; err != nil {
			return translate(err)
		}
	}
	return nil
}

// NumberEvents returns a number's history, newest first, with Seq below
// beforeSeq (0 for the newest).
func (q *Q) NumberEvents(ctx context.Context, number string, beforeSeq int64, limit int) ([]*models.NumberEvent, error) {
	g := q.g.WithContext(ctx).Where("number = ?", number)
	if beforeSeq > 0 {
		g = g.Where("seq < ?", beforeSeq)
	}
	var rows []*models.NumberEvent
	err := g.Order("seq DESC").Limit(limit).Find(&rows).Error
	return rows, translate(err)
}

// LastEventSeqs returns the highest event Seq of each number that has
// history (numbers deleted and created again continue their sequence).
func (q *Q) LastEventSeqs(ctx context.Context, numbers []string) (map[string]int64, error) {
	return q.eventsPerNumber(ctx, numbers, "MAX(seq)")
}

// eventsPerNumber computes one aggregate of number_events per number, in
// one statement per 500 numbers; numbers without history are absent.
func (q *Q) eventsPerNumber(ctx context.Context, numbers []string, aggregate string) (map[string]int64, error) {
	out := map[string]int64{}
	for _, chunk := range chunks(numbers, 500) {
		var rows []struct {
			Number string
			V      int64
		}
		if err := q.g.WithContext(ctx).Model(&models.NumberEvent{}).Select("number, "+aggregate+" AS v").
			Where("number IN ?", chunk).Group("number").Scan(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			out[r.Number] = r.V
		}
	}
	return out, nil
}

// LatestEvents returns, for each number, its newest `per` events (newest
// first), in one statement (a window function), for batch loaders.
func (q *Q) LatestEvents(ctx context.Context, numbers []string, per int) (map[string][]*models.NumberEvent, error) {
	out := map[string][]*models.NumberEvent{}
	for _, chunk := range chunks(numbers, 500) {
		var rows []*models.NumberEvent
		sub := q.g.WithContext(ctx).Model(&models.NumberEvent{}).
			Select("*, ROW_NUMBER() OVER (PARTITION BY number ORDER BY seq DESC) AS rn").
			Where("number IN ?", chunk)
		if err := q.g.WithContext(ctx).Table("(?) AS e", sub).Where("rn <= ?", per).Order("number, seq DESC").Find(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, e := range rows {
			out[e.Number] = append(out[e.Number], e)
		}
	}
	return out, nil
}

// CountEvents counts the history rows of a number.
func (q *Q) CountEvents(ctx context.Context, number string) (int64, error) {
	var n int64
	err := q.g.WithContext(ctx).Model(&models.NumberEvent{}).Where("number = ?", number).Count(&n).Error
	return n, translate(err)
}

// CountEventsByNumber counts the history rows of several numbers in one
// statement (loaders), keyed by number; numbers without history are absent.
func (q *Q) CountEventsByNumber(ctx context.Context, numbers []string) (map[string]int64, error) {
	return q.eventsPerNumber(ctx, numbers, "COUNT(*)")
}

// EventsAfter returns up to limit events ordered by (created_at, id) that
// come strictly after the key (since, afterID); afterID "" includes every
// event created at since. Pages of the event follower: it re-reads a
// lookback window on every poll, so events that commit late are still seen.
func (q *Q) EventsAfter(ctx context.Context, since time.Time, afterID string, limit int) ([]*models.NumberEvent, error) {
	var rows []*models.NumberEvent
	err := q.g.WithContext(ctx).Where("created_at >= ? AND (created_at > ? OR id > ?)", since, since, afterID).
		Order("created_at, id").Limit(limit).Find(&rows).Error
	return rows, translate(err)
}

// EventsSince returns events created at or after since, oldest first.
func (q *Q) EventsSince(ctx context.Context, since time.Time, limit int) ([]*models.NumberEvent, error) {
	var rows []*models.NumberEvent
	err := q.g.WithContext(ctx).Where("created_at >= ?", since).Order("created_at, id").Limit(limit).Find(&rows).Error
	return rows, translate(err)
}

// Analyze refreshes the optimizer's statistics (ANALYZE), so plans reflect
// the data (tests, and after bulk loads).
func (db *DB) Analyze(ctx context.Context) error {
	stmt := "ANALYZE"
	if db.dialect == MySQL {
		stmt = "ANALYZE TABLE numbers, accounts"
	}
	return translate(db.g.WithContext(ctx).Exec(stmt).Error)
}
