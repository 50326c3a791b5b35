package inventory

import (
	"context"

	"github.com/latchkey/latchkey"
)

// MemberDashboard is what the personal dashboard shows: the actor's own hardware, software
// and most recent requests. Empty lists are the empty states.
type MemberDashboard struct {
	Hardware []latchkey.Hardware
	Software []SoftwareItem
	Requests []latchkey.Request
}

// DashboardRequests is how many recent requests MemberDashboard holds.
const DashboardRequests = 10

// MemberDashboard returns the actor's own items and requests, whatever their role.
func (s *Service) MemberDashboard(ctx context.Context, a Actor) (MemberDashboard, error) {
	if err := a.check(); err != nil {
		return MemberDashboard{}, err
	}
	own := a
	own.Role = latchkey.RoleMember // an administrator's own dashboard shows their own things too
	var d MemberDashboard
	var err error
	if d.Hardware, err = s.ListHardware(ctx, own, latchkey.HardwareFilter{}); err != nil {
		return MemberDashboard{}, err
	}
	if d.Software, err = s.ListSoftware(ctx, own, latchkey.SoftwareFilter{}); err != nil {
		return MemberDashboard{}, err
	}
	if d.Requests, err = s.ListRequests(ctx, own, latchkey.RequestFilter{Page: latchkey.Page{Limit: DashboardRequests}}); err != nil {
		return MemberDashboard{}, err
	}
	return d, nil
}

// AdminSummary holds the counts the admin dashboard shows, each of which links to its list.
type AdminSummary struct {
	OpenRequests int // open or in progress
	Requests     map[latchkey.RequestStatus]int
	Hardware     map[latchkey.HardwareStatus]int
	SeatsTotal   int
	SeatsUsed    int
}

// AdminSummary returns the workspace's counts. Only administrators may.
func (s *Service) AdminSummary(ctx context.Context, a Actor) (AdminSummary, error) {
	if err := a.checkAdmin(); err != nil {
		return AdminSummary{}, err
	}
	var sum AdminSummary
	var err error
	if sum.Requests, err = s.d.Requests.CountRequests(ctx, a.WorkspaceID); err != nil {
		return AdminSummary{}, wrap("count requests", err)
	}
	sum.OpenRequests = sum.Requests[latchkey.RequestOpen] + sum.Requests[latchkey.RequestInProgress]
	if sum.Hardware, err = s.d.Hardware.CountHardware(ctx, a.WorkspaceID); err != nil {
		return AdminSummary{}, wrap("count hardware", err)
	}
	if sum.SeatsTotal, sum.SeatsUsed, err = s.d.Software.CountSeats(ctx, a.WorkspaceID); err != nil {
		return AdminSummary{}, wrap("count seats", err)
	}
	return sum, nil
}
