package latchkey_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/latchkey/latchkey"
)

func TestValidateHardware(t *testing.T) {
	good := latchkey.Hardware{Name: "ThinkPad", AssetTag: "LT-1", Type: latchkey.HardwareLaptop, Status: latchkey.HardwareInStock}
	tests := []struct {
		name        string
		change      func(*latchkey.Hardware)
		field, want string
	}{
		{"good", func(*latchkey.Hardware) {}, "", ""},
		{"assigned with member", func(h *latchkey.Hardware) { h.Status, h.AssignedTo = latchkey.HardwareAssigned, "a1" }, "", ""},
		{"no name", func(h *latchkey.Hardware) { h.Name = " " }, "name", latchkey.MsgNameRequired},
		{"long name", func(h *latchkey.Hardware) { h.Name = strings.Repeat("é", 201) }, "name", latchkey.MsgItemNameTooLong},
		{"name of 200 letters", func(h *latchkey.Hardware) { h.Name = strings.Repeat("é", 200) }, "", ""},
		{"no tag", func(h *latchkey.Hardware) { h.AssetTag = "" }, "asset_tag", latchkey.MsgAssetTagRequired},
		{"tag with a line break", func(h *latchkey.Hardware) { h.AssetTag = "A\nB" }, "asset_tag", latchkey.MsgAssetTagInvalid},
		{"long serial", func(h *latchkey.Hardware) { h.Serial = strings.Repeat("x", 129) }, "serial", latchkey.MsgSerialTooLong},
		{"long notes", func(h *latchkey.Hardware) { h.Notes = strings.Repeat("x", 4001) }, "notes", latchkey.MsgNotesTooLong},
		{"unknown type", func(h *latchkey.Hardware) { h.Type = "toaster" }, "type", latchkey.MsgHardwareTypeInvalid},
		{"type in capitals", func(h *latchkey.Hardware) { h.Type = "Laptop" }, "type", latchkey.MsgHardwareTypeInvalid},
		{"unknown status", func(h *latchkey.Hardware) { h.Status = "lost" }, "status", latchkey.MsgHardwareStatusInvalid},
		{"assigned without member", func(h *latchkey.Hardware) { h.Status = latchkey.HardwareAssigned }, "assigned_to", latchkey.MsgAssigneeRequired},
		{"member but in stock", func(h *latchkey.Hardware) { h.AssignedTo = "a1" }, "status", latchkey.MsgAssignedStatusOnly},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := good
			tt.change(&h)
			err := latchkey.ValidateHardware(h)
			if got := latchkey.ErrorMessage(err); got != tt.want {
				t.Fatalf("message %q, want %q", got, tt.want)
			}
			var e *latchkey.Error
			if err != nil && (!errors.As(err, &e) || e.Field != tt.field || e.Code != latchkey.CodeInvalid) {
				t.Fatalf("err %#v, want CodeInvalid on %q", err, tt.field)
			}
		})
	}
}

func TestValidateSoftwareAndRequests(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"software good", latchkey.ValidateSoftware(latchkey.Software{Name: "Figma", Seats: 0}), ""},
		{"software no name", latchkey.ValidateSoftware(latchkey.Software{Seats: 1}), latchkey.MsgNameRequired},
		{"software negative seats", latchkey.ValidateSoftware(latchkey.Software{Name: "F", Seats: -1}), latchkey.MsgSeatsInvalid},
		{"software too many seats", latchkey.ValidateSoftware(latchkey.Software{Name: "F", Seats: latchkey.MaxSeats + 1}), latchkey.MsgSeatsInvalid},
		{"software long vendor", latchkey.ValidateSoftware(latchkey.Software{Name: "F", Vendor: strings.Repeat("v", 201)}), latchkey.MsgVendorTooLong},
		{"licence key long", latchkey.ValidateLicenceKey(strings.Repeat("k", 4001)), latchkey.MsgLicenceKeyTooLong},
		{"request good", latchkey.ValidateRequest(latchkey.Request{Title: "Mouse", Category: latchkey.RequestHardware, Status: latchkey.RequestOpen}), ""},
		{"request no title", latchkey.ValidateRequest(latchkey.Request{Category: latchkey.RequestHardware, Status: latchkey.RequestOpen}), latchkey.MsgRequestTitleRequired},
		{"request long title", latchkey.ValidateRequest(latchkey.Request{Title: strings.Repeat("t", 201), Category: latchkey.RequestHardware, Status: latchkey.RequestOpen}), latchkey.MsgRequestTitleTooLong},
		{"request long text", latchkey.ValidateRequest(latchkey.Request{Title: "t", Description: strings.Repeat("d", 10001), Category: latchkey.RequestOther, Status: latchkey.RequestOpen}), latchkey.MsgRequestTextTooLong},
		{"request bad category", latchkey.ValidateRequest(latchkey.Request{Title: "t", Category: "food", Status: latchkey.RequestOpen}), latchkey.MsgRequestCategoryInvalid},
		{"request bad status", latchkey.ValidateRequest(latchkey.Request{Title: "t", Category: latchkey.RequestAccess, Status: "lost"}), latchkey.MsgRequestStatusInvalid},
		{"comment empty", latchkey.ValidateComment("  "), latchkey.MsgCommentRequired},
		{"comment long", latchkey.ValidateComment(strings.Repeat("c", 10001)), latchkey.MsgCommentTooLong},
		{"comment good", latchkey.ValidateComment("ok"), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := latchkey.ErrorMessage(tt.err); got != tt.want {
				t.Fatalf("message %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseAndLabels(t *testing.T) {
	if s, err := latchkey.ParseHardwareStatus(" In_Stock "); err != nil || s != latchkey.HardwareInStock || s.Label() != "in stock" {
		t.Fatalf("ParseHardwareStatus = %q, %v", s, err)
	}
	if s, err := latchkey.ParseRequestStatus("IN_PROGRESS"); err != nil || s.Label() != "in progress" || !s.Open() {
		t.Fatalf("ParseRequestStatus = %q, %v", s, err)
	}
	if latchkey.RequestResolved.Open() {
		t.Fatal("a resolved request counts as open")
	}
	if got := latchkey.NormalizeAssetTag(" lt-1 "); got != "LT-1" {
		t.Fatalf("NormalizeAssetTag = %q", got)
	}
	if !errors.Is(latchkey.ErrNoSeats, latchkey.ErrConflict) || !errors.Is(latchkey.ErrSeatsInUse, latchkey.ErrConflict) {
		t.Fatal("the seat errors are not conflicts")
	}
}
