#pragma once
// Runs a piece of code that reads memory it cannot vouch for (an LMDB memory
// map: the file decides which pages are touched, and a damaged or truncated
// file makes a read fault with SIGBUS or SIGSEGV, and a zero size in its header
// a division fault, SIGFPE) so that a fault comes back
// as a return value instead of killing the process.
//
// How: SIGBUS, SIGSEGV and SIGFPE handlers are installed once, on first use (after
// QTest's, AddressSanitizer's or libFuzzer's, which stay below). A guarded call stores a
// sigjmp_buf in a thread-local frame; the handler siglongjmps to it when the
// fault happens on a thread inside a guarded call, and otherwise hands the
// signal to the handler that was there before (default action, a crash
// reporter, AddressSanitizer, libFuzzer), so faults elsewhere crash as before.
//
// The guarded code must own nothing that needs a destructor or a free(): the
// jump skips them. Keep it to C calls (mdb_get, memcpy into a buffer made
// outside) and plain arithmetic. No syscall per call (handlers use
// SA_NODEFER, so no signal mask has to be saved and restored).
#include <type_traits>

namespace clipwb {

class FaultGuard {
public:
    /// Runs fn(); returns 0 when it completed, or SIGBUS/SIGSEGV/SIGFPE when a fault
    /// on this thread interrupted it (the rest of fn did not run).
    template <typename F> static int run(F&& fn)
    {
        return runRaw([](void* ctx) { (*static_cast<std::remove_reference_t<F>*>(ctx))(); },
                      const_cast<void*>(static_cast<const void*>(&fn)));
    }
    static int runRaw(void (*fn)(void*), void* ctx);

    /// Leaves the innermost guarded call on this thread as if it had faulted with
    /// `code` (for a library's fatal-error callback, e.g. LMDB's assertion hook,
    /// which would otherwise abort()). Returns only when no guarded call is running.
    static void abandon(int code);

    /// Installs the handlers the first time (then a no-op). Call it before guarded
    /// calls (the LMDB reader does, once per read); run() itself does not.
    static void ensureInstalled();

    /// "bus error (SIGBUS)", "segmentation fault (SIGSEGV)".
    static const char* describe(int signal);
};

} // namespace clipwb
