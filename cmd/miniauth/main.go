// Command miniauth is the server side of WeChat mini-program login: code exchange, tokens,
// profile and phone, account binding, and an operator console.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first signal starts a graceful stop (serve drains, then finishes what is in
	// flight); a second one ends the process at once, as signals do by default.
	go func() {
		<-ctx.Done()
		stop()
	}()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "miniauth:", err)
		os.Exit(1)
	}
}
