#include "dist/RankLauncher.h"

#include "common/Error.h"

#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <thread>

extern char** environ;

namespace clipwb::dist {
namespace {

// Set by the signal handler, acted on by the launch loop.
std::atomic<int> g_signal{0};
std::atomic<int> g_signalCount{0};

extern "C" void onLauncherSignal(int sig)
{
    g_signal = sig;
    ++g_signalCount;
}

// SIGUSR1 / SIGUSR2 (save now, pause / continue) for the ranks, each time.
std::atomic<int> g_usr1{0};
std::atomic<int> g_usr2{0};

extern "C" void onLauncherControlSignal(int sig)
{
    if (sig == SIGUSR1)
        ++g_usr1;
    else
        ++g_usr2;
}

struct Child {
    int globalRank = 0;
    pid_t pid = -1;
    int errFd = -1;          // read end of its stderr
    std::string tail;        // its recent stderr, for the failure message
    std::string partialLine; // bytes after its last newline
    std::string lastError;
    bool exited = false;
    int status = 0;
};

std::vector<std::string> childEnvironment(const LaunchOptions& o, int localRank, const std::string& addr,
                                          int port)
{
    const int world = o.nprocPerNode * o.nnodes;
    const int rank = o.nodeRank * o.nprocPerNode + localRank;
    const std::vector<std::pair<std::string, std::string>> ours = {
        {"RANK", std::to_string(rank)},
        {"WORLD_SIZE", std::to_string(world)},
        {"LOCAL_RANK", std::to_string(localRank)},
        {"LOCAL_WORLD_SIZE", std::to_string(o.nprocPerNode)},
        {"GROUP_RANK", std::to_string(o.nodeRank)},
        {"MASTER_ADDR", addr},
        {"MASTER_PORT", std::to_string(port)},
    };
    std::vector<std::string> env;
    for (char** e = environ; *e; ++e) {
        const std::string entry = *e;
        const std::string name = entry.substr(0, entry.find('='));
        bool replaced = false;
        for (const auto& [key, value] : ours)
            replaced = replaced || key == name;
        // A launcher inside torchrun must not hand its own agent-store settings down.
        if (!replaced && name.rfind("TORCHELASTIC_", 0) != 0)
            env.push_back(entry);
    }
    for (const auto& [key, value] : ours)
        env.push_back(key + "=" + value);
    if (!std::getenv("OMP_NUM_THREADS") && o.nprocPerNode > 1)
        env.push_back("OMP_NUM_THREADS=1");
    if (rank == 0 && ::isatty(STDERR_FILENO) == 1)
        env.push_back("CLIPWB_STDERR_IS_TERMINAL=1");
    return env;
}

/// The last "error:" line of a rank's output, else its last non-empty line.
std::string failureLine(const Child& c)
{
    if (!c.lastError.empty())
        return c.lastError;
    std::string text = c.tail + c.partialLine;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.pop_back();
    const size_t cut = text.find_last_of("\n\r");
    return cut == std::string::npos ? text : text.substr(cut + 1);
}

void consume(Child& c, const char* data, size_t size)
{
    // Pass through as it comes (progress redraws included), keep lines for the report.
    size_t written = 0;
    while (written < size) {
        const ssize_t n = ::write(STDERR_FILENO, data + written, size - written);
        if (n <= 0)
            break;
        written += static_cast<size_t>(n);
    }
    c.partialLine.append(data, size);
    size_t nl;
    while ((nl = c.partialLine.find('\n')) != std::string::npos) {
        std::string line = c.partialLine.substr(0, nl);
        c.partialLine.erase(0, nl + 1);
        if (const size_t cr = line.find_last_of('\r'); cr != std::string::npos)
            line = line.substr(cr + 1);
        if (line.find("error: ") != std::string::npos)
            c.lastError = line;
        c.tail += line + "\n";
        if (c.tail.size() > 8192)
            c.tail.erase(0, c.tail.size() - 4096);
    }
}

std::string describeStatus(int status)
{
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return "killed by signal " + std::to_string(sig) + " (" + std::string(strsignal(sig)) + ")";
    }
    return "exit code " + std::to_string(WEXITSTATUS(status));
}

} // namespace

int freePort()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    CLIPWB_CHECK(fd >= 0, "no socket for a free port: ", std::strerror(errno));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    const bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
                    ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0;
    ::close(fd);
    CLIPWB_CHECK(ok, "could not find a free port: ", std::strerror(errno));
    return ntohs(addr.sin_port);
}

LaunchResult launchRanks(const LaunchOptions& o)
{
    auto log = o.log ? o.log : [](const std::string& line) { std::fprintf(stderr, "%s\n", line.c_str()); };
    CLIPWB_CHECK(o.nprocPerNode >= 1, "--nproc-per-node: must be at least 1 (got ", o.nprocPerNode, ")");
    CLIPWB_CHECK(o.nnodes >= 1, "--nnodes: must be at least 1 (got ", o.nnodes, ")");
    CLIPWB_CHECK(o.nodeRank >= 0 && o.nodeRank < o.nnodes, "--node-rank: ", o.nodeRank, " is not in 0..",
                 o.nnodes - 1);
    CLIPWB_CHECK(o.nnodes == 1 || (!o.masterAddr.empty() && o.masterPort > 0), "--nnodes ", o.nnodes,
                 ": give --master-addr (node 0's address) and --master-port, the same on every node");
    const std::string addr = o.masterAddr.empty() ? "127.0.0.1" : o.masterAddr;
    const int port = o.masterPort > 0 ? o.masterPort : freePort();
    const int world = o.nprocPerNode * o.nnodes;
    log("clipwb-cli: starting " + std::to_string(o.nprocPerNode) + " rank(s) of " + std::to_string(world) +
        " (node " + std::to_string(o.nodeRank) + " of " + std::to_string(o.nnodes) + "), rendezvous " + addr +
        ":" + std::to_string(port));

    g_signal = 0;
    g_signalCount = 0;
    g_usr1 = 0;
    g_usr2 = 0;
    // SIGINT, SIGTERM, SIGHUP: passed on once, then kill; SIGUSR1/SIGUSR2 (save now, pause /
    // continue): passed on each time. The previous handlers come back on return.
    const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
    struct Saved {
        int sig;
        struct sigaction old;
    };
    std::vector<Saved> saved;
    for (int sig : handled) {
        struct sigaction action;
        std::memset(&action, 0, sizeof action);
        action.sa_handler = sig == SIGUSR1 || sig == SIGUSR2 ? onLauncherControlSignal : onLauncherSignal;
        sigemptyset(&action.sa_mask);
        Saved entry{sig, {}};
        ::sigaction(sig, &action, &entry.old);
        saved.push_back(entry);
    }
    struct RestoreSignals {
        std::vector<Saved>& saved;
        ~RestoreSignals()
        {
            for (auto& entry : saved)
                ::sigaction(entry.sig, &entry.old, nullptr);
        }
    } restoreSignals{saved};
    int usr1Sent = 0, usr2Sent = 0;

    std::vector<Child> children(static_cast<size_t>(o.nprocPerNode));
    const pid_t launcherPid = ::getpid();
    for (int local = 0; local < o.nprocPerNode; ++local) {
        Child& c = children[static_cast<size_t>(local)];
        c.globalRank = o.nodeRank * o.nprocPerNode + local;
        // Everything exec needs is built before fork: only async-signal-safe calls after it.
        const auto envStrings = childEnvironment(o, local, addr, port);
        std::vector<char*> envp;
        for (const auto& e : envStrings)
            envp.push_back(const_cast<char*>(e.c_str()));
        envp.push_back(nullptr);
        std::vector<std::string> argStrings{o.program};
        argStrings.insert(argStrings.end(), o.args.begin(), o.args.end());
        std::vector<char*> argv;
        for (const auto& a : argStrings)
            argv.push_back(const_cast<char*>(a.c_str()));
        argv.push_back(nullptr);
        int fds[2];
        CLIPWB_CHECK(::pipe2(fds, O_CLOEXEC) == 0, "pipe: ", std::strerror(errno));
        const pid_t pid = ::fork();
        if (pid == 0) {
            // Own process group: a terminal's Ctrl-C reaches the launcher only, which forwards it once.
            ::setpgid(0, 0);
            // The ranks end with the launcher, even when it is killed with SIGKILL.
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (::getppid() != launcherPid)
                ::_exit(127);
            ::dup2(fds[1], STDERR_FILENO);
            ::execve(argv[0], argv.data(), envp.data());
            const char msg[] = "clipwb-cli: cannot start a rank (execve failed)\n";
            (void)!::write(STDERR_FILENO, msg, sizeof msg - 1);
            ::_exit(127);
        }
        ::close(fds[1]);
        if (pid < 0) {
            ::close(fds[0]);
            for (auto& started : children)
                if (started.pid > 0)
                    ::kill(started.pid, SIGKILL);
            throw Error(std::string("cannot start rank: fork failed: ") + std::strerror(errno));
        }
        c.pid = pid;
        c.errFd = fds[0];
    }

    LaunchResult result;
    int forwarded = 0;
    std::chrono::steady_clock::time_point killAt{};
    bool terminating = false;
    auto signalRanks = [&](int sig) {
        for (auto& c : children)
            if (!c.exited)
                ::kill(c.pid, sig);
    };
    for (;;) {
        // Signals: forward the first to every rank (they finish the step and save); a
        // second one kills them.
        const int count = g_signalCount.load();
        if (count > forwarded) {
            const int sig = g_signal.load();
            if (forwarded == 0) {
                log("clipwb-cli: " + std::string(strsignal(sig)) +
                    ": passed on to the ranks (again to kill them)");
                signalRanks(sig);
            } else {
                signalRanks(SIGKILL);
            }
            forwarded = count;
        }
        for (; usr1Sent < g_usr1.load(); ++usr1Sent)
            signalRanks(SIGUSR1);
        for (; usr2Sent < g_usr2.load(); ++usr2Sent)
            signalRanks(SIGUSR2);
        std::vector<pollfd> fds;
        std::vector<Child*> owners;
        for (auto& c : children)
            if (c.errFd >= 0) {
                fds.push_back({c.errFd, POLLIN, 0});
                owners.push_back(&c);
            }
        if (!fds.empty()) {
            const int ready = ::poll(fds.data(), fds.size(), 200);
            if (ready > 0) {
                for (size_t i = 0; i < fds.size(); ++i) {
                    if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                        continue;
                    char buf[4096];
                    const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                    if (n > 0) {
                        consume(*owners[i], buf, static_cast<size_t>(n));
                    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                        ::close(owners[i]->errFd);
                        owners[i]->errFd = -1;
                    }
                }
            }
        } else {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        // Reap.
        for (auto& c : children) {
            if (c.exited)
                continue;
            int status = 0;
            const pid_t r = ::waitpid(c.pid, &status, WNOHANG);
            if (r != c.pid)
                continue;
            c.exited = true;
            c.status = status;
            const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
            if (!ok && result.failedRank < 0) {
                // Drain what it wrote before it ended.
                if (c.errFd >= 0) {
                    char buf[4096];
                    ssize_t n;
                    while ((n = ::read(c.errFd, buf, sizeof buf)) > 0)
                        consume(c, buf, static_cast<size_t>(n));
                }
                result.failedRank = c.globalRank;
                result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
                const std::string line = failureLine(c);
                result.message = describeStatus(status) + (line.empty() ? "" : ": " + line);
                if (forwarded == 0 && !terminating) {
                    log("clipwb-cli: rank " + std::to_string(c.globalRank) + " failed (" +
                        describeStatus(status) + "); stopping the other ranks");
                    terminating = true;
                    signalRanks(SIGTERM);
                    killAt = std::chrono::steady_clock::now() + o.grace;
                }
            }
        }
        bool allExited = true;
        for (const auto& c : children)
            allExited = allExited && c.exited;
        if (allExited)
            break;
        if (terminating && std::chrono::steady_clock::now() > killAt) {
            signalRanks(SIGKILL);
            killAt = std::chrono::steady_clock::now() + std::chrono::hours(1);
        }
    }
    for (auto& c : children) {
        if (c.errFd >= 0) {
            char buf[4096];
            ssize_t n;
            while ((n = ::read(c.errFd, buf, sizeof buf)) > 0)
                consume(c, buf, static_cast<size_t>(n));
            ::close(c.errFd);
        }
        if (!c.partialLine.empty() && c.partialLine.back() != '\n')
            (void)!::write(STDERR_FILENO, "\n", 1);
    }
    if (result.failedRank >= 0)
        log("clipwb-cli: rank " + std::to_string(result.failedRank) + " failed: " + result.message);
    return result;
}

} // namespace clipwb::dist
