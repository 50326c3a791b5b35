package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/sqlstore"
)

// exportWarning ends the help of export and import: what the file holds and how to treat it.
const exportWarning = `
The file holds the workspace's accounts with their password hashes, their two-factor secrets
(sealed by the server key: the target nodes need the same --secret-key-file to open them),
recovery-code hashes and the audit log. Keep it like a backup: --out writes it with mode 0600.
Sessions, sign-in links and throttle counters are not moved: people sign in again, and pending
invitations must be resent (latchkey account resend).
`

// exportCommand writes one workspace as JSON (latchkey.WorkspaceExport), to stdout or to a
// file that only its owner can read.
func (m *Main) exportCommand(ctx context.Context, args []string) error {
	fs := m.flags("export")
	slug := fs.String("workspace", "", "slug of the workspace to export")
	out := fs.String("out", "", "write to this file (mode 0600) instead of stdout")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: latchkey export --workspace SLUG [--out FILE] [flags]\n\n")
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), exportWarning)
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if missing := missingFlags(map[string]string{"--workspace": *slug}); missing != "" {
		return fmt.Errorf("export needs %s", missing)
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}
	defer m.Close()
	x, err := m.Store.ExportWorkspace(ctx, *slug)
	if errors.Is(err, latchkey.ErrNotFound) {
		return fmt.Errorf("there is no workspace %q in %s (see latchkey workspace list)", *slug, redact(m.Config.databaseDSN()))
	}
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return fmt.Errorf("encode export: %w", err)
	}
	b = append(b, '\n')
	summary := fmt.Sprintf("Exported workspace %s (%s): %d account(s), %d audit event(s)", x.Workspace.Slug, x.Workspace.Name, len(x.Accounts), len(x.Events))
	if *out == "" {
		if _, err := m.Stdout.Write(b); err != nil {
			return err
		}
		// The JSON owns stdout, so that it can be piped into latchkey import.
		fmt.Fprintln(m.Stderr, summary)
		return nil
	}
	if err := writePrivateFile(*out, b); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	fmt.Fprintf(m.Stdout, "%s to %s (mode 0600: it holds password hashes)\n", summary, *out)
	return nil
}

// writePrivateFile writes b to path with mode 0600, replacing any file there at once: it goes
// to a temporary file in the same directory first, so that a failure leaves no half export and
// the mode never depends on an older file's.
func writePrivateFile(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // fails harmlessly once renamed
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// importCommand reads a workspace export from a file or stdin and writes it, in one
// transaction, to the configured database.
func (m *Main) importCommand(ctx context.Context, args []string) error {
	fs := m.flags("import")
	in := fs.String("in", "", "read this file instead of stdin")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: latchkey import [--in FILE] [flags]   (the target is --database)\n\n")
		fs.PrintDefaults()
		fmt.Fprint(fs.Output(), exportWarning)
	}
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("import takes no arguments (got %q); give the file with --in", fs.Arg(0))
	}
	source := *in
	var b []byte
	var err error
	if source == "" {
		source = "stdin"
		r := m.Stdin
		if r == nil {
			r = os.Stdin
		}
		b, err = io.ReadAll(r)
	} else {
		b, err = os.ReadFile(source)
	}
	if err != nil {
		return fmt.Errorf("read export: %w", err)
	}
	x, err := decodeExport(b, source)
	if err != nil {
		return err
	}
	if err := m.openStore(ctx); err != nil {
		return err
	}
	defer m.Close()
	target := redact(m.Config.databaseDSN())
	taken := fmt.Errorf("workspace %s already exists in the target database %s; nothing was imported", x.Workspace.Slug, target)
	if _, err := m.Store.WorkspaceBySlug(ctx, x.Workspace.Slug); err == nil {
		return taken
	} else if !errors.Is(err, latchkey.ErrNotFound) {
		return err
	}
	if err := m.Store.ImportWorkspace(ctx, x); err != nil {
		if errors.Is(err, latchkey.ErrConflict) {
			// The same workspace under its ID, or a record of it, is there already.
			return taken
		}
		return err
	}
	codes := 0
	for _, cs := range x.RecoveryCodes {
		codes += len(cs)
	}
	fmt.Fprintf(m.Stdout, "Imported workspace %s (%s) into %s: %d account(s), %d recovery code(s), %d audit event(s).\n",
		x.Workspace.Slug, x.Workspace.Name, target, len(x.Accounts), codes, len(x.Events))
	fmt.Fprintln(m.Stdout, "Serve it with the same --secret-key-file as the source, or two-factor secrets will not open. People sign in again; resend pending invitations.")
	return nil
}

// decodeExport reads a WorkspaceExport. The version is read first, so that a file from another
// latchkey is refused as such rather than with whatever decoding error its shape causes; then
// unknown fields are refused, as they would be lost silently.
func decodeExport(b []byte, source string) (latchkey.WorkspaceExport, error) {
	var head struct {
		Version *int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.Version == nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("%s is not a latchkey workspace export (make one with latchkey export)", source)
	}
	if *head.Version != sqlstore.ExportVersion {
		return latchkey.WorkspaceExport{}, fmt.Errorf("%s is export version %d, but this latchkey reads only version %d: export and import with the same latchkey release", source, *head.Version, sqlstore.ExportVersion)
	}
	var x latchkey.WorkspaceExport
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&x); err != nil {
		return latchkey.WorkspaceExport{}, fmt.Errorf("%s is not a valid workspace export: %w", source, err)
	}
	if x.Workspace.Slug == "" || x.Workspace.ID == "" {
		return latchkey.WorkspaceExport{}, fmt.Errorf("%s is not a valid workspace export: it names no workspace", source)
	}
	return x, nil
}
