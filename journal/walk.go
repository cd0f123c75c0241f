package journal

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"runtime"
	"sync"
)

// A walk reads segments in order in a pipeline of three stages, so that a
// replay runs at the speed of its slowest stage rather than at the sum of
// them:
//
//   - the producer (one goroutine) reads each segment in chunks of about
//     chunkSize bytes, finds the records in them and checks what is
//     sequential: each record's CRC and sequence, the segment headers and the
//     links between segments. A record stores its own chain hash, so its
//     chain link (record i's hash against record i−1's stored one) can be
//     checked without the links before it;
//   - the hashers (GOMAXPROCS goroutines) check those links, each a share of
//     every chunk, in parallel;
//   - the consumer (the caller's goroutine) waits for each chunk's hashers,
//     in order, and hands its records to fn.
//
// fn sees a record only once everything before it and the record itself
// are verified, and errors are reported in sequence order, as a sequential
// walk would: a broken link in a chunk before the producer's error comes
// first.
const (
	chunkSize = 512 << 10 // bytes read at a time, and the records handed over at once
	pipeDepth = 4         // chunks between the producer and the consumer
	minJob    = 512       // records per hashing job, at least
)

// walkOptions say where a walk starts, what it checks and what it delivers.
type walkOptions struct {
	// from is the first record handed to fn (0 and 1: from the first).
	// Without pin or at, the walk starts at the segment that holds it.
	from uint64
	// pin, when set, starts the walk after record pin.seq: the records of
	// its segment up to pin.seq are skipped (only their lengths and
	// sequences are read), record pin.seq must pass its CRC and carry
	// pin.chain (or, when pin.seq+1 starts a segment, that segment's header
	// must start from it), and the records after it are verified from
	// there. A journal that does not confirm the pin ends the walk with
	// errPin.
	pin *position
	// at, when set, starts the walk at a known place (a pin that Open
	// confirmed): its offset, chain and sequence are trusted.
	at *position
	// trustFrom > 0: the chain links of records ≥ trustFrom are not
	// recomputed (they were verified before); their CRCs and sequences
	// still are checked.
	trustFrom uint64
	fn        func(seq uint64, chain *[32]byte, payload []byte) error
}

// position is a place in the journal: after record seq, whose chain hash
// is chain; for at, record seq+1 starts at byte off of the segment whose
// first record is seg.
type position struct {
	seq   uint64
	chain [32]byte
	seg   uint64
	off   int64
}

// errPin: the journal does not hold the pinned record with the pinned
// chain (Open then verifies the whole journal).
var errPin = errors.New("journal: the pinned record is not in the journal")

// walkResult is where a walk ended.
type walkResult struct {
	Report
	lastPath string   // last segment's path, "" when there is none
	lastEnd  int64    // end of the last valid record in it
	start    position // with a pin: where the verification started
}

// rec is a record found in a chunk's buffer.
type rec struct {
	seq       uint64
	off, size int32 // start and length (header and payload) in chunk.buf
}

// chunk is a buffer of one segment's bytes and the whole records found in
// it, handed from the producer to the consumer.
type chunk struct {
	buf   []byte
	base  int64 // file offset of buf[0]
	path  string
	recs  []rec
	prev  [32]byte // chain before recs[0]
	nhash int      // recs[:nhash] have their links checked by the hashers
	fail  []int    // per hashing job: index of its first broken link, or -1
	wg    sync.WaitGroup
	err   error // ends the walk after recs
}

func (c *chunk) chain(i int) *[32]byte {
	o := c.recs[i].off
	return (*[32]byte)(c.buf[o+16 : o+48])
}

func (c *chunk) payload(i int) []byte {
	r := c.recs[i]
	return c.buf[r.off+recordHeaderSize : r.off+r.size : r.off+r.size]
}

type job struct {
	c         *chunk
	k, lo, hi int
}

type walker struct {
	dir     string
	o       walkOptions
	segs    []segment
	res     walkResult
	out     chan *chunk
	free    chan *chunk
	jobs    chan job
	quit    chan struct{}
	hashers sync.WaitGroup
	started bool // hashers running
	nhash   int  // hashers to start
}

// walk verifies the journal in dir as o says, calling o.fn, when not nil,
// for each record with sequence ≥ o.from. The payload and the chain alias a
// buffer that is reused: fn must not keep them. A torn tail ends the walk
// without error; fn's error ends it and is returned as is.
func walk(dir string, o walkOptions) (walkResult, error) {
	w := &walker{dir: dir, o: o}
	segs, err := listFiles(dir, segmentExt)
	if err != nil {
		return w.res, err
	}
	w.segs, w.res.Segments = segs, len(segs)
	if len(segs) == 0 {
		if o.from > 1 || o.pin != nil || o.at != nil {
			if o.pin != nil {
				return w.res, errPin
			}
			return w.res, fmt.Errorf("journal: %s holds no records, cannot read from sequence %d", dir, o.from)
		}
		return w.res, nil
	}
	w.nhash = max(1, runtime.GOMAXPROCS(0))
	w.out = make(chan *chunk, pipeDepth)
	w.free = make(chan *chunk, pipeDepth+2)
	w.jobs = make(chan job, 4*w.nhash*pipeDepth)
	w.quit = make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		w.produce()
	}()
	err = w.consume()
	<-done
	w.hashers.Wait()
	if err != nil {
		return w.res, err
	}
	if o.from > w.res.LastSeq+1 {
		return w.res, fmt.Errorf("journal: ends at sequence %d, cannot read from %d", w.res.LastSeq, o.from)
	}
	return w.res, nil
}

// consume hands the records of each chunk to fn, in order, once verified.
func (w *walker) consume() error {
	for c := range w.out {
		c.wg.Wait()
		n, err := len(c.recs), c.err
		for _, f := range c.fail {
			if f >= 0 && f < n {
				n = f
			}
		}
		if n < len(c.recs) {
			r := c.recs[n]
			err = corruptf("%s: chain broken at sequence %d (offset %d)", c.path, r.seq, c.base+int64(r.off))
		}
		if w.o.fn != nil {
			for i := range n {
				if seq := c.recs[i].seq; seq >= w.o.from {
					if ferr := w.o.fn(seq, c.chain(i), c.payload(i)); ferr != nil {
						err = ferr
						break
					}
				}
			}
		}
		if err != nil {
			close(w.quit)
			for range w.out { // the producer sees quit and closes out
			}
			return err
		}
		select {
		case w.free <- c:
		default:
		}
	}
	return nil
}

// getChunk returns an empty chunk with a buffer of chunkSize bytes at least.
func (w *walker) getChunk() *chunk {
	select {
	case c := <-w.free:
		c.recs, c.nhash, c.fail, c.err = c.recs[:0], 0, c.fail[:0], nil
		return c
	default:
		return &chunk{} // segReader.fill makes its buffer
	}
}

// emit starts the hashing of c's links and hands c to the consumer; false
// when the consumer has quit.
func (w *walker) emit(c *chunk) bool {
	if n := c.nhash; n > 0 {
		if !w.started {
			w.started = true
			w.hashers.Add(w.nhash)
			for range w.nhash {
				go w.hash()
			}
		}
		k := min(w.nhash, (n+minJob-1)/minJob)
		for range k {
			c.fail = append(c.fail, -1)
		}
		c.wg.Add(k)
		for j := range k {
			w.jobs <- job{c: c, k: j, lo: n * j / k, hi: n * (j + 1) / k}
		}
	}
	select {
	case w.out <- c:
		return true
	case <-w.quit:
		return false
	}
}

// hash checks the chain links of its jobs' records.
func (w *walker) hash() {
	defer w.hashers.Done()
	ch := newChainer()
	for j := range w.jobs {
		c := j.c
		for i := j.lo; i < j.hi; i++ {
			prev := &c.prev
			if i > 0 {
				prev = c.chain(i - 1)
			}
			if ch.next(prev, c.recs[i].seq, c.payload(i)) != *c.chain(i) {
				c.fail[j.k] = i
				break
			}
		}
		c.wg.Done()
	}
}

var errQuit = errors.New("journal: walk abandoned")

// produce reads the segments and emits their chunks; an error ends the
// walk as the last chunk's err.
func (w *walker) produce() {
	defer close(w.out)
	defer close(w.jobs)
	c := w.getChunk()
	err := w.segments(&c)
	switch {
	case errors.Is(err, errQuit):
	case err != nil:
		c.err = err
		w.emit(c)
	case len(c.recs) > 0:
		w.emit(c)
	}
}

// segments walks the segments from the start; *cur is the chunk being
// filled.
func (w *walker) segments(cur **chunk) error {
	o := &w.o
	start := 0
	switch {
	case o.at != nil:
		start = -1
		for i, s := range w.segs {
			if s.first == o.at.seg {
				start = i
			}
		}
		if start < 0 {
			return fmt.Errorf("journal: segment %d is gone", o.at.seg)
		}
	default:
		target := o.from
		if o.pin != nil {
			target = o.pin.seq + 1
		}
		for i, s := range w.segs {
			if s.first <= target {
				start = i
			}
		}
	}
	var seq uint64     // last good sequence
	var chain [32]byte // stored chain hash of seq (verified once the hashers agree)
	for i := start; i < len(w.segs); i++ {
		s := w.segs[i]
		last := i == len(w.segs)-1
		f, err := os.Open(s.path)
		if err != nil {
			return err
		}
		sr, err := newSegReader(f, (*cur).buf)
		if err != nil {
			f.Close()
			return err
		}
		err = func() error {
			if i == start && o.at != nil {
				if _, err := f.Seek(o.at.off, io.SeekStart); err != nil {
					return err
				}
				sr.base = o.at.off
				seq, chain = o.at.seq, o.at.chain
			} else {
				if seq, chain, err = w.header(sr, i, start, seq, chain); err != nil {
					return err
				}
				if i == start && o.pin != nil {
					if err := w.hop(sr, &seq, &chain); err != nil {
						return err
					}
					w.res.start = position{seq: seq, chain: chain, seg: s.first, off: sr.base + int64(sr.pos)}
				}
			}
			(*cur).buf, (*cur).base, (*cur).path, (*cur).prev = sr.buf, sr.base, s.path, chain
			return w.records(sr, cur, s.path, last, &seq, &chain)
		}()
		f.Close()
		if err != nil {
			return err
		}
		if c := *cur; len(c.recs) > 0 {
			if !w.emit(c) {
				return errQuit
			}
			*cur = w.getChunk()
		}
	}
	w.res.Records, w.res.LastSeq, w.res.Head = seq, seq, chain
	return nil
}

// header reads and checks segment i's header against the end of the
// previous segment (seq, chain), and returns where its records start from.
func (w *walker) header(sr *segReader, i, start int, seq uint64, chain [32]byte) (uint64, [32]byte, error) {
	s := w.segs[i]
	var hdr [segmentHeaderSize]byte
	n, err := io.ReadFull(sr.f, hdr[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return 0, chain, err
	}
	first, prev, err := parseSegmentHeader(hdr[:n])
	if err != nil {
		return 0, chain, fmt.Errorf("%s: %w", s.path, err)
	}
	switch {
	case first != s.first:
		return 0, chain, corruptf("%s: header says first sequence %d", s.path, first)
	case i == 0 && (first != 1 || prev != [32]byte{}):
		return 0, chain, corruptf("%s: the first segment must start at sequence 1 from the zero chain", s.path)
	case i > start && first != seq+1:
		return 0, chain, corruptf("%s: starts at sequence %d, the previous segment ended at %d", s.path, first, seq)
	case i > start && prev != chain:
		return 0, chain, corruptf("%s: starts from chain %x, the previous segment ended at %x", s.path, prev[:8], chain[:8])
	}
	sr.base = segmentHeaderSize
	return first - 1, prev, nil
}

// hop skips the records of the segment up to the pinned one and checks it
// (see walkOptions.pin).
func (w *walker) hop(sr *segReader, seq *uint64, chain *[32]byte) error {
	pin := w.o.pin
	if *seq == pin.seq {
		if *chain != pin.chain {
			return errPin
		}
		return nil
	}
	for {
		size, st := sr.next()
		switch st {
		case recMore:
			if err := sr.fill(false, nil, size); err != nil {
				return err
			}
			continue
		case recEnd, recBad:
			return errPin
		}
		b := sr.buf[sr.pos : sr.pos+size]
		s := binary.LittleEndian.Uint64(b[8:16])
		if s != *seq+1 || s > pin.seq {
			return errPin
		}
		sr.pos += size
		*seq = s
		if s == pin.seq {
			r, ok := parseRecord(b)
			if !ok || r.chain != pin.chain {
				return errPin
			}
			*chain = r.chain
			return nil
		}
	}
}

// records reads the rest of a segment into chunks.
func (w *walker) records(sr *segReader, cur **chunk, path string, last bool, seq *uint64, chain *[32]byte) error {
	o := &w.o
	c := *cur
	for {
		size, st := sr.next()
		if st == recMore {
			if len(c.recs) > 0 {
				nc := w.getChunk()
				if err := sr.fill(true, nc.buf, size); err != nil {
					return err
				}
				if !w.emit(c) {
					return errQuit
				}
				c = nc
				*cur = c
				c.path, c.prev = path, *chain
			} else if err := sr.fill(false, nil, size); err != nil {
				return err
			}
			c.buf, c.base = sr.buf, sr.base
			continue
		}
		if st == recEnd {
			if last {
				w.res.lastPath, w.res.lastEnd = path, sr.base+int64(sr.pos)
			}
			return nil
		}
		b := sr.buf[sr.pos:]
		if st == recOK {
			b = b[:size]
		}
		if st == recBad || binary.LittleEndian.Uint32(b[0:4]) != crc32.Checksum(b[4:], castagnoli) {
			return w.bad(sr, path, last, *seq)
		}
		s := binary.LittleEndian.Uint64(b[8:16])
		if s != *seq+1 {
			return corruptf("%s: record at offset %d has sequence %d, want %d", path, sr.base+int64(sr.pos), s, *seq+1)
		}
		c.recs = append(c.recs, rec{seq: s, off: int32(sr.pos), size: int32(size)}) //nolint:gosec // < chunk buffer size
		if o.trustFrom == 0 || s < o.trustFrom {
			c.nhash = len(c.recs)
		}
		*seq = s
		copy(chain[:], b[16:48])
		sr.pos += size
	}
}

// bad decides what a record that fails verification at sr.pos is: a torn
// tail (nothing valid after it, last segment) or corruption.
func (w *walker) bad(sr *segReader, path string, last bool, seq uint64) error {
	off := sr.base + int64(sr.pos)
	rest, err := sr.rest()
	if err != nil {
		return err
	}
	if later := validRecordAfter(rest, seq+1); later >= 0 {
		return corruptf("%s: bad record at offset %d (sequence %d) followed by a valid record at offset %d",
			path, off, seq+1, off+int64(later))
	}
	if !last {
		return corruptf("%s: bad record at offset %d (sequence %d) in a segment that is not the last", path, off, seq+1)
	}
	w.res.TornBytes = int64(len(rest))
	w.res.lastPath, w.res.lastEnd = path, off
	return nil
}

// segReader reads a segment file's records a buffer at a time: buf[:n]
// holds the file's bytes from offset base on, and the next record starts at
// pos.
type segReader struct {
	f      *os.File
	size   int64 // the file's size when opened
	buf    []byte
	n, pos int
	base   int64
	eof    bool
}

func newSegReader(f *os.File, buf []byte) (*segReader, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return &segReader{f: f, size: st.Size(), buf: buf}, nil
}

type recStatus int

const (
	recOK   recStatus = iota // a whole record lies in buf at pos
	recMore                  // read more first (fill)
	recEnd                   // the file ends cleanly at pos
	recBad                   // the bytes at pos cannot be a whole record
)

// next sizes the record at pos (header and payload) from its length field;
// its CRC is not checked. recMore returns the size needed when known (0:
// the header's).
func (s *segReader) next() (int, recStatus) {
	avail := s.n - s.pos
	if avail < recordHeaderSize {
		switch {
		case !s.eof:
			return 0, recMore
		case avail == 0:
			return 0, recEnd
		}
		return 0, recBad
	}
	l := binary.LittleEndian.Uint32(s.buf[s.pos+4:])
	if l > MaxPayload {
		return 0, recBad
	}
	size := recordHeaderSize + int(l)
	if avail < size {
		if s.eof {
			return 0, recBad
		}
		return size, recMore
	}
	return size, recOK
}

// fill moves the bytes from pos on to the start of a buffer and reads the
// file after them until the buffer is full or the file ends. The buffer is
// the current one when keep is false, else dst (the current one is kept by
// a chunk); a larger one is made when either is too small for want bytes.
func (s *segReader) fill(keep bool, dst []byte, want int) error {
	left := s.n - s.pos
	if !keep {
		dst = s.buf
	}
	// A chunk at most, and no more than the file's rest (by its size when
	// opened; it may have grown since) and some slack to see its end.
	need := max(want, left+recordHeaderSize)
	if rest := s.size - s.base - int64(s.n); rest < chunkSize {
		need = max(need, left+int(max(rest, 0))+recordHeaderSize)
	} else {
		need = max(need, chunkSize)
	}
	if cap(dst) < need {
		dst = make([]byte, need)
	}
	dst = dst[:cap(dst)]
	copy(dst, s.buf[s.pos:s.n])
	s.base += int64(s.pos)
	s.buf, s.n, s.pos = dst, left, 0
	for s.n < len(s.buf) && !s.eof {
		k, err := s.f.Read(s.buf[s.n:])
		s.n += k
		switch {
		case errors.Is(err, io.EOF):
			s.eof = true
		case err != nil:
			return err
		case k == 0:
			return io.ErrNoProgress
		}
	}
	return nil
}

// rest returns the segment's bytes from pos to its end.
func (s *segReader) rest() ([]byte, error) {
	b := bytes.Clone(s.buf[s.pos:s.n])
	if s.eof {
		return b, nil
	}
	more, err := io.ReadAll(s.f)
	return append(b, more...), err
}
