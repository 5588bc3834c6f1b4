#include "http/request_log.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace cityid::http {
namespace {

constexpr size_t kCapacity = 4 << 20;  // bytes buffered at most (a stalled reader)

struct LogState {
  std::mutex mu;
  std::condition_variable cv;
  // Fixed storage, so that the fatal-signal handler can write it without allocating.
  char buffer[kCapacity];
  std::atomic<size_t> used{0};
  size_t dropped = 0;
  int users = 0;  // StartRequestLog calls not yet stopped
  bool running = false;
  bool stop = false;
  std::thread writer;
};

LogState& TheLog() {
  static LogState* state = new LogState();  // never destroyed: signal handlers may run late
  return *state;
}

void WriteAll(const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(STDERR_FILENO, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // nowhere to report a broken stderr
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

constexpr int kFatalSignals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};
struct sigaction previous[sizeof kFatalSignals / sizeof kFatalSignals[0]];

void FlushOnFatalSignal(int sig, siginfo_t* info, void* context) {
  LogState& st = TheLog();
  // Racy by nature (the process is dying): a line being appended right now may be cut.
  WriteAll(st.buffer, std::min(st.used.load(), kCapacity));
  st.used = 0;
  for (size_t i = 0; i < sizeof kFatalSignals / sizeof kFatalSignals[0]; ++i) {
    if (kFatalSignals[i] != sig) continue;
    // The handler that was there before (a sanitizer's report, or the default action).
    if ((previous[i].sa_flags & SA_SIGINFO) != 0 && previous[i].sa_sigaction != nullptr) {
      previous[i].sa_sigaction(sig, info, context);
      return;
    }
    if (previous[i].sa_handler != SIG_DFL && previous[i].sa_handler != SIG_IGN &&
        previous[i].sa_handler != nullptr) {
      previous[i].sa_handler(sig);
      return;
    }
  }
  signal(sig, SIG_DFL);
  raise(sig);
}

void WriterLoop() {
  LogState& st = TheLog();
  static char out[kCapacity];
  std::unique_lock lock(st.mu);
  for (;;) {
    st.cv.wait_for(lock, std::chrono::milliseconds(kLogFlushMs));
    const size_t n = st.used.load();
    std::memcpy(out, st.buffer, n);
    st.used = 0;
    const size_t dropped = st.dropped;
    st.dropped = 0;
    const bool stopping = st.stop;
    lock.unlock();
    if (dropped > 0) {
      char note[96];
      const int len = std::snprintf(
          note, sizeof note, "{\"msg\":\"log lines dropped (stderr too slow)\",\"lines\":%zu}\n",
          dropped);
      WriteAll(note, static_cast<size_t>(len));
    }
    WriteAll(out, n);
    lock.lock();
    if (stopping && st.used.load() == 0) {
      // In the same critical section as the last check: a line appended after it is written
      // by LogLine itself, never left in the buffer.
      st.running = false;
      return;
    }
  }
}

}  // namespace

void LogLine(std::string_view line) {
  LogState& st = TheLog();
  std::unique_lock lock(st.mu);
  if (!st.running) {
    lock.unlock();
    std::string whole(line);
    whole.push_back('\n');
    WriteAll(whole.data(), whole.size());
    return;
  }
  const size_t used = st.used.load();
  if (used + line.size() + 1 > kCapacity) {
    ++st.dropped;
    return;
  }
  std::memcpy(st.buffer + used, line.data(), line.size());
  st.buffer[used + line.size()] = '\n';
  st.used = used + line.size() + 1;
}

void StartRequestLog() {
  LogState& st = TheLog();
  std::lock_guard lock(st.mu);
  if (st.users++ > 0) return;
  st.running = true;
  st.stop = false;
  st.writer = std::thread(WriterLoop);
  for (size_t i = 0; i < sizeof kFatalSignals / sizeof kFatalSignals[0]; ++i) {
    struct sigaction sa {};
    sa.sa_sigaction = FlushOnFatalSignal;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(kFatalSignals[i], &sa, &previous[i]);
  }
}

void StopRequestLog() {
  LogState& st = TheLog();
  std::thread writer;
  {
    std::lock_guard lock(st.mu);
    if (st.users == 0 || --st.users > 0) return;
    st.stop = true;
    writer = std::move(st.writer);
  }
  st.cv.notify_all();
  writer.join();  // the writer clears `running` as it leaves
  for (size_t i = 0; i < sizeof kFatalSignals / sizeof kFatalSignals[0]; ++i) {
    sigaction(kFatalSignals[i], &previous[i], nullptr);
  }
}

void EnsureAltSignalStack() {
  constexpr size_t kSize = 64 * 1024;
  struct AltStack {
    std::unique_ptr<char[]> memory;
    ~AltStack() {
      if (!memory) return;
      stack_t off{};
      off.ss_flags = SS_DISABLE;
      sigaltstack(&off, nullptr);
    }
  };
  thread_local AltStack alt;
  thread_local bool checked = false;
  if (checked) return;
  checked = true;
  stack_t current{};
  if (sigaltstack(nullptr, &current) == 0 && (current.ss_flags & SS_DISABLE) == 0) return;
  alt.memory = std::make_unique<char[]>(kSize);
  stack_t st{};
  st.ss_sp = alt.memory.get();
  st.ss_size = kSize;
  if (sigaltstack(&st, nullptr) != 0) alt.memory.reset();
}

}  // namespace cityid::http
