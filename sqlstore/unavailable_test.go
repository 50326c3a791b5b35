package sqlstore_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/latchkey/latchkey"
	"github.com/latchkey/latchkey/sqlstore"
)

func TestIsUnavailable(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("read workspace by slug: %w", err) }
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"not found", latchkey.ErrNotFound, false},
		{"no rows", wrap(sql.ErrNoRows), false},
		{"conflict", wrap(&pgconn.PgError{Code: "23505"}), false},
		{"statement timeout", wrap(&pgconn.PgError{Code: "57014"}), false},
		{"cancelled request", wrap(context.Canceled), false},
		{"closed DB", wrap(errors.New("sql: database is closed")), false},
		{"bad connection", wrap(driver.ErrBadConn), true},
		{"connection done", wrap(sql.ErrConnDone), true},
		{"pgx conn closed", wrap(pgconn.ErrConnClosed), true},
		{"unexpected EOF", wrap(fmt.Errorf("failed to receive message: %w", io.ErrUnexpectedEOF)), true},
		{"refused", wrap(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"reset", wrap(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), true},
		{"connection failure", wrap(&pgconn.PgError{Code: "08006"}), true},
		{"admin shutdown", wrap(&pgconn.PgError{Code: "57P01"}), true},
		{"starting up", wrap(&pgconn.PgError{Code: "57P03"}), true},
		{"too many connections", wrap(&pgconn.PgError{Code: "53300"}), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sqlstore.IsUnavailable(tc.err); got != tc.want {
				t.Fatalf("IsUnavailable(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// TestIsUnavailableClosedPort opens PostgreSQL at a port where nothing listens: the error that a
// real connection attempt gives must count as unavailability. It needs no PostgreSQL server.
func TestIsUnavailableClosedPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	dsn := "postgres://latchkey:secret@127.0.0.1:" + strconv.Itoa(port) + "/latchkey?sslmode=disable"
	db, err := sqlstore.Open(t.Context(), dsn)
	if err == nil {
		db.Close()
		t.Fatal("Open on a closed port succeeded")
	}
	if !sqlstore.IsUnavailable(err) {
		t.Fatalf("IsUnavailable(%v) = false, want true", err)
	}
}

// TestIsUnavailableStoreErrors checks that the errors a working store returns on purpose are
// not taken for an outage.
func TestIsUnavailableStoreErrors(t *testing.T) {
	t.Parallel()
	forEachBackend(t, func(t *testing.T, b backend) {
		db := open(t, b.migrated(t))
		_, err := db.WorkspaceBySlug(t.Context(), "nope")
		if !errors.Is(err, latchkey.ErrNotFound) || sqlstore.IsUnavailable(err) {
			t.Fatalf("WorkspaceBySlug(unknown) = %v; want ErrNotFound, not unavailable", err)
		}
		admin := func() latchkey.Account {
			return latchkey.Account{ID: latchkey.NewID(), Email: "a@acme.test", Role: latchkey.RoleAdmin, Status: latchkey.StatusInvited, CreatedAt: t0, UpdatedAt: t0}
		}
		w := latchkey.Workspace{ID: latchkey.NewID(), Slug: "acme", Name: "Acme", CreatedAt: t0}
		if err := db.CreateWorkspace(t.Context(), w, admin()); err != nil {
			t.Fatal(err)
		}
		w.ID = latchkey.NewID()
		err = db.CreateWorkspace(t.Context(), w, admin())
		if !errors.Is(err, latchkey.ErrConflict) || sqlstore.IsUnavailable(err) {
			t.Fatalf("CreateWorkspace(taken slug) = %v; want ErrConflict, not unavailable", err)
		}
	})
}
