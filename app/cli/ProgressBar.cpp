#include "ProgressBar.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unistd.h>

namespace clipwb::cli {

bool stderrIsTerminal()
{
    const char* forced = std::getenv("CLIPWB_STDERR_IS_TERMINAL");
    return ::isatty(STDERR_FILENO) == 1 || (forced && std::strcmp(forced, "1") == 0);
}

namespace {
std::string formatDuration(double seconds)
{
    if (seconds < 0 || seconds > 1e7)
        return "--:--";
    const long s = static_cast<long>(seconds + 0.5);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
    else
        std::snprintf(buf, sizeof buf, "%02ld:%02ld", s / 60, s % 60);
    return buf;
}
} // namespace

ProgressBar::ProgressBar(std::string label, std::int64_t total)
    : m_label(std::move(label)), m_total(total), m_terminal(stderrIsTerminal()),
      m_start(std::chrono::steady_clock::now()), m_lastDraw(m_start - std::chrono::hours(1))
{
}

ProgressBar::~ProgressBar()
{
    if (!m_finished && m_terminal)
        std::fputc('\n', stderr);
}

void ProgressBar::update(std::int64_t done, const std::string& status)
{
    m_done = done;
    m_status = status;
    const auto now = std::chrono::steady_clock::now();
    const auto interval = m_terminal ? std::chrono::milliseconds(100) : std::chrono::milliseconds(5000);
    if (now - m_lastDraw >= interval) {
        m_lastDraw = now;
        draw(false);
    }
}

void ProgressBar::finish(const std::string& status)
{
    if (m_finished)
        return;
    if (!status.empty())
        m_status = status;
    if (m_total > 0 && m_done < m_total)
        m_done = m_total;
    draw(true);
    m_finished = true;
}

void ProgressBar::stopHere(const std::string& status)
{
    if (m_finished)
        return;
    if (!status.empty())
        m_status = status;
    draw(true);
    m_finished = true;
}

void ProgressBar::draw(bool final)
{
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
    const double fraction = m_total > 0 ? static_cast<double>(m_done) / m_total : 0.0;
    const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : -1;
    std::string line = m_label + " ";
    if (m_total > 0) {
        const int width = 28;
        const int filled = static_cast<int>(fraction * width);
        line += "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
        line += std::to_string(m_done) + "/" + std::to_string(m_total);
        line += " " + formatDuration(elapsed) + "<" + formatDuration(final ? 0 : eta);
    } else {
        line += std::to_string(m_done) + " " + formatDuration(elapsed);
    }
    if (!m_status.empty())
        line += "  " + m_status;
    if (m_terminal)
        std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final ? "\n" : "");
    else
        std::fprintf(stderr, "%s\n", line.c_str());
    std::fflush(stderr);
}

} // namespace clipwb::cli
