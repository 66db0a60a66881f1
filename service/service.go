// Package service holds every numberd use case and every transaction
// boundary. The GraphQL resolvers and the Kazoo REST handlers are thin
// adapters over the same methods, so the two APIs cannot disagree. Rules
// themselves live in models; SQL lives in store.
package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math/big"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oklog/ulid/v2"
	"golang.org/x/sync/singleflight"

	"numberd/locality"
	"numberd/models"
	"numberd/store"
)

// Config is the service's part of numberd's configuration.
type Config struct {
	// TokenTTL is how long an auth token lives (Kazoo: 3600 s).
	TokenTTL time.Duration
	// AuthCacheTTL bounds how long a validated token (and its account's
	// flags) is trusted without asking the database again; 0 disables it.
	AuthCacheTTL time.Duration
	// DefaultCarrier is the carrier of numbers created here
	// (number_manager.available_module_name without knm_).
	DefaultCarrier string
	Release        models.ReleasePolicy
	Features       models.FeaturePolicy
	// ActivateRate/ActivateBurst size the per-account token bucket of the
	// single-number activate endpoint (tokens per second, bucket size).
	ActivateRate  float64
	ActivateBurst float64
	// AuthRate/AuthBurst size the per-client-address bucket of api_auth.
	AuthRate  float64
	AuthBurst float64
	// MaxAttempts bounds how often a use case is run when its transaction
	// fails with a retryable error (deadlock, certification failure, lost
	// connection before commit).
	MaxAttempts int
	// ListingLimit caps a paginate=false listing.
	ListingLimit int
	// EventPollInterval is how often an instance with live subscriptions
	// polls number_events; EventLookback is the window each poll re-reads
	// (see events.go: the delivery bound is their sum).
	EventPollInterval time.Duration
	EventLookback     time.Duration

	// Carriers is the system carrier list (Kazoo's
	// number_manager.carrier_modules) used when the searching account's
	// reseller names none. Carriers numberd does not have are ignored.
	Carriers []string
	// CarrierTimeout bounds each carrier call of a search, check or
	// purchase (Kazoo's number_search_timeout_ms).
	CarrierTimeout time.Duration
	// DiscoveryTTL is how long a search result stays buyable.
	DiscoveryTTL time.Duration
	// AgingExpiry is how long a number rests in aging (Release.ShouldAge)
	// before the sweeper makes it available again.
	AgingExpiry time.Duration
	// Classifiers are the number classes in evaluation order (nil: Kazoo's
	// defaults).
	Classifiers []*models.Classifier
}

// DefaultConfig returns production defaults.
func DefaultConfig() Config {
	return Config{
		TokenTTL:       time.Hour,
		AuthCacheTTL:   5 * time.Second,
		DefaultCarrier: models.CarrierLocal,
		Release:        models.ReleasePolicy{ReleasedState: models.StateAvailable},
		ActivateRate:   20,
		ActivateBurst:  200,
		AuthRate:       1,
		AuthBurst:      20,
		MaxAttempts:    8,
		ListingLimit:   50000,

		EventPollInterval: time.Second,
		EventLookback:     10 * time.Second,
		Carriers:          []string{models.CarrierLocal, models.CarrierInventory},
		CarrierTimeout:    5 * time.Second,
		DiscoveryTTL:      models.DefaultDiscoveryTTL,
		AgingExpiry:       90 * 24 * time.Hour,
	}
}

// Service runs numberd's use cases against one database.
type Service struct {
	db  *store.DB
	cfg Config
	log *slog.Logger
	now func() time.Time

	auth     *ttlCache[*models.Actor]
	accounts *ttlCache[*models.Account]
	counts   *ttlCache[int64]
	// events follows number_events for live subscriptions.
	events *follower
	// countFlight runs one subtree count at a time per subtree.
	countFlight singleflight.Group
	// writes counts this instance's committed writes; cached derived data
	// (counts) is dropped when it moves.
	writes atomic.Int64

	// Retries counts use-case re-runs after retryable transaction errors.
	Retries atomic.Int64

	idMu      sync.Mutex
	idEntropy *ulid.MonotonicEntropy

	// carriers are the carrier modules numberd has, by name.
	carriers map[string]Carrier
	// phonebook answers locality and prefix-by-city: the embedded data by
	// default, an upstream when configured.
	phonebook Phonebook
	// book is the embedded number data (dial codes, search localities).
	book *locality.Book
}

// Option customises New.
type Option func(*Service)

// WithNow injects a clock (tests).
func WithNow(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// New returns a Service.
func New(db *store.DB, cfg Config, opts ...Option) *Service {
	s := &Service{
		db:        db,
		cfg:       cfg,
		log:       slog.New(slog.DiscardHandler),
		now:       time.Now,
		idEntropy: ulid.Monotonic(rand.Reader, 0),
		book:      locality.New(),
	}
	s.carriers = map[string]Carrier{
		models.CarrierLocal:     &dbCarrier{s: s, name: models.CarrierLocal},
		models.CarrierInventory: &dbCarrier{s: s, name: models.CarrierInventory},
		models.CarrierReserved:  &reservedCarrier{s: s},
	}
	s.phonebook = embeddedPhonebook{s.book}
	if s.cfg.MaxAttempts <= 0 {
		s.cfg.MaxAttempts = 1
	}
	if s.cfg.DefaultCarrier == "" {
		s.cfg.DefaultCarrier = models.CarrierLocal
	}
	if s.cfg.Classifiers == nil {
		s.cfg.Classifiers = models.DefaultClassifiers()
	}
	if s.cfg.DiscoveryTTL <= 0 {
		s.cfg.DiscoveryTTL = models.DefaultDiscoveryTTL
	}
	for _, o := range opts {
		o(s)
	}
	s.auth = newTTLCache[*models.Actor](10000)
	s.accounts = newTTLCache[*models.Account](10000)
	s.counts = newTTLCache[int64](1000)
	if s.cfg.EventPollInterval <= 0 {
		s.cfg.EventPollInterval = time.Second
	}
	if s.cfg.EventLookback <= 0 {
		s.cfg.EventLookback = 10 * time.Second
	}
	s.events = &follower{s: s}
	return s
}

// Config returns the service configuration.
func (s *Service) Config() Config { return s.cfg }

// Now returns the service clock, UTC, truncated to milliseconds (the
// precision both databases store).
func (s *Service) Now() time.Time { return s.now().UTC().Truncate(time.Millisecond) }

// Ready reports whether the database answers.
func (s *Service) Ready(ctx context.Context) error { return s.db.Ping(ctx) }

// withTx runs one use case in a transaction. When the transaction fails
// with a retryable error the whole fn runs again (it re-reads, re-checks and
// re-writes), with jittered exponential backoff, at most MaxAttempts times.
// A commit whose outcome is unknown is reported as unavailable, never as
// success.
//
// An unreachable database is retried only within unavailableRetryWindow
// of the first attempt: long enough to ride over a failover or a dropped
// pooled connection, short enough that a request fails fast (503) while
// the database is down instead of queueing behind timeouts.
func (s *Service) withTx(ctx context.Context, fn func(q *store.Q) error) error {
	var err error
	start := time.Now()
	for attempt := 0; ; attempt++ {
		err = s.db.Tx(ctx, fn)
		if err == nil {
			s.writes.Add(1)
			return nil
		}
		if !store.IsRetryable(err) || attempt+1 >= s.cfg.MaxAttempts || ctx.Err() != nil {
			break
		}
		if store.IsUnavailable(err) && time.Since(start) > unavailableRetryWindow {
			break
		}
		s.Retries.Add(1)
		if !sleepBackoff(ctx, attempt) {
			break
		}
	}
	if errors.Is(err, store.ErrCommitUnknown) {
		return &models.Error{Code: models.EUNAVAILABLE, Reason: models.ReasonDatastoreUnreachable,
			Message: "the database connection was lost while committing; the change may or may not have been applied", Err: err}
	}
	return s.contextError(ctx, store.Final(err))
}

// unavailableRetryWindow bounds how long withTx keeps retrying a
// transaction that failed because the database could not be reached.
const unavailableRetryWindow = time.Second

// contextError turns a cancelled or timed-out request into a clean error.
func (s *Service) contextError(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return &models.Error{Code: models.EUNAVAILABLE, Reason: models.ReasonDatastoreUnreachable, Message: "request timed out", Err: err}
	}
	return err
}

func sleepBackoff(ctx context.Context, attempt int) bool {
	base := 5 * time.Millisecond << min(attempt, 6)
	if base > 300*time.Millisecond {
		base = 300 * time.Millisecond
	}
	j, _ := rand.Int(rand.Reader, big.NewInt(int64(base)))
	t := time.NewTimer(base/2 + time.Duration(j.Int64())/2)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// read runs a read; a lost connection becomes 503.
func (s *Service) read(ctx context.Context, err error) error {
	return s.contextError(ctx, store.Final(err))
}

// newEventID returns a ULID: time-ordered and unique without coordination.
func (s *Service) newEventID(t time.Time) string {
	s.idMu.Lock()
	defer s.idMu.Unlock()
	return ulid.MustNew(ulid.Timestamp(t), s.idEntropy).String()
}

// randomHex returns n random bytes, hex encoded.
func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on Linux
	}
	return hex.EncodeToString(b)
}

// actor returns the caller or EUNAUTHORIZED.
func actor(ctx context.Context) (*models.Actor, error) {
	a := models.ActorFromContext(ctx)
	if a == nil {
		return nil, errUnauthenticated()
	}
	return a, nil
}

func errUnauthenticated() *models.Error {
	return &models.Error{Code: models.EUNAUTHORIZED, Reason: models.ReasonInvalidCredentials, Message: "invalid credentials", System: true}
}
