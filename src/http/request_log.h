#pragma once
// The request log's way to stderr. Lines are appended to a process-wide buffer that a writer
// thread empties every few milliseconds, so neither the event loop nor a worker makes a system
// call per line, nor waits on a slow log reader. A fatal signal (SIGSEGV, SIGBUS, SIGILL,
// SIGFPE, SIGABRT) writes what is buffered before the process dies, so the line logged when a
// request's handling started survives the crash it causes. Lost on SIGKILL: at most the last
// kFlushMs of lines.

#include <string_view>

namespace cityid::http {

inline constexpr int kLogFlushMs = 20;

// Appends `line` and a newline. Thread-safe. When the buffer is full (a stalled log reader),
// the line is dropped and counted; the next write says how many were dropped.
void LogLine(std::string_view line);

// Starts the writer thread and installs the fatal-signal flush. Counted: each Start needs a
// Stop, and the last Stop writes everything buffered and stops the writer thread (two servers
// in one process share it). Before the first Start and after the last Stop, LogLine writes at
// once.
void StartRequestLog();
void StopRequestLog();

// Gives the calling thread an alternate signal stack (once per thread; not when it has one
// already, e.g. a sanitizer's), so that the fatal-signal flush also runs after a stack
// overflow. The front door calls it on its event-loop and worker threads.
void EnsureAltSignalStack();

}  // namespace cityid::http
