package hugeheap

import (
	"bufio"
	"bytes"
	"os"
	"runtime/metrics"
	"strconv"
	"testing"
)

func TestDisabled(t *testing.T) {
	for godebug, want := range map[string]bool{
		"":                            false,
		"disablethp=1":                true,
		"madvdontneed=1,disablethp=1": true,
		" disablethp=1 ":              true,
		"disablethp=0":                false,
		"disablethp=1,disablethp=0":   false,
		"xdisablethp=1":               false,
	} {
		if got := disabled(godebug); got != want {
			t.Errorf("disabled(%q) = %v, want %v", godebug, got, want)
		}
	}
}

// size is a growth already known.
func size(n int) func() int { return func() int { return n } }

// forcedGCs counts the collections a program asked for: Reserve asks for
// one each time it reserves.
func forcedGCs() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/forced:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestReserveOnlyWhenEnabledLargeAndOnce(t *testing.T) {
	if !OnRequest() || strictOvercommit() || disabled(os.Getenv("GODEBUG")) || addressSpaceLimited() {
		t.Skip("no huge pages on request here (kernel setting, GODEBUG or ulimit -v)")
	}
	before := forcedGCs()
	Reserve(func() int { t.Fatal("the growth was guessed for a Reserve that cannot act"); return 0 }) // not enabled
	Enable()
	defer enabled.Store(false)
	defer reserved.Store(false)
	Reserve(size(MinGrowth - 1))
	if n := forcedGCs() - before; n != 0 {
		t.Fatalf("Reserve acted %d times: not enabled, or too little growth to be worth it", n)
	}
	Reserve(size(MinGrowth))
	if n := forcedGCs() - before; n != 1 {
		t.Fatalf("Reserve(MinGrowth) enabled acted %d times, want 1", n)
	}
	Reserve(size(MinGrowth))
	if n := forcedGCs() - before; n != 1 {
		t.Fatalf("Reserve acted %d times in all, want once per process", n)
	}
}

// anonHuge is how much of the process's anonymous memory is in huge pages.
func anonHuge(t *testing.T) int {
	t.Helper()
	data, err := os.ReadFile("/proc/self/smaps_rollup")
	if err != nil {
		t.Skip("no /proc/self/smaps_rollup:", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := bytes.CutPrefix(sc.Bytes(), []byte("AnonHugePages:")); ok {
			kb, err := strconv.Atoi(string(bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(v), []byte("kB")))))
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no AnonHugePages in /proc/self/smaps_rollup")
	return 0
}

func TestReserveBacksGrowthWithHugePages(t *testing.T) {
	if !OnRequest() || strictOvercommit() || disabled(os.Getenv("GODEBUG")) || addressSpaceLimited() {
		t.Skip("no huge pages on request here (kernel setting, GODEBUG or ulimit -v)")
	}
	Enable()
	defer enabled.Store(false)
	defer reserved.Store(false)
	before := anonHuge(t)
	Reserve(size(MinGrowth))
	const grow = 64 << 20
	held := make([][]byte, 0, grow/512)
	for range grow / 512 {
		b := make([]byte, 512)
		b[0] = 1
		held = append(held, b)
	}
	// The kernel may have no free 2 MiB block to give for some of them; most
	// of what the heap grew into must be huge pages all the same.
	if got := anonHuge(t) - before; got < grow/2 {
		t.Errorf("the heap grew %d MiB after Reserve, %d MiB of it in huge pages", grow>>20, got>>20)
	}
	if len(held) != grow/512 {
		t.Fatal("lost an allocation")
	}
}
