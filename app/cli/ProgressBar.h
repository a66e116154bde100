#pragma once
// Progress on stderr: a redrawn bar on a terminal, plain lines (at most one
// every few seconds) when stderr is a file or a pipe.
#include <chrono>
#include <cstdint>
#include <string>

namespace clipwb::cli {

/// Whether stderr is a terminal, or a rank's stderr that the launcher passes on to one
/// (CLIPWB_STDERR_IS_TERMINAL=1).
bool stderrIsTerminal();

class ProgressBar {
public:
    ProgressBar(std::string label, std::int64_t total);
    ~ProgressBar();
    /// Sets the position and an optional status text ("loss 1.23 lr 1e-5").
    void update(std::int64_t done, const std::string& status = {});
    /// The total, once it is known (a download learns it from the server's answer).
    void setTotal(std::int64_t total) { m_total = total; }
    /// Draws the final state and ends the line.
    void finish(const std::string& status = {});
    /// Draws where the job stopped (stopped on request, or failed) and ends the line: the
    /// bar stays at that position instead of showing the job complete.
    void stopHere(const std::string& status = {});

private:
    void draw(bool final);

    std::string m_label;
    std::int64_t m_total;
    std::int64_t m_done = 0;
    std::string m_status;
    bool m_terminal;
    bool m_finished = false;
    std::chrono::steady_clock::time_point m_start;
    std::chrono::steady_clock::time_point m_lastDraw;
};

} // namespace clipwb::cli
