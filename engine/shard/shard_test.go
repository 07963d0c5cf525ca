package shard

import (
	"context"
	"encoding/binary"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func config(t *testing.T, addr string, index, count int) Config {
	return Config{Index: index, Count: count, Addr: addr, Key: Key([]byte("scenario"), "token"), Plan: "p1",
		Version: "v1", Timeout: 5 * time.Second, Inbox: t.TempDir(), Logf: t.Logf}
}

// meet runs a leader and count-1 followers and returns them once joined.
func meet(t *testing.T, count int, change func(i int, c *Config)) (*Leader, []*Follower, []error) {
	t.Helper()
	addr := freeAddr(t)
	var l *Leader
	var lerr error
	fs, errs := make([]*Follower, count), make([]error, count)
	var wg sync.WaitGroup
	wg.Go(func() {
		c := config(t, addr, 0, count)
		change(0, &c)
		l, lerr = Lead(context.Background(), c)
	})
	for i := 1; i < count; i++ {
		wg.Go(func() {
			c := config(t, addr, i, count)
			change(i, &c)
			fs[i], errs[i] = Join(context.Background(), c)
		})
	}
	wg.Wait()
	errs[0] = lerr
	t.Cleanup(func() {
		if l != nil {
			l.Close()
		}
		for _, f := range fs {
			if f != nil {
				f.Close()
			}
		}
	})
	return l, fs, errs
}

// TestBarrierAgreesOnOneInstant: every shard starts a step at the same
// instant, each on its own clock (shard 0's plus the measured offset).
func TestBarrierAgreesOnOneInstant(t *testing.T) {
	l, fs, errs := meet(t, 3, func(int, *Config) {})
	for i, err := range errs {
		if err != nil {
			t.Fatalf("shard %d: %v", i, err)
		}
	}
	if err := l.Publish([]byte(`{"model":"m"}`)); err != nil {
		t.Fatal(err)
	}
	for step := range 2 {
		ats := make([]time.Time, 3)
		var wg sync.WaitGroup
		for i := 1; i < 3; i++ {
			wg.Go(func() {
				if step == 0 {
					if d, err := fs[i].Facts(context.Background()); err != nil || string(d) != `{"model":"m"}` {
						t.Errorf("shard %d facts %q, %v", i, d, err)
					}
				}
				var err error
				if ats[i], err = fs[i].Start(context.Background(), step, "s"); err != nil {
					t.Errorf("shard %d: %v", i, err)
				}
			})
		}
		var err error
		ats[0], err = l.Start(context.Background(), step, "s")
		wg.Wait()
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i < 3; i++ {
			off, unc := fs[i].Clock()
			if got := ats[i].Sub(ats[0]); got != off {
				t.Errorf("step %d: shard %d starts %v after shard 0 on its clock, want its offset %v", step, i, got, off)
			}
			// One machine, one clock: the measured offset is within its uncertainty.
			if unc <= 0 || off > unc || -off > unc {
				t.Errorf("shard %d: clock offset %v ± %v on one machine", i, off, unc)
			}
		}
		if time.Until(ats[0]) < 0 && step == 0 {
			t.Logf("the start instant had passed when Start returned (a loaded machine)")
		}
	}
}

// TestStrangersAreRefused: a connection that is not a shard of this run
// (garbage, an oversized frame, a wrong token, another plan, another
// version, another shard count) is refused and told why, without ending
// the run; the join then times out naming the missing shard and why a
// connection claiming it was refused.
func TestStrangersAreRefused(t *testing.T) {
	addr := freeAddr(t)
	lc := config(t, addr, 0, 2)
	lc.Timeout = 3 * time.Second
	done := make(chan error, 1)
	go func() {
		l, err := Lead(context.Background(), lc)
		if l != nil {
			l.Close()
		}
		done <- err
	}()
	raw := func(b []byte) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			return
		}
		defer c.Close()
		_, _ = c.Write(b)
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, _ = c.Read(make([]byte, 4096))
	}
	time.Sleep(100 * time.Millisecond)
	raw([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	raw(binary.BigEndian.AppendUint32(nil, 1<<31))
	for _, c := range []struct {
		change func(*Config)
		want   string
	}{
		{func(c *Config) { c.Key = Key([]byte("scenario"), "other") }, "does not know the rendezvous key"},
		{func(c *Config) { c.Plan = "p2" }, "shard 1 runs plan p2, shard 0 plan p1"},
		{func(c *Config) { c.Version = "v2" }, "shard 1 runs servebench v2, shard 0 runs v1"},
		{func(c *Config) { c.Count = 3 }, "shard 1 is one of 3 shards, shard 0 of 2"},
	} {
		fc := config(t, addr, 1, 2)
		c.change(&fc)
		_, err := Join(context.Background(), fc)
		if err == nil || !strings.Contains(err.Error(), "shard 0 refused this shard") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("join: %v, want a refusal saying %q", err, c.want)
		}
	}
	err := <-done
	want := "shard 1 (refused: shard 1 is one of 3 shards, shard 0 of 2) of 2 did not join the rendezvous at " + addr + " within 3s"
	if err == nil || err.Error() != want {
		t.Errorf("Lead: %v\nwant: %s", err, want)
	}
}

// TestBarrierTimeoutEndsEveryShard: a shard that does not reach a step
// within the timeout of the first fails the run, and every shard hears it.
func TestBarrierTimeoutEndsEveryShard(t *testing.T) {
	l, fs, errs := meet(t, 3, func(_ int, c *Config) { c.Timeout = 2 * time.Second })
	if errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Fatal(errs)
	}
	go func() { _, _ = fs[1].Start(context.Background(), 0, "first/dev/c1") }()
	_, err := l.Start(context.Background(), 0, "first/dev/c1")
	want := "shard 2 did not reach stage first/dev/c1 within 2s of the first shard"
	if err == nil || err.Error() != want {
		t.Fatalf("leader: %v, want %q", err, want)
	}
	for i := 1; i < 3; i++ {
		select {
		case <-fs[i].Failed():
			if fs[i].Err().Error() != want {
				t.Errorf("shard %d heard %v, want %q", i, fs[i].Err(), want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("shard %d never heard that the run ended", i)
		}
	}
}

// TestResultsAreBoundedAndNamed: shard 0 stores a shard's two result files
// in its inbox and refuses any other name.
func TestResultsAreBoundedAndNamed(t *testing.T) {
	l, fs, errs := meet(t, 2, func(int, *Config) {})
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	src := t.TempDir()
	for name, body := range map[string]string{RunFile: `{"schema_version":2}`, RequestsFile: strings.Repeat(`{"i":1}`+"\n", 100000)} {
		if err := os.WriteFile(filepath.Join(src, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := fs[1].Send(src); err != nil {
		t.Fatal(err)
	}
	if err := l.Collect(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{RunFile, RequestsFile} {
		a, _ := os.ReadFile(filepath.Join(src, name))
		b, err := os.ReadFile(filepath.Join(l.cfg.Inbox, "1", name))
		if err != nil || string(a) != string(b) {
			t.Errorf("%s arrived as %d bytes (%v), sent %d", name, len(b), err, len(a))
		}
	}

	l2, fs2, errs := meet(t, 2, func(int, *Config) {})
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	if err := fs2[1].c.send(msg{Type: msgFile, Name: "../../etc/passwd", Size: 3}); err != nil {
		t.Fatal(err)
	}
	err := l2.Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), `shard 1: receiving its results: a file named "../../etc/passwd": only run.json and requests.jsonl are sent`) {
		t.Errorf("Collect: %v", err)
	}
	if err := fs2[1].c.send(msg{Type: msgFile, Name: RequestsFile, Size: MaxRequestsBytes + 1}); err == nil {
		t.Log("(the connection may already be closed)")
	}
}

// TestSplitAndShare pins the arithmetic the README promises.
func TestSplitAndShare(t *testing.T) {
	for _, c := range []struct {
		got, want string
	}{
		{fmt.Sprint(Split(10, 3)), "[4 3 3]"},
		{fmt.Sprint(Split(2, 4)), "[1 1 0 0]"},
		{fmt.Sprint(Share(100, []int{4, 3, 3})), "[40 30 30]"},
		{fmt.Sprint(Share(10, []int{1, 1, 0, 0})), "[5 5 0 0]"},
		{fmt.Sprint(Share(7, []int{1, 1, 1})), "[3 2 2]"},
		{fmt.Sprint(Share(5, []int{0, 0})), "[0 0]"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
	if Seed(42, 0) != 42 || Seed(42, 1) == Seed(42, 2) || Seed(42, 1) == 42 {
		t.Errorf("seeds %d %d %d", Seed(42, 0), Seed(42, 1), Seed(42, 2))
	}
}
