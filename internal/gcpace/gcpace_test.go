package gcpace

import (
	"runtime"
	"runtime/metrics"
	"testing"
)

func cycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func TestSettle(t *testing.T) {
	runtime.GC() // no garbage of an earlier test in the heap
	input := make([]byte, 64<<20)
	defer enabled.Store(false)
	for _, c := range []struct {
		name    string
		enabled bool
		input   int
		collect bool
	}{
		{"off (a library's caller)", false, len(input), false},
		{"the input is most of the heap", true, len(input), true},
		{"the input is a small part of the heap", true, 1 << 10, false},
	} {
		enabled.Store(c.enabled)
		before := cycles()
		Settle(c.input)
		if collected := cycles() > before; collected != c.collect {
			t.Errorf("%s: collected %v, want %v", c.name, collected, c.collect)
		}
	}
	runtime.KeepAlive(input)
}

func TestEnableLeavesATunedCollector(t *testing.T) {
	defer enabled.Store(false)
	for _, env := range []string{"GOGC", "GOMEMLIMIT"} {
		t.Run(env, func(t *testing.T) {
			t.Setenv("GOGC", "")
			t.Setenv("GOMEMLIMIT", "")
			t.Setenv(env, "200")
			Enable()
			if enabled.Load() {
				t.Errorf("%s set: Settle would collect", env)
			}
		})
	}
	t.Setenv("GOGC", "")
	t.Setenv("GOMEMLIMIT", "")
	Enable()
	if !enabled.Load() {
		t.Error("neither GOGC nor GOMEMLIMIT set: Enable left Settle off")
	}
}
