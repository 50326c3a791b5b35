//go:build race

package argon2

// raceEnabled makes the slowest tests smaller under the race detector, which runs argon2 about
// ten times slower; the concurrency test, the one that needs it, keeps its size.
const raceEnabled = true
