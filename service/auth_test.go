package service_test

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"sync"
	"testing"
	"time"

	"numberd/models"
	"numberd/service"
	"numberd/store/storetest"
)

func TestService_Bootstrap(t *testing.T) {
	t.Parallel()
	newSvc := func(t *testing.T) *service.Service {
		cfg := service.DefaultConfig()
		cfg.AuthRate, cfg.AuthCacheTTL = 0, 0
		return service.New(storetest.Open(t), cfg, service.WithNow(newClock().Now))
	}

	t.Run("CreatesMaster", func(t *testing.T) {
		t.Parallel()
		svc := newSvc(t)
		m, created, err := svc.Bootstrap(bg, "k1")
		if err != nil || !created {
			t.Fatalf("Bootstrap: created=%v err=%v", created, err)
		}
		if !models.IsAccountID(m.ID) || m.Path != m.ID || m.ParentID != "" {
			t.Errorf("master id %q path %q parent %q: want a 32-hex root", m.ID, m.Path, m.ParentID)
		}
		if !m.SuperduperAdmin || !m.Reseller || !m.AllowAdditions || !m.Enabled {
			t.Errorf("master flags %+v: want superduper admin, reseller, additions, enabled", m)
		}
		if _, a, err := svc.APIAuth(bg, "k1", ""); err != nil || a.ID != m.ID {
			t.Fatalf("APIAuth with the master key: %v", err)
		}
	})

	t.Run("Idempotent", func(t *testing.T) {
		t.Parallel()
		svc := newSvc(t)
		m1, _, err := svc.Bootstrap(bg, "k1")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 2; i++ {
			m2, created, err := svc.Bootstrap(bg, "k1")
			if err != nil || created || m2.ID != m1.ID {
				t.Fatalf("Bootstrap again: id %s created=%v err=%v; want %s, false", m2.ID, created, err, m1.ID)
			}
		}
		if _, a, err := svc.APIAuth(bg, "k1", ""); err != nil || a.ID != m1.ID {
			t.Fatalf("APIAuth after re-bootstrap: %v", err)
		}
	})

	t.Run("RandomKeyKept", func(t *testing.T) {
		t.Parallel()
		svc := newSvc(t)
		m1, created, err := svc.Bootstrap(bg, "")
		if err != nil || !created || len(m1.APIKey) != 64 {
			t.Fatalf("Bootstrap(\"\"): key %q created=%v err=%v", m1.APIKey, created, err)
		}
		m2, created, err := svc.Bootstrap(bg, "")
		if err != nil || created || m2.APIKey != m1.APIKey {
			t.Fatalf("second Bootstrap(\"\") changed the key or created: %v %v", created, err)
		}
		if _, _, err := svc.APIAuth(bg, m1.APIKey, ""); err != nil {
			t.Fatalf("APIAuth with the generated key: %v", err)
		}
	})

	t.Run("RotatesKey", func(t *testing.T) {
		t.Parallel()
		svc := newSvc(t)
		m1, _, err := svc.Bootstrap(bg, "old-key")
		if err != nil {
			t.Fatal(err)
		}
		m2, created, err := svc.Bootstrap(bg, "new-key")
		if err != nil || created || m2.ID != m1.ID {
			t.Fatalf("Bootstrap(new-key): id %s created=%v err=%v", m2.ID, created, err)
		}
		if _, _, err := svc.APIAuth(bg, "old-key", ""); models.ErrorCode(err) != models.EUNAUTHORIZED {
			t.Errorf("old key after rotation: %v, want unauthorized", err)
		}
		if _, a, err := svc.APIAuth(bg, "new-key", ""); err != nil || a.ID != m1.ID {
			t.Errorf("new key after rotation: %v", err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		t.Parallel()
		db := storetest.Open(t)
		cfg := service.DefaultConfig()
		// Eight instances starting together on one database.
		const n = 8
		var wg sync.WaitGroup
		ids := make([]string, n)
		created := make([]bool, n)
		errs := make([]error, n)
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				svc := service.New(db, cfg)
				<-start
				m, c, err := svc.Bootstrap(bg, "shared-key")
				errs[i], created[i] = err, c
				if err == nil {
					ids[i] = m.ID
				}
			}()
		}
		close(start)
		wg.Wait()
		creators := 0
		for i := 0; i < n; i++ {
			if errs[i] != nil {
				t.Errorf("instance %d: %v", i, errs[i])
				continue
			}
			if created[i] {
				creators++
			}
			if ids[i] != ids[0] {
				t.Errorf("instance %d got master %s, instance 0 got %s", i, ids[i], ids[0])
			}
		}
		if creators != 1 {
			t.Errorf("%d instances report creating the master, want 1", creators)
		}
		var accounts, settings int
		db.SQL().QueryRow("SELECT COUNT(*) FROM accounts").Scan(&accounts)
		db.SQL().QueryRow("SELECT COUNT(*) FROM settings").Scan(&settings)
		if accounts != 1 || settings != 1 {
			t.Errorf("accounts=%d settings=%d, want 1 and 1", accounts, settings)
		}
	})
}

func TestService_APIAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cust := e.MustAccount(t, e.Master, "customer")
	off := e.MustAccount(t, e.Master, "disabled", flagDisabled)

	t.Run("OK", func(t *testing.T) {
		token, a, err := e.Svc.APIAuth(bg, cust.APIKey, "")
		if err != nil || a.ID != cust.ID || len(token) != 64 {
			t.Fatalf("APIAuth: token %q account %v err %v", token, a, err)
		}
		actor, err := e.Svc.Authenticate(bg, token)
		if err != nil || actor.Account.ID != cust.ID || actor.IsAdmin() {
			t.Fatalf("Authenticate: %+v %v", actor, err)
		}
	})
	t.Run("TwoLoginsTwoTokens", func(t *testing.T) {
		t1, _, err1 := e.Svc.APIAuth(bg, cust.APIKey, "")
		t2, _, err2 := e.Svc.APIAuth(bg, cust.APIKey, "")
		if err1 != nil || err2 != nil || t1 == t2 {
			t.Fatalf("two logins: %q %q %v %v; want two distinct tokens", t1, t2, err1, err2)
		}
	})
	t.Run("WrongKey", func(t *testing.T) {
		_, _, err := e.Svc.APIAuth(bg, "not-a-key", "")
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
	})
	t.Run("EmptyKey", func(t *testing.T) {
		_, _, err := e.Svc.APIAuth(bg, "", "")
		wantFieldErrors(t, err, "api_key:required")
	})
	t.Run("DisabledAccount", func(t *testing.T) {
		_, _, err := e.Svc.APIAuth(bg, off.APIKey, "")
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
	})
	t.Run("RateLimited", func(t *testing.T) {
		e := newEnv(t, func(c *service.Config) { c.AuthRate, c.AuthBurst = 0.001, 2 })
		for i := 0; i < 2; i++ {
			if _, _, err := e.Svc.APIAuth(bg, "wrong", "10.0.0.1"); models.ErrorCode(err) != models.EUNAUTHORIZED {
				t.Fatalf("attempt %d: %v, want unauthorized", i, err)
			}
		}
		_, _, err := e.Svc.APIAuth(bg, testMasterKey, "10.0.0.1")
		wantErr(t, err, models.ETOOMANY, models.ReasonTooManyRequests, "")
		if _, _, err := e.Svc.APIAuth(bg, testMasterKey, "10.0.0.2"); err != nil {
			t.Fatalf("another address: %v", err)
		}
	})
}

func TestService_Authenticate(t *testing.T) {
	t.Parallel()

	t.Run("TokenExpires", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, func(c *service.Config) { c.TokenTTL = time.Hour })
		token, _, err := e.Svc.APIAuth(bg, testMasterKey, "")
		if err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Hour - time.Second)
		if _, err := e.Svc.Authenticate(bg, token); err != nil {
			t.Fatalf("a second before expiry: %v", err)
		}
		e.Clock.Advance(time.Second)
		_, err = e.Svc.Authenticate(bg, token)
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
		n, err := e.Svc.ExpireTokens(bg)
		if err != nil || n != 2 { // the fixture's master login and this one
			t.Errorf("ExpireTokens: %d %v, want 2", n, err)
		}
		if c := e.Count(t, "auth_tokens"); c != 0 {
			t.Errorf("%d tokens left after the sweep", c)
		}
	})

	t.Run("UnknownAndEmptyToken", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for _, tok := range []string{"", "deadbeef", strings.Repeat("0", 64)} {
			_, err := e.Svc.Authenticate(bg, tok)
			wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
		}
	})

	t.Run("StoredHashed", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		var tokens []string
		for i := 0; i < 3; i++ {
			tok, _, err := e.Svc.APIAuth(bg, testMasterKey, "")
			if err != nil {
				t.Fatal(err)
			}
			tokens = append(tokens, tok)
		}
		rows, err := e.DB.SQL().Query("SELECT token_hash, account_id, created_at, expires_at FROM auth_tokens")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		hashes := map[string]bool{}
		n := 0
		for rows.Next() {
			var h, acct, created, expires string
			if err := rows.Scan(&h, &acct, &created, &expires); err != nil {
				t.Fatal(err)
			}
			n++
			hashes[h] = true
			for _, tok := range tokens {
				for _, col := range []string{h, acct, created, expires} {
					if strings.Contains(col, tok) {
						t.Errorf("auth_tokens row contains the token text %q", tok)
					}
				}
			}
		}
		if n != 4 { // the fixture's login and these three
			t.Fatalf("%d auth_tokens rows, want 4", n)
		}
		for _, tok := range tokens {
			sum := sha256.Sum256([]byte(tok))
			if !hashes[hex.EncodeToString(sum[:])] {
				t.Errorf("no row holds the SHA-256 of a token")
			}
		}
	})

	t.Run("DisabledAfterLogin", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		cust := e.MustAccount(t, e.Master, "customer")
		token, _, err := e.Svc.APIAuth(bg, cust.APIKey, "")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Svc.UpdateAccount(e.Master.Ctx, cust.ID, service.AccountInput{Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		_, err = e.Svc.Authenticate(bg, token)
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
	})

	t.Run("NoActor", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		_, err := e.Svc.GetAccount(bg, e.Master.ID)
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
		_, err = e.Svc.CreateNumber(bg, e.Master.ID, num(1), service.CreateInput{})
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
	})
}

func TestService_Logout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	token, _, err := e.Svc.APIAuth(bg, testMasterKey, "")
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := e.Svc.APIAuth(bg, testMasterKey, "")
	if err != nil {
		t.Fatal(err)
	}
	before := e.Count(t, "auth_tokens")
	if err := e.Svc.Logout(bg, token); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	_, err = e.Svc.Authenticate(bg, token)
	wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
	if _, err := e.Svc.Authenticate(bg, other); err != nil {
		t.Errorf("another token of the same account stopped working: %v", err)
	}
	if got := e.Count(t, "auth_tokens"); got != before-1 {
		t.Errorf("auth_tokens %d rows after logout, want %d", got, before-1)
	}
	if err := e.Svc.Logout(bg, token); err != nil {
		t.Errorf("second Logout: %v, want nil", err)
	}
}
