package rest

import (
	"numberd/internal/reqinfo"
	"numberd/models"
	"numberd/service"
)

// PUT /v2/api_auth {"data":{"api_key":K}}
func (h *Handler) apiAuth(r *request) (*reply, error) {
	key, _ := r.data["api_key"].(string)
	token, acct, err := h.svc.APIAuth(r.ctx(), key, h.clientAddr(r.Request))
	if err != nil {
		return nil, err
	}
	r.token = token
	reqinfo.FromContext(r.ctx()).SetAccount(acct.ID)
	return created(map[string]any{
		"account_id":   acct.ID,
		"account_name": acct.Name,
		"is_reseller":  acct.Reseller,
		"reseller_id":  resellerOf(acct),
		"apps":         []any{},
	})
}

// resellerOf is the account's nearest ancestor (the master for top-level
// customers); numberd has no separate reseller assignment.
func resellerOf(a *models.Account) string {
	tree := a.Tree()
	if len(tree) == 0 {
		return a.ID
	}
	return tree[len(tree)-1]
}

// DELETE /v2/token_auth: revoke the token of this request.
func (h *Handler) logout(r *request) (*reply, error) {
	if err := h.svc.Logout(r.ctx(), r.token); err != nil {
		return nil, err
	}
	return ok(map[string]any{})
}

func accountInput(d models.Doc) service.AccountInput {
	var in service.AccountInput
	if v, ok := d["name"].(string); ok {
		in.Name = &v
	}
	if v, ok := d["reseller"].(bool); ok {
		in.Reseller = &v
	} else if v, ok := d["is_reseller"].(bool); ok {
		in.Reseller = &v
	}
	if v, ok := d["wnm_allow_additions"].(bool); ok {
		in.AllowAdditions = &v
	}
	if v, ok := d["enabled"].(bool); ok {
		in.Enabled = &v
	}
	if v, ok := d["unauthorized_numbers_lookup"].(bool); ok {
		in.NumbersLookup = &v
	}
	if l, ok := d["carrier_modules"].([]any); ok {
		mods := make([]string, 0, len(l))
		for _, x := range l {
			s, _ := x.(string)
			mods = append(mods, s)
		}
		in.CarrierModules = &mods
	}
	return in
}

// PUT /v2/accounts/{account}: create a child account.
func (h *Handler) createAccount(r *request) (*reply, error) {
	if _, present := r.data["name"]; present {
		if _, isString := r.data["name"].(string); !isString {
			return nil, models.ErrValidation(models.FieldError{Path: "name", Rule: "type", Message: "Value did not match type(s): string", Target: "string"})
		}
	}
	a, err := h.svc.CreateAccount(r.ctx(), r.PathValue("account"), accountInput(r.data))
	if err != nil {
		return nil, err
	}
	return created(accountJSON(a))
}

// GET /v2/accounts/{account}
func (h *Handler) getAccount(r *request) (*reply, error) {
	a, err := h.svc.GetAccount(r.ctx(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return ok(accountJSON(a))
}

// POST|PATCH /v2/accounts/{account}
func (h *Handler) updateAccount(r *request) (*reply, error) {
	a, err := h.svc.UpdateAccount(r.ctx(), r.PathValue("account"), accountInput(r.data))
	if err != nil {
		return nil, err
	}
	return ok(accountJSON(a))
}

// DELETE /v2/accounts/{account}
func (h *Handler) deleteAccount(r *request) (*reply, error) {
	a, err := h.svc.DeleteAccount(r.ctx(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return ok(accountJSON(a))
}

// GET /v2/accounts/{account}/children
func (h *Handler) listChildren(r *request) (*reply, error) {
	kids, err := h.svc.ChildAccounts(r.ctx(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	out := make([]any, 0, len(kids))
	for _, k := range kids {
		out = append(out, map[string]any{"id": k.ID, "name": k.Name, "is_reseller": k.Reseller, "enabled": k.Enabled})
	}
	return ok(out)
}

// GET /v2/accounts/{account}/api_key
func (h *Handler) getAPIKey(r *request) (*reply, error) {
	key, err := h.svc.APIKey(r.ctx(), r.PathValue("account"))
	if err != nil {
		return nil, err
	}
	return ok(map[string]any{"api_key": key})
}
