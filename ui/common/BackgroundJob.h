#pragma once
// The one way ui/ runs work off the GUI thread. run() starts a job on the global
// thread pool and cancels the one before it, whose result is then dropped
// (latest wins: typing a new query never shows a stale answer). The job gets a
// clipwb::ProgressCallback that reports to progress() on the GUI thread and
// returns false once the job was cancelled or superseded, so that the core's
// long jobs stop with clipwb::Cancelled. done(result) or failed(message) run on
// the GUI thread, for the latest job only, and never once this object (a child
// of the widget that owns the job) is gone. The job itself must not touch
// widgets: it captures what it needs by value (shared_ptr for big inputs).
#include "common/Progress.h"

#include <QObject>
#include <QPointer>
#include <QString>

#include <atomic>
#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

namespace clipwb::ui {

class BackgroundJob : public QObject {
    Q_OBJECT
public:
    explicit BackgroundJob(QObject* parent = nullptr);
    ~BackgroundJob() override;

    /// Starts work(const clipwb::ProgressCallback&) on the thread pool, cancelling the job
    /// before; then done(result) (done() for void work) or failed(message) on the GUI thread.
    /// A job that throws clipwb::Cancelled ends quietly.
    template <typename Work, typename Done>
    void run(Work work, Done done, std::function<void(const QString& message)> failed = {});

    /// Asks the running job to stop and drops its result; nothing is called for it afterwards.
    void cancel();
    /// Asks the running job to stop and lets it end: stopped() follows once it has (or done or
    /// failed, when it finished first). For jobs that clean up as they stop (a half-built LMDB).
    void stop();
    /// True from run() until the latest job's done/failed ran, or it was cancelled.
    bool isRunning() const { return bool(m_ticket); }

Q_SIGNALS:
    /// The latest job's progress, on the GUI thread (at most every 50 ms, and every stage change).
    void progress(const clipwb::Progress& report);
    /// The job asked to stop with stop() has ended.
    void stopped();

private:
    struct Ticket {
        std::atomic<bool> cancelled{false};
        std::atomic<long long> lastReportMs{-1000000};
        std::string lastStage; ///< touched by the job's thread only
    };
    std::shared_ptr<Ticket> startTicket();
    ProgressCallback progressFor(const std::shared_ptr<Ticket>& ticket);
    /// Runs then() on the GUI thread if ticket is still the latest job of self.
    static void finish(const QPointer<BackgroundJob>& self, const std::shared_ptr<Ticket>& ticket,
                       std::function<void()> then);
    static void startInPool(std::function<void()> task);

    std::shared_ptr<Ticket> m_ticket;
};

template <typename Work, typename Done>
void BackgroundJob::run(Work work, Done done, std::function<void(const QString& message)> failed)
{
    const std::shared_ptr<Ticket> ticket = startTicket();
    const ProgressCallback progress = progressFor(ticket);
    const QPointer<BackgroundJob> self(this);
    startInPool([self, ticket, progress, work, done, failed] {
        if (ticket->cancelled) { // cancelled, superseded or stopped before it started
            finish(self, ticket, [self] { Q_EMIT self->stopped(); }); // only reached after stop()
            return;
        }
        using Result = std::decay_t<decltype(work(progress))>;
        try {
            if constexpr (std::is_void_v<Result>) {
                work(progress);
                finish(self, ticket, [done] { done(); });
            } else {
                auto result = std::make_shared<Result>(work(progress));
                finish(self, ticket, [done, result] { done(std::move(*result)); });
            }
        } catch (const Cancelled&) {
            finish(self, ticket, [self] { Q_EMIT self->stopped(); }); // only reached after stop()
        } catch (const std::exception& error) {
            const QString message = QString::fromStdString(error.what());
            finish(self, ticket, [failed, message] {
                if (failed)
                    failed(message);
            });
        }
    });
}

} // namespace clipwb::ui
