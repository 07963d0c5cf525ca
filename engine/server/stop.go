package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"syscall"
	"time"
)

// groupPoll is how often Stop looks whether the process group is empty.
const groupPoll = 50 * time.Millisecond

// Stop ends the whole process group: SIGTERM, up to StopTimeout for it to
// leave (leader and every member it spawned), the after-grace hook (docker
// rm -f), then SIGKILL for whatever remains. It returns once the child is
// reaped and its log is closed. A second call returns the first call's result.
func (p *proc) Stop(ctx context.Context) error {
	return p.stopOnce.do(func() error { return p.stop(ctx) })
}

func (p *proc) stop(ctx context.Context) error {
	p.exitMu.Lock()
	p.stopping = true
	p.exitMu.Unlock()

	var errs []error
	_ = p.signalGroup(syscall.SIGTERM)
	p.waitGroupGone(ctx, p.stopTimeout)
	if p.afterGrace != nil {
		if err := p.afterGrace(ctx); err != nil {
			errs = append(errs, err)
		}
	}
	if p.groupAlive() {
		_ = p.signalGroup(syscall.SIGKILL)
	}
	if err := p.reap(ctx); err != nil {
		errs = append(errs, err)
	}
	p.closeLog()
	return errors.Join(errs...)
}

// signalGroup signals every process of the group (a negative pid).
func (p *proc) signalGroup(sig syscall.Signal) error {
	err := syscall.Kill(-p.pgid, sig)
	if errors.Is(err, syscall.ESRCH) {
		return nil
	}
	return err
}

// groupAlive reports whether any process is still in the group. The leader's
// pid cannot be reused while the group has members, so this cannot hit a
// stranger's group; once the group is empty and its leader reaped it answers
// ESRCH. Zombies do not count: a member that died after its parent may
// wait for a reaper that never comes (a container's init), yet is gone.
func (p *proc) groupAlive() bool {
	if syscall.Kill(-p.pgid, 0) != nil {
		return false
	}
	alive, ok := liveGroupMember(p.pgid)
	return alive || !ok
}

// waitGroupGone waits until the group is empty, d passed or ctx ended.
func (p *proc) waitGroupGone(ctx context.Context, d time.Duration) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	tick := time.NewTicker(groupPoll)
	defer tick.Stop()
	for p.groupAlive() {
		select {
		case <-deadline.C:
			return
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// killWait bounds the wait for the leader after SIGKILL. It is normally
// immediate, but a process stuck in the kernel (a hung GPU driver) can
// outlive SIGKILL, and servebench must still exit.
const killWait = 15 * time.Second

// postKillWait is how long reap still waits when ctx has ended: SIGKILL
// was sent, and its effect is a moment away, so report success when it comes.
const postKillWait = 2 * time.Second

// reap waits for watch to have reaped the leader: at most killWait, or
// postKillWait more once ctx has ended.
func (p *proc) reap(ctx context.Context) error {
	t := time.NewTimer(killWait)
	defer t.Stop()
	select {
	case <-p.exited:
		return nil
	case <-t.C:
		return fmt.Errorf("stop server: pid %d did not exit %s after SIGKILL (stuck in the kernel?); check it with ps and kill it by hand", p.pgid, killWait)
	case <-ctx.Done():
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(postKillWait):
		return fmt.Errorf("stop server: pid %d not reaped after SIGKILL: %w", p.pgid, ctx.Err())
	}
}

// closeLog closes the pipe (ending a capture stuck on an escaped grandchild)
// and then the log file, once the capture goroutine has stopped writing.
func (p *proc) closeLog() {
	if !p.out.wait(drainWait) {
		p.readEnd.Close()
		<-p.out.done
	}
	p.readEnd.Close()
	p.logFile.Close()
}

// onceErr runs a function once and hands its error to every later caller.
type onceErr struct {
	once sync.Once
	err  error
}

func (o *onceErr) do(f func() error) error {
	o.once.Do(func() { o.err = f() })
	return o.err
}
