// Command benchreport turns the raw output of the bench module's benchmarks
// into bench/RESULTS.md and the results block of bench/README.md, and picks
// the peers the tail-latency workload measures. bench/run.sh drives it.
//
// Usage:
//
//	benchreport fastest [-workload Mixed] [-n 2] raw.txt...
//	benchreport write -meta meta.tsv -out RESULTS.md [-readme README.md]
//	    [-benchstat summary.txt]... [-notes notes.md] raw.txt...
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("want a subcommand: fastest or write")
	}
	switch args[0] {
	case "fastest":
		return runFastest(args[1:], stdout)
	case "write":
		return runWrite(args[1:])
	default:
		return fmt.Errorf("unknown subcommand %q: want fastest or write", args[0])
	}
}

// listFlag collects a flag given several times.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func runFastest(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("fastest", flag.ContinueOnError)
	workload := fs.String("workload", "Mixed", "workload whose median ns/op ranks the peers")
	n := fs.Int("n", 2, "how many peers to name")
	exclude := fs.String("exclude", "routecache,xsyncmap,syncmap", "caches never named: routecache itself and the bare maps")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := readRawFiles(fs.Args())
	if err != nil {
		return err
	}
	peers, err := fastestPeers(r, *workload, *n, strings.Split(*exclude, ","))
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, strings.Join(peers, ","))
	return err
}

func runWrite(args []string) error {
	fs := flag.NewFlagSet("write", flag.ContinueOnError)
	metaPath := fs.String("meta", "", "run description written by run.sh (required)")
	out := fs.String("out", "", "RESULTS.md to write (required)")
	readme := fs.String("readme", "", "README.md whose results block to rewrite")
	notesPath := fs.String("notes", "", "Markdown notes to append, if the file exists")
	var benchstat listFlag
	fs.Var(&benchstat, "benchstat", "benchstat output to include (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *metaPath == "" || *out == "" {
		return errors.New("write needs -meta and -out")
	}
	r, err := readRawFiles(fs.Args())
	if err != nil {
		return err
	}
	metaFile, err := os.Open(*metaPath)
	if err != nil {
		return err
	}
	meta, err := readMeta(metaFile)
	metaFile.Close()
	if err != nil {
		return err
	}
	var summaries []string
	for _, path := range benchstat {
		text, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		summaries = append(summaries, string(text))
	}
	notes := ""
	if *notesPath != "" {
		text, err := os.ReadFile(*notesPath)
		switch {
		case err == nil:
			notes = string(text)
		case !errors.Is(err, os.ErrNotExist):
			return err
		}
	}
	if err := os.WriteFile(*out, []byte(renderResults(r, meta, summaries, notes)), 0o644); err != nil {
		return err
	}
	if *readme == "" {
		return nil
	}
	doc, err := os.ReadFile(*readme)
	if err != nil {
		return err
	}
	updated, err := replaceBetweenMarkers(string(doc), readmeBlock(r, meta))
	if err != nil {
		return fmt.Errorf("%s: %w", *readme, err)
	}
	return os.WriteFile(*readme, []byte(updated), 0o644)
}

func readRawFiles(paths []string) (*results, error) {
	if len(paths) == 0 {
		return nil, errors.New("no benchmark output files given")
	}
	r := newResults()
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		err = r.read(f, path)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	if len(r.order) == 0 {
		return nil, fmt.Errorf("no benchmark results in %s", strings.Join(paths, ", "))
	}
	return r, nil
}
