package rest

func wantsCSV(r *request) bool { return false }

func (h *Handler) listingCSV(page any) (*reply, error) { return nil, nil }
