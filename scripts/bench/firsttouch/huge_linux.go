package main

import (
	"syscall"
	"time"

	"github.com/chartsec/chartsec-harden/internal/hugeheap"
)

// hugeFirstTouch times the first pass over a fresh mapping advised to be
// huge pages; ok is false when the kernel gives them only always or never.
func hugeFirstTouch() (time.Duration, bool) {
	if !hugeheap.OnRequest() {
		return 0, false
	}
	const huge = 2 << 20
	m, err := syscall.Mmap(-1, 0, size+huge, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE|syscall.MAP_ANON)
	if err != nil {
		return 0, false
	}
	defer syscall.Munmap(m)
	if err := syscall.Madvise(m, syscall.MADV_HUGEPAGE); err != nil {
		return 0, false
	}
	return touch(m, 1), true
}
