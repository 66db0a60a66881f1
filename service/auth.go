package service

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"

	"numberd/models"
	"numberd/store"
)

const masterSettingKey = "master_account_id"

// hashSecret is how API keys and tokens are stored and looked up: by their
// SHA-256. A lookup by hash is an index search on a value the caller cannot
// steer byte by byte, so no code path compares a secret with == (the
// timing of such a compare leaks how many leading bytes matched); where two
// secrets must be compared in memory, secretEqual does it in constant time.
// server/security_test.go fails the build on a new == over a secret.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// secretEqual compares two secrets (or their hashes) in constant time.
func secretEqual(a, b string) bool {
	return subtle.ConstantTimeCompare([]byte(a), []byte(b)) == 1
}

// Bootstrap makes sure the master (superduper admin) account exists. On an
// empty database it creates it with masterKey as its API key, or a random
// key when masterKey is empty; created reports that, and key is the key to
// print once. When the master exists and masterKey is set and different, the
// master's key is changed to it, so operators rotate the key through
// configuration. Several instances starting at once create one master: the
// claim is a primary-key insert.
func (s *Service) Bootstrap(ctx context.Context, masterKey string) (master *models.Account, created bool, err error) {
	id, err := s.db.Q().SettingValue(ctx, masterSettingKey)
	if err != nil {
		return nil, false, s.read(ctx, err)
	}
	if id == "" {
		key := masterKey
		if key == "" {
			key = randomHex(32)
		}
		now := s.Now()
		a := &models.Account{
			ID: randomHex(16), Name: "master", Reseller: true, SuperduperAdmin: true, AllowAdditions: true,
			Enabled: true, APIKey: key, APIKeyHash: hashSecret(key), CreatedAt: now, UpdatedAt: now,
		}
		a.Path = a.ID
		err := s.withTx(ctx, func(q *store.Q) error {
			if err := q.InsertSetting(ctx, masterSettingKey, a.ID); err != nil {
				return err
			}
			return q.InsertAccount(ctx, a)
		})
		if err == nil {
			return a, true, nil
		}
		if models.ErrorReason(err) != "duplicate" {
			return nil, false, err
		}
		// Another instance won the race.
		if id, err = s.db.Q().SettingValue(ctx, masterSettingKey); err != nil {
			return nil, false, s.read(ctx, err)
		}
	}
	a, err := s.db.Q().AccountByID(ctx, id)
	if err != nil {
		return nil, false, s.read(ctx, err)
	}
	if masterKey != "" && !secretEqual(a.APIKeyHash, hashSecret(masterKey)) {
		a.APIKey, a.APIKeyHash, a.UpdatedAt = masterKey, hashSecret(masterKey), s.Now()
		if err := s.withTx(ctx, func(q *store.Q) error { return q.UpdateAccount(ctx, a) }); err != nil {
			return nil, false, err
		}
	}
	return a, false, nil
}

// APIAuth exchanges an account API key for a token (PUT /v2/api_auth).
// clientAddr is rate-limited against brute force. Returns
// EUNAUTHORIZED/invalid_credentials for an unknown key or a disabled
// account, ETOOMANY when the address has tried too often.
func (s *Service) APIAuth(ctx context.Context, apiKey, clientAddr string) (token string, acct *models.Account, err error) {
	if apiKey == "" {
		return "", nil, models.ErrValidation(models.FieldError{Path: "api_key", Rule: "required", Message: "Field is required but missing"})
	}
	if s.cfg.AuthRate > 0 && clientAddr != "" {
		if err := s.takeToken(ctx, "api_auth/"+clientAddr, s.cfg.AuthRate, s.cfg.AuthBurst); err != nil {
			return "", nil, err
		}
	}
	a, err := s.db.Q().AccountByAPIKeyHash(ctx, hashSecret(apiKey))
	if models.ErrorCode(err) == models.ENOTFOUND || (err == nil && !a.Enabled) {
		return "", nil, errUnauthenticated()
	}
	if err != nil {
		return "", nil, s.read(ctx, err)
	}
	token = randomHex(32)
	now := s.Now()
	if err := s.withTx(ctx, func(q *store.Q) error {
		return q.InsertToken(ctx, hashSecret(token), a.ID, now, now.Add(s.cfg.TokenTTL))
	}); err != nil {
		return "", nil, err
	}
	return token, a, nil
}

// Authenticate returns the caller a token belongs to, or
// EUNAUTHORIZED/invalid_credentials. Tokens are looked up by their SHA-256,
// so the token itself is never stored nor compared byte by byte.
func (s *Service) Authenticate(ctx context.Context, token string) (*models.Actor, error) {
	if token == "" {
		return nil, errUnauthenticated()
	}
	h := hashSecret(token)
	now := s.Now()
	if a, ok := s.auth.get(h, now, 0); ok {
		return a, nil
	}
	acct, expires, err := s.db.Q().TokenAccount(ctx, h, now)
	if models.ErrorCode(err) == models.ENOTFOUND {
		return nil, errUnauthenticated()
	}
	if err != nil {
		return nil, s.read(ctx, err)
	}
	if !acct.Enabled {
		return nil, errUnauthenticated()
	}
	a := actorOf(acct)
	if s.cfg.AuthCacheTTL > 0 {
		exp := now.Add(s.cfg.AuthCacheTTL)
		if expires.Before(exp) {
			exp = expires
		}
		s.auth.put(h, a, exp, 0)
	}
	return a, nil
}

// Logout revokes a token (DELETE /v2/token_auth).
func (s *Service) Logout(ctx context.Context, token string) error {
	h := hashSecret(token)
	s.auth.del(h)
	return s.withTx(ctx, func(q *store.Q) error { return q.DeleteToken(ctx, h) })
}

// ExpireTokens deletes expired tokens (called by the background sweeper).
func (s *Service) ExpireTokens(ctx context.Context) (int64, error) {
	var n int64
	err := s.withTx(ctx, func(q *store.Q) (err error) {
		n, err = q.DeleteExpiredTokens(ctx, s.Now(), 1000)
		return err
	})
	return n, err
}

func actorOf(a *models.Account) *models.Actor {
	return &models.Actor{Account: a.Ref(), AllowAdditions: a.AllowAdditions, Reseller: a.Reseller, Name: a.Name}
}

// takeToken takes one token from a shared bucket, or returns 429
// too_many_requests.
func (s *Service) takeToken(ctx context.Context, key string, rate, burst float64) error {
	var ok bool
	err := s.withTx(ctx, func(q *store.Q) (err error) {
		ok, err = q.TakeToken(ctx, key, rate, burst, s.Now())
		return err
	})
	if err != nil {
		return err
	}
	if !ok {
		return &models.Error{Code: models.ETOOMANY, Reason: models.ReasonTooManyRequests, Message: "too many requests", System: true}
	}
	return nil
}

// sinceWrites is the generation of write-sensitive caches.
func (s *Service) sinceWrites() int64 { return s.writes.Load() }
