package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"time"

	gomysql "github.com/go-sql-driver/mysql"
	"github.com/oklog/ulid/v2"

	"numberd/models"
	"numberd/service"
	"numberd/store"
)

// The data set. Everything is derived from fixed seeds, so two builds of it
// (on SQLite and on MariaDB, or on two machines) hold the same numbers,
// states, owners and features; only account ids differ.
//
//   - 1,000 accounts: the master, 10 resellers, 989 customers (customer i
//     under reseller i%10). Customer 0, "bigco" under reseller 0, holds
//     ~91 % of the numbers, so its listing is > 900,000 rows deep.
//   - 1,000,000 numbers in 100 NPA-NXX blocks of 10,000 (+1NPANXXXXXX):
//     ~86 % in_service, 7 % reserved, 3 % available, 4 % port_in; 80 % on
//     the local carrier (feature "local"), the rest on upstream carriers,
//     some with CNAM and E911 (features derived by numberd's own feature
//     pipeline, models.ApplyFeatures).
//   - The last block, +1702990XXXX, is the write pool: 10,000 available
//     numbers on carrier "other" (a release makes them available again), for
//     the reserve/activate/release cycles.
//   - Every number has its "create" history event (Seq 1).
const (
	datasetVersion = "numberd-bench v1"
	masterKey      = "bench-master-key"
	numResellers   = 10
	numAccounts    = 1000
	blockSize      = 10000
)

var (
	npas = []int{212, 213, 305, 312, 415, 503, 512, 617, 646, 702}
	nxxs = []int{200, 255, 333, 444, 555, 600, 700, 777, 888, 990}
)

const (
	settingDataset = "bench_dataset"
	settingBigco   = "bench_bigco"
)

// numberAt returns the i-th number of the data set (sorted by i).
func numberAt(i int) string {
	b := i / blockSize
	return fmt.Sprintf("+1%d%d%04d", npas[b/len(nxxs)], nxxs[b%len(nxxs)], i%blockSize)
}

// writePoolStart is the index of the first write-pool number (+1702990...).
func writePoolStart(total int) int { return total - blockSize }

func mix(i uint64) uint64 {
	// splitmix64: a cheap, well-spread hash of the index.
	z := i + 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// datasetInfo is what the load tool needs to know about a built data set.
type datasetInfo struct {
	Master  string // master account id
	Bigco   string // the account holding most numbers
	Total   int    // numbers
	Version string
}

// accountName names account k (0 master, 1..10 resellers, then customers).
func accountName(k int) string {
	switch {
	case k == 0:
		return "master"
	case k <= numResellers:
		return fmt.Sprintf("reseller-%02d", k-1)
	case k == numResellers+1:
		return "bigco"
	}
	return fmt.Sprintf("customer-%03d", k-numResellers-1)
}

// buildDataset creates the data set in db (already migrated), unless it is
// there. It returns what the load tool needs.
func buildDataset(ctx context.Context, db *store.DB, total int, w io.Writer) (datasetInfo, error) {
	q := db.Q()
	if v, err := q.SettingValue(ctx, settingDataset); err != nil {
		return datasetInfo{}, err
	} else if v != "" {
		return readDataset(ctx, db)
	}
	var n int64
	n, err := q.CountNumbers(ctx, store.NumberQuery{})
	if err != nil {
		return datasetInfo{}, err
	}
	if n > 0 {
		return datasetInfo{}, fmt.Errorf("the database has %d numbers but no complete bench data set (an interrupted build?): drop it and run again (-rebuild)", n)
	}
	start := time.Now()
	svc := service.New(db, service.DefaultConfig())
	master, _, err := svc.Bootstrap(ctx, masterKey)
	if err != nil {
		return datasetInfo{}, fmt.Errorf("bootstrap: %v", err)
	}
	rng := rand.New(rand.NewPCG(7, 7))
	now := time.Now().UTC().Truncate(time.Millisecond)
	accts := make([]*models.Account, numAccounts) // index k as in accountName
	accts[0] = master
	var toInsert []*models.Account
	for k := 1; k < numAccounts; k++ {
		parent := master
		reseller := k <= numResellers
		if !reseller {
			parent = accts[1+(k-numResellers-1)%numResellers]
		}
		id := fmt.Sprintf("%016x%016x", rng.Uint64(), rng.Uint64())
		key := fmt.Sprintf("bench-key-%04d", k)
		h := sha256.Sum256([]byte(key))
		created := now.Add(-time.Duration(800-k/2) * 24 * time.Hour)
		a := &models.Account{
			ID: id, Name: accountName(k), ParentID: parent.ID, Path: parent.Path + "/" + id,
			Reseller: reseller, AllowAdditions: reseller, Enabled: true,
			APIKey: key, APIKeyHash: hex.EncodeToString(h[:]), CreatedAt: created, UpdatedAt: created,
		}
		accts[k] = a
		toInsert = append(toInsert, a)
	}
	if err := db.Tx(ctx, func(q *store.Q) error {
		for _, a := range toInsert {
			if err := q.InsertAccount(ctx, a); err != nil {
				return err
			}
		}
		return q.InsertSetting(ctx, settingBigco, accts[numResellers+1].ID)
	}); err != nil {
		return datasetInfo{}, fmt.Errorf("accounts: %v", err)
	}
	fmt.Fprintf(w, "  %d accounts in %.1fs\n", numAccounts, time.Since(start).Seconds())

	admin := &models.Actor{Account: master.Ref(), AllowAdditions: true, Reseller: true, Name: master.Name}
	entropy := ulid.Monotonic(rand.NewChaCha8([32]byte{11}), 0)
	bigco := accts[numResellers+1]
	others := accts[1:] // resellers and customers
	pool := writePoolStart(total)
	const batch = 20000
	var nums []*models.Number
	var events []*models.NumberEvent
	flush := func() error {
		if len(nums) == 0 {
			return nil
		}
		err := db.Tx(ctx, func(q *store.Q) error {
			return q.ApplyNumberChanges(ctx, store.NumberChanges{Insert: nums, Events: events})
		})
		nums, events = nums[:0], events[:0]
		return err
	}
	last := time.Now()
	for i := 0; i < total; i++ {
		num, err := seedNumber(i, pool, mix(uint64(i)), bigco, others, admin, now)
		if err != nil {
			return datasetInfo{}, fmt.Errorf("number %d: %v", i, err)
		}
		nums = append(nums, num)
		events = append(events, &models.NumberEvent{
			ID: ulid.MustNew(ulid.Timestamp(num.CreatedAt), entropy).String(), Number: num.Number, Seq: 1,
			Action: models.ActionCreate, ToState: num.State, ToAccount: num.AssignedTo,
			ActorAccount: master.ID, RequestID: "bench-seed", CreatedAt: num.CreatedAt,
		})
		if len(nums) == batch {
			if err := flush(); err != nil {
				return datasetInfo{}, err
			}
			if time.Since(last) > 10*time.Second {
				last = time.Now()
				fmt.Fprintf(w, "  %d numbers after %.0fs\n", i+1, time.Since(start).Seconds())
			}
		}
	}
	if err := flush(); err != nil {
		return datasetInfo{}, err
	}
	if err := db.Tx(ctx, func(q *store.Q) error {
		return q.InsertSetting(ctx, settingDataset, fmt.Sprintf("%s numbers=%d", datasetVersion, total))
	}); err != nil {
		return datasetInfo{}, err
	}
	return readDataset(ctx, db)
}

// seedNumber builds number i as numberd would have stored it after a
// create by the master (features by numberd's own pipeline).
func seedNumber(i, pool int, h uint64, bigco *models.Account, others []*models.Account, admin *models.Actor, now time.Time) (*models.Number, error) {
	created := now.Add(-time.Duration(h%(700*24*3600)) * time.Second).Truncate(time.Millisecond)
	n := &models.Number{
		Number: numberAt(i), Carrier: models.CarrierLocal, Public: models.Doc{}, Features: models.Doc{},
		CarrierData: models.Doc{}, ReserveHistory: models.StringList{}, Version: 1,
		CreatedAt: created, UpdatedAt: created,
	}
	var owner *models.Account
	st := h % 100
	switch {
	case i >= pool:
		n.State, n.Carrier = models.StateAvailable, models.CarrierOther
	case st < 86:
		n.State = models.StateInService
	case st < 93:
		n.State = models.StateReserved
	case st < 96:
		n.State = models.StateAvailable
	default:
		n.State = models.StatePortIn
	}
	if n.State != models.StateAvailable {
		owner = bigco
		if (h>>8)%1000 >= 940 {
			owner = others[(h>>20)%uint64(len(others))]
		}
		n.AssignedTo, n.Owner = owner.ID, owner.Ref()
	}
	upstream := []string{"bandwidth2", "telnyx", "inventory", "voxbone"}
	if i < pool && (n.State == models.StateAvailable || (h>>32)%100 < 20) && n.State != models.StatePortIn {
		n.Carrier = upstream[(h>>40)%uint64(len(upstream))]
	}
	if n.State == models.StateReserved {
		n.ReserveHistory = models.StringList{owner.ID}
	}
	if n.State == models.StateInService && (h>>44)%2 == 0 {
		n.UsedBy = "callflow"
	}
	if owner != nil && !models.IsLocalCarrier(n.Carrier) {
		if (h>>48)%100 < 40 {
			n.Public["cnam"] = map[string]any{"display_name": fmt.Sprintf("ACME %d", i%1000), "inbound_lookup": true}
		}
		if (h>>52)%100 < 20 {
			n.Public["e911"] = map[string]any{
				"street_address": fmt.Sprintf("%d Main St", 1+i%900), "locality": "San Francisco",
				"region": "CA", "postal_code": "94105", "caller_name": "ACME Inc",
			}
		}
	}
	if owner != nil && (h>>56)%10 == 0 {
		n.Public["my_label"] = fmt.Sprintf("line %d", i%100)
	}
	if errs := models.ValidatePublic(n.Public); len(errs) > 0 {
		return nil, models.ErrValidation(errs...)
	}
	if err := models.ApplyFeatures(n, admin, models.FeaturePolicy{}); err != nil {
		return nil, err
	}
	return n, nil
}

// readDataset reads the facts of a built data set.
func readDataset(ctx context.Context, db *store.DB) (datasetInfo, error) {
	q := db.Q()
	var d datasetInfo
	var err error
	if d.Version, err = q.SettingValue(ctx, settingDataset); err != nil {
		return d, err
	}
	if d.Version == "" {
		return d, fmt.Errorf("no bench data set in this database")
	}
	if !strings.HasPrefix(d.Version, datasetVersion+" ") {
		return d, fmt.Errorf("the database holds %q, this tool builds %q: rebuild it (-rebuild)", d.Version, datasetVersion)
	}
	if _, err := fmt.Sscanf(strings.TrimPrefix(d.Version, datasetVersion+" "), "numbers=%d", &d.Total); err != nil {
		return d, fmt.Errorf("bench_dataset %q: %v", d.Version, err)
	}
	if d.Master, err = q.SettingValue(ctx, "master_account_id"); err != nil {
		return d, err
	}
	if d.Bigco, err = q.SettingValue(ctx, settingBigco); err != nil {
		return d, err
	}
	return d, nil
}

// openDB opens and migrates numberd's database at dsn (numberd's --db
// syntax). For MySQL it first creates the database when missing; with
// rebuild it drops the data set first (SQLite: the file; MySQL: the
// database).
func openDB(ctx context.Context, dsn string, rebuild bool) (*store.DB, error) {
	cfg, err := store.ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	switch cfg.Dialect {
	case store.SQLite:
		if rebuild {
			if err := removeSQLite(cfg.Path); err != nil {
				return nil, err
			}
		}
	case store.MySQL:
		if err := ensureMySQLDatabase(dsn, rebuild); err != nil {
			return nil, err
		}
	}
	return store.OpenMigrated(ctx, cfg, store.Options{})
}

func ensureMySQLDatabase(dsn string, rebuild bool) error {
	u, err := url.Parse(dsn)
	if err != nil {
		return err
	}
	name := strings.TrimPrefix(u.Path, "/")
	cfg := gomysql.NewConfig()
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr += ":3306"
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	admin, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return err
	}
	defer admin.Close()
	if rebuild {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS `" + name + "`"); err != nil {
			return fmt.Errorf("drop database %s: %v", name, err)
		}
	}
	if _, err := admin.Exec("CREATE DATABASE IF NOT EXISTS `" + name + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"); err != nil {
		return fmt.Errorf("create database %s: %v", name, err)
	}
	return nil
}

func removeSQLite(path string) error {
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	return nil
}
