#include "ui/checkpoints/CheckpointsPage.h"

#include "run/RunFolder.h"
#include "ui/checkpoints/CheckpointRecallEvaluator.h"

#include "model/CheckpointInfo.h"

#include <QAction>
#include <QDateTime>
#include <QDesktopServices>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QMessageBox>
#include <QTableWidget>
#include <QSet>
#include <QToolBar>
#include <QToolButton>
#include <QUrl>
#include <QVBoxLayout>

#include <array>
#include <cmath>

namespace clipwb::ui {
namespace {
enum Column { File, Epoch, Step, Saved, Size, ValLoss, ValI2t, ValT2i, Recall, ColumnCount };
const char* const kRecallKeys[6] = {"t2i_r1", "t2i_r5", "t2i_r10", "i2t_r1", "i2t_r5", "i2t_r10"};

QString recallText(const std::array<double, 6>& v)
{
    const auto f = [](double x) { return QString::number(x, 'f', 1); };
    return QStringLiteral("%1 / %2 / %3 · %4 / %5 / %6").arg(f(v[0]), f(v[1]), f(v[2]), f(v[3]), f(v[4]), f(v[5]));
}
constexpr int kPathRole = Qt::UserRole + 1;
} // namespace

CheckpointsPage::CheckpointsPage(QWidget* parent) : QWidget(parent)
{
    const auto make = [this](const QString& text, QStyle::StandardPixmap icon, const QKeySequence& key,
                             const QString& tip) {
        auto* action = new QAction(style()->standardIcon(icon), text, this);
        action->setShortcut(key);
        action->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        action->setToolTip(QStringLiteral("%1 (%2)").arg(tip, key.toString(QKeySequence::NativeText)));
        addAction(action);
        return action;
    };
    m_resumeLatestAction = make(tr("Resume from &latest"), QStyle::SP_MediaPlay, QKeySequence(tr("Ctrl+L")),
                                tr("Continue the run exactly where its newest checkpoint left it"));
    m_resumeSelectedAction = make(tr("Resume from &selected"), QStyle::SP_MediaSeekForward,
                                  QKeySequence(tr("Ctrl+Shift+L")), tr("Continue training from the selected checkpoint"));
    m_browseAction = make(tr("&Browse retrieval"), QStyle::SP_FileDialogContentsView, QKeySequence(tr("Ctrl+B")),
                          tr("Open the selected checkpoint in the Retrieval browser (the run's validation split)"));
    m_deleteAction = make(tr("&Delete"), QStyle::SP_TrashIcon, QKeySequence(QKeySequence::Delete),
                          tr("Delete the selected checkpoint file"));
    m_slimAction = make(tr("Slim &export…"), QStyle::SP_DialogSaveButton, QKeySequence(tr("Ctrl+Shift+X")),
                        tr("Write a copy without the optimizer state (smaller, for inference)"));
    m_showAction = make(tr("Show in &file manager"), QStyle::SP_DirOpenIcon, QKeySequence(tr("Ctrl+Shift+F")),
                        tr("Open the checkpoints folder"));
    m_refreshAction = make(tr("Refresh"), QStyle::SP_BrowserReload, QKeySequence(QKeySequence::Refresh),
                           tr("Read the folder again"));
    m_evaluateAllAction = make(tr("Evaluate &all checkpoints"), QStyle::SP_FileDialogContentsView,
                               QKeySequence(tr("Ctrl+Alt+R")),
                               tr("Retrieval recall of every checkpoint on the run's validation split, in the "
                                  "background (cached); the dashboard plots it against the step"));
    m_evaluateAllAction->setObjectName(QStringLiteral("evaluateAllAction"));
    m_resumeLatestAction->setObjectName(QStringLiteral("resumeLatestAction"));
    m_resumeSelectedAction->setObjectName(QStringLiteral("resumeSelectedAction"));
    m_browseAction->setObjectName(QStringLiteral("browseRetrievalAction"));

    auto* toolbar = new QToolBar;
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    for (QAction* action : {m_resumeLatestAction, m_resumeSelectedAction, m_browseAction})
        toolbar->addAction(action);
    toolbar->addSeparator();
    for (QAction* action : {m_slimAction, m_deleteAction, m_showAction, m_refreshAction})
        toolbar->addAction(action);
    toolbar->addSeparator();
    toolbar->addAction(m_evaluateAllAction);
    // The file chores show as icons (their tooltips name them) so the run actions fit a 1280-pixel window.
    for (QAction* action : {m_deleteAction, m_showAction, m_refreshAction})
        if (auto* button = qobject_cast<QToolButton*>(toolbar->widgetForAction(action)))
            button->setToolButtonStyle(Qt::ToolButtonIconOnly);

    m_header = new QLabel(tr("No run yet. Train on the Training page (F5), or open a run folder there (Ctrl+R): its "
                          "checkpoints show here."));
    m_header->setObjectName(QStringLiteral("checkpointsHeader"));
    m_header->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_table = new QTableWidget(0, ColumnCount);
    m_table->setObjectName(QStringLiteral("checkpointTable"));
    m_table->setHorizontalHeaderLabels({tr("File"), tr("Epoch"), tr("Step"), tr("Saved"), tr("Size"),
                                        tr("Val loss"), tr("Val i2t"), tr("Val t2i"),
                                        tr("Recall t2i · i2t (R@1/5/10, %)")});
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->setVisible(false);
    m_table->horizontalHeader()->setSectionResizeMode(File, QHeaderView::Stretch);
    for (int c = Epoch; c < ColumnCount; ++c)
        m_table->horizontalHeader()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    m_table->setContextMenuPolicy(Qt::ActionsContextMenu);
    for (QAction* action : {m_resumeSelectedAction, m_browseAction, m_slimAction, m_deleteAction, m_showAction})
        m_table->addAction(action);

    auto* hint = new QLabel(tr("Resuming restores the model, the optimizer and the data position, with the run's "
                               "own configuration; the Configuration page's resume field follows the choice."));
    hint->setWordWrap(true);
    hint->setStyleSheet(QStringLiteral("color: palette(mid);"));

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(6, 0, 6, 6);
    layout->addWidget(toolbar);
    layout->addWidget(m_header);
    layout->addWidget(m_table, 1);
    m_evaluationLabel = new QLabel;
    m_evaluationLabel->setObjectName(QStringLiteral("evaluationLabel"));
    m_evaluationLabel->setVisible(false);
    layout->addWidget(m_evaluationLabel);
    layout->addWidget(hint);

    m_evaluator = new CheckpointRecallEvaluator(this);
    connect(m_evaluateAllAction, &QAction::triggered, this, [this] {
        QString error;
        if (!evaluateAllCheckpoints(&error))
            QMessageBox::warning(this, tr("Evaluate all checkpoints"), error);
    });
    connect(m_evaluator, &CheckpointRecallEvaluator::progress, this,
            [this](int done, int total, const QString& checkpoint) {
                m_evaluationLabel->setText(tr("Evaluating retrieval recall: %1 of %2 (%3)…")
                                               .arg(done + 1)
                                               .arg(total)
                                               .arg(QFileInfo(checkpoint).fileName()));
            });
    connect(m_evaluator, &CheckpointRecallEvaluator::evaluated, this, [this] { rebuild(); });
    connect(m_evaluator, &CheckpointRecallEvaluator::finished, this, [this](const QString& error) {
        const auto& results = m_evaluator->results();
        if (error.isEmpty())
            m_evaluationLabel->setText(
                tr("Retrieval recall of %n checkpoint(s) on the validation split: see the Training page's "
                   "Retrieval recall chart.",
                   nullptr, int(results.size())));
        else
            m_evaluationLabel->setText(error == QLatin1String("cancelled") ? tr("Evaluation cancelled.")
                                                                           : tr("Evaluation failed: %1").arg(error));
        updateButtons();
    });

    connect(m_table, &QTableWidget::itemSelectionChanged, this, [this] {
        updateButtons();
        if (!selectedCheckpoint().isEmpty())
            Q_EMIT checkpointSelected(selectedCheckpoint());
    });
    connect(m_table, &QTableWidget::itemDoubleClicked, this, [this] { resumeFrom(selectedCheckpoint()); });
    connect(m_resumeLatestAction, &QAction::triggered, this, [this] { resumeFrom(latestCheckpoint()); });
    connect(m_resumeSelectedAction, &QAction::triggered, this, [this] { resumeFrom(selectedCheckpoint()); });
    connect(m_browseAction, &QAction::triggered, this, [this] {
        if (!selectedCheckpoint().isEmpty())
            Q_EMIT browseRequested(selectedCheckpoint());
    });
    connect(m_deleteAction, &QAction::triggered, this, &CheckpointsPage::askDelete);
    connect(m_slimAction, &QAction::triggered, this, &CheckpointsPage::askExportSlim);
    connect(m_refreshAction, &QAction::triggered, this, &CheckpointsPage::refresh);
    connect(m_showAction, &QAction::triggered, this, [this] {
        if (m_run)
            QDesktopServices::openUrl(QUrl::fromLocalFile(QString::fromStdString(m_run->checkpointsDir().string())));
    });
    updateButtons();
}

CheckpointsPage::~CheckpointsPage() = default;

void CheckpointsPage::setRunDir(const QString& dir)
{
    m_evaluator->cancel(); // its results belong to the previous run
    if (dir.isEmpty()) {
        m_run.reset();
    } else {
        m_run = std::make_unique<run::RunFolder>(QDir(dir).absolutePath().toStdString());
    }
    refresh();
}

QString CheckpointsPage::runDir() const
{
    return m_run ? QString::fromStdString(m_run->dir().string()) : QString();
}

void CheckpointsPage::refresh()
{
    if (m_run) {
        try {
            m_run->refresh();
        } catch (const std::exception& e) {
            m_header->setText(tr("Cannot read %1: %2").arg(runDir(), QString::fromStdString(e.what())));
        }
    }
    rebuild();
}

void CheckpointsPage::rebuild()
{
    const QString selected = selectedCheckpoint();
    m_table->setRowCount(0);
    if (!m_run) {
        m_header->setText(tr("No run yet. Train on the Training page (F5), or open a run folder there (Ctrl+R): its "
                          "checkpoints show here."));
        updateButtons();
        return;
    }
    const auto& list = m_run->checkpoints();
    m_header->setText(tr("%n checkpoint(s) in %1", nullptr, static_cast<int>(list.size()))
                          .arg(QString::fromStdString(m_run->checkpointsDir().string())));
    const QLocale locale;
    m_table->setSortingEnabled(false);
    m_table->setRowCount(static_cast<int>(list.size()));
    for (int row = 0; row < static_cast<int>(list.size()); ++row) {
        const auto& entry = list[static_cast<size_t>(row)];
        // epoch_latest.pt holds the newest state: its step is the last recorded one.
        std::optional<int64_t> step = entry.step;
        std::optional<int64_t> epoch = entry.epoch;
        const auto& train = m_run->train();
        if (entry.isLatest && !step && train.rows() > 0 && std::isfinite(train.value("step", train.rows() - 1))) {
            step = static_cast<int64_t>(train.value("step", train.rows() - 1));
            if (std::isfinite(train.value("epoch", train.rows() - 1)))
                epoch = static_cast<int64_t>(train.value("epoch", train.rows() - 1));
        }
        const QString path = QString::fromStdString(entry.path.string());
        auto* file = new QTableWidgetItem(QString::fromStdString(entry.fileName));
        file->setData(kPathRole, path);
        file->setToolTip(path);
        if (entry.isLatest)
            file->setIcon(style()->standardIcon(QStyle::SP_ArrowUp));
        m_table->setItem(row, File, file);
        const auto number = [](std::optional<int64_t> value) {
            auto* item = new QTableWidgetItem(value ? QString::number(*value) : QStringLiteral("—"));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            return item;
        };
        m_table->setItem(row, Epoch, number(epoch));
        m_table->setItem(row, Step, number(step));
        m_table->setItem(row, Saved,
                         new QTableWidgetItem(locale.toString(QDateTime::fromSecsSinceEpoch(entry.modifiedUnixSeconds),
                                                              QLocale::ShortFormat)));
        auto* size = new QTableWidgetItem(locale.formattedDataSize(entry.sizeBytes));
        size->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        m_table->setItem(row, Size, size);
        const long valRow = step ? m_run->validationRowAtStep(*step) : -1;
        const char* columns[] = {"loss", "i2t", "t2i"};
        for (int k = 0; k < 3; ++k) {
            const double value = valRow >= 0 ? m_run->validation().value(columns[k], static_cast<size_t>(valRow)) : NAN;
            auto* item = new QTableWidgetItem(std::isfinite(value) ? QString::number(value, 'f', 4) : QStringLiteral("—"));
            item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            if (valRow < 0)
                item->setToolTip(tr("No validation at this step"));
            m_table->setItem(row, ValLoss + k, item);
        }
        // Retrieval recall: recorded at this step's validation, else evaluated from the checkpoint.
        std::array<double, 6> recall{};
        bool haveRecall = valRow >= 0;
        for (int k = 0; k < 6 && haveRecall; ++k) {
            recall[size_t(k)] = m_run->validation().value(kRecallKeys[k], static_cast<size_t>(valRow));
            haveRecall = std::isfinite(recall[size_t(k)]);
        }
        if (!haveRecall && step)
            for (const CheckpointRecall& result : m_evaluator->results())
                if (result.step == *step && QFileInfo(result.checkpoint).dir() == QFileInfo(path).dir()) {
                    recall = result.values;
                    haveRecall = true;
                }
        auto* recallItem = new QTableWidgetItem(haveRecall ? recallText(recall) : QStringLiteral("—"));
        recallItem->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
        if (!haveRecall)
            recallItem->setToolTip(tr("Not evaluated: use Evaluate all checkpoints"));
        m_table->setItem(row, Recall, recallItem);
    }
    if (!selected.isEmpty())
        selectCheckpoint(selected);
    updateButtons();
}

QStringList CheckpointsPage::checkpointPaths() const
{
    QStringList paths;
    for (int row = 0; row < m_table->rowCount(); ++row)
        paths << m_table->item(row, File)->data(kPathRole).toString();
    return paths;
}

QString CheckpointsPage::selectedCheckpoint() const
{
    const auto rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty())
        return QString();
    return m_table->item(rows.first().row(), File)->data(kPathRole).toString();
}

void CheckpointsPage::selectCheckpoint(const QString& path)
{
    const int row = checkpointPaths().indexOf(path);
    if (row >= 0)
        m_table->selectRow(row);
    else
        m_table->clearSelection();
}

QString CheckpointsPage::latestCheckpoint() const
{
    // The list is ordered newest first, epoch_latest.pt on top.
    const QStringList paths = checkpointPaths();
    return paths.isEmpty() ? QString() : paths.first();
}

void CheckpointsPage::updateButtons()
{
    const bool hasSelection = !selectedCheckpoint().isEmpty();
    // A finished run has nothing left to train: resuming it would end at once.
    bool finished = false;
    if (m_run && m_run->maxSteps() > 0 && m_run->train().rows() > 0) {
        const double lastStep = m_run->train().value("step", m_run->train().rows() - 1);
        finished = std::isfinite(lastStep) && lastStep >= double(m_run->maxSteps());
    }
    m_resumeLatestAction->setEnabled(!latestCheckpoint().isEmpty() && !finished);
    m_resumeSelectedAction->setEnabled(hasSelection);
    m_browseAction->setEnabled(hasSelection);
    m_deleteAction->setEnabled(hasSelection);
    m_slimAction->setEnabled(hasSelection);
    m_showAction->setEnabled(m_run != nullptr);
    m_refreshAction->setEnabled(m_run != nullptr);
    m_evaluateAllAction->setEnabled(m_run != nullptr && !latestCheckpoint().isEmpty() && !m_evaluator->isRunning());
    // A disabled button says why.
    const auto explain = [](QAction* action, const QString& tip, const QString& whyNot) {
        const QString key = action->shortcut().toString(QKeySequence::NativeText);
        action->setToolTip(QStringLiteral("%1 (%2)").arg(action->isEnabled() ? tip : whyNot, key));
    };
    explain(m_resumeLatestAction, tr("Continue the run exactly where its newest checkpoint left it"),
            !m_run     ? tr("No run open")
            : finished ? tr("The run has finished: nothing left to train (Resume from selected continues an "
                            "earlier checkpoint)")
                       : tr("This run has no checkpoint yet"));
    const QString selectFirst = tr("Select a checkpoint in the table first");
    explain(m_resumeSelectedAction, tr("Continue training from the selected checkpoint"), selectFirst);
    explain(m_browseAction, tr("Open the selected checkpoint in the Retrieval browser (the run's validation split)"),
            selectFirst);
    explain(m_deleteAction, tr("Delete the selected checkpoint file"), selectFirst);
    explain(m_slimAction, tr("Write a copy without the optimizer state (smaller, for inference)"),
            selectFirst);
}

QString CheckpointsPage::checkpointNearestStep(qint64 step) const
{
    QString best;
    qint64 bestDistance = -1, bestStep = -1;
    for (int row = 0; row < m_table->rowCount(); ++row) {
        bool ok = false;
        const qint64 rowStep = m_table->item(row, Step)->text().toLongLong(&ok);
        if (!ok)
            continue;
        const qint64 distance = std::abs(rowStep - step);
        if (bestDistance < 0 || distance < bestDistance || (distance == bestDistance && rowStep > bestStep)) {
            best = m_table->item(row, File)->data(kPathRole).toString();
            bestDistance = distance;
            bestStep = rowStep;
        }
    }
    return best;
}

bool CheckpointsPage::evaluateAllCheckpoints(QString* error)
{
    if (!m_run) {
        if (error)
            *error = tr("No run open.");
        return false;
    }
    // One checkpoint per step: epoch_latest.pt repeats the newest state's step.
    QList<CheckpointRecallEvaluator::Job> jobs;
    QSet<qint64> steps;
    for (int row = m_table->rowCount() - 1; row >= 0; --row) {
        bool ok = false;
        const qint64 step = m_table->item(row, Step)->text().toLongLong(&ok);
        const QString path = m_table->item(row, File)->data(kPathRole).toString();
        const bool isLatest = QFileInfo(path).fileName() == QLatin1String("epoch_latest.pt");
        if (!ok || (steps.contains(step) && isLatest))
            continue;
        if (steps.contains(step))
            for (auto& job : jobs)
                if (job.step == step)
                    job.checkpoint = path; // prefer the named checkpoint over epoch_latest.pt
        if (!steps.contains(step))
            jobs.append({path, step});
        steps.insert(step);
    }
    if (jobs.isEmpty()) {
        if (error)
            *error = tr("No checkpoint with a known step.");
        return false;
    }
    if (!m_evaluator->start(QString::fromStdString(m_run->configPath().string()), jobs, error))
        return false;
    m_evaluationLabel->setVisible(true);
    m_evaluationLabel->setText(tr("Evaluating retrieval recall of %n checkpoint(s)…", nullptr, int(jobs.size())));
    updateButtons();
    return true;
}

void CheckpointsPage::resumeFrom(const QString& path)
{
    if (path.isEmpty() || !m_run)
        return;
    Q_EMIT resumeRequested(path, QString::fromStdString(m_run->configPath().string()));
}

bool CheckpointsPage::deleteCheckpoint(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.remove()) {
        if (error)
            *error = tr("Cannot delete %1: %2").arg(path, file.errorString());
        return false;
    }
    refresh();
    return true;
}

void CheckpointsPage::askDelete()
{
    const QString path = selectedCheckpoint();
    if (path.isEmpty())
        return;
    const auto answer = QMessageBox::question(this, tr("Delete checkpoint"),
                                              tr("Delete %1? This cannot be undone.").arg(QFileInfo(path).fileName()),
                                              QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes)
        return;
    QString error;
    if (!deleteCheckpoint(path, &error))
        QMessageBox::warning(this, tr("Delete checkpoint"), error);
}

bool CheckpointsPage::exportSlim(const QString& path, const QString& output, QString* error)
{
    try {
        model::convertCheckpoint(path.toStdString(), output.toStdString(), true, false);
        return true;
    } catch (const std::exception& e) {
        if (error)
            *error = QString::fromStdString(e.what());
        return false;
    }
}

void CheckpointsPage::askExportSlim()
{
    const QString path = selectedCheckpoint();
    if (path.isEmpty())
        return;
    const QFileInfo info(path);
    const QString output = QFileDialog::getSaveFileName(
        this, tr("Slim export"), info.dir().filePath(info.completeBaseName() + QStringLiteral("_slim.pt")),
        tr("Checkpoints (*.pt)"));
    if (output.isEmpty())
        return;
    QString error;
    if (!exportSlim(path, output, &error)) {
        QMessageBox::warning(this, tr("Slim export"), error);
        return;
    }
    refresh();
    Q_EMIT statusMessage(tr("Slim export written: %1 (%2 MB, without the optimizer state).")
                             .arg(QDir::toNativeSeparators(output))
                             .arg(double(QFileInfo(output).size()) / (1 << 20), 0, 'f', 1));
}

} // namespace clipwb::ui
