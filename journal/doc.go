// Package journal is Waterfall's write-ahead log: an append-only sequence of
// opaque []byte payloads, numbered 1, 2, 3, … (the sequence), each checksummed
// and linked into a hash chain, kept in segment files in one directory; plus
// snapshot files beside them. It knows nothing of what the payloads mean
// (package journal/record does).
//
// # Files
//
// A directory holds segments named after the sequence of their first record,
// "%020d.wal", and snapshots named after the sequence they were taken at,
// "%020d.snap". Files ending in ".tmp" are unfinished and removed on Open and
// WriteSnapshot; other files are ignored.
//
// # Segment format (version 1), integers little-endian
//
//	header, 56 bytes:
//	  [8]byte  magic "WFJRNL\x00\x01"
//	  uint32   format version (1)
//	  uint64   sequence of the segment's first record (equals the file name)
//	  [32]byte chain hash the segment starts from (after the previous record)
//	  uint32   CRC-32C (Castagnoli) of the 52 bytes above
//	records, each 48 bytes of header then the payload:
//	  uint32   CRC-32C of everything after it: length, sequence, chain, payload
//	  uint32   payload length (at most MaxPayload)
//	  uint64   sequence
//	  [32]byte chain hash
//	  payload
//
// # Hash chain
//
// chain(0) is 32 zero bytes; chain(n) = SHA-256(chain(n−1) ‖ uint64le(n) ‖
// payload(n)), stored whole (32 bytes, not truncated) in record n. A record
// that is changed, removed, inserted or moved breaks the chain at that point
// even when its CRC is recomputed, and a chain head known from elsewhere (a
// snapshot, a replica, an audit report) pins everything before it. The first
// segment must start at sequence 1 from the zero chain; each later segment
// must start where the previous one ended (sequence and chain).
//
// # Durability
//
// Writer.Append only buffers; Writer.Sync writes the whole batch with one
// write and makes it durable with one fsync (group commit). A batch is never
// split across segments: a segment is rolled before a batch once it holds
// SegmentSize bytes or more, so a segment can exceed SegmentSize by one batch.
// A new segment is written to a temporary file, fsynced, renamed into place
// and the directory fsynced, so a segment header is never torn.
//
// # What is verified when
//
// Verify checks everything from sequence 1 (`waterfall audit` runs it), and
// so does Read from the segment that holds its first record. Open checks
// what a restart replays: the records after the newest snapshot whose chain
// hash the journal confirms (that snapshot's record carries it), or all of
// them when there is none; Writer.Replay then reads them without
// recomputing their chain links, and verifies any earlier record it has to
// deliver. So a restart verifies each record it replays once. Every walk
// checks the CRCs and sequences as it reads and the chain links on
// GOMAXPROCS goroutines: each record stores its chain hash, so record n's
// link can be checked from record n−1's stored hash without the links
// before it.
//
// # Torn tails and corruption
//
// A crash can leave the last segment ending in part of a batch. When the
// verification of a record fails (too short, length past the end of the file,
// or CRC mismatch), the rest of that segment is searched for any valid record
// (a plausible header whose CRC matches). If there is none and the segment is
// the last one, the bytes from the failed record on are a torn tail: Open
// truncates them (they were never acknowledged, since their batch's fsync did
// not return), Read and Verify stop before them, and the reports say how many
// bytes that is. Otherwise it is corruption, ErrCorrupt: a bad record
// followed by a valid one, a bad record in a segment that is not the last, a
// record whose CRC holds but whose sequence or chain is wrong, a bad segment
// header, a gap between segments. Corruption is never cut silently.
//
// A power loss can persist the pages of an unsynced batch out of order and so
// leave a hole followed by a valid record; that is reported as corruption
// too, and needs an operator's decision.
package journal
