package storetest

import (
	"crypto/rand"
	"testing"
	"time"

	"github.com/latchkey/latchkey"
)

// newPasskey creates a passkey of a with a random credential id, created at t0.
func newPasskey(t *testing.T, s latchkey.Store, a latchkey.Account, name string) latchkey.Passkey {
	t.Helper()
	return createPasskey(t, s, latchkey.Passkey{
		ID:             latchkey.NewID(),
		WorkspaceID:    a.WorkspaceID,
		AccountID:      a.ID,
		CredentialID:   randomBytes(32),
		PublicKey:      randomBytes(77),
		SignCount:      7,
		AAGUID:         randomBytes(16),
		Name:           name,
		BackupEligible: true,
		BackupState:    false,
		Transports:     []string{"hybrid", "internal"},
		CreatedAt:      t0,
	})
}

// createPasskey stores p and returns it.
func createPasskey(t *testing.T, s latchkey.Store, p latchkey.Passkey) latchkey.Passkey {
	t.Helper()
	if err := s.CreatePasskey(t.Context(), p); err != nil {
		t.Fatalf("CreatePasskey(%q): %v", p.Name, err)
	}
	return p
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// newCeremony creates a ceremony of kind for account (or none, "") of ws, expiring at expires.
func newCeremony(t *testing.T, s latchkey.Store, ws, account string, kind latchkey.CeremonyKind, expires time.Time) latchkey.Ceremony {
	t.Helper()
	_, id := latchkey.NewSecret()
	_, browser := latchkey.NewSecret()
	c := latchkey.Ceremony{
		ID:          id,
		WorkspaceID: ws,
		AccountID:   account,
		Kind:        kind,
		SessionData: []byte(`{"challenge":"` + latchkey.NewID() + `"}`),
		BrowserHash: browser,
		ExpiresAt:   expires,
	}
	if err := s.CreateCeremony(t.Context(), c); err != nil {
		t.Fatalf("CreateCeremony: %v", err)
	}
	return c
}

var passkeyTests = []test{
	{"PasskeyCountsPerAccount", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		other, _ := newWorkspace(t, s, "globex")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		newPasskey(t, s, admin, "laptop")
		newPasskey(t, s, admin, "phone")
		newPasskey(t, s, pat, "key")
		got, err := s.PasskeyCounts(ctx, w.ID)
		ok(t, "PasskeyCounts", err)
		same(t, "PasskeyCounts", map[string]int{admin.ID: 2, pat.ID: 1}, got)
		got, err = s.PasskeyCounts(ctx, other.ID)
		ok(t, "PasskeyCounts(other workspace)", err)
		if len(got) != 0 {
			t.Fatalf("another workspace counts %v", got)
		}
	}},
	{"CreateReadListRenameDelete", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		first := newPasskey(t, s, admin, "YubiKey")
		second := newPasskey(t, s, admin, "Laptop")
		second.CreatedAt = t0.Add(time.Microsecond)
		ok(t, "DeletePasskey(second, to recreate it later)", s.DeletePasskey(ctx, w.ID, admin.ID, second.ID))
		second.LastUsedAt = t0.Add(time.Hour)
		second.Transports = nil
		second.BackupState = true
		createPasskey(t, s, second)

		got, err := s.Passkey(ctx, w.ID, first.ID)
		ok(t, "Passkey", err)
		same(t, "Passkey", first, got)
		got, err = s.PasskeyByCredentialID(ctx, w.ID, second.CredentialID)
		ok(t, "PasskeyByCredentialID", err)
		same(t, "PasskeyByCredentialID", second, got)
		list, err := s.Passkeys(ctx, w.ID, admin.ID)
		ok(t, "Passkeys", err)
		same(t, "Passkeys (oldest first)", []latchkey.Passkey{first, second}, list)

		ok(t, "RenamePasskey", s.RenamePasskey(ctx, w.ID, admin.ID, first.ID, "Blue key"))
		got, err = s.Passkey(ctx, w.ID, first.ID)
		ok(t, "Passkey(after rename)", err)
		if got.Name != "Blue key" {
			t.Errorf("Name=%q after RenamePasskey, want %q", got.Name, "Blue key")
		}

		ok(t, "DeletePasskey", s.DeletePasskey(ctx, w.ID, admin.ID, first.ID))
		wantErr(t, "Passkey(deleted)", errOnly(s.Passkey(ctx, w.ID, first.ID)), latchkey.ErrNotFound)
		wantErr(t, "PasskeyByCredentialID(deleted)", errOnly(s.PasskeyByCredentialID(ctx, w.ID, first.CredentialID)), latchkey.ErrNotFound)
		wantErr(t, "DeletePasskey(again)", s.DeletePasskey(ctx, w.ID, admin.ID, first.ID), latchkey.ErrNotFound)
		wantErr(t, "RenamePasskey(deleted)", s.RenamePasskey(ctx, w.ID, admin.ID, first.ID, "x"), latchkey.ErrNotFound)
		list, err = s.Passkeys(ctx, w.ID, admin.ID)
		ok(t, "Passkeys(after delete)", err)
		same(t, "Passkeys(after delete)", []latchkey.Passkey{second}, list)
	}},
	{"CredentialIDUniquePerWorkspace", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, adminA := newWorkspace(t, s, "acme")
		wb, adminB := newWorkspace(t, s, "globex")
		pat := newAccount(t, s, wa.ID, "pat@acme.test")
		p := newPasskey(t, s, adminA, "Key")

		dup := p
		dup.ID = latchkey.NewID()
		dup.AccountID = pat.ID
		wantErr(t, "CreatePasskey(same credential id, same workspace, another account)", s.CreatePasskey(ctx, dup), latchkey.ErrConflict)
		sameID := p
		sameID.CredentialID = randomBytes(32)
		wantErr(t, "CreatePasskey(same ID)", s.CreatePasskey(ctx, sameID), latchkey.ErrConflict)

		other := p
		other.ID = latchkey.NewID()
		other.WorkspaceID = wb.ID
		other.AccountID = adminB.ID
		ok(t, "CreatePasskey(same credential id, another workspace)", s.CreatePasskey(ctx, other))
		got, err := s.PasskeyByCredentialID(ctx, wb.ID, p.CredentialID)
		ok(t, "PasskeyByCredentialID(globex)", err)
		same(t, "PasskeyByCredentialID(globex)", other, got)
		got, err = s.PasskeyByCredentialID(ctx, wa.ID, p.CredentialID)
		ok(t, "PasskeyByCredentialID(acme)", err)
		same(t, "PasskeyByCredentialID(acme)", p, got)
	}},
	{"TenantIsolation", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, adminA := newWorkspace(t, s, "acme")
		wb, adminB := newWorkspace(t, s, "globex")
		p := newPasskey(t, s, adminA, "Key")

		wantErr(t, "Passkey(wrong workspace)", errOnly(s.Passkey(ctx, wb.ID, p.ID)), latchkey.ErrNotFound)
		wantErr(t, "PasskeyByCredentialID(wrong workspace)", errOnly(s.PasskeyByCredentialID(ctx, wb.ID, p.CredentialID)), latchkey.ErrNotFound)
		list, err := s.Passkeys(ctx, wb.ID, adminA.ID)
		ok(t, "Passkeys(wrong workspace)", err)
		same(t, "Passkeys(wrong workspace)", []latchkey.Passkey(nil), list)
		wantErr(t, "UsePasskey(wrong workspace)", s.UsePasskey(ctx, wb.ID, p.ID, 100, false, t0), latchkey.ErrNotFound)
		wantErr(t, "RenamePasskey(wrong workspace)", s.RenamePasskey(ctx, wb.ID, adminA.ID, p.ID, "x"), latchkey.ErrNotFound)
		wantErr(t, "DeletePasskey(wrong workspace)", s.DeletePasskey(ctx, wb.ID, adminA.ID, p.ID), latchkey.ErrNotFound)
		wantErr(t, "DeletePasskey(another account)", s.DeletePasskey(ctx, wa.ID, adminB.ID, p.ID), latchkey.ErrNotFound)
		wantErr(t, "RenamePasskey(another account)", s.RenamePasskey(ctx, wa.ID, adminB.ID, p.ID, "x"), latchkey.ErrNotFound)

		cross := p
		cross.ID = latchkey.NewID()
		cross.CredentialID = randomBytes(32)
		cross.WorkspaceID = wb.ID // adminA is not an account of globex
		wantErr(t, "CreatePasskey(account of another workspace)", s.CreatePasskey(ctx, cross), latchkey.ErrNotFound)

		got, err := s.Passkey(ctx, wa.ID, p.ID)
		ok(t, "Passkey(after the wrong-workspace calls)", err)
		same(t, "Passkey unchanged by the wrong-workspace calls", p, got)
	}},
	{"UsePasskeyCounterOnlyForward", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		p := newPasskey(t, s, admin, "Key") // SignCount 7
		at := t0.Add(time.Minute)
		ok(t, "UsePasskey(8)", s.UsePasskey(ctx, w.ID, p.ID, 8, true, at))
		got, err := s.Passkey(ctx, w.ID, p.ID)
		ok(t, "Passkey", err)
		if got.SignCount != 8 || !got.BackupState || !got.LastUsedAt.Equal(at) {
			t.Errorf("after UsePasskey(8, true, %v): SignCount=%d BackupState=%t LastUsedAt=%v", at, got.SignCount, got.BackupState, got.LastUsedAt)
		}
		wantErr(t, "UsePasskey(8 again: a replay)", s.UsePasskey(ctx, w.ID, p.ID, 8, false, at.Add(time.Second)), latchkey.ErrConflict)
		wantErr(t, "UsePasskey(3: a cloned authenticator)", s.UsePasskey(ctx, w.ID, p.ID, 3, false, at.Add(time.Second)), latchkey.ErrConflict)
		wantErr(t, "UsePasskey(0 after 8)", s.UsePasskey(ctx, w.ID, p.ID, 0, false, at.Add(time.Second)), latchkey.ErrConflict)
		got, err = s.Passkey(ctx, w.ID, p.ID)
		ok(t, "Passkey", err)
		if got.SignCount != 8 || !got.BackupState || !got.LastUsedAt.Equal(at) {
			t.Errorf("a refused UsePasskey changed the passkey: SignCount=%d BackupState=%t LastUsedAt=%v", got.SignCount, got.BackupState, got.LastUsedAt)
		}
		ok(t, "UsePasskey(1000, skipping some)", s.UsePasskey(ctx, w.ID, p.ID, 1000, false, at))
		wantErr(t, "UsePasskey(unknown)", s.UsePasskey(ctx, w.ID, latchkey.NewID(), 1, false, at), latchkey.ErrNotFound)

		// An authenticator without a counter always says 0, and that is not a clone.
		z := newPasskey(t, s, admin, "Synced")
		z.SignCount = 0
		z.ID, z.CredentialID = latchkey.NewID(), randomBytes(16)
		createPasskey(t, s, z)
		ok(t, "UsePasskey(0 of a counterless one)", s.UsePasskey(ctx, w.ID, z.ID, 0, true, at))
		ok(t, "UsePasskey(0 again)", s.UsePasskey(ctx, w.ID, z.ID, 0, true, at.Add(time.Second)))
	}},
	{"UsePasskeyConcurrentExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		w, admin := newWorkspace(t, s, "acme")
		p := newPasskey(t, s, admin, "Key")
		errs := concurrently(50, func(int) error { return s.UsePasskey(t.Context(), w.ID, p.ID, 9, false, t0) })
		if nils, conflicts := countErrs(t, "UsePasskey", errs, latchkey.ErrConflict); nils != 1 || conflicts != 49 {
			t.Errorf("50 concurrent UsePasskey(9): %d succeeded and %d conflicted, want 1 and 49", nils, conflicts)
		}
	}},
	{"DeleteAccountRemovesPasskeysCeremoniesDevicesAndSettings", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		pat := newAccount(t, s, w.ID, "pat@acme.test")
		p := newPasskey(t, s, pat, "Key")
		kept := newPasskey(t, s, admin, "Admin key")
		c := newCeremony(t, s, w.ID, pat.ID, latchkey.CeremonyRegister, t0.Add(latchkey.CeremonyTTL))
		_, err := s.SeeDevice(ctx, w.ID, pat.ID, "device-1", t0)
		ok(t, "SeeDevice", err)
		ok(t, "SetNewDeviceAlerts(off)", s.SetNewDeviceAlerts(ctx, w.ID, pat.ID, false, t0))

		ok(t, "DeleteAccount", s.DeleteAccount(ctx, w.ID, pat.ID))
		wantErr(t, "Passkey(of deleted account)", errOnly(s.Passkey(ctx, w.ID, p.ID)), latchkey.ErrNotFound)
		wantErr(t, "PasskeyByCredentialID(of deleted account)", errOnly(s.PasskeyByCredentialID(ctx, w.ID, p.CredentialID)), latchkey.ErrNotFound)
		wantErr(t, "ConsumeCeremony(of deleted account)", errOnly(s.ConsumeCeremony(ctx, w.ID, c.ID, c.Kind, t0)), latchkey.ErrNotFound)
		devices, err := s.Devices(ctx, w.ID, pat.ID)
		ok(t, "Devices", err)
		same(t, "Devices(of deleted account)", []latchkey.Device(nil), devices)
		off, err := s.NewDeviceAlertsOff(ctx, w.ID)
		ok(t, "NewDeviceAlertsOff", err)
		same(t, "NewDeviceAlertsOff(after delete)", []string(nil), off)
		// A new account may take the freed credential id; the other account's passkey stays.
		reuse := p
		reuse.ID = latchkey.NewID()
		reuse.AccountID = admin.ID
		ok(t, "CreatePasskey(freed credential id)", s.CreatePasskey(ctx, reuse))
		ok(t, "Passkey(of another account)", errOnly(s.Passkey(ctx, w.ID, kept.ID)))
	}},

	{"CeremonyRoundTrip", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		for _, c := range []latchkey.Ceremony{
			newCeremony(t, s, w.ID, admin.ID, latchkey.CeremonyRegister, t0.Add(latchkey.CeremonyTTL)),
			newCeremony(t, s, w.ID, admin.ID, latchkey.CeremonySecondFactor, t0.Add(latchkey.CeremonyTTL)),
			newCeremony(t, s, w.ID, "", latchkey.CeremonyPasswordless, t0.Add(latchkey.CeremonyTTL)),
		} {
			got, err := s.ConsumeCeremony(ctx, w.ID, c.ID, c.Kind, t0)
			ok(t, "ConsumeCeremony("+string(c.Kind)+")", err)
			same(t, "ConsumeCeremony("+string(c.Kind)+")", c, got)
		}
	}},
	{"CreateCeremonyNeedsWorkspaceAndAccount", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, adminA := newWorkspace(t, s, "acme")
		wb, _ := newWorkspace(t, s, "globex")
		c := latchkey.Ceremony{ID: latchkey.NewID(), WorkspaceID: wb.ID, AccountID: adminA.ID,
			Kind: latchkey.CeremonySecondFactor, SessionData: []byte("{}"), ExpiresAt: t0.Add(time.Minute)}
		wantErr(t, "CreateCeremony(account of another workspace)", s.CreateCeremony(ctx, c), latchkey.ErrNotFound)
		c.WorkspaceID, c.AccountID = latchkey.NewID(), ""
		c.Kind = latchkey.CeremonyPasswordless
		wantErr(t, "CreateCeremony(unknown workspace)", s.CreateCeremony(ctx, c), latchkey.ErrNotFound)
		c.WorkspaceID = wa.ID
		ok(t, "CreateCeremony(passwordless)", s.CreateCeremony(ctx, c))
		wantErr(t, "CreateCeremony(same ID)", s.CreateCeremony(ctx, c), latchkey.ErrConflict)
	}},
	{"ConsumeCeremonyOnceOnlyRightWorkspaceAndKind", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, adminA := newWorkspace(t, s, "acme")
		wb, _ := newWorkspace(t, s, "globex")
		c := newCeremony(t, s, wa.ID, adminA.ID, latchkey.CeremonySecondFactor, t0.Add(latchkey.CeremonyTTL))
		wantErr(t, "ConsumeCeremony(wrong workspace)", errOnly(s.ConsumeCeremony(ctx, wb.ID, c.ID, c.Kind, t0)), latchkey.ErrNotFound)
		wantErr(t, "ConsumeCeremony(wrong kind)", errOnly(s.ConsumeCeremony(ctx, wa.ID, c.ID, latchkey.CeremonyRegister, t0)), latchkey.ErrNotFound)
		wantErr(t, "ConsumeCeremony(unknown)", errOnly(s.ConsumeCeremony(ctx, wa.ID, latchkey.NewID(), c.Kind, t0)), latchkey.ErrNotFound)
		ok(t, "ConsumeCeremony(right workspace and kind, after the wrong ones)", errOnly(s.ConsumeCeremony(ctx, wa.ID, c.ID, c.Kind, t0)))
		wantErr(t, "ConsumeCeremony(again)", errOnly(s.ConsumeCeremony(ctx, wa.ID, c.ID, c.Kind, t0)), latchkey.ErrNotFound)
	}},
	{"ConsumeCeremonyConcurrentExactlyOneWins", func(t *testing.T, s latchkey.Store) {
		w, _ := newWorkspace(t, s, "acme")
		c := newCeremony(t, s, w.ID, "", latchkey.CeremonyPasswordless, t0.Add(latchkey.CeremonyTTL))
		errs := concurrently(50, func(int) error {
			_, err := s.ConsumeCeremony(t.Context(), w.ID, c.ID, c.Kind, t0)
			return err
		})
		if nils, notFound := countErrs(t, "ConsumeCeremony", errs, latchkey.ErrNotFound); nils != 1 || notFound != 49 {
			t.Errorf("50 concurrent ConsumeCeremony: %d got it and %d found nothing, want 1 and 49", nils, notFound)
		}
	}},
	{"ConsumeCeremonyExpiryBoundary", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		expires := t0.Add(latchkey.CeremonyTTL)
		late := newCeremony(t, s, w.ID, admin.ID, latchkey.CeremonyRegister, expires)
		wantErr(t, "ConsumeCeremony(at ExpiresAt)", errOnly(s.ConsumeCeremony(ctx, w.ID, late.ID, late.Kind, expires)), latchkey.ErrNotFound)
		onTime := newCeremony(t, s, w.ID, admin.ID, latchkey.CeremonyRegister, expires)
		ok(t, "ConsumeCeremony(a microsecond before ExpiresAt)", errOnly(s.ConsumeCeremony(ctx, w.ID, onTime.ID, onTime.Kind, expires.Add(-time.Microsecond))))
	}},
	{"DeleteExpiredCeremonies", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		now := t0.Add(time.Hour)
		newCeremony(t, s, w.ID, admin.ID, latchkey.CeremonyRegister, now.Add(-time.Second))
		newCeremony(t, s, w.ID, "", latchkey.CeremonyPasswordless, now)
		live := newCeremony(t, s, w.ID, admin.ID, latchkey.CeremonySecondFactor, now.Add(time.Microsecond))
		n, err := s.DeleteExpiredCeremonies(ctx, now)
		ok(t, "DeleteExpiredCeremonies", err)
		if n != 2 {
			t.Errorf("DeleteExpiredCeremonies=%d, want 2", n)
		}
		ok(t, "ConsumeCeremony(live one)", errOnly(s.ConsumeCeremony(ctx, w.ID, live.ID, live.Kind, now)))
	}},

	{"SeeDeviceNewThenKnown", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		w, admin := newWorkspace(t, s, "acme")
		got, err := s.SeeDevice(ctx, w.ID, admin.ID, "laptop", t0)
		ok(t, "SeeDevice(first)", err)
		same(t, "SeeDevice(first device of the account)", latchkey.DeviceSighting{New: true, Others: 0}, got)
		later := t0.Add(time.Hour)
		got, err = s.SeeDevice(ctx, w.ID, admin.ID, "laptop", later)
		ok(t, "SeeDevice(again)", err)
		same(t, "SeeDevice(known device)", latchkey.DeviceSighting{New: false, Others: 0}, got)
		got, err = s.SeeDevice(ctx, w.ID, admin.ID, "phone", t0.Add(time.Minute))
		ok(t, "SeeDevice(phone)", err)
		same(t, "SeeDevice(second device)", latchkey.DeviceSighting{New: true, Others: 1}, got)

		devices, err := s.Devices(ctx, w.ID, admin.ID)
		ok(t, "Devices", err)
		same(t, "Devices (most recently seen first)", []latchkey.Device{
			{WorkspaceID: w.ID, AccountID: admin.ID, DeviceHash: "laptop", FirstSeen: t0, LastSeen: later},
			{WorkspaceID: w.ID, AccountID: admin.ID, DeviceHash: "phone", FirstSeen: t0.Add(time.Minute), LastSeen: t0.Add(time.Minute)},
		}, devices)

		n, err := s.ForgetDevices(ctx, w.ID, admin.ID)
		ok(t, "ForgetDevices", err)
		if n != 2 {
			t.Errorf("ForgetDevices=%d, want 2", n)
		}
		got, err = s.SeeDevice(ctx, w.ID, admin.ID, "laptop", later)
		ok(t, "SeeDevice(after ForgetDevices)", err)
		same(t, "SeeDevice(after ForgetDevices)", latchkey.DeviceSighting{New: true, Others: 0}, got)
	}},
	{"SeeDeviceTenantIsolation", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, adminA := newWorkspace(t, s, "acme")
		wb, adminB := newWorkspace(t, s, "globex")
		wantErr(t, "SeeDevice(account of another workspace)", errOnly(s.SeeDevice(ctx, wb.ID, adminA.ID, "laptop", t0)), latchkey.ErrNotFound)
		wantErr(t, "SeeDevice(unknown account)", errOnly(s.SeeDevice(ctx, wa.ID, latchkey.NewID(), "laptop", t0)), latchkey.ErrNotFound)
		_, err := s.SeeDevice(ctx, wa.ID, adminA.ID, "laptop", t0)
		ok(t, "SeeDevice(acme)", err)
		// The same device is new to another account.
		got, err := s.SeeDevice(ctx, wb.ID, adminB.ID, "laptop", t0)
		ok(t, "SeeDevice(globex)", err)
		same(t, "SeeDevice(same device, another account)", latchkey.DeviceSighting{New: true}, got)
		n, err := s.ForgetDevices(ctx, wb.ID, adminA.ID)
		ok(t, "ForgetDevices(wrong workspace)", err)
		if n != 0 {
			t.Errorf("ForgetDevices(wrong workspace)=%d, want 0", n)
		}
		devices, err := s.Devices(ctx, wb.ID, adminA.ID)
		ok(t, "Devices(wrong workspace)", err)
		same(t, "Devices(wrong workspace)", []latchkey.Device(nil), devices)
	}},
	{"SeeDeviceConcurrentExactlyOneNew", func(t *testing.T, s latchkey.Store) {
		w, admin := newWorkspace(t, s, "acme")
		sightings := make([]latchkey.DeviceSighting, 20)
		errs := concurrently(len(sightings), func(i int) error {
			var err error
			sightings[i], err = s.SeeDevice(t.Context(), w.ID, admin.ID, "laptop", t0)
			return err
		})
		countErrs(t, "SeeDevice", errs, nil)
		news := 0
		for _, s := range sightings {
			if s.New {
				news++
			}
		}
		if news != 1 {
			t.Errorf("%d concurrent SeeDevice of one new device: %d reported New, want 1", len(sightings), news)
		}
	}},
	{"NewDeviceAlertsSetting", func(t *testing.T, s latchkey.Store) {
		ctx := t.Context()
		wa, admin := newWorkspace(t, s, "acme")
		wb, _ := newWorkspace(t, s, "globex")
		pat := newAccount(t, s, wa.ID, "pat@acme.test")
		on, err := s.NewDeviceAlerts(ctx, wa.ID, pat.ID)
		ok(t, "NewDeviceAlerts(default)", err)
		if !on {
			t.Errorf("NewDeviceAlerts=false by default, want true")
		}
		ok(t, "SetNewDeviceAlerts(off)", s.SetNewDeviceAlerts(ctx, wa.ID, pat.ID, false, t0))
		on, err = s.NewDeviceAlerts(ctx, wa.ID, pat.ID)
		ok(t, "NewDeviceAlerts(off)", err)
		if on {
			t.Errorf("NewDeviceAlerts=true after turning it off")
		}
		ids, err := s.NewDeviceAlertsOff(ctx, wa.ID)
		ok(t, "NewDeviceAlertsOff", err)
		same(t, "NewDeviceAlertsOff", []string{pat.ID}, ids)
		ids, err = s.NewDeviceAlertsOff(ctx, wb.ID)
		ok(t, "NewDeviceAlertsOff(another workspace)", err)
		same(t, "NewDeviceAlertsOff(another workspace)", []string(nil), ids)
		on, err = s.NewDeviceAlerts(ctx, wa.ID, admin.ID)
		ok(t, "NewDeviceAlerts(another account)", err)
		if !on {
			t.Errorf("turning pat's alerts off turned the admin's off")
		}

		ok(t, "SetNewDeviceAlerts(on)", s.SetNewDeviceAlerts(ctx, wa.ID, pat.ID, true, t0.Add(time.Hour)))
		on, err = s.NewDeviceAlerts(ctx, wa.ID, pat.ID)
		ok(t, "NewDeviceAlerts(on again)", err)
		if !on {
			t.Errorf("NewDeviceAlerts=false after turning it on again")
		}

		wantErr(t, "SetNewDeviceAlerts(account of another workspace)", s.SetNewDeviceAlerts(ctx, wb.ID, pat.ID, false, t0), latchkey.ErrNotFound)
		wantErr(t, "NewDeviceAlerts(account of another workspace)", errOnly(s.NewDeviceAlerts(ctx, wb.ID, pat.ID)), latchkey.ErrNotFound)
		wantErr(t, "NewDeviceAlerts(unknown account)", errOnly(s.NewDeviceAlerts(ctx, wa.ID, latchkey.NewID())), latchkey.ErrNotFound)
	}},
}

// errOnly drops the value of a (value, error) pair.
func errOnly[T any](_ T, err error) error { return err }
