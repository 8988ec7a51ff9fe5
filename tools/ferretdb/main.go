// Command itinera-ferretdb runs FerretDB v1 (SQLite handler) as an embedded
// MongoDB-protocol server for local runs and tests.
//
// It wraps FerretDB's embeddable package instead of building cmd/ferretdb because the
// module zip lacks the generated version file that cmd/ferretdb panics without.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	dataDir := flag.String("data-dir", "", "directory for the SQLite files (required)")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	version := flag.Bool("version", false, "print the FerretDB version this binary embeds and exit")
	flag.Parse()
	tuneGarbageCollection()

	if *version {
		fmt.Println(ferretDBVersion + "+" + wrapperRevision)
		return
	}
	if *dataDir == "" {
		fmt.Fprintln(os.Stderr, "itinera-ferretdb: -data-dir is required")
		os.Exit(2)
	}
	abs, err := filepath.Abs(*dataDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "itinera-ferretdb:", err)
		os.Exit(2)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		fmt.Fprintln(os.Stderr, "itinera-ferretdb:", err)
		os.Exit(1)
	}

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintln(os.Stderr, "itinera-ferretdb: bad -log-level:", err)
		os.Exit(2)
	}
	logger := slog.New(newLazyHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})))

	server, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: *listen},
		Logger:    logger,
		Handler:   "sqlite",
		// BEGIN IMMEDIATE: a write transaction takes SQLite's write lock when it starts,
		// where the busy timeout makes it wait its turn. With the default (deferred)
		// transactions, concurrent writers fail with SQLITE_BUSY instead of waiting.
		SQLiteURL: "file:" + abs + "/?_txlock=immediate",
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "itinera-ferretdb:", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(os.Stderr, "itinera-ferretdb %s listening on %s, data in %s\n", ferretDBVersion, *listen, abs)
	if err := server.Run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "itinera-ferretdb:", err)
		os.Exit(1)
	}
}
