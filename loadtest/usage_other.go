//go:build !unix

package loadtest

import "time"

// cpuTime is not measured on this system.
func cpuTime() time.Duration { return 0 }

// resetPeakRSS is not possible on this system.
func resetPeakRSS() bool { return false }

// peakRSS is not measured on this system.
func peakRSS() int64 { return 0 }
