package service

import (
	"context"
	"fmt"

	"numberd/models"
)

// MasterActor returns the master (superduper admin) account as a caller.
// The operator tools (numberd import and export) act as it: they open the
// database directly, so whoever can run them already holds the database
// credentials, which is more than the master API key grants. Returns
// ENOTFOUND when the database has no master yet (numberd serve creates it).
func (s *Service) MasterActor(ctx context.Context) (*models.Actor, error) {
	id, err := s.db.Q().SettingValue(ctx, masterSettingKey)
	if err != nil {
		return nil, s.read(ctx, err)
	}
	if id == "" {
		return nil, &models.Error{Code: models.ENOTFOUND, Reason: models.ReasonNotFound,
			Message: "the database has no master account yet: start numberd serve on it once"}
	}
	a, err := s.db.Q().AccountByID(ctx, id)
	if err != nil {
		return nil, s.read(ctx, fmt.Errorf("master account %s: %w", id, err))
	}
	return actorOf(a), nil
}
