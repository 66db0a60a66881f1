package rest

import (
	"net/http"

	"numberd/rest/openapi"
)

// GET /v2/openapi.json: the OpenAPI description of this API (no token).
func (h *Handler) openAPI(r *request) (*reply, error) {
	return &reply{status: http.StatusOK, raw: openapi.JSON(), rawType: "application/json"}, nil
}
