package latchkey

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// HardwareType is the kind of a piece of hardware.
type HardwareType string

// The hardware types.
const (
	HardwareLaptop  HardwareType = "laptop"
	HardwarePhone   HardwareType = "phone"
	HardwareMonitor HardwareType = "monitor"
	HardwareOther   HardwareType = "other"
)

// HardwareTypes lists the hardware types in the order forms show them.
var HardwareTypes = []HardwareType{HardwareLaptop, HardwarePhone, HardwareMonitor, HardwareOther}

// HardwareStatus is where a piece of hardware stands.
type HardwareStatus string

// The hardware statuses. Only an assigned item has an assignee, and an assigned item always has one.
const (
	HardwareInStock  HardwareStatus = "in_stock"
	HardwareAssigned HardwareStatus = "assigned"
	HardwareInRepair HardwareStatus = "in_repair"
	HardwareRetired  HardwareStatus = "retired"
)

// HardwareStatuses lists the hardware statuses in the order pages show them.
var HardwareStatuses = []HardwareStatus{HardwareInStock, HardwareAssigned, HardwareInRepair, HardwareRetired}

// Hardware is one physical item a workspace keeps track of. AssetTag is unique per workspace,
// compared case-insensitively (AssetTagKey).
type Hardware struct {
	ID          string
	WorkspaceID string
	Name        string
	AssetTag    string
	Type        HardwareType
	Serial      string
	Status      HardwareStatus
	AssignedTo  string // account ID; "" unless Status is HardwareAssigned
	Notes       string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Software is a licensed product. LicenceKey is sealed by the server keyring, bound to the
// workspace and software IDs (see SoftwareKeyAAD); "" when there is none. Assignees are the
// account IDs holding a seat, never more than Seats.
type Software struct {
	ID          string
	WorkspaceID string
	Name        string
	Vendor      string
	LicenceKey  string
	Seats       int
	Assignees   []string // ordered by account ID; filled by reads
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// SoftwareKeyAAD is the associated data a software's licence key is sealed with, so that a
// sealed key copied to another row or workspace does not open.
func SoftwareKeyAAD(ws, softwareID string) []byte {
	return []byte("latchkey licence key\x00" + ws + "\x00" + softwareID)
}

// RequestCategory is what a request is about.
type RequestCategory string

// The request categories.
const (
	RequestHardware RequestCategory = "hardware"
	RequestSoftware RequestCategory = "software"
	RequestAccess   RequestCategory = "access"
	RequestOther    RequestCategory = "other"
)

// RequestCategories lists the categories in the order forms show them.
var RequestCategories = []RequestCategory{RequestHardware, RequestSoftware, RequestAccess, RequestOther}

// RequestStatus is where a request stands.
type RequestStatus string

// The request statuses.
const (
	RequestOpen       RequestStatus = "open"
	RequestInProgress RequestStatus = "in_progress"
	RequestResolved   RequestStatus = "resolved"
	RequestClosed     RequestStatus = "closed"
)

// RequestStatuses lists the statuses in the order pages show them.
var RequestStatuses = []RequestStatus{RequestOpen, RequestInProgress, RequestResolved, RequestClosed}

// Request is something a member asked the IT team for. RequesterID is kept when the account is
// removed, so that the request's history stays; AssigneeID is an administrator, or "".
type Request struct {
	ID          string
	WorkspaceID string
	Title       string
	Description string
	Category    RequestCategory
	Status      RequestStatus
	RequesterID string
	AssigneeID  string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RequestComment is one comment on a request, by its requester or an administrator.
type RequestComment struct {
	ID          string
	WorkspaceID string
	RequestID   string
	AuthorID    string
	Body        string
	CreatedAt   time.Time
}

// Limits of inventory fields, in characters.
const (
	MaxItemName       = 200
	MaxAssetTag       = 64
	MaxSerial         = 128
	MaxNotes          = 4000
	MaxVendor         = 200
	MaxLicenceKey     = 4000
	MaxSeats          = 100000
	MaxRequestTitle   = 200
	MaxRequestText    = 10000
	MaxCommentLength  = 10000
	DefaultPageLength = 50
)

// ParseHardwareType returns the hardware type named s, or an *Error with CodeInvalid.
func ParseHardwareType(s string) (HardwareType, error) {
	t := HardwareType(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range HardwareTypes {
		if t == k {
			return t, nil
		}
	}
	return "", NewError(CodeInvalid, "type", MsgHardwareTypeInvalid)
}

// ParseHardwareStatus returns the hardware status named s, or an *Error with CodeInvalid.
func ParseHardwareStatus(s string) (HardwareStatus, error) {
	st := HardwareStatus(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range HardwareStatuses {
		if st == k {
			return st, nil
		}
	}
	return "", NewError(CodeInvalid, "status", MsgHardwareStatusInvalid)
}

// ParseRequestCategory returns the category named s, or an *Error with CodeInvalid.
func ParseRequestCategory(s string) (RequestCategory, error) {
	c := RequestCategory(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range RequestCategories {
		if c == k {
			return c, nil
		}
	}
	return "", NewError(CodeInvalid, "category", MsgRequestCategoryInvalid)
}

// ParseRequestStatus returns the request status named s, or an *Error with CodeInvalid.
func ParseRequestStatus(s string) (RequestStatus, error) {
	st := RequestStatus(strings.ToLower(strings.TrimSpace(s)))
	for _, k := range RequestStatuses {
		if st == k {
			return st, nil
		}
	}
	return "", NewError(CodeInvalid, "status", MsgRequestStatusInvalid)
}

// NormalizeAssetTag returns the form of an asset tag that uniqueness compares: trimmed and
// upper-cased, since tags are printed labels that people type in either case.
func NormalizeAssetTag(tag string) string { return strings.ToUpper(strings.TrimSpace(tag)) }

func tooLong(s string, n int) bool { return utf8.RuneCountInString(s) > n }

// ValidateHardware returns an *Error with CodeInvalid naming the first field of h that is not
// acceptable: a name and an asset tag are required, type and status must be known, an assigned
// item needs an assignee and any other has none.
func ValidateHardware(h Hardware) error {
	switch {
	case strings.TrimSpace(h.Name) == "":
		return NewError(CodeInvalid, "name", MsgNameRequired)
	case tooLong(h.Name, MaxItemName):
		return NewError(CodeInvalid, "name", MsgItemNameTooLong)
	case strings.TrimSpace(h.AssetTag) == "":
		return NewError(CodeInvalid, "asset_tag", MsgAssetTagRequired)
	case tooLong(h.AssetTag, MaxAssetTag) || strings.ContainsAny(h.AssetTag, "\r\n\t"):
		return NewError(CodeInvalid, "asset_tag", MsgAssetTagInvalid)
	case tooLong(h.Serial, MaxSerial):
		return NewError(CodeInvalid, "serial", MsgSerialTooLong)
	case tooLong(h.Notes, MaxNotes):
		return NewError(CodeInvalid, "notes", MsgNotesTooLong)
	}
	if !slices.Contains(HardwareTypes, h.Type) {
		return NewError(CodeInvalid, "type", MsgHardwareTypeInvalid)
	}
	if !slices.Contains(HardwareStatuses, h.Status) {
		return NewError(CodeInvalid, "status", MsgHardwareStatusInvalid)
	}
	if h.Status == HardwareAssigned && h.AssignedTo == "" {
		return NewError(CodeInvalid, "assigned_to", MsgAssigneeRequired)
	}
	if h.Status != HardwareAssigned && h.AssignedTo != "" {
		return NewError(CodeInvalid, "status", MsgAssignedStatusOnly)
	}
	return nil
}

// ValidateSoftware returns an *Error with CodeInvalid naming the first field of s that is not
// acceptable: a name is required and Seats is 0 to MaxSeats. It does not look at LicenceKey,
// which is sealed, or Assignees, which the store checks against Seats.
func ValidateSoftware(s Software) error {
	switch {
	case strings.TrimSpace(s.Name) == "":
		return NewError(CodeInvalid, "name", MsgNameRequired)
	case tooLong(s.Name, MaxItemName):
		return NewError(CodeInvalid, "name", MsgItemNameTooLong)
	case tooLong(s.Vendor, MaxVendor):
		return NewError(CodeInvalid, "vendor", MsgVendorTooLong)
	case s.Seats < 0 || s.Seats > MaxSeats:
		return NewError(CodeInvalid, "seats", MsgSeatsInvalid)
	}
	return nil
}

// ValidateLicenceKey returns an *Error with CodeInvalid if key (in plain text) is too long.
func ValidateLicenceKey(key string) error {
	if tooLong(key, MaxLicenceKey) {
		return NewError(CodeInvalid, "licence_key", MsgLicenceKeyTooLong)
	}
	return nil
}

// ValidateRequest returns an *Error with CodeInvalid naming the first field of r that is not
// acceptable: a title is required, the category and status must be known.
func ValidateRequest(r Request) error {
	switch {
	case strings.TrimSpace(r.Title) == "":
		return NewError(CodeInvalid, "title", MsgRequestTitleRequired)
	case tooLong(r.Title, MaxRequestTitle):
		return NewError(CodeInvalid, "title", MsgRequestTitleTooLong)
	case tooLong(r.Description, MaxRequestText):
		return NewError(CodeInvalid, "description", MsgRequestTextTooLong)
	}
	if !slices.Contains(RequestCategories, r.Category) {
		return NewError(CodeInvalid, "category", MsgRequestCategoryInvalid)
	}
	if !slices.Contains(RequestStatuses, r.Status) {
		return NewError(CodeInvalid, "status", MsgRequestStatusInvalid)
	}
	return nil
}

// ValidateComment returns an *Error with CodeInvalid if body is empty or too long.
func ValidateComment(body string) error {
	switch {
	case strings.TrimSpace(body) == "":
		return NewError(CodeInvalid, "body", MsgCommentRequired)
	case tooLong(body, MaxCommentLength):
		return NewError(CodeInvalid, "body", MsgCommentTooLong)
	}
	return nil
}

// ErrNoSeats is returned by AssignSeat when every seat of the software is taken. Its code is
// CodeConflict, so errors.Is(err, ErrConflict) holds for it as well.
var ErrNoSeats = &Error{Code: CodeConflict, Field: "seats", Message: MsgNoSeatsLeft}

// ErrSeatsInUse is returned when a change would leave fewer seats than assignees. Its code is
// CodeConflict.
var ErrSeatsInUse = &Error{Code: CodeConflict, Field: "seats", Message: MsgSeatsInUse}

// Page bounds a list: at most Limit items after skipping Offset. A Limit of 0 means
// DefaultPageLength; ask for one more than you show to learn whether there is a next page.
type Page struct {
	Limit  int
	Offset int
}

// HardwareFilter narrows ListHardware. Zero fields match everything.
type HardwareFilter struct {
	Query      string // matches name, asset tag or serial, case-insensitively, anywhere in them
	Status     HardwareStatus
	Type       HardwareType
	AssignedTo string // account ID
	Page
}

// SoftwareFilter narrows ListSoftware. Zero fields match everything.
type SoftwareFilter struct {
	Query    string // matches name or vendor, case-insensitively, anywhere in them
	Assignee string // only software with a seat held by this account ID
	Page
}

// RequestFilter narrows ListRequests. Zero fields match everything.
type RequestFilter struct {
	Query       string // matches the title, case-insensitively, anywhere in it
	Status      RequestStatus
	Category    RequestCategory
	RequesterID string
	AssigneeID  string
	Page
}

// HardwareStore keeps hardware. Every method is scoped to one workspace: an ID of another
// workspace gives ErrNotFound.
type HardwareStore interface {
	// CreateHardware stores h. Returns ErrConflict if the workspace has an item with the same
	// asset tag (NormalizeAssetTag), ErrNotFound if the workspace, or the account h is assigned
	// to, does not exist in it.
	CreateHardware(ctx context.Context, h Hardware) error
	// Hardware returns the item with this ID in workspace ws, or ErrNotFound.
	Hardware(ctx context.Context, ws, id string) (Hardware, error)
	// UpdateHardware runs fn on the current item and stores the result, in one transaction.
	// fn must not change ID, WorkspaceID or CreatedAt, and must not call the store. If fn
	// returns an error nothing is written and that error is returned. Returns ErrNotFound if
	// there is no such item or the new assignee is not an account of ws, ErrConflict if the
	// new asset tag is taken.
	UpdateHardware(ctx context.Context, ws, id string, fn func(*Hardware) error) error
	// ListHardware lists the items of ws matching f, ordered by asset tag.
	ListHardware(ctx context.Context, ws string, f HardwareFilter) ([]Hardware, error)
	// CountHardware returns how many items of ws have each status; absent statuses count 0.
	CountHardware(ctx context.Context, ws string) (map[HardwareStatus]int, error)
	// ImportHardware stores items in one transaction, all or none: an item whose asset tag
	// the workspace already has replaces that item's fields (keeping its ID and CreatedAt),
	// any other is created. Returns how many were created and updated. An error names the
	// index of the first item that failed (as an *ImportRowError) and wraps ErrNotFound for
	// an unknown assignee, ErrConflict for two items with one tag.
	ImportHardware(ctx context.Context, ws string, items []Hardware) (created, updated int, err error)
}

// SoftwareStore keeps software and its seat assignments. Every method is scoped to one
// workspace: an ID of another workspace gives ErrNotFound.
type SoftwareStore interface {
	// CreateSoftware stores s with its Assignees. Returns ErrSeatsInUse if there are more
	// assignees than seats, ErrNotFound if the workspace or an assignee does not exist in it.
	CreateSoftware(ctx context.Context, s Software) error
	// Software returns the software with this ID in workspace ws, with its assignees, or
	// ErrNotFound.
	Software(ctx context.Context, ws, id string) (Software, error)
	// UpdateSoftware runs fn on the current software and stores its name, vendor, licence
	// key, seats and UpdatedAt, in one transaction; Assignees are changed only by AssignSeat
	// and UnassignSeat. If fn returns an error nothing is written and that error is returned.
	// Returns ErrNotFound if there is no such software, ErrSeatsInUse if the new seats are
	// fewer than the assignees.
	UpdateSoftware(ctx context.Context, ws, id string, fn func(*Software) error) error
	// AssignSeat gives the account a seat of the software, atomically: of concurrent calls
	// no more succeed than there are free seats. Assigning an account that already has a seat
	// changes nothing and succeeds. Returns ErrNoSeats if every seat is taken, ErrNotFound if
	// the software or the account is not in ws.
	AssignSeat(ctx context.Context, ws, softwareID, accountID string, now time.Time) error
	// UnassignSeat frees the account's seat. Returns ErrNotFound if it holds none.
	UnassignSeat(ctx context.Context, ws, softwareID, accountID string) error
	// ListSoftware lists the software of ws matching f, ordered by name, with assignees.
	ListSoftware(ctx context.Context, ws string, f SoftwareFilter) ([]Software, error)
	// CountSeats returns the seats of all software of ws and how many are assigned.
	CountSeats(ctx context.Context, ws string) (total, used int, err error)
	// ImportSoftware stores items in one transaction, all or none: an item whose ID the
	// workspace has replaces its fields and assignees (keeping CreatedAt; an empty LicenceKey
	// keeps the stored key), any other is created. Returns how many were created and updated.
	// An error names the index of the first item that failed (as an *ImportRowError) and wraps
	// ErrSeatsInUse or ErrNotFound (an unknown assignee).
	ImportSoftware(ctx context.Context, ws string, items []Software) (created, updated int, err error)
}

// RequestStore keeps requests and their comments. Every method is scoped to one workspace: an
// ID of another workspace gives ErrNotFound.
type RequestStore interface {
	// CreateRequest stores r. Returns ErrNotFound if the workspace does not exist.
	CreateRequest(ctx context.Context, r Request) error
	// Request returns the request with this ID in workspace ws, or ErrNotFound.
	Request(ctx context.Context, ws, id string) (Request, error)
	// UpdateRequest runs fn on the current request and stores the result, in one transaction.
	// fn must not change ID, WorkspaceID, RequesterID or CreatedAt, and must not call the
	// store. If fn returns an error nothing is written and that error is returned. Returns
	// ErrNotFound if there is no such request.
	UpdateRequest(ctx context.Context, ws, id string, fn func(*Request) error) error
	// ListRequests lists the requests of ws matching f, newest first.
	ListRequests(ctx context.Context, ws string, f RequestFilter) ([]Request, error)
	// CountRequests returns how many requests of ws have each status; absent statuses count 0.
	CountRequests(ctx context.Context, ws string) (map[RequestStatus]int, error)
	// AddComment stores c. Returns ErrNotFound if its request is not in c.WorkspaceID.
	AddComment(ctx context.Context, c RequestComment) error
	// Comments lists the comments of the request, oldest first. Returns ErrNotFound if the
	// request is not in ws.
	Comments(ctx context.Context, ws, requestID string) ([]RequestComment, error)
}

// ImportRowError says which item of an import failed: Index counts from 0 in the slice given.
type ImportRowError struct {
	Index int
	Err   error
}

// Error implements the error interface.
func (e *ImportRowError) Error() string {
	return "item " + strconv.Itoa(e.Index) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *ImportRowError) Unwrap() error { return e.Err }

// Label is the status in words, for pages and mail: "in stock", "in repair".
func (s HardwareStatus) Label() string { return strings.ReplaceAll(string(s), "_", " ") }

// Label is the status in words, for pages and mail: "open", "in progress".
func (s RequestStatus) Label() string { return strings.ReplaceAll(string(s), "_", " ") }

// Open reports whether the request still waits for the IT team (open or in progress).
func (s RequestStatus) Open() bool { return s == RequestOpen || s == RequestInProgress }
