package inventory

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/latchkey/latchkey"
)

// MaxImportRows bounds the rows of an imported file, besides its header.
const MaxImportRows = 5000

// The columns of the CSV files, in the order export writes them. Import takes them in any
// order and case; the required ones must be there.
var (
	HardwareCSVColumns = []string{"asset_tag", "name", "type", "serial", "status", "assigned_to", "notes"}
	SoftwareCSVColumns = []string{"id", "name", "vendor", "seats", "licence_key", "assignees"}

	hardwareRequired = []string{"asset_tag", "name", "type"}
	softwareRequired = []string{"name", "seats"}
)

// RowError is one problem of an imported file: its line (1 is the header), the column, and
// what to fix (a messages.go constant).
type RowError struct {
	Line    int
	Column  string
	Message string
}

// ImportReport says what an import did, or, when Errors is not empty, why it did nothing.
type ImportReport struct {
	Created int
	Updated int
	Errors  []RowError
}

// rejected orders the report's errors by line and returns the error of an import that found
// bad rows.
func rejected(rep *ImportReport) error {
	slices.SortStableFunc(rep.Errors, func(a, b RowError) int { return a.Line - b.Line })
	return latchkey.NewError(latchkey.CodeInvalid, "file", latchkey.MsgCSVRowsRejected)
}

// csvFile reads a CSV file with a header row into records keyed by column.
type csvFile struct {
	lines   []int
	records []map[string]string
}

// readCSV reads r, checking the header against the known and required columns. Every problem
// is added to rep; a file that cannot be read gives no records.
func readCSV(r io.Reader, known, required []string, rep *ImportReport) csvFile {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		rep.Errors = append(rep.Errors, RowError{Line: 1, Message: latchkey.MsgCSVInvalid})
		return csvFile{}
	}
	cols := make([]string, len(header))
	for i, h := range header {
		cols[i] = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF")))
		if !slices.Contains(known, cols[i]) || slices.Contains(cols[:i], cols[i]) {
			rep.Errors = append(rep.Errors, RowError{Line: 1, Column: h, Message: latchkey.MsgCSVColumnUnknown})
		}
	}
	for _, c := range required {
		if !slices.Contains(cols, c) {
			rep.Errors = append(rep.Errors, RowError{Line: 1, Column: c, Message: latchkey.MsgCSVColumnMissing})
		}
	}
	if len(rep.Errors) > 0 {
		return csvFile{}
	}
	var f csvFile
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			rep.Errors = append(rep.Errors, RowError{Line: pe.Line, Message: latchkey.MsgCSVInvalid})
			return csvFile{}
		}
		if err != nil {
			rep.Errors = append(rep.Errors, RowError{Message: latchkey.MsgCSVInvalid})
			return csvFile{}
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(f.records) == MaxImportRows {
			rep.Errors = append(rep.Errors, RowError{Line: line, Message: latchkey.MsgCSVTooLarge})
			return csvFile{}
		}
		if len(rec) != len(cols) {
			rep.Errors = append(rep.Errors, RowError{Line: line, Message: latchkey.MsgCSVRowWidth})
			continue
		}
		row := map[string]string{}
		for i, v := range rec {
			row[cols[i]] = unescapeCell(strings.TrimSpace(v))
		}
		f.lines = append(f.lines, line)
		f.records = append(f.records, row)
	}
	if len(f.records) == 0 && len(rep.Errors) == 0 {
		rep.Errors = append(rep.Errors, RowError{Line: 2, Message: latchkey.MsgCSVEmpty})
	}
	return f
}

// formulaStart are the first characters that make a spreadsheet read a cell as a formula.
const formulaStart = "=+-@\t\r"

// escapeCell keeps a spreadsheet from running a cell as a formula (CSV injection, OWASP):
// a cell starting with one of formulaStart gets a leading apostrophe, which unescapeCell
// removes again on import.
func escapeCell(s string) string {
	if s != "" && strings.ContainsRune(formulaStart, rune(s[0])) {
		return "'" + s
	}
	return s
}

func unescapeCell(s string) string {
	if len(s) > 1 && s[0] == '\'' && strings.ContainsRune(formulaStart, rune(s[1])) {
		return s[1:]
	}
	return s
}

// rowError adds err, a validation *Error or another error, to rep at line.
func rowError(rep *ImportReport, line int, err error) {
	var e *latchkey.Error
	if errors.As(err, &e) {
		rep.Errors = append(rep.Errors, RowError{Line: line, Column: e.Field, Message: e.Message})
		return
	}
	rep.Errors = append(rep.Errors, RowError{Line: line, Message: latchkey.MsgInternal})
}

// emails resolves emails to the accounts of a workspace, remembering what it found.
type emails struct {
	s     *Service
	ws    string
	cache map[string]latchkey.Account
}

// lookup returns the account with this email, or an *Error on column for an unknown one.
func (e *emails) lookup(ctx context.Context, email, column string) (latchkey.Account, error) {
	key := latchkey.NormalizeEmail(email)
	if a, ok := e.cache[key]; ok {
		return a, nil
	}
	a, err := e.s.d.Accounts.AccountByEmail(ctx, e.ws, email)
	if errors.Is(err, latchkey.ErrNotFound) {
		return latchkey.Account{}, latchkey.NewError(latchkey.CodeInvalid, column, latchkey.MsgAssigneeUnknown)
	}
	if err != nil {
		return latchkey.Account{}, wrap("find member", err)
	}
	e.cache[key] = a
	return a, nil
}

// ImportHardwareCSV reads a file of hardware (HardwareCSVColumns, with a header row) and, if
// every row is good, creates or updates (by asset tag) every item in one transaction. Only
// administrators may. A bad file imports nothing: the report lists every bad row and the error
// is CodeInvalid with MsgCSVRowsRejected. An empty status means assigned when assigned_to
// (an email) is given, in stock otherwise.
func (s *Service) ImportHardwareCSV(ctx context.Context, a Actor, r io.Reader) (ImportReport, error) {
	return importCSV(ctx, s, a, r, csvImport[latchkey.Hardware]{
		what: "hardware", columns: HardwareCSVColumns, required: hardwareRequired, event: latchkey.EventHardwareImport,
		row: func(row map[string]string, people *emails, now time.Time) (latchkey.Hardware, error) {
			return s.hardwareRow(ctx, row, people, now)
		},
		key:       func(h latchkey.Hardware) string { return latchkey.NormalizeAssetTag(h.AssetTag) },
		keyColumn: "asset_tag",
		store:     s.d.Hardware.ImportHardware,
		// A change made since the rows were checked (a member removed, a tag taken).
		lost:     RowError{Column: "assigned_to", Message: latchkey.MsgAssigneeUnknown},
		conflict: RowError{Column: "asset_tag", Message: latchkey.MsgAssetTagTaken},
	})
}

// csvImport is what differs between the imports of one kind of item.
type csvImport[T any] struct {
	what              string // "hardware", for error messages
	columns, required []string
	event             latchkey.EventType
	row               func(row map[string]string, people *emails, now time.Time) (T, error)
	key               func(T) string // no two rows may have the same key
	keyColumn         string
	store             func(ctx context.Context, ws string, items []T) (created, updated int, err error)
	// lost and conflict (without Line) report a row that store refuses with a
	// *latchkey.ImportRowError: conflict if it is also ErrConflict, lost otherwise.
	lost, conflict RowError
}

// importCSV reads a file of k's items and, if every row is good, stores them all with k.store.
// Only administrators may. A bad file stores nothing: the report lists every bad row and the
// error is CodeInvalid with MsgCSVRowsRejected.
func importCSV[T any](ctx context.Context, s *Service, a Actor, r io.Reader, k csvImport[T]) (ImportReport, error) {
	if err := a.checkAdmin(); err != nil {
		return ImportReport{}, err
	}
	var rep ImportReport
	f := readCSV(r, k.columns, k.required, &rep)
	now := s.now()
	people := &emails{s: s, ws: a.WorkspaceID, cache: map[string]latchkey.Account{}}
	keys := map[string]bool{}
	var items []T
	for i, row := range f.records {
		line := f.lines[i]
		item, err := k.row(row, people, now)
		if err == nil && keys[k.key(item)] {
			err = latchkey.NewError(latchkey.CodeInvalid, k.keyColumn, latchkey.MsgCSVDuplicateRow)
		}
		if err != nil {
			var e *latchkey.Error
			if !errors.As(err, &e) {
				return ImportReport{}, err
			}
			rowError(&rep, line, err)
			continue
		}
		keys[k.key(item)] = true
		items = append(items, item)
	}
	if len(rep.Errors) > 0 {
		return rep, rejected(&rep)
	}
	created, updated, err := k.store(ctx, a.WorkspaceID, items)
	var rowErr *latchkey.ImportRowError
	if errors.As(err, &rowErr) && rowErr.Index < len(f.lines) {
		msg := k.lost
		if errors.Is(err, latchkey.ErrConflict) {
			msg = k.conflict
		}
		msg.Line = f.lines[rowErr.Index]
		rep.Errors = append(rep.Errors, msg)
		return rep, rejected(&rep)
	}
	if err != nil {
		return ImportReport{}, wrap("import "+k.what, err)
	}
	rep.Created, rep.Updated = created, updated
	s.audit(ctx, a, k.event, latchkey.Account{}, fmt.Sprintf("%d created, %d updated", created, updated))
	return rep, nil
}

func (s *Service) hardwareRow(ctx context.Context, row map[string]string, people *emails, now time.Time) (latchkey.Hardware, error) {
	h := latchkey.Hardware{ID: latchkey.NewID(), Name: row["name"], AssetTag: row["asset_tag"], Serial: row["serial"],
		Notes: row["notes"], CreatedAt: now, UpdatedAt: now}
	typ, err := latchkey.ParseHardwareType(row["type"])
	if err != nil {
		return h, err
	}
	h.Type = typ
	if email := row["assigned_to"]; email != "" {
		m, err := people.lookup(ctx, email, "assigned_to")
		if err != nil {
			return h, err
		}
		h.AssignedTo = m.ID
	}
	switch st := row["status"]; {
	case st == "" && h.AssignedTo != "":
		h.Status = latchkey.HardwareAssigned
	case st == "":
		h.Status = latchkey.HardwareInStock
	default:
		if h.Status, err = latchkey.ParseHardwareStatus(strings.ReplaceAll(st, " ", "_")); err != nil {
			return h, err
		}
	}
	return h, latchkey.ValidateHardware(h)
}

// ExportHardwareCSV writes every item of the workspace as CSV (HardwareCSVColumns, with a
// header row), assignees by email, in a form ImportHardwareCSV reads back. Only administrators
// may.
func (s *Service) ExportHardwareCSV(ctx context.Context, a Actor, w io.Writer) error {
	return exportCSV(ctx, s, a, w, "hardware", HardwareCSVColumns,
		func(pg latchkey.Page) ([]latchkey.Hardware, error) {
			return s.d.Hardware.ListHardware(ctx, a.WorkspaceID, latchkey.HardwareFilter{Page: pg})
		},
		func(h latchkey.Hardware, byID map[string]string) []string {
			return []string{h.AssetTag, h.Name, string(h.Type), h.Serial, string(h.Status), byID[h.AssignedTo], h.Notes}
		})
}

// exportCSV writes the header columns, then row of every item that list gives, a page at a
// time, each cell escaped (escapeCell). byID maps the workspace's account IDs to their
// emails. Only administrators may.
func exportCSV[T any](ctx context.Context, s *Service, a Actor, w io.Writer, what string, columns []string,
	list func(latchkey.Page) ([]T, error), row func(item T, byID map[string]string) []string) error {
	if err := a.checkAdmin(); err != nil {
		return err
	}
	byID, err := s.emailsByID(ctx, a.WorkspaceID)
	if err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	cw.Write(columns)
	const batch = 500
	for offset := 0; ; offset += batch {
		items, err := list(latchkey.Page{Limit: batch, Offset: offset})
		if err != nil {
			return wrap("export "+what, err)
		}
		for _, item := range items {
			cw.Write(escapeAll(row(item, byID)...))
		}
		if len(items) < batch {
			break
		}
	}
	cw.Flush()
	return wrap("export "+what, cw.Error())
}

func escapeAll(cells ...string) []string {
	for i, c := range cells {
		cells[i] = escapeCell(c)
	}
	return cells
}

func (s *Service) emailsByID(ctx context.Context, ws string) (map[string]string, error) {
	as, err := s.d.Accounts.Accounts(ctx, ws, latchkey.AccountFilter{})
	if err != nil {
		return nil, wrap("list members", err)
	}
	byID := make(map[string]string, len(as))
	for _, acc := range as {
		byID[acc.ID] = acc.Email
	}
	return byID, nil
}

// ImportSoftwareCSV reads a file of software (SoftwareCSVColumns, with a header row) and, if
// every row is good, creates (empty id) or updates (the id of software of this workspace) every
// row in one transaction, replacing the assignees (emails separated by spaces, commas or
// semicolons) of those it updates. A licence_key is sealed; an empty one keeps the stored key.
// Only administrators may. A bad file imports nothing: the report lists every bad row and the
// error is CodeInvalid with MsgCSVRowsRejected.
func (s *Service) ImportSoftwareCSV(ctx context.Context, a Actor, r io.Reader) (ImportReport, error) {
	return importCSV(ctx, s, a, r, csvImport[latchkey.Software]{
		what: "software", columns: SoftwareCSVColumns, required: softwareRequired, event: latchkey.EventSoftwareImport,
		row: func(row map[string]string, people *emails, now time.Time) (latchkey.Software, error) {
			return s.softwareRow(ctx, a.WorkspaceID, row, people, now)
		},
		key:       func(sw latchkey.Software) string { return sw.ID },
		keyColumn: "id",
		store:     s.d.Software.ImportSoftware,
		lost:      RowError{Column: "assignees", Message: latchkey.MsgAssigneeUnknown},
		conflict:  RowError{Column: "seats", Message: latchkey.MsgSeatsInUse},
	})
}

func (s *Service) softwareRow(ctx context.Context, ws string, row map[string]string, people *emails, now time.Time) (latchkey.Software, error) {
	sw := latchkey.Software{ID: row["id"], WorkspaceID: ws, Name: row["name"], Vendor: row["vendor"], CreatedAt: now, UpdatedAt: now}
	if sw.ID == "" {
		sw.ID = latchkey.NewID()
	} else if _, err := s.d.Software.Software(ctx, ws, sw.ID); errors.Is(err, latchkey.ErrNotFound) {
		return sw, latchkey.NewError(latchkey.CodeInvalid, "id", latchkey.MsgCSVUnknownID)
	} else if err != nil {
		return sw, wrap("read software", err)
	}
	seats, err := strconv.Atoi(row["seats"])
	if err != nil {
		return sw, latchkey.NewError(latchkey.CodeInvalid, "seats", latchkey.MsgCSVSeatsNumber)
	}
	sw.Seats = seats
	if err := latchkey.ValidateSoftware(sw); err != nil {
		return sw, err
	}
	if key := row["licence_key"]; key != "" {
		if err := latchkey.ValidateLicenceKey(key); err != nil {
			return sw, err
		}
		if sw.LicenceKey, err = s.d.Keys.Seal([]byte(key), latchkey.SoftwareKeyAAD(ws, sw.ID)); err != nil {
			return sw, wrap("seal licence key", err)
		}
	}
	for _, email := range strings.FieldsFunc(row["assignees"], func(r rune) bool { return r == ';' || r == ',' || r == ' ' || r == '\t' }) {
		m, err := people.lookup(ctx, email, "assignees")
		if err != nil {
			return sw, err
		}
		if !slices.Contains(sw.Assignees, m.ID) {
			sw.Assignees = append(sw.Assignees, m.ID)
		}
	}
	if len(sw.Assignees) > sw.Seats {
		return sw, latchkey.NewError(latchkey.CodeInvalid, "assignees", latchkey.MsgSeatsInUse)
	}
	return sw, nil
}

// ExportSoftwareCSV writes all software of the workspace as CSV (SoftwareCSVColumns, with a
// header row), assignees by email, in a form ImportSoftwareCSV reads back. The licence_key
// column is always empty: keys leave the server only one at a time, through the audited
// RevealLicenceKey. Only administrators may.
func (s *Service) ExportSoftwareCSV(ctx context.Context, a Actor, w io.Writer) error {
	return exportCSV(ctx, s, a, w, "software", SoftwareCSVColumns,
		func(pg latchkey.Page) ([]latchkey.Software, error) {
			return s.d.Software.ListSoftware(ctx, a.WorkspaceID, latchkey.SoftwareFilter{Page: pg})
		},
		func(sw latchkey.Software, byID map[string]string) []string {
			var holders []string
			for _, id := range sw.Assignees {
				holders = append(holders, byID[id])
			}
			return []string{sw.ID, sw.Name, sw.Vendor, strconv.Itoa(sw.Seats), "", strings.Join(holders, " ")}
		})
}
