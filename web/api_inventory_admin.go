package web

import (
	"net/http"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// apiAdminRoutes adds the API's administrator actions on hardware and software. The service
// refuses them to members (403, code forbidden), as it does on the pages.
func (s *Server) apiAdminRoutes(ws *http.ServeMux) {
	ws.Handle("POST /api/v1/hardware", s.api(invCreate(s, hardwareLocation, hardwareAdd, hardwareJSON)))
	ws.Handle("POST /api/v1/hardware/{id}/assignee", s.api(invAct(s, hardwareAssign, hardwareJSON)))
	ws.Handle("POST /api/v1/hardware/{id}/status", s.api(invAct(s, hardwareStatus, hardwareJSON)))
	ws.Handle("POST /api/v1/software/{id}/seats", s.api(invAct(s, seatAssign, softwareJSON)))
	ws.Handle("DELETE /api/v1/software/{id}/seats/{account}", s.api(invQuery(s, seatRemove, softwareJSON)))
}

// hardwareAdd is POST /api/v1/hardware {"name", "asset_tag", "type", "serial", "notes"}:
// adds an item in stock. 201 with it.
func hardwareAdd(k invReq, in struct {
	Name     string `json:"name"`
	AssetTag string `json:"asset_tag"`
	Type     string `json:"type"`
	Serial   string `json:"serial"`
	Notes    string `json:"notes"`
}) (latchkey.Hardware, error) {
	return k.svc.AddHardware(k.r.Context(), k.actor, inventory.HardwareInput{Name: in.Name, AssetTag: in.AssetTag, Type: in.Type, Serial: in.Serial, Notes: in.Notes})
}

func hardwareLocation(h latchkey.Hardware) string { return "/api/v1/hardware/" + h.ID }

// hardwareAssign is POST /api/v1/hardware/{id}/assignee {"account_id"}: assigns the item
// to a member, or takes it back with "".
func hardwareAssign(k invReq, in struct {
	AccountID string `json:"account_id"`
}) (latchkey.Hardware, error) {
	if in.AccountID == "" {
		return k.svc.UnassignHardware(k.r.Context(), k.actor, k.id())
	}
	return k.svc.AssignHardware(k.r.Context(), k.actor, k.id(), in.AccountID)
}

// hardwareStatus is POST /api/v1/hardware/{id}/status {"status"}.
func hardwareStatus(k invReq, in struct {
	Status string `json:"status"`
}) (latchkey.Hardware, error) {
	st, err := latchkey.ParseHardwareStatus(in.Status)
	if err != nil {
		return latchkey.Hardware{}, err
	}
	return k.svc.SetHardwareStatus(k.r.Context(), k.actor, k.id(), st)
}

// seatAssign is POST /api/v1/software/{id}/seats {"account_id"}: gives a member a seat.
func seatAssign(k invReq, in struct {
	AccountID string `json:"account_id"`
}) (inventory.SoftwareItem, error) {
	return k.svc.AssignSeat(k.r.Context(), k.actor, k.id(), in.AccountID)
}

// seatRemove is DELETE /api/v1/software/{id}/seats/{account}: frees the member's seat.
func seatRemove(k invReq) (inventory.SoftwareItem, error) {
	return k.svc.UnassignSeat(k.r.Context(), k.actor, k.id(), k.r.PathValue("account"))
}
