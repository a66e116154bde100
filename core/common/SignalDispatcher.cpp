#include "common/SignalDispatcher.h"

#include "common/Error.h"

#include <array>
#include <cerrno>
#include <ctime>
#include <pthread.h>
#include <unistd.h>

namespace clipwb {
namespace {

// Signals that a thread of the process which does not block them took (OpenBLAS starts
// its threads before main(), with nothing blocked); the waiting thread collects them.
std::array<std::atomic<int>, NSIG> g_caught{};
std::atomic<bool> g_active{false};

extern "C" void onCaught(int sig)
{
    if (sig > 0 && sig < NSIG)
        g_caught[static_cast<size_t>(sig)].fetch_add(1, std::memory_order_relaxed);
}

} // namespace

SignalDispatcher::SignalDispatcher(const std::vector<int>& signals, Callback onSignal)
    : m_onSignal(std::move(onSignal))
{
    CLIPWB_CHECK(!g_active.exchange(true), "only one SignalDispatcher may exist at a time");
    sigemptyset(&m_signals);
    for (const int sig : signals) {
        sigaddset(&m_signals, sig);
        g_caught[static_cast<size_t>(sig)] = 0;
    }
    pthread_sigmask(SIG_BLOCK, &m_signals, &m_previousMask);
    // A thread that already ran before this one blocked the signals may still take them: a
    // handler that only counts hands them to the waiting thread (and keeps the default
    // action, which would end the process, from happening there).
    for (const int sig : signals) {
        struct sigaction action = {};
        action.sa_handler = onCaught;
        sigemptyset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        struct sigaction previous = {};
        sigaction(sig, &action, &previous);
        m_previousActions.emplace_back(sig, previous);
    }
    // Started after the mask: the waiting thread inherits it and takes the signals through
    // sigtimedwait only.
    m_thread = std::thread([this] { waitLoop(); });
}

SignalDispatcher::~SignalDispatcher()
{
    m_stop = true;
    if (m_thread.joinable())
        m_thread.join();
    // Signals still pending are dropped: a late "save now" (SIGUSR1, whose default action
    // kills) must not end a job that has finished.
    const timespec none{0, 0};
    while (sigtimedwait(&m_signals, nullptr, &none) > 0) {
    }
    for (const auto& [sig, previous] : m_previousActions)
        sigaction(sig, &previous, nullptr);
    pthread_sigmask(SIG_SETMASK, &m_previousMask, nullptr);
    g_active = false;
}

void SignalDispatcher::waitLoop()
{
    // A short timeout: the destructor need not send a signal to end this loop, and signals
    // counted by the handler on another thread are passed on within a tenth of a second.
    const timespec tick{0, 100 * 1000 * 1000};
    while (!m_stop.load()) {
        const int sig = sigtimedwait(&m_signals, nullptr, &tick);
        if (sig > 0 && m_onSignal)
            m_onSignal(sig);
        for (const auto& entry : m_previousActions) {
            const int caughtSig = entry.first;
            for (int n = g_caught[static_cast<size_t>(caughtSig)].exchange(0); n > 0; --n)
                if (m_onSignal)
                    m_onSignal(caughtSig);
        }
    }
}

void SignalDispatcher::dieBy(int signal)
{
    std::signal(signal, SIG_DFL);
    sigset_t one;
    sigemptyset(&one);
    sigaddset(&one, signal);
    // Unblocked on this thread only: raise() delivers it here, and the default action ends
    // the whole process.
    pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
    raise(signal);
    _exit(128 + signal);
}

void SignalDispatcher::shieldThisThread()
{
    sigset_t all;
    sigfillset(&all);
    for (const int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS, SIGABRT})
        sigdelset(&all, sig);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);
}

} // namespace clipwb
