#include "common/FaultGuard.h"

#include <csetjmp>
#include <csignal>
#include <mutex>

namespace clipwb {

namespace {

struct Frame {
    sigjmp_buf jump;
    Frame* outer;
};

// Plain pointer with no dynamic initialisation: reading it in a signal handler is safe.
thread_local Frame* t_frame = nullptr;

struct sigaction g_previousBus, g_previousSegv, g_previousFpe;
std::once_flag g_installOnce;
// Unguarded faults handed on in a row on this thread: a previous handler that
// hands the fault back to us (by reinstalling us and returning) must not loop.
thread_local int t_handedOn = 0;

void onFault(int sig, siginfo_t* info, void* context)
{
    if (Frame* frame = t_frame) {
        t_frame = frame->outer;
        siglongjmp(frame->jump, sig);
    }
    // Not ours: behave as if we had never been installed.
    const bool looping = ++t_handedOn > 3;
    const struct sigaction& previous = sig == SIGBUS    ? g_previousBus
                                       : sig == SIGSEGV ? g_previousSegv
                                                        : g_previousFpe;
    if (!looping && (previous.sa_flags & SA_SIGINFO) && previous.sa_sigaction) {
        previous.sa_sigaction(sig, info, context);
        return;
    }
    if (!looping && !(previous.sa_flags & SA_SIGINFO) && previous.sa_handler != SIG_DFL &&
        previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    // Default action: restore it; a real fault re-executes the instruction and
    // dies with the right signal, one sent by kill() is raised again.
    struct sigaction dfl = {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, nullptr);
    if (info == nullptr || info->si_code <= 0)
        raise(sig);
}

void installOne(int sig, struct sigaction& previous)
{
    struct sigaction ours = {};
    ours.sa_sigaction = &onFault;
    // SA_NODEFER: the signal stays unblocked in the handler, so jumping out of it
    // needs no saved signal mask (sigsetjmp(..., 0): no syscall per guarded call).
    // SA_ONSTACK: use an alternate stack when the thread has one.
    ours.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
    sigemptyset(&ours.sa_mask);
    sigaction(sig, &ours, &previous);
}

} // namespace

void FaultGuard::ensureInstalled()
{
    // Once: handlers installed later (QTest's, a crash reporter's) stay on top
    // and hand faults on to the one below; reinstalling over them could make
    // two handlers hand a fault to each other forever.
    std::call_once(g_installOnce, [] {
        installOne(SIGBUS, g_previousBus);
        installOne(SIGSEGV, g_previousSegv);
        // A damaged header can make LMDB divide by zero (a page size of 0 in mdb_env_open).
        installOne(SIGFPE, g_previousFpe);
    });
}

int FaultGuard::runRaw(void (*fn)(void*), void* ctx)
{
    Frame frame;
    frame.outer = t_frame;
    const int sig = sigsetjmp(frame.jump, 0);
    if (sig != 0)
        return sig; // the handler already popped the frame
    t_frame = &frame;
    fn(ctx);
    t_frame = frame.outer;
    return 0;
}

void FaultGuard::abandon(int code)
{
    if (Frame* frame = t_frame) {
        t_frame = frame->outer;
        siglongjmp(frame->jump, code);
    }
}

const char* FaultGuard::describe(int signal)
{
    switch (signal) {
    case SIGBUS:
        return "bus error (SIGBUS: a page past the end of the file)";
    case SIGSEGV:
        return "segmentation fault (SIGSEGV: an address outside the mapped file)";
    case SIGFPE:
        return "arithmetic fault (SIGFPE: a division by a zero size read from the file)";
    default:
        return "fault";
    }
}

} // namespace clipwb
