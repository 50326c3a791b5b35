package inventory

import (
	"context"
	"errors"
	"strings"

	"github.com/latchkey/latchkey"
)

// HardwareInput is what an administrator types about an item: everything but its status and
// assignee, which AssignHardware, UnassignHardware and SetHardwareStatus change.
type HardwareInput struct {
	Name     string
	AssetTag string
	Type     string // a latchkey.HardwareType
	Serial   string
	Notes    string
}

func (in HardwareInput) apply(h *latchkey.Hardware) error {
	typ, err := latchkey.ParseHardwareType(in.Type)
	if err != nil {
		return err
	}
	h.Name = strings.TrimSpace(in.Name)
	h.AssetTag = strings.TrimSpace(in.AssetTag)
	h.Type = typ
	h.Serial = strings.TrimSpace(in.Serial)
	h.Notes = strings.TrimSpace(in.Notes)
	return latchkey.ValidateHardware(*h)
}

// assetTagTaken turns the store's ErrConflict (the only uniqueness rule of hardware is the
// asset tag) into a message on the asset tag field. err must come from the store itself, not
// from a change function, whose refusals have codes of their own.
func assetTagTaken(err error) error {
	if errors.Is(err, latchkey.ErrConflict) {
		return latchkey.NewError(latchkey.CodeConflict, "asset_tag", latchkey.MsgAssetTagTaken)
	}
	return err
}

// AddHardware stores a new item, in stock. Only administrators may. Returns an *Error with
// CodeInvalid for a field that is not acceptable, CodeConflict (on asset_tag) if the tag is
// taken.
func (s *Service) AddHardware(ctx context.Context, a Actor, in HardwareInput) (latchkey.Hardware, error) {
	if err := a.checkAdmin(); err != nil {
		return latchkey.Hardware{}, err
	}
	now := s.now()
	h := latchkey.Hardware{ID: latchkey.NewID(), WorkspaceID: a.WorkspaceID, Status: latchkey.HardwareInStock, CreatedAt: now, UpdatedAt: now}
	if err := in.apply(&h); err != nil {
		return latchkey.Hardware{}, err
	}
	if err := s.d.Hardware.CreateHardware(ctx, h); err != nil {
		return latchkey.Hardware{}, wrap("add hardware", assetTagTaken(err))
	}
	s.audit(ctx, a, latchkey.EventHardwareCreate, latchkey.Account{}, hardwareDetail(h))
	return h, nil
}

func hardwareDetail(h latchkey.Hardware) string { return h.AssetTag + " " + h.Name + " (" + h.ID + ")" }

// UpdateHardware changes an item's name, tag, type, serial and notes. Only administrators may.
// Returns ErrNotFound for an item of another workspace, and the errors of AddHardware.
func (s *Service) UpdateHardware(ctx context.Context, a Actor, id string, in HardwareInput) (latchkey.Hardware, error) {
	return s.changeHardware(ctx, a, id, latchkey.EventHardwareUpdate, func(h *latchkey.Hardware) (latchkey.Account, error) {
		return latchkey.Account{}, in.apply(h)
	})
}

// AssignHardware assigns an item to the member with this account ID and marks it assigned,
// taking it from whoever had it. Only administrators may. A retired item is refused (CodeConflict,
// MsgItemRetired); an account not in the workspace is CodeInvalid with MsgAssigneeUnknown.
func (s *Service) AssignHardware(ctx context.Context, a Actor, id, accountID string) (latchkey.Hardware, error) {
	if err := a.checkAdmin(); err != nil {
		return latchkey.Hardware{}, err
	}
	m, err := s.member(ctx, a, accountID, "assigned_to")
	if err != nil {
		return latchkey.Hardware{}, err
	}
	return s.changeHardware(ctx, a, id, latchkey.EventHardwareAssign, func(h *latchkey.Hardware) (latchkey.Account, error) {
		if h.Status == latchkey.HardwareRetired {
			return m, latchkey.NewError(latchkey.CodeConflict, "status", latchkey.MsgItemRetired)
		}
		h.Status, h.AssignedTo = latchkey.HardwareAssigned, m.ID
		return m, nil
	})
}

// UnassignHardware takes an item back from its member and puts it in stock (an item in repair
// or retired goes back in stock too). Only administrators may.
func (s *Service) UnassignHardware(ctx context.Context, a Actor, id string) (latchkey.Hardware, error) {
	return s.SetHardwareStatus(ctx, a, id, latchkey.HardwareInStock)
}

// SetHardwareStatus moves an item to in stock, in repair or retired, taking it from its member
// if it had one. Only administrators may. Assigned is refused (CodeInvalid with
// MsgAssigneeRequired): AssignHardware names the member.
func (s *Service) SetHardwareStatus(ctx context.Context, a Actor, id string, status latchkey.HardwareStatus) (latchkey.Hardware, error) {
	if _, err := latchkey.ParseHardwareStatus(string(status)); err != nil {
		return latchkey.Hardware{}, err
	}
	if status == latchkey.HardwareAssigned {
		return latchkey.Hardware{}, latchkey.NewError(latchkey.CodeInvalid, "assigned_to", latchkey.MsgAssigneeRequired)
	}
	var from string
	h, err := s.changeHardware(ctx, a, id, latchkey.EventHardwareStatus, func(h *latchkey.Hardware) (latchkey.Account, error) {
		from = h.AssignedTo
		h.Status, h.AssignedTo = status, ""
		return latchkey.Account{ID: from}, nil
	})
	if err == nil && from != "" {
		s.audit(ctx, a, latchkey.EventHardwareUnassign, s.account(ctx, a.WorkspaceID, from), hardwareDetail(h))
	}
	return h, err
}

// changeHardware runs change on the item as an administrator and audits it as t, about the
// account change returns.
func (s *Service) changeHardware(ctx context.Context, a Actor, id string, t latchkey.EventType, change func(*latchkey.Hardware) (latchkey.Account, error)) (latchkey.Hardware, error) {
	if err := a.checkAdmin(); err != nil {
		return latchkey.Hardware{}, err
	}
	var after latchkey.Hardware
	var subject latchkey.Account
	now := s.now()
	var refused error // change's own refusal, not the store's
	err := s.d.Hardware.UpdateHardware(ctx, a.WorkspaceID, id, func(h *latchkey.Hardware) error {
		if subject, refused = change(h); refused != nil {
			return refused
		}
		h.UpdatedAt = now
		after = *h
		return nil
	})
	switch {
	case refused != nil:
		return latchkey.Hardware{}, wrap("update hardware", refused)
	case err != nil:
		return latchkey.Hardware{}, wrap("update hardware", assetTagTaken(err))
	}
	detail := hardwareDetail(after)
	if t == latchkey.EventHardwareStatus {
		detail += ": " + after.Status.Label()
		subject = latchkey.Account{}
	}
	s.audit(ctx, a, t, subject, detail)
	return after, nil
}

// Hardware returns an item: to an administrator any item of the workspace, to a member only an
// item assigned to them. Returns ErrNotFound otherwise.
func (s *Service) Hardware(ctx context.Context, a Actor, id string) (latchkey.Hardware, error) {
	if err := a.check(); err != nil {
		return latchkey.Hardware{}, err
	}
	h, err := s.d.Hardware.Hardware(ctx, a.WorkspaceID, id)
	if err != nil {
		return latchkey.Hardware{}, wrap("read hardware", err)
	}
	if !a.Admin() && h.AssignedTo != a.AccountID {
		return latchkey.Hardware{}, wrap("read hardware", latchkey.ErrNotFound)
	}
	return h, nil
}

// ListHardware lists the items matching f: for an administrator those of the workspace, for a
// member only those assigned to them, whatever f.AssignedTo says.
func (s *Service) ListHardware(ctx context.Context, a Actor, f latchkey.HardwareFilter) ([]latchkey.Hardware, error) {
	if err := a.check(); err != nil {
		return nil, err
	}
	if !a.Admin() {
		f.AssignedTo = a.AccountID
	}
	hs, err := s.d.Hardware.ListHardware(ctx, a.WorkspaceID, f)
	return hs, wrap("list hardware", err)
}
