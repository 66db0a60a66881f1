package service

import (
	"context"

	"numberd/models"
	"numberd/store"
)

// CountNumbersByState counts every stored number per state, over the whole
// database. It is an operator figure (the numberd_numbers metric), not an
// API: it takes no caller and applies no access rule, so it must never be
// exposed through REST or GraphQL.
func (s *Service) CountNumbersByState(ctx context.Context) (map[models.State]int64, error) {
	counts, err := s.db.Q().CountNumbersByState(ctx, store.NumberQuery{})
	if err != nil {
		return nil, s.read(ctx, err)
	}
	return counts, nil
}
