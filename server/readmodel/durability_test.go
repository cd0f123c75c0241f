package readmodel

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waterfallrisk/waterfall/engine/config"
)

// The database is written without fsync: one left open by a process crash
// is kept (the operating system has its writes), one left open when the
// machine went down (another boot) is recreated, a cleanly closed one is
// kept whatever the boot.
func TestUncleanShutdownAcrossBoots(t *testing.T) {
	if bootID() == "" {
		t.Skip("no boot id here: the database is written with fsync")
	}
	cfg := config.Default()
	path := filepath.Join(t.TempDir(), FileName)
	ctx := context.Background()
	open := func() *DB {
		t.Helper()
		db, err := Open(path, cfg, 5)
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	crash := func(db *DB) { // what a killed process leaves: no clean close
		db.closeWriter()
		_ = db.sql.Close()
	}
	setMeta := func(kv ...string) { // edit meta as another boot would have left it
		t.Helper()
		s, err := sql.Open("sqlite", "file:"+path)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		for i := 0; i < len(kv); i += 2 {
			if _, err := s.Exec(sqlSetMeta, kv[i], kv[i+1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	meta := func(db *DB) map[string]string {
		t.Helper()
		m, err := db.readMeta(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}

	db := open()
	if m := meta(db); m["clean"] != "0" || m["boot"] != bootID() {
		t.Fatalf("an open database's meta: %v", m)
	}
	if err := db.Apply(ctx, nil, 7, 1000); err != nil {
		t.Fatal(err)
	}
	crash(db)

	db = open() // the same boot: kept
	if db.Recreated != "" || db.Seq() != 7 || db.Time() != 1000 {
		t.Fatalf("after a process crash: recreated %q, seq %d", db.Recreated, db.Seq())
	}
	crash(db)

	setMeta("boot", "another-boot")
	db = open() // open when the machine went down: recreated
	if !strings.Contains(db.Recreated, "machine went down") || db.Seq() != 0 {
		t.Fatalf("after a machine crash: recreated %q, seq %d", db.Recreated, db.Seq())
	}
	if err := db.Apply(ctx, nil, 9, 2000); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	setMeta("boot", "another-boot")
	db = open() // closed cleanly: kept, whatever the boot
	if db.Recreated != "" || db.Seq() != 9 {
		t.Fatalf("after a clean close: recreated %q, seq %d", db.Recreated, db.Seq())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Apply(ctx, nil, 10, 3000); err == nil {
		t.Fatal("Apply after Close")
	}
}
