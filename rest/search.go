package rest

import "numberd/models"

// searchNumbers answers GET .../phone_numbers?prefix= (discovery).
func (h *Handler) searchNumbers(r *request) (*reply, error) {
	return nil, &models.Error{Code: models.EINVALID, Reason: "not_implemented", Message: "number search is not available yet", System: true}
}
