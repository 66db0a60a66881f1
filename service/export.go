package service

import (
	"context"

	"numberd/models"
)

// ExportPageSize is how many numbers ExportNumbers reads per query.
const ExportPageSize = 1000

// ExportNumbers streams every number of an account matching lq (its
// pagination fields are ignored) to fn, a page at a time, in number order.
// Each page is one keyset query, so memory stays flat whatever the account
// holds and no page is skipped or repeated by concurrent inserts elsewhere
// in the key space. The access rules are ListNumbers'. An error from fn
// stops the export and is returned.
func (s *Service) ExportNumbers(ctx context.Context, accountID string, lq ListQuery, fn func([]*models.Number) error) error {
	lq.Limit, lq.After, lq.StartKey, lq.Cascade = ExportPageSize, "", "", false
	for {
		page, err := s.ListNumbers(ctx, accountID, lq)
		if err != nil {
			return err
		}
		if len(page.Numbers) > 0 {
			if err := fn(page.Numbers); err != nil {
				return err
			}
		}
		if page.NextKey == "" {
			return nil
		}
		lq.StartKey = page.NextKey
	}
}
