package readmodel

import "strings"

// rowChunks are the row counts of the multi-row INSERTs a table's rows are
// written with, largest first: a batch's n rows take n/64 statements of 64
// rows, then at most 7 of 8 and 7 of 1. One statement of many rows costs
// less per row than as many single-row ones (one statement start, one
// journal entry), and SQLite caps the parameters of a statement at 32,766.
var rowChunks = [...]int{64, 8, 1}

// rows gathers one table's rows of a batch, each cols integers, and
// inserts them in order with multi-row INSERT statements prepared once (on
// first use) for each size of rowChunks.
type rows struct {
	head  string // "INSERT INTO t (a, b) VALUES "
	tail  string // after the values (an upsert's ON CONFLICT clause)
	cols  int
	vals  []int64
	stmts [len(rowChunks)]*stmt
}

func newRows(head, tail string, cols int) *rows {
	return &rows{head: head, tail: tail, cols: cols}
}

// add appends one row (len(v) == cols).
func (r *rows) add(v ...int64) { r.vals = append(r.vals, v...) }

// reset forgets the gathered rows.
func (r *rows) reset() { r.vals = r.vals[:0] }

// flush inserts the gathered rows on c and forgets them.
func (r *rows) flush(c *conn) error {
	defer r.reset()
	n, i := len(r.vals)/r.cols, 0
	for k, size := range rowChunks {
		for ; n-i >= size; i += size {
			st := r.stmts[k]
			if st == nil {
				var err error
				if st, err = c.prepare(r.sql(size)); err != nil {
					return err
				}
				r.stmts[k] = st
			}
			if err := st.run(r.vals[i*r.cols : (i+size)*r.cols]); err != nil {
				return err
			}
		}
	}
	return nil
}

// sql is the statement that inserts n rows.
func (r *rows) sql(n int) string {
	one := "(" + strings.TrimSuffix(strings.Repeat("?,", r.cols), ",") + ")"
	return r.head + strings.TrimSuffix(strings.Repeat(one+",", n), ",") + r.tail
}
