package journal_test

import (
	"fmt"
	"testing"

	"github.com/waterfallrisk/waterfall/engine"
	"github.com/waterfallrisk/waterfall/journal"
	"github.com/waterfallrisk/waterfall/journal/record"
)

// BenchmarkGroupCommit (issue #4 point 11): the journal's append rate with
// group commit, in commands per second: batches of n Command records (a
// place-order command as the sequencer journals it, 1 + 20-odd bytes),
// each batch made durable by one write and one fsync. nosync is the same
// without the fsync: the CPU's share (CRC-32C, SHA-256 chain, copy).
func BenchmarkGroupCommit(b *testing.B) {
	payload := record.AppendCommand(nil, &engine.Command{Kind: engine.CmdPlaceOrder, Account: 1234, Side: engine.Bid,
		Price: 1_000_017, Quantity: 5, ClientID: 77})
	for _, noSync := range []bool{false, true} {
		for _, n := range []int{1, 64, 1024, 4096, 16384, 65536} {
			name := fmt.Sprintf("batch=%d", n)
			if noSync {
				name = "nosync/" + name
			}
			b.Run(name, func(b *testing.B) {
				j, err := journal.Open(b.TempDir(), journal.Options{NoSync: noSync})
				if err != nil {
					b.Fatal(err)
				}
				defer j.Close()
				b.SetBytes(int64(n * len(payload)))
				for b.Loop() {
					for range n {
						if _, err := j.Append(payload); err != nil {
							b.Fatal(err)
						}
					}
					if err := j.Sync(); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)*float64(n)/b.Elapsed().Seconds(), "commands/s")
				b.ReportMetric(float64(len(payload)), "payload-bytes")
			})
		}
	}
}
