package sqlstore

import (
	"fmt"
	"path/filepath"
	"testing"
)

// The statement cache: a query is prepared once per connection and reused; a query run again
// while its first rows are still open (a nested read in a transaction) gets a statement of its
// own and both read correctly; past maxCachedStmts the cache starts again and still answers.
func TestStatementCache(t *testing.T) {
	db, err := Open(t.Context(), filepath.Join(t.TempDir(), "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := t.Context()
	if _, err := db.rw.ExecContext(ctx, `CREATE TABLE t (n INTEGER NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if _, err := db.rw.ExecContext(ctx, `INSERT INTO t (n) VALUES ($1)`, i); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := db.rw.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	cached := func() (n int, has bool) {
		conn.Raw(func(dc any) error {
			c := dc.(*cachingConn)
			n = len(c.stmts)
			_, has = c.stmts[`INSERT INTO t (n) VALUES ($1)`]
			return nil
		})
		return n, has
	}
	if _, has := cached(); !has {
		t.Fatal("the INSERT run three times is not in the connection's cache")
	}

	const q = `SELECT n FROM t ORDER BY n`
	outer, err := conn.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for outer.Next() {
		var n int
		if err := outer.Scan(&n); err != nil {
			t.Fatal(err)
		}
		inner, err := conn.QueryContext(ctx, q) // the cached statement is busy
		if err != nil {
			t.Fatal(err)
		}
		sum := 0
		for inner.Next() {
			var m int
			inner.Scan(&m)
			sum += m
		}
		inner.Close()
		got = append(got, fmt.Sprintf("%d:%d", n, sum))
	}
	if err := outer.Err(); err != nil {
		t.Fatal(err)
	}
	outer.Close()
	if fmt.Sprint(got) != "[0:3 1:3 2:3]" {
		t.Fatalf("nested reads of one query = %v, want [0:3 1:3 2:3]", got)
	}

	for i := range maxCachedStmts + 10 {
		var n int
		if err := conn.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) + %d FROM t`, i)).Scan(&n); err != nil || n != 3+i {
			t.Fatalf("query %d = %d, %v; want %d", i, n, err, 3+i)
		}
	}
	if n, _ := cached(); n > maxCachedStmts {
		t.Errorf("%d statements cached, more than maxCachedStmts (%d)", n, maxCachedStmts)
	}
}
