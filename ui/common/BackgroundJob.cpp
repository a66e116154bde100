#include "ui/common/BackgroundJob.h"

#include "common/SignalDispatcher.h"

#include <QCoreApplication>
#include <QDeadlineTimer>
#include <QMetaObject>
#include <QThreadPool>

namespace clipwb::ui {

BackgroundJob::BackgroundJob(QObject* parent) : QObject(parent)
{
}

BackgroundJob::~BackgroundJob()
{
    cancel();
}

void BackgroundJob::cancel()
{
    if (m_ticket)
        m_ticket->cancelled = true;
    m_ticket.reset();
}

void BackgroundJob::stop()
{
    if (m_ticket)
        m_ticket->cancelled = true;
}

std::shared_ptr<BackgroundJob::Ticket> BackgroundJob::startTicket()
{
    cancel();
    m_ticket = std::make_shared<Ticket>();
    return m_ticket;
}

ProgressCallback BackgroundJob::progressFor(const std::shared_ptr<Ticket>& ticket)
{
    const QPointer<BackgroundJob> self(this);
    return [self, ticket](const Progress& report) {
        if (ticket->cancelled)
            return false;
        // Throttled: a search reports thousands of times, the GUI needs a few per second.
        const long long now = QDeadlineTimer::current().deadline();
        const bool newStage = report.stage != ticket->lastStage;
        if (!newStage && report.fraction < 1.0 && now - ticket->lastReportMs < 50)
            return true;
        ticket->lastReportMs = now;
        ticket->lastStage = report.stage;
        QMetaObject::invokeMethod(
            qApp,
            [self, ticket, report] {
                if (self && self->m_ticket == ticket)
                    Q_EMIT self->progress(report);
            },
            Qt::QueuedConnection);
        return true;
    };
}

void BackgroundJob::finish(const QPointer<BackgroundJob>& self, const std::shared_ptr<Ticket>& ticket,
                           std::function<void()> then)
{
    // qApp as the context: self may be destroyed meanwhile, which the QPointer tells on the GUI thread.
    QMetaObject::invokeMethod(
        qApp,
        [self, ticket, then] {
            if (!self || self->m_ticket != ticket)
                return; // cancelled or superseded
            self->m_ticket.reset();
            if (then)
                then();
        },
        Qt::QueuedConnection);
}

void BackgroundJob::startInPool(std::function<void()> task)
{
    QThreadPool::globalInstance()->start([task = std::move(task)] {
        // Jobs run model code (oneDNN's sgemm), which a signal handler must never interrupt;
        // the GUI thread takes the process's signals instead.
        SignalDispatcher::shieldThisThread();
        task();
    });
}

} // namespace clipwb::ui
