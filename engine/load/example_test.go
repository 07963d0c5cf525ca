package load_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/servebench/servebench/engine/load"
)

func ExampleNewPacer() {
	p, _ := load.NewPacer("constant", 4, 0, 1)
	fmt.Println(p.Offset(0), p.Offset(1), p.Offset(10))
	// Output: 0s 250ms 2.5s
}

func ExampleRun() {
	var done atomic.Int64
	job := func(ctx context.Context, t load.Ticket) {
		// Perform the request here; t.Scheduled is when it should have gone.
		select {
		case <-time.After(time.Millisecond):
		case <-ctx.Done():
		}
		done.Add(1)
	}
	st := load.Run(context.Background(), load.Spec{Concurrency: 4, Requests: 20, Warmup: 2}, job)
	fmt.Println(st.Sent, st.WarmupSent, done.Load(), st.MaxInFlight <= 4, st.Interrupted)
	// Output: 20 2 22 true false
}
