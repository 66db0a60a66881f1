package main

import (
	"flag"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config is numberd's whole configuration. Every field has a flag and an
// environment variable; flags win. Nothing else in numberd reads the
// environment.
type Config struct {
	Listen        string
	DB            string
	MasterAPIKey  string
	TokenTTL      time.Duration
	AuthCacheTTL  time.Duration
	LogFormat     string
	LogLevel      string
	ActivateRate  float64
	ActivateBurst float64
	AuthRate      float64
	AuthBurst     float64
	MaxBodyBytes  int64
	DrainTimeout  time.Duration
	DBMaxConns    int
	// RequestTimeout bounds an API request (CSV exports excepted).
	RequestTimeout time.Duration
	// Metrics serves /metrics.
	Metrics bool
	// TrustedProxies are the peers whose X-Forwarded-For is believed when
	// rate-limiting api_auth per client address.
	TrustedProxies []netip.Prefix
	// PProf, when set, is the address of a separate listener serving
	// net/http/pprof (off by default: profiles expose internals).
	PProf string
	// GraphQL
	Introspection     bool
	GraphQLMaxFirst   int
	GraphQLMaxCost    int
	GraphQLMaxDepth   int
	GraphQLMaxAliases int
	GraphQLAPQCache   int
	Playground        bool
	// Live subscriptions: how often an instance polls number_events and
	// how far back each poll re-reads.
	EventPollInterval time.Duration
	EventLookback     time.Duration
	// Discovery, carriers, number intelligence
	Carriers         []string // "" in the flag: local,inventory (+other with a phonebook URL)
	PhonebookURL     string
	PhonebookTimeout time.Duration
	PhonebookCountry string
	DiscoveryTTL     time.Duration
	ShouldAge        bool
	AgingExpiry      time.Duration
	SweepInterval    time.Duration
	Classifiers      string // a JSON file path or an inline JSON object; "" for Kazoo's defaults
}

type setting struct {
	flag, env, usage string
	def              string
	apply            func(string) error
}

// loadConfig reads the environment, then the flags.
func loadConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (Config, error) {
	var c Config
	settings := []setting{
		{"listen", "NUMBERD_LISTEN", "address to serve HTTP on", "127.0.0.1:8000", func(v string) error { c.Listen = v; return nil }},
		{"db", "NUMBERD_DB", "database: sqlite:<path> or mysql://user:pass@host:port/dbname", "sqlite:./data/numberd.db", func(v string) error { c.DB = v; return nil }},
		{"master-api-key", "NUMBERD_MASTER_API_KEY", "API key of the master account (random and printed once when empty)", "", func(v string) error { c.MasterAPIKey = v; return nil }},
		{"token-ttl", "NUMBERD_TOKEN_TTL", "lifetime of auth tokens", "1h", durationInto(&c.TokenTTL)},
		{"auth-cache-ttl", "NUMBERD_AUTH_CACHE_TTL", "how long an instance trusts a validated token before asking the database again (0 disables)", "5s", durationInto(&c.AuthCacheTTL)},
		{"log-format", "NUMBERD_LOG_FORMAT", "log format: text or json", "text", func(v string) error {
			if v != "text" && v != "json" {
				return fmt.Errorf("must be text or json")
			}
			c.LogFormat = v
			return nil
		}},
		{"log-level", "NUMBERD_LOG_LEVEL", "log level: debug, info, warn, error", "info", func(v string) error { c.LogLevel = v; return nil }},
		{"activate-rate", "NUMBERD_ACTIVATE_RATE", "per-account single-number activations per second (0 disables the limit)", "20", floatInto(&c.ActivateRate)},
		{"activate-burst", "NUMBERD_ACTIVATE_BURST", "per-account activation burst", "200", floatInto(&c.ActivateBurst)},
		{"auth-rate", "NUMBERD_AUTH_RATE", "api_auth attempts per second per client address (0 disables the limit)", "1", floatInto(&c.AuthRate)},
		{"auth-burst", "NUMBERD_AUTH_BURST", "api_auth attempt burst per client address", "20", floatInto(&c.AuthBurst)},
		{"max-body", "NUMBERD_MAX_BODY", "largest request body in bytes", "4194304", func(v string) error {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				return fmt.Errorf("must be a positive number of bytes")
			}
			c.MaxBodyBytes = n
			return nil
		}},
		{"drain-timeout", "NUMBERD_DRAIN_TIMEOUT", "how long SIGTERM waits for in-flight requests", "15s", durationInto(&c.DrainTimeout)},
		{"request-timeout", "NUMBERD_REQUEST_TIMEOUT", "deadline of one API request, database work included (0 disables; CSV exports are exempt)", "30s", durationInto(&c.RequestTimeout)},
		{"metrics", "NUMBERD_METRICS", "serve Prometheus metrics at /metrics", "true", boolInto(&c.Metrics)},
		{"trusted-proxies", "NUMBERD_TRUSTED_PROXIES", "comma-separated addresses or CIDRs of reverse proxies whose X-Forwarded-For names the client (empty: X-Forwarded-For is ignored)", "", prefixesInto(&c.TrustedProxies)},
		{"db-max-conns", "NUMBERD_DB_MAX_CONNS", "database connection pool size (0: 8 for SQLite, 32 for MySQL)", "0", intInto(&c.DBMaxConns)},
		{"pprof", "NUMBERD_PPROF", "address of a separate listener serving /debug/pprof/ (empty: off)", "", func(v string) error { c.PProf = v; return nil }},
		{"graphql-introspection", "NUMBERD_GRAPHQL_INTROSPECTION", "allow GraphQL introspection (the playground needs it)", "true", boolInto(&c.Introspection)},
		{"graphql-max-first", "NUMBERD_GRAPHQL_MAX_FIRST", "largest page a GraphQL connection returns", "100", intInto(&c.GraphQLMaxFirst)},
		{"graphql-max-cost", "NUMBERD_GRAPHQL_MAX_COST", "largest GraphQL query complexity", "20000", intInto(&c.GraphQLMaxCost)},
		{"graphql-max-depth", "NUMBERD_GRAPHQL_MAX_DEPTH", "deepest GraphQL selection", "12", intInto(&c.GraphQLMaxDepth)},
		{"graphql-max-aliases", "NUMBERD_GRAPHQL_MAX_ALIASES", "most aliased fields in one GraphQL operation", "50", intInto(&c.GraphQLMaxAliases)},
		{"graphql-apq-cache", "NUMBERD_GRAPHQL_APQ_CACHE", "automatic persisted queries kept per instance (LRU)", "1000", intInto(&c.GraphQLAPQCache)},
		{"playground", "NUMBERD_PLAYGROUND", "serve the GraphiQL playground at /playground", "true", boolInto(&c.Playground)},
		{"subscription-poll-interval", "NUMBERD_SUBSCRIPTION_POLL_INTERVAL", "how often an instance with live subscriptions polls for new number events", "1s", positiveDurationInto(&c.EventPollInterval)},
		{"subscription-lookback", "NUMBERD_SUBSCRIPTION_LOOKBACK", "how far back each poll re-reads events (must exceed the longest write transaction)", "10s", positiveDurationInto(&c.EventLookback)},
		{"carriers", "NUMBERD_CARRIERS", "carriers searched when the account's reseller names none, comma-separated (empty: local,inventory, plus other when --phonebook-url is set)", "", func(v string) error {
			c.Carriers = nil
			for _, f := range strings.Split(v, ",") {
				if f = strings.TrimSpace(f); f != "" {
					c.Carriers = append(c.Carriers, f)
				}
			}
			return nil
		}},
		{"phonebook-url", "NUMBERD_PHONEBOOK_URL", "upstream phonebook (Kazoo protocol): enables the other carrier and replaces the embedded locality and prefix data", "", func(v string) error { c.PhonebookURL = v; return nil }},
		{"phonebook-timeout", "NUMBERD_PHONEBOOK_TIMEOUT", "bound on each carrier or phonebook call", "5s", durationInto(&c.PhonebookTimeout)},
		{"phonebook-country", "NUMBERD_PHONEBOOK_COUNTRY", "country of phonebook orders, checks and prefix lookups", "US", func(v string) error { c.PhonebookCountry = v; return nil }},
		{"discovery-ttl", "NUMBERD_DISCOVERY_TTL", "how long a search result stays buyable", "24h", durationInto(&c.DiscoveryTTL)},
		{"should-age", "NUMBERD_SHOULD_AGE", "released numbers rest in aging before they are available again", "false", boolInto(&c.ShouldAge)},
		{"aging-expiry", "NUMBERD_AGING_EXPIRY", "how long a number rests in aging", "2160h", durationInto(&c.AgingExpiry)},
		{"sweep-interval", "NUMBERD_SWEEP_INTERVAL", "how often the sweeper expires search results, aged numbers and tokens (0 disables)", "1m", durationInto(&c.SweepInterval)},
		{"classifiers", "NUMBERD_CLASSIFIERS", "number classifiers: a JSON file or an inline JSON object (empty: Kazoo's defaults)", "", func(v string) error { c.Classifiers = v; return nil }},
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	for _, s := range settings {
		s := s
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		if err := s.apply(def); err != nil {
			return c, fmt.Errorf("%s=%q: %v", s.env, def, err)
		}
		fs.Func(s.flag, s.usage+" (env "+s.env+", default \""+s.def+"\")", s.apply)
	}
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, nil
}

func durationInto(d *time.Duration) func(string) error {
	return func(v string) error {
		x, err := time.ParseDuration(v)
		if err != nil || x < 0 {
			return fmt.Errorf("must be a duration such as 30s or 1h")
		}
		*d = x
		return nil
	}
}

func positiveDurationInto(d *time.Duration) func(string) error {
	return func(v string) error {
		x, err := time.ParseDuration(v)
		if err != nil || x <= 0 {
			return fmt.Errorf("must be a positive duration such as 1s")
		}
		*d = x
		return nil
	}
}

func floatInto(f *float64) func(string) error {
	return func(v string) error {
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || x < 0 {
			return fmt.Errorf("must be a non-negative number")
		}
		*f = x
		return nil
	}
}

func intInto(i *int) func(string) error {
	return func(v string) error {
		x, err := strconv.Atoi(v)
		if err != nil || x < 0 {
			return fmt.Errorf("must be a non-negative integer")
		}
		*i = x
		return nil
	}
}

func prefixesInto(p *[]netip.Prefix) func(string) error {
	return func(v string) error {
		var out []netip.Prefix
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "" {
				continue
			}
			if !strings.Contains(f, "/") {
				a, err := netip.ParseAddr(f)
				if err != nil {
					return fmt.Errorf("%q is not an address or CIDR", f)
				}
				out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
				continue
			}
			pf, err := netip.ParsePrefix(f)
			if err != nil {
				return fmt.Errorf("%q is not an address or CIDR", f)
			}
			out = append(out, pf.Masked())
		}
		*p = out
		return nil
	}
}

func boolInto(b *bool) func(string) error {
	return func(v string) error {
		x, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("must be true or false")
		}
		*b = x
		return nil
	}
}
