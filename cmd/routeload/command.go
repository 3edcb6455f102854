package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
)

// Exit statuses of the command.
const (
	exitOK    = 0
	exitError = 1 // the run could not be made, a call failed, or the report could not be written
	exitUsage = 2 // a bad flag or value
)

// runCommand is the whole command but for the process: it parses args,
// runs the workload until its duration ends or ctx is done, prints the report
// to stdout and status lines and errors to stderr, and returns the exit
// status: exitError when a call failed, even though the report is printed.
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		return exitUsage
	}
	report, err := run(ctx, opts.config, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "routeload: %v\n", err)
		if errors.Is(err, errInvalidConfig) {
			return exitUsage
		}
		return exitError
	}
	if opts.json {
		err = report.writeJSON(stdout)
	} else {
		err = report.writeText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "routeload: writing the report: %v\n", err)
		return exitError
	}
	// The workload only makes calls the cache must accept: a failure is a
	// fault of the cache, and a smoke run in CI should say so.
	if failed := report.failures(); failed > 0 {
		fmt.Fprintf(stderr, "routeload: %d calls failed unexpectedly (see the failures column)\n", failed)
		return exitError
	}
	return exitOK
}
