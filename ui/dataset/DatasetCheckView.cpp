#include "ui/dataset/DatasetCheckView.h"

#include "data/DatasetChecker.h"
#include "data/LmdbSplit.h"
#include "ui/common/BackgroundJob.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace clipwb::ui {

namespace {

enum Column { KindColumn, PairColumn, ImageColumn, MessageColumn, ColumnCount };

DatasetCheckView::Report checkSplit(const std::filesystem::path& splitDir, const ProgressCallback& progress)
{
    const data::DatasetCheckReport checked = data::checkDataset(splitDir, {}, progress);
    DatasetCheckView::Report report;
    for (const data::DatasetProblem& problem : checked.problems)
        report.problems.push_back({QString::fromLatin1(data::DatasetProblem::kindName(problem.kind)), problem.index,
                                   problem.imageId, QString::fromStdString(problem.message)});
    report.summary = DatasetCheckView::tr("%1 pairs and %2 images checked.")
                         .arg(checked.pairsChecked)
                         .arg(checked.imagesChecked);
    return report;
}

} // namespace

DatasetCheckView::DatasetCheckView(QWidget* parent) : QWidget(parent)
{
    m_run = new QPushButton(tr("Run check"));
    m_run->setObjectName(QStringLiteral("runCheckButton"));
    m_run->setToolTip(tr("Reads every pair and decodes every image, as `clipwb-cli dataset check` does."));
    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("checkProgress"));
    m_progress->setRange(0, 1000);
    m_progress->hide();
    m_summary = new QLabel(tr("Open a split, then run the check to find missing or broken records."));
    m_summary->setObjectName(QStringLiteral("checkSummary"));
    m_summary->setWordWrap(true);
    m_table = new QTableWidget(0, ColumnCount);
    m_table->setObjectName(QStringLiteral("checkTable"));
    m_table->setHorizontalHeaderLabels({tr("Problem"), tr("Pair"), tr("Image id"), tr("Details")});
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setWordWrap(false);

    auto* top = new QHBoxLayout;
    top->addWidget(m_run);
    top->addWidget(m_progress, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(m_summary);
    layout->addWidget(m_table, 1);

    connect(m_run, &QPushButton::clicked, this, &DatasetCheckView::runCheck);
    connect(m_table, &QTableWidget::cellActivated, this, [this](int row, int) {
        if (row >= 0 && row < m_problems.size())
            Q_EMIT jumpRequested(m_problems[row].pairIndex, m_problems[row].imageId);
    });
    m_job = new BackgroundJob(this);
    connect(m_job, &BackgroundJob::progress, this,
            [this](const Progress& report) { m_progress->setValue(int(report.fraction * 1000)); });
    m_run->setEnabled(false);
}

DatasetCheckView::~DatasetCheckView() = default;

bool DatasetCheckView::isRunning() const
{
    return m_job->isRunning();
}

void DatasetCheckView::setSplit(std::shared_ptr<const data::LmdbSplit> split)
{
    m_job->cancel();
    m_split = std::move(split);
    m_problems.clear();
    m_table->setRowCount(0);
    m_progress->hide();
    m_run->setEnabled(bool(m_split));
    m_summary->setText(m_split ? tr("Run the check to find missing or broken records of this split.")
                               : tr("Open a split, then run the check to find missing or broken records."));
}

QString DatasetCheckView::summaryText() const
{
    return m_summary->text();
}

void DatasetCheckView::runCheck()
{
    if (!m_split || m_job->isRunning())
        return;
    m_run->setEnabled(false);
    m_progress->setValue(0);
    m_progress->show();
    m_summary->setText(tr("Checking every pair and image…"));
    const std::filesystem::path splitDir = m_split->path();
    const auto finished = [this](const Report& report) {
        m_run->setEnabled(bool(m_split));
        m_progress->hide();
        showReport(report);
    };
    m_job->run([splitDir](const ProgressCallback& progress) { return checkSplit(splitDir, progress); }, finished,
               [finished](const QString& message) {
                   Report report;
                   report.error = message;
                   finished(report);
               });
}

void DatasetCheckView::showReport(const Report& report)
{
    m_problems = report.problems;
    m_table->setRowCount(0);
    if (!report.error.isEmpty()) {
        m_summary->setText(tr("<span style='color:#b00020'>The check failed: %1</span>").arg(report.error.toHtmlEscaped()));
        Q_EMIT checkFinished(-1);
        return;
    }
    m_table->setRowCount(int(m_problems.size()));
    for (int row = 0; row < m_problems.size(); ++row) {
        const Problem& problem = m_problems[row];
        const QString cells[] = {problem.kind, problem.pairIndex >= 0 ? QString::number(problem.pairIndex) : QString(),
                                 problem.imageId >= 0 ? QString::number(problem.imageId) : QString(),
                                 problem.message};
        for (int column = 0; column < ColumnCount; ++column)
            m_table->setItem(row, column, new QTableWidgetItem(cells[column]));
    }
    m_table->resizeColumnsToContents();
    m_summary->setText(m_problems.isEmpty()
                           ? tr("<span style='color:#1b7a2b'>No problems found.</span> %1").arg(report.summary.toHtmlEscaped())
                           : tr("<span style='color:#b00020'>%n problem(s) found.</span> Double-click one to see the record. %1",
                                nullptr, int(m_problems.size()))
                                 .arg(report.summary.toHtmlEscaped()));
    Q_EMIT checkFinished(int(m_problems.size()));
}

} // namespace clipwb::ui
