package main

import (
	"context"
	"fmt"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// ensureDemoInventory gives the demo workspace a few items and a request the first time, so
// that a newcomer sees full dashboards: a laptop and a monitor assigned to the member, a phone
// in stock, two licensed programs with a seat for the member, and an open request with a reply.
// It goes through the inventory service, so the demo's audit log shows it too.
func (m *Main) ensureDemoInventory(ctx context.Context, ws latchkey.Workspace, d demo) error {
	existing, err := m.Store.ListHardware(ctx, ws.ID, latchkey.HardwareFilter{Page: latchkey.Page{Limit: 1}})
	if err != nil || len(existing) > 0 {
		return err
	}
	svc, err := inventory.New(inventory.Config{
		Hardware: m.Store, Software: m.Store, Requests: m.Store, Accounts: m.Store, Workspaces: m.Store,
		Audit: m.Store, Mail: m.Queue, Keys: m.Keys, WorkspaceURL: m.Service.WorkspaceURL, Now: m.Service.Now, Log: m.Log,
	})
	if err != nil {
		return err
	}
	adminAcc, err := m.Store.AccountByEmail(ctx, ws.ID, d.AdminEmail)
	if err != nil {
		return err
	}
	memberAcc, err := m.Store.AccountByEmail(ctx, ws.ID, d.MemberEmail)
	if err != nil {
		return err
	}
	admin, member := inventory.ActorOf(adminAcc), inventory.ActorOf(memberAcc)
	hardware := []struct {
		in     inventory.HardwareInput
		assign bool
	}{
		{inventory.HardwareInput{Name: "MacBook Pro 14\"", AssetTag: "LT-0001", Type: "laptop", Serial: "C02FX1ABCD12", Notes: "16 GB, with charger"}, true},
		{inventory.HardwareInput{Name: "Dell UltraSharp 27", AssetTag: "MN-0001", Type: "monitor", Serial: "CN-0ABC12"}, true},
		{inventory.HardwareInput{Name: "Pixel 8", AssetTag: "PH-0001", Type: "phone", Serial: "35-209900-176148-1"}, false},
	}
	for _, h := range hardware {
		item, err := svc.AddHardware(ctx, admin, h.in)
		if err != nil {
			return fmt.Errorf("add %s: %w", h.in.AssetTag, err)
		}
		if h.assign {
			if _, err := svc.AssignHardware(ctx, admin, item.ID, member.AccountID); err != nil {
				return fmt.Errorf("assign %s: %w", h.in.AssetTag, err)
			}
		}
	}
	for _, sw := range []inventory.SoftwareInput{
		{Name: "Figma Professional", Vendor: "Figma", LicenceKey: "FIGMA-DEMO-7K2Q-9XWD", Seats: 5},
		{Name: "Slack Pro", Vendor: "Salesforce", Seats: 50},
	} {
		item, err := svc.AddSoftware(ctx, admin, sw)
		if err != nil {
			return fmt.Errorf("add %s: %w", sw.Name, err)
		}
		if _, err := svc.AssignSeat(ctx, admin, item.ID, member.AccountID); err != nil {
			return fmt.Errorf("assign %s: %w", sw.Name, err)
		}
	}
	r, err := svc.OpenRequest(ctx, member, inventory.RequestInput{
		Title: "Noise-cancelling headphones", Category: "hardware",
		Description: "The open office is loud on Tuesdays. Could I have a pair of headphones?",
	})
	if err != nil {
		return fmt.Errorf("open request: %w", err)
	}
	if _, err := svc.Comment(ctx, admin, r.ID, "We have two pairs in the cupboard: I will bring one over on Monday."); err != nil {
		return fmt.Errorf("comment: %w", err)
	}
	return nil
}
