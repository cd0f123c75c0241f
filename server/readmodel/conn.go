package readmodel

import (
	"errors"
	"fmt"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// conn is the connection Apply writes on: SQLite's C API (modernc.org's Go
// translation, the same library database/sql's "sqlite" driver runs) called
// directly, without database/sql. The driver costs about as much as the
// insert itself on this path: it takes the connection's mutex for every
// bound value, looks up each parameter's name, converts and boxes every
// argument; here a value is one sqlite3_bind_int64 on a connection opened
// without a mutex. The queries keep database/sql's pooled connections (WAL:
// they read the last committed batch while Apply writes).
//
// A conn is used by one goroutine at a time (DB.mu).
type conn struct {
	tls   *libc.TLS
	db    uintptr
	stmts []*stmt // prepared, finalized by close
}

// stmt is a prepared statement whose parameters are all integers.
type stmt struct {
	c *conn
	p uintptr
	n int // parameters
}

// openConn opens the database file at path for writing and applies the
// writer's pragmas.
func openConn(path string, pragmas string) (_ *conn, err error) {
	c := &conn{tls: libc.NewTLS()}
	name, err := libc.CString(path)
	if err != nil {
		c.tls.Close()
		return nil, err
	}
	defer libc.Xfree(c.tls, name)
	out := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	rc := sqlite3.Xsqlite3_open_v2(c.tls, name, out, sqlite3.SQLITE_OPEN_READWRITE|sqlite3.SQLITE_OPEN_NOMUTEX, 0)
	c.db = readPtr(out)
	if rc != sqlite3.SQLITE_OK {
		err = c.error(rc)
		c.close()
		return nil, fmt.Errorf("readmodel: open %s: %w", path, err)
	}
	if err := c.exec(pragmas); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// error describes the connection's last error.
func (c *conn) error(rc int32) error {
	msg := ""
	if c.db != 0 {
		msg = libc.GoString(sqlite3.Xsqlite3_errmsg(c.tls, c.db))
	}
	return fmt.Errorf("sqlite error %d: %s", rc, msg)
}

// exec runs one or more statements without parameters.
func (c *conn) exec(sql string) error {
	s, err := libc.CString(sql)
	if err != nil {
		return err
	}
	defer libc.Xfree(c.tls, s)
	if rc := sqlite3.Xsqlite3_exec(c.tls, c.db, s, 0, 0, 0); rc != sqlite3.SQLITE_OK {
		return fmt.Errorf("readmodel: %w", c.error(rc))
	}
	return nil
}

// prepare prepares one statement; close finalizes it.
func (c *conn) prepare(sql string) (*stmt, error) {
	s, err := libc.CString(sql)
	if err != nil {
		return nil, err
	}
	defer libc.Xfree(c.tls, s)
	out := c.tls.Alloc(int(unsafe.Sizeof(uintptr(0))))
	defer c.tls.Free(int(unsafe.Sizeof(uintptr(0))))
	if rc := sqlite3.Xsqlite3_prepare_v2(c.tls, c.db, s, -1, out, 0); rc != sqlite3.SQLITE_OK {
		return nil, fmt.Errorf("readmodel: prepare: %w", c.error(rc))
	}
	st := &stmt{c: c, p: readPtr(out)}
	st.n = int(sqlite3.Xsqlite3_bind_parameter_count(c.tls, st.p))
	c.stmts = append(c.stmts, st)
	return st, nil
}

// readPtr reads the pointer a C function stored at p (C memory).
func readPtr(p uintptr) uintptr {
	b := libc.GoBytes(p, int(unsafe.Sizeof(uintptr(0))))
	return *(*uintptr)(unsafe.Pointer(&b[0]))
}

var errArgs = errors.New("readmodel: statement run with the wrong number of values")

// run binds vals to the statement's parameters, in order, runs it to its
// end and resets it.
func (s *stmt) run(vals []int64) error {
	if len(vals) != s.n {
		return errArgs
	}
	tls := s.c.tls
	for i, v := range vals {
		if rc := sqlite3.Xsqlite3_bind_int64(tls, s.p, int32(i+1), v); rc != sqlite3.SQLITE_OK { //nolint:gosec // ≤ 32766 parameters
			return fmt.Errorf("readmodel: bind: %w", s.c.error(rc))
		}
	}
	rc := sqlite3.Xsqlite3_step(tls, s.p)
	sqlite3.Xsqlite3_reset(tls, s.p)
	if rc != sqlite3.SQLITE_DONE {
		return fmt.Errorf("readmodel: %w", s.c.error(rc))
	}
	return nil
}

// close finalizes the statements and closes the connection.
func (c *conn) close() {
	for _, st := range c.stmts {
		sqlite3.Xsqlite3_finalize(c.tls, st.p)
	}
	c.stmts = nil
	if c.db != 0 {
		sqlite3.Xsqlite3_close_v2(c.tls, c.db)
		c.db = 0
	}
	c.tls.Close()
}
