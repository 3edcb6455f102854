package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// runMeta is what run.sh records about a run besides the benchmark output:
// one "key<TAB>value" line each; command and module may repeat.
type runMeta struct {
	date     string
	mode     string
	cpuModel string
	cores    string
	goVer    string
	commands []string
	modules  []string // "path version"
}

func readMeta(in io.Reader) (runMeta, error) {
	var m runMeta
	scanner := bufio.NewScanner(in)
	for line := 1; scanner.Scan(); line++ {
		text := scanner.Text()
		if strings.TrimSpace(text) == "" {
			continue
		}
		key, value, ok := strings.Cut(text, "\t")
		if !ok {
			return runMeta{}, fmt.Errorf("meta line %d: want key<TAB>value, got %q", line, text)
		}
		switch key {
		case "date":
			m.date = value
		case "mode":
			m.mode = value
		case "cpu":
			m.cpuModel = value
		case "cores":
			m.cores = value
		case "go":
			m.goVer = value
		case "command":
			m.commands = append(m.commands, value)
		case "module":
			m.modules = append(m.modules, value)
		default:
			return runMeta{}, fmt.Errorf("meta line %d: unknown key %q", line, key)
		}
	}
	return m, scanner.Err()
}
