package bench

import (
	"sync"
	"time"

	"github.com/arthawork/terraform-provider-cards/internal/harness"
)

// sampler watches a running Terraform: every interval it looks for Terraform's children that
// run the provider binary (each Terraform command starts several, one after another: validate,
// plan, apply) and reads their peak and current resident set (VmHWM, VmRSS in
// /proc/<pid>/status) and CPU time, and Terraform's own peak.
type sampler struct {
	tfPid    int
	exe      string // base name of the provider binary, e.g. terraform-provider-cards
	interval time.Duration

	stop, done chan struct{}

	mu        sync.Mutex
	providers map[int]*procSample
	tfPeakKB  int64
	samples   int
}

type procSample struct {
	peakKB   int64 // max of VmHWM and VmRSS seen
	cpuTicks int64 // last utime+stime seen
}

// Sample is what a sampler saw.
type Sample struct {
	ProviderPeakMB     float64 // the largest peak of any provider process
	ProviderProcesses  int
	ProviderCPUSeconds float64 // summed over the provider processes (to their last sample)
	TerraformPeakMB    float64
	Samples            int
}

func startSampler(tfPid int, exe string, interval time.Duration) *sampler {
	s := &sampler{tfPid: tfPid, exe: exe, interval: interval, stop: make(chan struct{}), done: make(chan struct{}),
		providers: map[int]*procSample{}}
	go s.loop()
	return s
}

func (s *sampler) loop() {
	defer close(s.done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		s.sample()
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

func (s *sampler) sample() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.samples++
	if hwm, rss, ok := harness.MemoryKB(s.tfPid); ok {
		s.tfPeakKB = max(s.tfPeakKB, hwm, rss)
	}
	for _, ps := range harness.AllProcs() {
		if ps.PPID != s.tfPid {
			continue
		}
		p := s.providers[ps.PID]
		if p == nil {
			// Not remembered as "other": between fork and exec a child still runs terraform.
			if harness.ExeBase(ps.PID) != s.exe {
				continue
			}
			p = &procSample{}
			s.providers[ps.PID] = p
		}
		if hwm, rss, ok := harness.MemoryKB(ps.PID); ok {
			p.peakKB = max(p.peakKB, hwm, rss)
		}
		p.cpuTicks = max(p.cpuTicks, ps.CPUTicks)
	}
}

// finish stops the sampler (after one last sample) and returns what it saw.
func (s *sampler) finish() Sample {
	close(s.stop)
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Sample{ProviderProcesses: len(s.providers), TerraformPeakMB: kbToMB(s.tfPeakKB), Samples: s.samples}
	var ticks int64
	for _, p := range s.providers {
		out.ProviderPeakMB = max(out.ProviderPeakMB, kbToMB(p.peakKB))
		ticks += p.cpuTicks
	}
	out.ProviderCPUSeconds = round(float64(ticks)/harness.ClockTicks, 2)
	return out
}

func kbToMB(kb int64) float64 { return round(float64(kb)/1024, 1) }
