package storetest

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/latchkey/latchkey"
)

// sameExport fails the test now if got differs from want. The order of accounts, codes and
// events in an export is not promised, and neither is whether an account whose last TOTP step
// is 0 has an entry in TOTPSteps.
func sameExport(t *testing.T, what string, want, got latchkey.WorkspaceExport) {
	t.Helper()
	dropZero := func(m map[string]int64) map[string]int64 {
		m = maps.Clone(m)
		maps.DeleteFunc(m, func(_ string, step int64) bool { return step == 0 })
		return m
	}
	want.TOTPSteps, got.TOTPSteps = dropZero(want.TOTPSteps), dropZero(got.TOTPSteps)
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty(),
		cmpopts.SortSlices(func(a, b latchkey.Account) bool { return a.ID < b.ID }),
		cmpopts.SortSlices(func(a, b latchkey.RecoveryCode) bool { return a.ID < b.ID }),
		cmpopts.SortSlices(func(a, b latchkey.Event) bool { return a.ID < b.ID }),
		cmpopts.SortSlices(func(a, b latchkey.Hardware) bool { return a.ID < b.ID }),
		cmpopts.SortSlices(func(a, b latchkey.Software) bool { return a.ID < b.ID }),
		cmpopts.SortSlices(func(a, b latchkey.Request) bool { return a.ID < b.ID }),
	); diff != "" {
		t.Fatalf("%s: mismatch (-want +got):\n%s", what, diff)
	}
}

// importCopy imports x into a new store from open, fails the test unless that store's export
// of it is x again, and returns the store.
func importCopy(t *testing.T, open func(t *testing.T) latchkey.Store, x latchkey.WorkspaceExport) latchkey.Store {
	t.Helper()
	dst := open(t)
	ok(t, "ImportWorkspace", dst.ImportWorkspace(t.Context(), x))
	y, err := dst.ExportWorkspace(t.Context(), x.Workspace.Slug)
	ok(t, "ExportWorkspace(of the imported copy)", err)
	sameExport(t, "ExportWorkspace(of the imported copy)", x, y)
	return dst
}

// A movedWorkspace is a workspace built for the export tests, with what an export of it must hold.
type movedWorkspace struct {
	want     latchkey.WorkspaceExport // without Version
	pat      latchkey.Account         // an account with two-factor on, a TOTP step and codes
	session  latchkey.Session         // of pat: sessions are not moved
	events   []latchkey.Event         // Events(ws, Limit 1000) on the exporting store
	patCodes []latchkey.RecoveryCode
}

// buildWorkspace creates workspace acme in s with a policy, three accounts (one with
// two-factor authentication, TOTP steps and recovery codes), events (two in one microsecond,
// one without an account), and the short-lived things an export leaves out; and, beside it,
// workspace other with an account, codes and events that an export of acme must not hold.
func buildWorkspace(t *testing.T, s latchkey.Store) movedWorkspace {
	t.Helper()
	ctx := t.Context()
	w := latchkey.Workspace{ID: latchkey.NewID(), Slug: "acme", Name: "Acme", CreatedAt: t0,
		Policy: latchkey.Policy{Require2FA: true, PasswordMinLength: 14, SessionIdle: 30 * time.Minute}}
	admin := latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "Admin@Acme.test", Name: "Admin",
		Role: latchkey.RoleAdmin, Status: latchkey.StatusActive, PasswordHash: "$argon2id$admin",
		TOTPSecret: "v1.k1.YWRtaW4", TOTPEnabledAt: t0.Add(time.Minute), CreatedAt: t0, UpdatedAt: t0,
		LastSignInAt: t0.Add(time.Hour)}
	ok(t, "CreateWorkspace", s.CreateWorkspace(ctx, w, admin))
	pat := createAccount(t, s, latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "pat@acme.test",
		Name: "Pat", Role: latchkey.RoleMember, Status: latchkey.StatusActive, PasswordHash: "$argon2id$pat",
		TOTPSecret: "v1.k1.cGF0", TOTPEnabledAt: t0.Add(2 * time.Minute), CreatedAt: t0, UpdatedAt: t0.Add(time.Second)})
	invited := createAccount(t, s, latchkey.Account{ID: latchkey.NewID(), WorkspaceID: w.ID, Email: "new@acme.test",
		Role: latchkey.RoleMember, Status: latchkey.StatusInvited, CreatedAt: t0, UpdatedAt: t0})

	const step = 65_000_000
	ok(t, "AdvanceTOTPStep(pat)", s.AdvanceTOTPStep(ctx, w.ID, pat.ID, step))
	ok(t, "AdvanceTOTPStep(admin)", s.AdvanceTOTPStep(ctx, w.ID, admin.ID, step+7))
	patCodes := replaceCodes(t, s, pat, 4)
	adminCodes := replaceCodes(t, s, admin, 2)

	var events []latchkey.Event
	events = append(events,
		newEvent(t, s, admin, latchkey.EventWorkspaceCreate, t0),
		newEvent(t, s, pat, latchkey.EventSignIn, t0.Add(time.Second)),
		newEvent(t, s, pat, latchkey.EventRecoveryCodeUsed, t0.Add(time.Second)), // same microsecond
		newEvent(t, s, admin, latchkey.EventWorkspacePolicy, t0.Add(2*time.Second+time.Microsecond)),
	)
	unknown := latchkey.Event{ID: latchkey.NewID(), WorkspaceID: w.ID, Type: latchkey.EventUnknownEmail,
		Email: "who@acme.test", ClientAddr: "198.51.100.1", Detail: "typed", Time: t0.Add(3 * time.Second)}
	ok(t, "RecordEvent(no account)", s.RecordEvent(ctx, unknown))
	events = append(events, unknown)

	patKey := newPasskey(t, s, pat, "Pat's key")
	ok(t, "UsePasskey", s.UsePasskey(ctx, w.ID, patKey.ID, 9, true, t0.Add(time.Minute)))
	patKey.SignCount, patKey.BackupState, patKey.LastUsedAt = 9, true, t0.Add(time.Minute)
	_, err := s.SeeDevice(ctx, w.ID, pat.ID, "pat-laptop", t0)
	ok(t, "SeeDevice", err)
	_, err = s.SeeDevice(ctx, w.ID, pat.ID, "pat-laptop", t0.Add(time.Hour))
	ok(t, "SeeDevice(again)", err)
	ok(t, "SetNewDeviceAlerts(pat off)", s.SetNewDeviceAlerts(ctx, w.ID, pat.ID, false, t0))
	ok(t, "SetNewDeviceAlerts(admin on)", s.SetNewDeviceAlerts(ctx, w.ID, admin.ID, true, t0))
	newCeremony(t, s, w.ID, pat.ID, latchkey.CeremonySecondFactor, t0.Add(latchkey.CeremonyTTL))

	sess := newSession(t, s, pat, t0)
	newToken(t, s, pat, latchkey.PurposeReset, t0.Add(time.Hour))
	newChallenge(t, s, pat, t0.Add(5*time.Minute))

	other, otherAdmin := newWorkspace(t, s, "other")
	newEvent(t, s, otherAdmin, latchkey.EventSignIn, t0)
	replaceCodes(t, s, otherAdmin, 2)
	otherPat := newAccount(t, s, other.ID, "pat@acme.test")
	newPasskey(t, s, otherPat, "Other key")
	_, err = s.SeeDevice(ctx, other.ID, otherPat.ID, "pat-laptop", t0)
	ok(t, "SeeDevice(other)", err)
	ok(t, "SetNewDeviceAlerts(other off)", s.SetNewDeviceAlerts(ctx, other.ID, otherPat.ID, false, t0))

	hw, sw, rs, cs := buildInventory(t, s, w, admin, pat)
	newHardware(t, s, other.ID, "LT-OTHER")

	listed, err := s.Events(ctx, w.ID, latchkey.EventFilter{Limit: 1000})
	ok(t, "Events", err)
	return movedWorkspace{
		want: latchkey.WorkspaceExport{
			Workspace:     w,
			Accounts:      []latchkey.Account{admin, pat, invited},
			TOTPSteps:     map[string]int64{pat.ID: step, admin.ID: step + 7},
			RecoveryCodes: map[string][]latchkey.RecoveryCode{pat.ID: patCodes, admin.ID: adminCodes},
			Events:        events,
			Passkeys:      []latchkey.Passkey{patKey},
			Devices: []latchkey.Device{{WorkspaceID: w.ID, AccountID: pat.ID, DeviceHash: "pat-laptop",
				FirstSeen: t0, LastSeen: t0.Add(time.Hour)}},
			AlertsOff: []string{pat.ID},

			Hardware:        hw,
			Software:        sw,
			Requests:        rs,
			RequestComments: cs,
		},
		pat:      pat,
		session:  sess,
		events:   listed,
		patCodes: patCodes,
	}
}

// rehome returns a deep copy of x moved to workspace id with this slug, with new IDs for its
// events and recovery codes, so that only what the caller keeps can clash with x.
func rehome(x latchkey.WorkspaceExport, id, slug string) latchkey.WorkspaceExport {
	y := x
	y.Workspace.ID, y.Workspace.Slug = id, slug
	y.Accounts = slices.Clone(x.Accounts)
	for i := range y.Accounts {
		y.Accounts[i].WorkspaceID = id
	}
	y.TOTPSteps = maps.Clone(x.TOTPSteps)
	y.RecoveryCodes = map[string][]latchkey.RecoveryCode{}
	for account, codes := range x.RecoveryCodes {
		codes = slices.Clone(codes)
		for i := range codes {
			codes[i].ID = latchkey.NewID()
		}
		y.RecoveryCodes[account] = codes
	}
	y.Events = slices.Clone(x.Events)
	for i := range y.Events {
		y.Events[i].WorkspaceID, y.Events[i].ID = id, latchkey.NewID()
	}
	y.Passkeys = slices.Clone(x.Passkeys)
	for i := range y.Passkeys {
		y.Passkeys[i].WorkspaceID, y.Passkeys[i].ID = id, latchkey.NewID()
	}
	y.Devices = slices.Clone(x.Devices)
	for i := range y.Devices {
		y.Devices[i].WorkspaceID = id
	}
	y.AlertsOff = slices.Clone(x.AlertsOff)
	y.Connections = slices.Clone(x.Connections)
	for i := range y.Connections {
		y.Connections[i].WorkspaceID = id
	}
	y.Domains = slices.Clone(x.Domains)
	y.IdentityLinks = slices.Clone(x.IdentityLinks)
	for i := range y.IdentityLinks {
		y.IdentityLinks[i].WorkspaceID = id
	}
	y.Hardware = slices.Clone(x.Hardware)
	for i := range y.Hardware {
		y.Hardware[i].WorkspaceID = id
	}
	y.Software = slices.Clone(x.Software)
	for i := range y.Software {
		y.Software[i].WorkspaceID = id
	}
	y.Requests = slices.Clone(x.Requests)
	for i := range y.Requests {
		y.Requests[i].WorkspaceID = id
	}
	y.RequestComments = slices.Clone(x.RequestComments)
	for i := range y.RequestComments {
		y.RequestComments[i].WorkspaceID, y.RequestComments[i].ID = id, latchkey.NewID()
	}
	y.SCIMTokens = slices.Clone(x.SCIMTokens)
	for i := range y.SCIMTokens {
		_, hash := latchkey.NewSecret() // a token hash is unique in the whole store
		y.SCIMTokens[i].WorkspaceID, y.SCIMTokens[i].ID, y.SCIMTokens[i].Hash = id, latchkey.NewID(), hash
	}
	y.APITokens = slices.Clone(x.APITokens)
	for i := range y.APITokens {
		_, hash := latchkey.NewSecret() // a token hash is unique in the whole store
		y.APITokens[i].WorkspaceID, y.APITokens[i].ID, y.APITokens[i].Hash = id, latchkey.NewID(), hash
	}
	y.SCIMProfiles = slices.Clone(x.SCIMProfiles)
	for i := range y.SCIMProfiles {
		y.SCIMProfiles[i].WorkspaceID = id
	}
	y.SCIMGroups = slices.Clone(x.SCIMGroups)
	for i := range y.SCIMGroups {
		y.SCIMGroups[i].WorkspaceID, y.SCIMGroups[i].Members = id, slices.Clone(x.SCIMGroups[i].Members)
	}
	return y
}

// checkNotImported fails the test unless the store has no workspace with this ID or slug and
// none of accounts in it.
func checkNotImported(t *testing.T, s latchkey.Store, id, slug string, accounts []latchkey.Account) {
	t.Helper()
	ctx := t.Context()
	_, err := s.Workspace(ctx, id)
	if slug != "" {
		_, slugErr := s.WorkspaceBySlug(ctx, slug)
		err = errors.Join(err, slugErr)
	}
	if !errors.Is(err, latchkey.ErrNotFound) {
		t.Errorf("the refused import left its workspace behind (err=%v)", err)
	}
	for _, a := range accounts {
		_, err := s.Account(ctx, id, a.ID)
		wantErr(t, "Account(of the refused import)", err, latchkey.ErrNotFound)
	}
	events, err := s.Events(ctx, id, latchkey.EventFilter{})
	ok(t, "Events(of the refused import)", err)
	if len(events) != 0 {
		t.Errorf("the refused import left %d events behind", len(events))
	}
}

var exportTests = []storesTest{
	{"RoundTripIntoAnotherStore", func(t *testing.T, open func(t *testing.T) latchkey.Store) {
		ctx := t.Context()
		src := open(t)
		b := buildWorkspace(t, src)
		x, err := src.ExportWorkspace(ctx, "acme")
		ok(t, "ExportWorkspace", err)
		want := b.want
		want.Version = x.Version
		sameExport(t, "ExportWorkspace", want, x)

		dst := importCopy(t, open, x)

		// The copy behaves as the original.
		w := b.want.Workspace
		gotW, err := dst.WorkspaceBySlug(ctx, "acme")
		ok(t, "WorkspaceBySlug(copy)", err)
		same(t, "WorkspaceBySlug(copy)", w, gotW)
		gotPat, err := dst.AccountByEmail(ctx, w.ID, "PAT@acme.test")
		ok(t, "AccountByEmail(copy)", err)
		same(t, "AccountByEmail(copy)", b.pat, gotPat)
		events, err := dst.Events(ctx, w.ID, latchkey.EventFilter{Limit: 1000})
		ok(t, "Events(copy)", err)
		same(t, "Events(copy), in order", b.events, events)
		codes, err := dst.RecoveryCodes(ctx, w.ID, b.pat.ID)
		ok(t, "RecoveryCodes(copy)", err)
		same(t, "RecoveryCodes(copy)", b.patCodes, codes)
		n, err := dst.ConsumeRecoveryCode(ctx, w.ID, b.pat.ID, b.patCodes[0].ID)
		ok(t, "ConsumeRecoveryCode(copy)", err)
		if n != len(b.patCodes)-1 {
			t.Errorf("ConsumeRecoveryCode(copy): %d remaining, want %d", n, len(b.patCodes)-1)
		}
		step := b.want.TOTPSteps[b.pat.ID]
		wantErr(t, "AdvanceTOTPStep(copy, the last accepted step)", dst.AdvanceTOTPStep(ctx, w.ID, b.pat.ID, step), latchkey.ErrConflict)
		ok(t, "AdvanceTOTPStep(copy, the next step)", dst.AdvanceTOTPStep(ctx, w.ID, b.pat.ID, step+1))
		_, _, err = dst.Session(ctx, w.ID, b.session.ID)
		wantErr(t, "Session(copy): sessions are not moved", err, latchkey.ErrNotFound)
		comments, err := dst.Comments(ctx, w.ID, b.want.Requests[0].ID)
		ok(t, "Comments(copy)", err)
		same(t, "Comments(copy), in order", b.want.RequestComments, comments)
		sw := b.want.Software[0]
		gotSW, err := dst.Software(ctx, w.ID, sw.ID)
		ok(t, "Software(copy)", err)
		same(t, "Software(copy), with its seats and sealed key", sw, gotSW)
		wantErr(t, "UpdateSoftware(copy, fewer seats than held)", dst.UpdateSoftware(ctx, w.ID, sw.ID, func(s *latchkey.Software) error {
			s.Seats = 0
			return nil
		}), latchkey.ErrSeatsInUse)
		all, err := dst.Workspaces(ctx)
		ok(t, "Workspaces(copy)", err)
		same(t, "Workspaces(copy): only the imported one", []latchkey.Workspace{w}, all)
	}},
	{"ImportTakenSlugOrIDIsConflictAndWritesNothing", func(t *testing.T, open func(t *testing.T) latchkey.Store) {
		ctx := t.Context()
		s := open(t)
		b := buildWorkspace(t, s)
		x, err := s.ExportWorkspace(ctx, "acme")
		ok(t, "ExportWorkspace", err)
		before, err := s.Workspaces(ctx)
		ok(t, "Workspaces", err)

		sameSlug := rehome(x, latchkey.NewID(), "acme")
		wantErr(t, "ImportWorkspace(taken slug)", s.ImportWorkspace(ctx, sameSlug), latchkey.ErrConflict)
		checkNotImported(t, s, sameSlug.Workspace.ID, "", sameSlug.Accounts)

		sameID := rehome(x, x.Workspace.ID, "acme-copy")
		wantErr(t, "ImportWorkspace(taken ID)", s.ImportWorkspace(ctx, sameID), latchkey.ErrConflict)
		_, err = s.WorkspaceBySlug(ctx, "acme-copy")
		wantErr(t, "WorkspaceBySlug(of the refused import)", err, latchkey.ErrNotFound)

		after, err := s.Workspaces(ctx)
		ok(t, "Workspaces", err)
		same(t, "Workspaces after refused imports", before, after)
		again, err := s.ExportWorkspace(ctx, "acme")
		ok(t, "ExportWorkspace(after refused imports)", err)
		sameExport(t, "ExportWorkspace(after refused imports)", x, again)
		events, err := s.Events(ctx, x.Workspace.ID, latchkey.EventFilter{Limit: 1000})
		ok(t, "Events", err)
		same(t, "Events after refused imports", b.events, events)
	}},
	{"ImportIsAllOrNothing", func(t *testing.T, open func(t *testing.T) latchkey.Store) {
		ctx := t.Context()
		src := open(t)
		buildWorkspace(t, src)
		x, err := src.ExportWorkspace(ctx, "acme")
		ok(t, "ExportWorkspace", err)

		// The destination already has an event with the ID of the export's newest: the
		// import can only fail at its very end.
		dst := open(t)
		_, admin := newWorkspace(t, dst, "bravo")
		newest := slices.MaxFunc(x.Events, func(a, b latchkey.Event) int { return a.Time.Compare(b.Time) })
		clash := newest
		clash.WorkspaceID, clash.AccountID = admin.WorkspaceID, admin.ID
		ok(t, "RecordEvent(with the ID of an exported event)", dst.RecordEvent(ctx, clash))

		if err := dst.ImportWorkspace(ctx, x); err == nil {
			t.Fatal("ImportWorkspace succeeded although one of its event IDs is taken")
		}
		checkNotImported(t, dst, x.Workspace.ID, "acme", x.Accounts)
		for _, a := range x.Accounts {
			codes, err := dst.RecoveryCodes(ctx, x.Workspace.ID, a.ID)
			ok(t, "RecoveryCodes(of the refused import)", err)
			if len(codes) != 0 {
				t.Errorf("the refused import left %d recovery codes of %s behind", len(codes), a.Email)
			}
		}
	}},
	{"ExportUnknownIsNotFound", func(t *testing.T, open func(t *testing.T) latchkey.Store) {
		s := open(t)
		newWorkspace(t, s, "acme")
		for _, slug := range []string{"nowhere", "ACME", ""} {
			_, err := s.ExportWorkspace(t.Context(), slug)
			wantErr(t, fmt.Sprintf("ExportWorkspace(%q)", slug), err, latchkey.ErrNotFound)
		}
	}},
}
