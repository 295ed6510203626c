// Command firsttouch measures what fresh memory costs on the machine
// scripts/bench.sh runs on: it writes one byte in every 4 KiB page of a
// new 256 MiB slice, then does it again. The first pass is what a run
// pays for each page its heap grows into; on some virtual machines it is
// most of a run over many workloads, and of the round trip too.
package main

import (
	"fmt"
	"time"
)

func main() {
	const size, page = 256 << 20, 4096
	b := make([]byte, size)
	touch := func(v byte) time.Duration {
		start := time.Now()
		for i := 0; i < len(b); i += page {
			b[i] = v
		}
		return time.Since(start)
	}
	first, again := touch(1), touch(2)
	fmt.Printf("fresh memory: %.0f ms for 256 MiB (%.1f µs a 4 KiB page); the same pages again: %.1f ms\n",
		float64(first.Microseconds())/1000, float64(first.Nanoseconds())/1000/(size/page), float64(again.Microseconds())/1000)
}
