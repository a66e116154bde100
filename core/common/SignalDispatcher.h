#pragma once
// Signals for a long job (Ctrl-C, SIGTERM, "save now", "pause") arrive on a
// thread of their own, never as a handler on whatever thread they interrupt.
// Why: Debian's oneDNN (libdnnl.so.2, whose sgemm computes the model's products
// on the CPU) corrupts the heap when a signal handler runs on its thread in the
// middle of a product: a SIGUSR1 storm against dnnl_sgemm aborted with
// "free(): invalid pointer" within seconds, and one data-parallel rank in ~50
// died that way when SIGINT stopped a run. A thread that waits in sigwait has no
// frame pushed onto a compute thread's stack. Threads that ran before the
// dispatcher (OpenBLAS starts its pool before main()) still take signals; a
// handler there only counts them for the waiting thread, and those threads never
// run oneDNN's kernels.
#include <atomic>
#include <csignal>
#include <functional>
#include <thread>
#include <utility>
#include <vector>

namespace clipwb {

class SignalDispatcher {
public:
    using Callback = std::function<void(int signal)>;

    /// Blocks signals in the calling thread (threads it starts later inherit the mask) and
    /// calls onSignal for each of them from a thread of its own. Create it before the job
    /// starts threads of its own: a thread started earlier keeps the signals unblocked and
    /// would take them as before.
    SignalDispatcher(const std::vector<int>& signals, Callback onSignal);
    /// Stops the waiting thread; the previous handlers and the calling thread's previous
    /// mask come back. One dispatcher at a time.
    ~SignalDispatcher();
    SignalDispatcher(const SignalDispatcher&) = delete;
    SignalDispatcher& operator=(const SignalDispatcher&) = delete;

    /// Ends the process as the signal's default action would (a second Ctrl-C); callable
    /// from onSignal.
    [[noreturn]] static void dieBy(int signal);

    /// Blocks every asynchronous signal in the calling thread and the threads it starts
    /// later: for a thread that runs model code while another thread of the process (the
    /// GUI's) takes the signals. Faults (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS)
    /// and SIGABRT stay deliverable.
    static void shieldThisThread();

private:
    void waitLoop();

    sigset_t m_signals{};
    sigset_t m_previousMask{};
    Callback m_onSignal;
    std::vector<std::pair<int, struct sigaction>> m_previousActions;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
};

} // namespace clipwb
