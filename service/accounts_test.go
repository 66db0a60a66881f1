package service_test

import (
	"strings"
	"testing"

	"numberd/models"
	"numberd/service"
)

func TestService_CreateAccount(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("Child", func(t *testing.T) {
		a, err := k.Svc.CreateAccount(k.Reseller.Ctx, k.Reseller.ID, service.AccountInput{Name: ptr("  shop  ")})
		if err != nil {
			t.Fatal(err)
		}
		if !models.IsAccountID(a.ID) {
			t.Errorf("id %q is not 32 lowercase hex", a.ID)
		}
		if a.ParentID != k.Reseller.ID || a.Path != k.Reseller.Path+"/"+a.ID {
			t.Errorf("parent %q path %q, want %q and %q", a.ParentID, a.Path, k.Reseller.ID, k.Reseller.Path+"/"+a.ID)
		}
		if strings.Count(a.Path, "/") != 2 || a.Tree()[0] != k.Master.ID {
			t.Errorf("path %q: want master/reseller/self", a.Path)
		}
		if a.Name != "shop" || !a.Enabled || a.Reseller || a.AllowAdditions || a.SuperduperAdmin {
			t.Errorf("account %+v: want name trimmed, enabled, no flags", a)
		}
		if len(a.APIKey) != 64 {
			t.Errorf("api key %q, want 64 hex", a.APIKey)
		}
		got, err := k.Svc.GetAccount(k.Reseller.Ctx, a.ID)
		if err != nil || got.ID != a.ID || got.Path != a.Path {
			t.Fatalf("GetAccount: %+v %v", got, err)
		}
	})

	t.Run("UnderDescendant", func(t *testing.T) {
		a, err := k.Svc.CreateAccount(k.Reseller.Ctx, k.Child.ID, service.AccountInput{Name: ptr("grandchild")})
		if err != nil {
			t.Fatal(err)
		}
		if a.Path != k.Child.Path+"/"+a.ID {
			t.Errorf("path %q, want under %q", a.Path, k.Child.Path)
		}
	})

	t.Run("PrivilegedFlags", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   service.AccountInput
		}{
			{"Reseller", service.AccountInput{Name: ptr("x"), Reseller: ptr(true)}},
			{"AllowAdditions", service.AccountInput{Name: ptr("x"), AllowAdditions: ptr(true)}},
		} {
			t.Run(tc.name+"/NonAdmin", func(t *testing.T) {
				before := k.Count(t, "accounts")
				_, err := k.Svc.CreateAccount(k.Reseller.Ctx, k.Reseller.ID, tc.in)
				wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
				if got := k.Count(t, "accounts"); got != before {
					t.Errorf("a refused create wrote an account")
				}
			})
			t.Run(tc.name+"/Admin", func(t *testing.T) {
				a, err := k.Svc.CreateAccount(k.Master.Ctx, k.Reseller.ID, tc.in)
				if err != nil {
					t.Fatal(err)
				}
				if a.Reseller != (tc.in.Reseller != nil) || a.AllowAdditions != (tc.in.AllowAdditions != nil) {
					t.Errorf("flags reseller=%v additions=%v not as asked", a.Reseller, a.AllowAdditions)
				}
			})
		}
		t.Run("FalseByNonAdmin", func(t *testing.T) {
			if _, err := k.Svc.CreateAccount(k.Reseller.Ctx, k.Reseller.ID,
				service.AccountInput{Name: ptr("y"), Reseller: ptr(false), AllowAdditions: ptr(false)}); err != nil {
				t.Fatalf("unprivileged false flags: %v", err)
			}
		})
	})

	t.Run("Validation", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			in   service.AccountInput
			want string
		}{
			{"MissingName", service.AccountInput{}, "name:required"},
			{"BlankName", service.AccountInput{Name: ptr("   ")}, "name:minLength"},
			{"LongName", service.AccountInput{Name: ptr(strings.Repeat("n", 129))}, "name:maxLength"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := k.Svc.CreateAccount(k.Reseller.Ctx, k.Reseller.ID, tc.in)
				wantFieldErrors(t, err, tc.want)
			})
		}
	})

	t.Run("Elsewhere", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			caller *tenant
			parent string
		}{
			{"ResellerUnderSibling", k.Reseller, k.Unrelated.ID},
			{"ResellerUnderMaster", k.Reseller, k.Master.ID},
			{"ChildUnderParent", k.Child, k.Reseller.ID},
			{"MissingParent", k.Child, strings.Repeat("a", 32)},
			{"MalformedParent", k.Child, "nope"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := k.Svc.CreateAccount(tc.caller.Ctx, tc.parent, service.AccountInput{Name: ptr("x")})
				wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
			})
		}
	})

	t.Run("AdminUnderMissingParent", func(t *testing.T) {
		_, err := k.Svc.CreateAccount(k.Master.Ctx, strings.Repeat("a", 32), service.AccountInput{Name: ptr("x")})
		wantErr(t, err, models.ENOTFOUND, models.ReasonBadIdentifier, "")
	})
}

func TestService_GetAccount(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	missing := strings.Repeat("b", 32)
	for _, tc := range []struct {
		name         string
		caller       *tenant
		id           string
		code, reason string
		wantID       string
	}{
		{"Self", k.Child, k.Child.ID, "", "", k.Child.ID},
		{"Descendant", k.Reseller, k.Child.ID, "", "", k.Child.ID},
		{"AdminAnywhere", k.Master, k.Child.ID, "", "", k.Child.ID},
		{"Sibling", k.Reseller, k.Unrelated.ID, models.EFORBIDDEN, models.ReasonForbidden, ""},
		{"SiblingReverse", k.Unrelated, k.Child.ID, models.EFORBIDDEN, models.ReasonForbidden, ""},
		{"Ancestor", k.Child, k.Reseller.ID, models.EFORBIDDEN, models.ReasonForbidden, ""},
		{"AdminMissing", k.Master, missing, models.ENOTFOUND, models.ReasonBadIdentifier, ""},
		{"AdminMalformed", k.Master, "not-an-id", models.ENOTFOUND, models.ReasonBadIdentifier, ""},
		{"NonAdminMissing", k.Reseller, missing, models.EFORBIDDEN, models.ReasonForbidden, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := k.Svc.GetAccount(tc.caller.Ctx, tc.id)
			if tc.code != "" {
				wantErr(t, err, tc.code, tc.reason, "-")
				return
			}
			if err != nil || a.ID != tc.wantID {
				t.Fatalf("GetAccount: %v %v, want %s", a, err, tc.wantID)
			}
		})
	}
	t.Run("Me", func(t *testing.T) {
		a, err := k.Svc.Me(k.Child.Ctx)
		if err != nil || a.ID != k.Child.ID {
			t.Fatalf("Me: %v %v", a, err)
		}
	})
	t.Run("ChildAccounts", func(t *testing.T) {
		kids, err := k.Svc.ChildAccounts(k.Master.Ctx, k.Master.ID)
		if err != nil || len(kids) != 2 {
			t.Fatalf("ChildAccounts(master): %d %v, want reseller and unrelated", len(kids), err)
		}
		_, err = k.Svc.ChildAccounts(k.Unrelated.Ctx, k.Reseller.ID)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
	})
}

func TestService_UpdateAccount(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("Rename", func(t *testing.T) {
		a, err := k.Svc.UpdateAccount(k.Reseller.Ctx, k.Child.ID, service.AccountInput{Name: ptr(" renamed ")})
		if err != nil || a.Name != "renamed" {
			t.Fatalf("UpdateAccount: %v %v", a, err)
		}
		got, _ := k.Svc.GetAccount(k.Child.Ctx, k.Child.ID)
		if got.Name != "renamed" || got.Path != k.Child.Path || got.APIKey != k.Child.APIKey {
			t.Errorf("stored account %+v: want only the name changed", got)
		}
	})
	t.Run("FlagsByNonAdmin", func(t *testing.T) {
		for _, in := range []service.AccountInput{
			{Reseller: ptr(true)}, {AllowAdditions: ptr(true)}, {Reseller: ptr(false)},
		} {
			_, err := k.Svc.UpdateAccount(k.Reseller.Ctx, k.Child.ID, in)
			wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		}
		got, _ := k.Svc.GetAccount(k.Master.Ctx, k.Child.ID)
		if got.Reseller || got.AllowAdditions {
			t.Errorf("flags changed by a refused update: %+v", got)
		}
	})
	t.Run("FlagsByAdmin", func(t *testing.T) {
		a, err := k.Svc.UpdateAccount(k.Master.Ctx, k.Child.ID, service.AccountInput{AllowAdditions: ptr(true)})
		if err != nil || !a.AllowAdditions {
			t.Fatalf("UpdateAccount: %+v %v", a, err)
		}
		_, err = k.Svc.UpdateAccount(k.Master.Ctx, k.Child.ID, service.AccountInput{AllowAdditions: ptr(false)})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("DisableSelf", func(t *testing.T) {
		_, err := k.Svc.UpdateAccount(k.Reseller.Ctx, k.Reseller.ID, service.AccountInput{Enabled: ptr(false)})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
	})
	t.Run("DisableDescendant", func(t *testing.T) {
		e := newEnv(t)
		r := e.MustAccount(t, e.Master, "r")
		c := e.MustAccount(t, r, "c")
		if _, err := e.Svc.UpdateAccount(r.Ctx, c.ID, service.AccountInput{Enabled: ptr(false)}); err != nil {
			t.Fatal(err)
		}
		_, _, err := e.Svc.APIAuth(bg, c.APIKey, "")
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
	})
	t.Run("Sibling", func(t *testing.T) {
		_, err := k.Svc.UpdateAccount(k.Unrelated.Ctx, k.Reseller.ID, service.AccountInput{Name: ptr("x")})
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
	})
	t.Run("Validation", func(t *testing.T) {
		_, err := k.Svc.UpdateAccount(k.Reseller.Ctx, k.Child.ID, service.AccountInput{Name: ptr("")})
		wantFieldErrors(t, err, "name:minLength")
	})
}

func TestService_DeleteAccount(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)

	t.Run("Self", func(t *testing.T) {
		_, err := k.Svc.DeleteAccount(k.Child.Ctx, k.Child.ID)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
	})
	t.Run("WithChildren", func(t *testing.T) {
		_, err := k.Svc.DeleteAccount(k.Master.Ctx, k.Reseller.ID)
		wantErr(t, err, models.ECONFLICT, "account_has_descendants", "")
		if _, err := k.Svc.GetAccount(k.Master.Ctx, k.Reseller.ID); err != nil {
			t.Errorf("refused delete removed the account: %v", err)
		}
	})
	t.Run("Sibling", func(t *testing.T) {
		_, err := k.Svc.DeleteAccount(k.Unrelated.Ctx, k.Child.ID)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
	})
	t.Run("OK", func(t *testing.T) {
		leaf := k.MustAccount(t, k.Reseller, "leaf")
		token, _, err := k.Svc.APIAuth(bg, leaf.APIKey, "")
		if err != nil {
			t.Fatal(err)
		}
		d, err := k.Svc.DeleteAccount(k.Reseller.Ctx, leaf.ID)
		if err != nil || !d.Deleted() || d.Enabled {
			t.Fatalf("DeleteAccount: %+v %v", d, err)
		}
		_, err = k.Svc.GetAccount(k.Master.Ctx, leaf.ID)
		wantErr(t, err, models.ENOTFOUND, models.ReasonBadIdentifier, "")
		_, err = k.Svc.GetAccount(k.Reseller.Ctx, leaf.ID)
		wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
		_, _, err = k.Svc.APIAuth(bg, leaf.APIKey, "")
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
		_, err = k.Svc.Authenticate(bg, token)
		wantErr(t, err, models.EUNAUTHORIZED, models.ReasonInvalidCredentials, "")
		kids, err := k.Svc.ChildAccounts(k.Reseller.Ctx, k.Reseller.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range kids {
			if c.ID == leaf.ID {
				t.Errorf("deleted account still listed as a child")
			}
		}
	})
}

func TestService_APIKey(t *testing.T) {
	t.Parallel()
	k := newKazoo(t)
	for _, tc := range []struct {
		name   string
		caller *tenant
		of     *tenant
		ok     bool
	}{
		{"Self", k.Child, k.Child, true},
		{"Descendant", k.Reseller, k.Child, true},
		{"Admin", k.Master, k.Child, true},
		{"Sibling", k.Unrelated, k.Child, false},
		{"Ancestor", k.Child, k.Reseller, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key, err := k.Svc.APIKey(tc.caller.Ctx, tc.of.ID)
			if !tc.ok {
				wantErr(t, err, models.EFORBIDDEN, models.ReasonForbidden, "")
				return
			}
			if err != nil || key != tc.of.APIKey {
				t.Fatalf("APIKey: %q %v", key, err)
			}
			if _, a, err := k.Svc.APIAuth(bg, key, ""); err != nil || a.ID != tc.of.ID {
				t.Fatalf("the returned key does not log in as the account: %v", err)
			}
		})
	}
}
