package sqlstore

import (
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5/pgconn"
)

// IsUnavailable reports whether err says that the database could not be reached or went away
// mid-request, as opposed to refusing or failing a statement: a refused, reset or timed-out
// connection (any *pgconn.ConnectError, which includes a failed dial, a connect timeout and a
// server refusing new connections), a connection that broke mid-query (driver.ErrBadConn,
// sql.ErrConnDone, pgconn.ErrConnClosed, an unexpected EOF, a network error), or a
// PostgreSQL error of class 08 (connection exception), 57P01–57P03 (the server is shutting
// down or starting) or 53300 (too many connections).
//
// Such an error is the database's outage, not the request's fault, and it ends by itself:
// database/sql opens fresh connections once the server answers again. Callers show a "try
// again shortly" answer (HTTP 503) for it rather than an internal error. A statement
// timeout, a constraint violation or a closed *DB is not unavailability.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var connectErr *pgconn.ConnectError
	var pgErr *pgconn.PgError
	var netErr *net.OpError
	switch {
	case errors.As(err, &connectErr):
		return true
	case errors.As(err, &pgErr):
		return strings.HasPrefix(pgErr.Code, "08") || // connection_exception and its subclasses
			pgErr.Code == "57P01" || // admin_shutdown
			pgErr.Code == "57P02" || // crash_shutdown
			pgErr.Code == "57P03" || // cannot_connect_now
			pgErr.Code == "53300" // too_many_connections
	case errors.Is(err, driver.ErrBadConn),
		errors.Is(err, sql.ErrConnDone),
		errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED),
		errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE),
		errors.As(err, &netErr):
		return true
	}
	return false
}
