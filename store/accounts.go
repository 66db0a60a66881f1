package store

import (
	"context"
	"time"

	"gorm.io/gorm"

	"numberd/models"
)

// AccountByID returns the account (deleted ones too), or ENOTFOUND.
func (q *Q) AccountByID(ctx context.Context, id string) (*models.Account, error) {
	var a models.Account
	if err := q.g.WithContext(ctx).Where("id = ?", id).Take(&a).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// AccountsByID returns the accounts with these ids (deleted ones too), keyed by id.
func (q *Q) AccountsByID(ctx context.Context, ids []string) (map[string]*models.Account, error) {
	out := make(map[string]*models.Account, len(ids))
	for _, chunk := range chunks(ids, 500) {
		var rows []*models.Account
		if err := q.g.WithContext(ctx).Where("id IN ?", chunk).Find(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, a := range rows {
			out[a.ID] = a
		}
	}
	return out, nil
}

// AccountByAPIKeyHash returns the live account whose API key hashes to h.
func (q *Q) AccountByAPIKeyHash(ctx context.Context, h string) (*models.Account, error) {
	var a models.Account
	if err := q.g.WithContext(ctx).Where("api_key_hash = ? AND deleted_at IS NULL", h).Take(&a).Error; err != nil {
		return nil, translate(err)
	}
	return &a, nil
}

// InsertAccount stores a new account.
func (q *Q) InsertAccount(ctx context.Context, a *models.Account) error {
	return translate(q.g.WithContext(ctx).Create(a).Error)
}

// UpdateAccount writes the mutable fields of an account.
func (q *Q) UpdateAccount(ctx context.Context, a *models.Account) error {
	res := q.g.WithContext(ctx).Model(&models.Account{}).Where("id = ?", a.ID).Updates(map[string]any{
		"name": a.Name, "reseller": a.Reseller, "superduper_admin": a.SuperduperAdmin,
		"allow_additions": a.AllowAdditions, "enabled": a.Enabled, "api_key": a.APIKey,
		"api_key_hash": a.APIKeyHash, "updated_at": a.UpdatedAt, "deleted_at": a.DeletedAt,
		"carrier_modules": a.CarrierModules, "numbers_lookup": a.NumbersLookup,
	})
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return &models.Error{Code: models.ENOTFOUND, Reason: models.ReasonBadIdentifier, Message: "account not found"}
	}
	return nil
}

// ChildAccounts returns the live direct children of an account, by name.
func (q *Q) ChildAccounts(ctx context.Context, parentID string) ([]*models.Account, error) {
	var rows []*models.Account
	err := q.g.WithContext(ctx).Where("parent_id = ? AND deleted_at IS NULL", parentID).Order("name, id").Find(&rows).Error
	return rows, translate(err)
}

// ChildrenOf returns the live children of several accounts (a loader batch).
func (q *Q) ChildrenOf(ctx context.Context, parentIDs []string) ([]*models.Account, error) {
	var out []*models.Account
	for _, chunk := range chunks(parentIDs, 500) {
		var rows []*models.Account
		if err := q.g.WithContext(ctx).Where("parent_id IN ? AND deleted_at IS NULL", chunk).Order("name, id").Find(&rows).Error; err != nil {
			return nil, translate(err)
		}
		out = append(out, rows...)
	}
	return out, nil
}

// AccountPaths returns the tree path of each account among ids (deleted
// ones too), keyed by id.
func (q *Q) AccountPaths(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	for _, chunk := range chunks(ids, 500) {
		var rows []struct{ ID, Path string }
		if err := q.g.WithContext(ctx).Model(&models.Account{}).Select("id, path").Where("id IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			out[r.ID] = r.Path
		}
	}
	return out, nil
}

// subtree restricts a query on accounts (aliased as `alias`) to the subtree
// rooted at path: the account itself and every descendant. Paths are
// "<id>/<id>/..." so descendants sort strictly between path+"/" and path+"0".
func subtree(g *gorm.DB, alias, path string) *gorm.DB {
	return g.Where("("+alias+".path = ? OR ("+alias+".path > ? AND "+alias+".path < ?))", path, path+"/", path+"0")
}

// SettingValue returns a stored setting, or "" when missing.
func (q *Q) SettingValue(ctx context.Context, key string) (string, error) {
	var s setting
	err := q.g.WithContext(ctx).Where("`key` = ?", key).Take(&s).Error
	if err == gorm.ErrRecordNotFound {
		return "", nil
	}
	return s.Value, translate(err)
}

// InsertSetting stores a setting; it fails with a conflict if the key exists,
// which makes it a once-only claim (e.g. who creates the master account).
func (q *Q) InsertSetting(ctx context.Context, key, value string) error {
	return translate(q.g.WithContext(ctx).Create(&setting{Key: key, Value: value}).Error)
}

// InsertToken stores a token hash for an account.
func (q *Q) InsertToken(ctx context.Context, hash, accountID string, now, expires time.Time) error {
	return translate(q.g.WithContext(ctx).Create(&authToken{TokenHash: hash, AccountID: accountID, CreatedAt: now, ExpiresAt: expires}).Error)
}

// TokenAccount returns the live account of an unexpired token, or ENOTFOUND,
// and the token's expiry.
func (q *Q) TokenAccount(ctx context.Context, hash string, now time.Time) (*models.Account, time.Time, error) {
	var row struct {
		models.Account `gorm:"embedded"`
		TokenExpires   time.Time
	}
	err := q.g.WithContext(ctx).Table("auth_tokens AS t").
		Select("a.*, t.expires_at AS token_expires").
		Joins("JOIN accounts a ON a.id = t.account_id").
		Where("t.token_hash = ? AND t.expires_at > ? AND a.deleted_at IS NULL", hash, now).
		Take(&row).Error
	if err != nil {
		return nil, time.Time{}, translate(err)
	}
	return &row.Account, row.TokenExpires, nil
}

// DeleteToken removes one token (logout).
func (q *Q) DeleteToken(ctx context.Context, hash string) error {
	return translate(q.g.WithContext(ctx).Where("token_hash = ?", hash).Delete(&authToken{}).Error)
}

// DeleteExpiredTokens removes expired tokens, at most limit rows.
func (q *Q) DeleteExpiredTokens(ctx context.Context, now time.Time, limit int) (int64, error) {
	var hashes []string
	if err := q.g.WithContext(ctx).Model(&authToken{}).Where("expires_at <= ?", now).Limit(limit).Pluck("token_hash", &hashes).Error; err != nil {
		return 0, translate(err)
	}
	if len(hashes) == 0 {
		return 0, nil
	}
	res := q.g.WithContext(ctx).Where("token_hash IN ? AND expires_at <= ?", hashes, now).Delete(&authToken{})
	return res.RowsAffected, translate(res.Error)
}

// TakeToken takes one token from the bucket `key` (rate per second, up to
// burst), persisting the bucket so every numberd instance shares it. It
// reports whether a token was available. Call inside Tx.
func (q *Q) TakeToken(ctx context.Context, key string, rate, burst float64, now time.Time) (bool, error) {
	var b rateBucket
	err := q.lock(q.g.WithContext(ctx)).Where("`key` = ?", key).Take(&b).Error
	switch {
	case err == gorm.ErrRecordNotFound:
		b = rateBucket{Key: key, Tokens: burst, UpdatedAt: now}
		if b.Tokens < 1 {
			return false, nil
		}
		b.Tokens--
		if err := q.g.WithContext(ctx).Create(&b).Error; err != nil {
			if e := translate(err); models.ErrorReason(e) == "duplicate" {
				return false, &RetryableError{Err: err}
			} else {
				return false, e
			}
		}
		return true, nil
	case err != nil:
		return false, translate(err)
	}
	elapsed := now.Sub(b.UpdatedAt).Seconds()
	if elapsed < 0 {
		elapsed = 0
	}
	tokens := min(burst, b.Tokens+elapsed*rate)
	ok := tokens >= 1
	if ok {
		tokens--
	}
	err = q.g.WithContext(ctx).Model(&rateBucket{}).Where("`key` = ?", key).
		Updates(map[string]any{"tokens": tokens, "updated_at": now}).Error
	return ok, translate(err)
}

func chunks(ids []string, size int) [][]string {
	var out [][]string
	for len(ids) > size {
		out = append(out, ids[:size])
		ids = ids[size:]
	}
	if len(ids) > 0 {
		out = append(out, ids)
	}
	return out
}
