package web

import (
	"net/http"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/inventory"
)

// apiAdminRoutes adds the API's administrator actions on hardware and software. The service
// refuses them to members (403, code forbidden), as it does on the pages.
func (s *Server) apiAdminRoutes(ws *http.ServeMux) {
	ws.Handle("POST /api/v1/hardware", s.api(s.apiHardwareAdd))
	ws.Handle("POST /api/v1/hardware/{id}/assignee", s.api(s.apiHardwareAssign))
	ws.Handle("POST /api/v1/hardware/{id}/status", s.api(s.apiHardwareStatus))
	ws.Handle("POST /api/v1/software/{id}/seats", s.api(s.apiSeatAssign))
	ws.Handle("DELETE /api/v1/software/{id}/seats/{account}", s.api(s.apiSeatRemove))
}

// apiHardwareAdd is POST /api/v1/hardware {"name", "asset_tag", "type", "serial", "notes"}:
// adds an item in stock. 201 with it.
func (s *Server) apiHardwareAdd(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		Name     string `json:"name"`
		AssetTag string `json:"asset_tag"`
		Type     string `json:"type"`
		Serial   string `json:"serial"`
		Notes    string `json:"notes"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	h, err := svc.AddHardware(r.Context(), actor, inventory.HardwareInput{Name: in.Name, AssetTag: in.AssetTag, Type: in.Type, Serial: in.Serial, Notes: in.Notes})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/hardware/"+h.ID)
	writeJSON(w, http.StatusCreated, hardwareJSON(h))
	return nil
}

// apiHardwareAssign is POST /api/v1/hardware/{id}/assignee {"account_id"}: assigns the item
// to a member, or takes it back with "".
func (s *Server) apiHardwareAssign(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		AccountID string `json:"account_id"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	var h latchkey.Hardware
	if in.AccountID == "" {
		h, err = svc.UnassignHardware(r.Context(), actor, r.PathValue("id"))
	} else {
		h, err = svc.AssignHardware(r.Context(), actor, r.PathValue("id"), in.AccountID)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hardwareJSON(h))
	return nil
}

// apiHardwareStatus is POST /api/v1/hardware/{id}/status {"status"}.
func (s *Server) apiHardwareStatus(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		Status string `json:"status"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	st, err := latchkey.ParseHardwareStatus(in.Status)
	if err != nil {
		return err
	}
	h, err := svc.SetHardwareStatus(r.Context(), actor, r.PathValue("id"), st)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, hardwareJSON(h))
	return nil
}

// apiSeatAssign is POST /api/v1/software/{id}/seats {"account_id"}: gives a member a seat.
func (s *Server) apiSeatAssign(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	var in struct {
		AccountID string `json:"account_id"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	sw, err := svc.AssignSeat(r.Context(), actor, r.PathValue("id"), in.AccountID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, softwareJSON(sw))
	return nil
}

// apiSeatRemove is DELETE /api/v1/software/{id}/seats/{account}: frees the member's seat.
func (s *Server) apiSeatRemove(w http.ResponseWriter, r *http.Request, c *apiCaller) error {
	svc, actor, err := s.apiInventory(c)
	if err != nil {
		return err
	}
	sw, err := svc.UnassignSeat(r.Context(), actor, r.PathValue("id"), r.PathValue("account"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, softwareJSON(sw))
	return nil
}
