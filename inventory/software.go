package inventory

import (
	"context"
	"strings"

	"github.com/latchkey/latchkey"
)

// SoftwareItem is software as an actor may see it. Its LicenceKey is always "" (HasKey says
// whether one is stored: RevealLicenceKey shows it), and a member sees only themselves among
// the Assignees; SeatsUsed counts them all.
type SoftwareItem struct {
	latchkey.Software
	HasKey    bool
	SeatsUsed int
}

func (a Actor) view(sw latchkey.Software) SoftwareItem {
	item := SoftwareItem{Software: sw, HasKey: sw.LicenceKey != "", SeatsUsed: len(sw.Assignees)}
	item.LicenceKey = ""
	if !a.Admin() {
		item.Assignees = nil
		if holds(sw, a.AccountID) {
			item.Assignees = []string{a.AccountID}
		}
	}
	return item
}

func holds(sw latchkey.Software, accountID string) bool {
	for _, id := range sw.Assignees {
		if id == accountID {
			return true
		}
	}
	return false
}

// SoftwareInput is what an administrator types about software. On an update an empty
// LicenceKey keeps the stored key, and ClearKey removes it.
type SoftwareInput struct {
	Name       string
	Vendor     string
	LicenceKey string // plain text; sealed before it is stored
	ClearKey   bool
	Seats      int
}

func (s *Service) applySoftware(in SoftwareInput, sw *latchkey.Software) error {
	sw.Name = strings.TrimSpace(in.Name)
	sw.Vendor = strings.TrimSpace(in.Vendor)
	sw.Seats = in.Seats
	if err := latchkey.ValidateSoftware(*sw); err != nil {
		return err
	}
	key := strings.TrimSpace(in.LicenceKey)
	if err := latchkey.ValidateLicenceKey(key); err != nil {
		return err
	}
	switch {
	case in.ClearKey:
		sw.LicenceKey = ""
	case key != "":
		sealed, err := s.d.Keys.Seal([]byte(key), latchkey.SoftwareKeyAAD(sw.WorkspaceID, sw.ID))
		if err != nil {
			return wrap("seal licence key", err)
		}
		sw.LicenceKey = sealed
	}
	return nil
}

// AddSoftware stores new software with no seat taken. Only administrators may. Returns an
// *Error with CodeInvalid for a field that is not acceptable.
func (s *Service) AddSoftware(ctx context.Context, a Actor, in SoftwareInput) (SoftwareItem, error) {
	if err := a.checkAdmin(); err != nil {
		return SoftwareItem{}, err
	}
	now := s.now()
	sw := latchkey.Software{ID: latchkey.NewID(), WorkspaceID: a.WorkspaceID, CreatedAt: now, UpdatedAt: now}
	if err := s.applySoftware(in, &sw); err != nil {
		return SoftwareItem{}, err
	}
	if err := s.d.Software.CreateSoftware(ctx, sw); err != nil {
		return SoftwareItem{}, wrap("add software", err)
	}
	s.audit(ctx, a, latchkey.EventSoftwareCreate, latchkey.Account{}, softwareDetail(sw))
	return a.view(sw), nil
}

func softwareDetail(sw latchkey.Software) string { return sw.Name + " (" + sw.ID + ")" }

// UpdateSoftware changes the software's name, vendor, seats and licence key. Only
// administrators may. Returns ErrNotFound for software of another workspace, ErrSeatsInUse
// if fewer seats than are taken, and CodeInvalid for a field that is not acceptable.
func (s *Service) UpdateSoftware(ctx context.Context, a Actor, id string, in SoftwareInput) (SoftwareItem, error) {
	if err := a.checkAdmin(); err != nil {
		return SoftwareItem{}, err
	}
	var after latchkey.Software
	var keyChanged bool
	now := s.now()
	err := s.d.Software.UpdateSoftware(ctx, a.WorkspaceID, id, func(sw *latchkey.Software) error {
		before := sw.LicenceKey
		if err := s.applySoftware(in, sw); err != nil {
			return err
		}
		keyChanged = sw.LicenceKey != before
		sw.UpdatedAt = now
		after = *sw
		return nil
	})
	if err != nil {
		return SoftwareItem{}, wrap("update software", err)
	}
	detail := softwareDetail(after)
	if keyChanged {
		detail += ": licence key changed"
	}
	s.audit(ctx, a, latchkey.EventSoftwareUpdate, latchkey.Account{}, detail)
	return a.view(after), nil
}

// AssignSeat gives the member with this account ID a seat of the software. Only administrators
// may. Returns ErrNoSeats if every seat is taken, ErrNotFound for software of another workspace,
// CodeInvalid with MsgAssigneeUnknown for an account not in the workspace. A member who holds a
// seat keeps it, and nothing is audited.
func (s *Service) AssignSeat(ctx context.Context, a Actor, id, accountID string) (SoftwareItem, error) {
	if err := a.checkAdmin(); err != nil {
		return SoftwareItem{}, err
	}
	m, err := s.member(ctx, a, accountID, "assignee")
	if err != nil {
		return SoftwareItem{}, err
	}
	sw, err := s.d.Software.Software(ctx, a.WorkspaceID, id)
	if err != nil {
		return SoftwareItem{}, wrap("assign seat", err)
	}
	if holds(sw, m.ID) {
		return a.view(sw), nil
	}
	if err := s.d.Software.AssignSeat(ctx, a.WorkspaceID, id, m.ID, s.now()); err != nil {
		return SoftwareItem{}, wrap("assign seat", err)
	}
	s.audit(ctx, a, latchkey.EventSoftwareAssign, m, softwareDetail(sw))
	return s.Software(ctx, a, id)
}

// UnassignSeat frees the seat the member holds. Only administrators may. Returns ErrNotFound if
// the member holds no seat of this software of the workspace.
func (s *Service) UnassignSeat(ctx context.Context, a Actor, id, accountID string) (SoftwareItem, error) {
	if err := a.checkAdmin(); err != nil {
		return SoftwareItem{}, err
	}
	sw, err := s.d.Software.Software(ctx, a.WorkspaceID, id)
	if err != nil {
		return SoftwareItem{}, wrap("unassign seat", err)
	}
	if err := s.d.Software.UnassignSeat(ctx, a.WorkspaceID, id, accountID); err != nil {
		return SoftwareItem{}, wrap("unassign seat", err)
	}
	s.audit(ctx, a, latchkey.EventSoftwareUnassign, s.account(ctx, a.WorkspaceID, accountID), softwareDetail(sw))
	return s.Software(ctx, a, id)
}

// Software returns software: to an administrator any of the workspace, to a member only
// software they hold a seat of. Returns ErrNotFound otherwise.
func (s *Service) Software(ctx context.Context, a Actor, id string) (SoftwareItem, error) {
	sw, err := s.software(ctx, a, id)
	if err != nil {
		return SoftwareItem{}, err
	}
	return a.view(sw), nil
}

func (s *Service) software(ctx context.Context, a Actor, id string) (latchkey.Software, error) {
	if err := a.check(); err != nil {
		return latchkey.Software{}, err
	}
	sw, err := s.d.Software.Software(ctx, a.WorkspaceID, id)
	if err != nil {
		return latchkey.Software{}, wrap("read software", err)
	}
	if !a.Admin() && !holds(sw, a.AccountID) {
		return latchkey.Software{}, wrap("read software", latchkey.ErrNotFound)
	}
	return sw, nil
}

// ListSoftware lists the software matching f: for an administrator that of the workspace, for
// a member only what they hold a seat of, whatever f.Assignee says.
func (s *Service) ListSoftware(ctx context.Context, a Actor, f latchkey.SoftwareFilter) ([]SoftwareItem, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if !a.Admin() {
		f.Assignee = a.AccountID
	}
	sws, err := s.d.Software.ListSoftware(ctx, a.WorkspaceID, f)
	if err != nil {
		return nil, wrap("list software", err)
	}
	items := make([]SoftwareItem, len(sws))
	for i, sw := range sws {
		items[i] = a.view(sw)
	}
	return items, nil
}

// RevealLicenceKey returns the software's licence key in plain text, to an administrator or to
// a member holding a seat, and records who saw it (software.key_reveal). Returns ErrNotFound to
// anyone else, and an *Error with CodeNotFound and MsgNoLicenceKey if none is stored.
func (s *Service) RevealLicenceKey(ctx context.Context, a Actor, id string) (string, error) {
	sw, err := s.software(ctx, a, id)
	if err != nil {
		return "", err
	}
	if sw.LicenceKey == "" {
		return "", latchkey.NewError(latchkey.CodeNotFound, "", latchkey.MsgNoLicenceKey)
	}
	key, err := s.d.Keys.Open(sw.LicenceKey, latchkey.SoftwareKeyAAD(sw.WorkspaceID, sw.ID))
	if err != nil {
		return "", wrap("open licence key", err)
	}
	s.audit(ctx, a, latchkey.EventLicenceReveal, latchkey.Account{ID: a.AccountID, Email: a.Email}, softwareDetail(sw))
	return string(key), nil
}
