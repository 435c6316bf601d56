package nfsserver

import (
	"fmt"
	"sync"
	"sync/atomic"

	nfs "github.com/willscott/go-nfs"
)

// go-nfs logs through one process-wide logger, by default to stderr through
// the standard log package. New points it at the newest Server's Logf (a
// supervisor runs one Server), passing on warnings and errors only: the
// debug and trace levels log every request.
var (
	installLogger sync.Once
	logSink       atomic.Pointer[func(string, ...any)]
)

func setLogSink(logf func(string, ...any)) {
	logSink.Store(&logf)
	installLogger.Do(func() { nfs.SetLogger(&nfsLogger{level: nfs.WarnLevel}) })
}

// nfsLogger is go-nfs's Logger interface over logSink.
type nfsLogger struct {
	mu    sync.Mutex
	level nfs.LogLevel
}

var _ nfs.Logger = (*nfsLogger)(nil)

func (l *nfsLogger) emit(msg string) {
	if sink := logSink.Load(); sink != nil {
		(*sink)("nfs: go-nfs: %s", msg)
	}
}

// enabled avoids formatting what would be dropped: Tracef runs per request.
func (l *nfsLogger) enabled(level nfs.LogLevel) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return level <= l.level
}

func (l *nfsLogger) logf(level nfs.LogLevel, format string, args ...any) {
	if l.enabled(level) {
		l.emit(fmt.Sprintf(format, args...))
	}
}

func (l *nfsLogger) log(level nfs.LogLevel, args ...any) {
	if l.enabled(level) {
		l.emit(fmt.Sprint(args...))
	}
}

// SetLevel sets the most verbose level passed on.
func (l *nfsLogger) SetLevel(level nfs.LogLevel) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.level = level
}

// GetLevel returns the most verbose level passed on.
func (l *nfsLogger) GetLevel() nfs.LogLevel {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.level
}

// ParseLevel reads a level name the way go-nfs's own logger does.
func (l *nfsLogger) ParseLevel(level string) (nfs.LogLevel, error) {
	var d nfs.DefaultLogger
	return d.ParseLevel(level)
}

// Panic logs and panics, as go-nfs expects.
func (l *nfsLogger) Panic(args ...any) {
	l.log(nfs.PanicLevel, args...)
	panic(fmt.Sprint(args...))
}

// Fatal logs like Error: a library must not end the supervisor.
func (l *nfsLogger) Fatal(args ...any) { l.log(nfs.FatalLevel, args...) }

// Error logs at error level.
func (l *nfsLogger) Error(args ...any) { l.log(nfs.ErrorLevel, args...) }

// Warn logs at warning level.
func (l *nfsLogger) Warn(args ...any) { l.log(nfs.WarnLevel, args...) }

// Info logs at info level.
func (l *nfsLogger) Info(args ...any) { l.log(nfs.InfoLevel, args...) }

// Debug logs at debug level.
func (l *nfsLogger) Debug(args ...any) { l.log(nfs.DebugLevel, args...) }

// Trace logs at trace level.
func (l *nfsLogger) Trace(args ...any) { l.log(nfs.TraceLevel, args...) }

// Print logs at info level.
func (l *nfsLogger) Print(args ...any) { l.log(nfs.InfoLevel, args...) }

// Panicf logs and panics, as go-nfs expects.
func (l *nfsLogger) Panicf(format string, args ...any) {
	l.logf(nfs.PanicLevel, format, args...)
	panic(fmt.Sprintf(format, args...))
}

// Fatalf logs like Errorf: a library must not end the supervisor.
func (l *nfsLogger) Fatalf(format string, args ...any) { l.logf(nfs.FatalLevel, format, args...) }

// Errorf logs at error level.
func (l *nfsLogger) Errorf(format string, args ...any) { l.logf(nfs.ErrorLevel, format, args...) }

// Warnf logs at warning level.
func (l *nfsLogger) Warnf(format string, args ...any) { l.logf(nfs.WarnLevel, format, args...) }

// Infof logs at info level.
func (l *nfsLogger) Infof(format string, args ...any) { l.logf(nfs.InfoLevel, format, args...) }

// Debugf logs at debug level.
func (l *nfsLogger) Debugf(format string, args ...any) { l.logf(nfs.DebugLevel, format, args...) }

// Tracef logs at trace level.
func (l *nfsLogger) Tracef(format string, args ...any) { l.logf(nfs.TraceLevel, format, args...) }

// Printf logs at info level.
func (l *nfsLogger) Printf(format string, args ...any) { l.logf(nfs.InfoLevel, format, args...) }
