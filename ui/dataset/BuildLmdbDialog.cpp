#include "ui/dataset/BuildLmdbDialog.h"

#include "data/LmdbBuilder.h"
#include "ui/common/BackgroundJob.h"
#include "ui/common/CoreMessages.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPointer>
#include <QProgressBar>
#include <QPushButton>
#include <QToolButton>
#include <QVBoxLayout>

namespace clipwb::ui {

namespace {

QToolButton* browseButton(QWidget* parent, QLineEdit* target, const QString& title)
{
    auto* button = new QToolButton(parent);
    button->setText(QStringLiteral("…"));
    QObject::connect(button, &QToolButton::clicked, parent, [parent, target, title] {
        const QString dir = QFileDialog::getExistingDirectory(parent, title, target->text());
        if (!dir.isEmpty())
            target->setText(dir);
    });
    return button;
}

} // namespace

BuildLmdbDialog::BuildLmdbDialog(QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Build LMDB"));
    m_dataDir = new QLineEdit;
    m_dataDir->setObjectName(QStringLiteral("dataDir"));
    m_dataDir->setPlaceholderText(tr("folder with {split}_imgs.tsv and {split}_texts.jsonl"));
    m_outputDir = new QLineEdit;
    m_outputDir->setObjectName(QStringLiteral("outputDir"));
    m_outputDir->setPlaceholderText(tr("default: <data folder>/lmdb"));
    connect(m_dataDir, &QLineEdit::editingFinished, this, &BuildLmdbDialog::detectSplits);

    auto* dataRow = new QHBoxLayout;
    dataRow->addWidget(m_dataDir, 1);
    dataRow->addWidget(browseButton(this, m_dataDir, tr("Raw data folder")));
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(m_outputDir, 1);
    outRow->addWidget(browseButton(this, m_outputDir, tr("LMDB output folder")));
    m_splitBoxes = new QVBoxLayout;
    m_splitsNote = new QLabel(tr("Choose the raw data folder to see its splits."));
    m_splitsNote->setObjectName(QStringLiteral("splitsNote"));
    m_splitBoxes->addWidget(m_splitsNote);

    auto* form = new QFormLayout;
    form->addRow(tr("Raw data"), dataRow);
    form->addRow(tr("Splits"), m_splitBoxes);
    form->addRow(tr("LMDB folder"), outRow);

    m_progress = new QProgressBar;
    m_progress->setObjectName(QStringLiteral("buildProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_log = new QPlainTextEdit;
    m_log->setObjectName(QStringLiteral("buildLog"));
    m_log->setReadOnly(true);
    m_log->setMinimumHeight(140);

    m_buttons = new QDialogButtonBox(QDialogButtonBox::Close);
    m_build = m_buttons->addButton(tr("Build"), QDialogButtonBox::AcceptRole);
    m_build->setObjectName(QStringLiteral("buildButton"));
    connect(m_build, &QPushButton::clicked, this, &BuildLmdbDialog::start);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &BuildLmdbDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_progress);
    layout->addWidget(m_log, 1);
    layout->addWidget(m_buttons);
    resize(560, 420);

    m_job = new BackgroundJob(this);
    connect(m_job, &BackgroundJob::progress, this, [this](const Progress& report) {
        m_progress->setValue(int(report.fraction * 1000));
        const QString text = tr("%1 …").arg(CoreMessages::translate(report.stage));
        if (!report.stage.empty() && text != m_lastStage)
            appendLog(text);
        m_lastStage = text;
    });
    connect(m_job, &BackgroundJob::stopped, this, [this] {
        Outcome outcome;
        outcome.message = tr("Cancelled.");
        onFinished(outcome);
    });
}

BuildLmdbDialog::~BuildLmdbDialog() = default;

bool BuildLmdbDialog::isRunning() const
{
    return m_job->isRunning();
}

void BuildLmdbDialog::setDataDir(const QString& dir)
{
    m_dataDir->setText(dir);
    detectSplits();
}

void BuildLmdbDialog::setOutputDir(const QString& dir)
{
    m_outputDir->setText(dir);
}

QString BuildLmdbDialog::outputDir() const
{
    const QString out = m_outputDir->text().trimmed();
    return out.isEmpty() ? QDir(m_dataDir->text().trimmed()).filePath(QStringLiteral("lmdb")) : out;
}

QStringList BuildLmdbDialog::selectedSplits() const
{
    QStringList splits;
    for (QCheckBox* box : m_splits)
        if (box->isChecked())
            splits << box->text();
    return splits;
}

QString BuildLmdbDialog::log() const
{
    return m_log->toPlainText();
}

void BuildLmdbDialog::appendLog(const QString& line)
{
    m_log->appendPlainText(line);
}

void BuildLmdbDialog::detectSplits()
{
    qDeleteAll(m_splits);
    m_splits.clear();
    const QDir dir(m_dataDir->text().trimmed());
    QStringList found;
    for (const QString& name : dir.entryList({QStringLiteral("*_texts.jsonl")}, QDir::Files, QDir::Name)) {
        const QString split = name.chopped(int(qstrlen("_texts.jsonl")));
        if (dir.exists(split + QStringLiteral("_imgs.tsv")))
            found << split;
    }
    for (const QString& split : found) {
        auto* box = new QCheckBox(split);
        box->setChecked(true);
        m_splitBoxes->addWidget(box);
        m_splits << box;
    }
    m_splitsNote->setText(found.isEmpty() && !m_dataDir->text().trimmed().isEmpty()
                              ? tr("No {split}_imgs.tsv with a matching {split}_texts.jsonl here.")
                              : QString());
    m_splitsNote->setVisible(!m_splitsNote->text().isEmpty());
    m_build->setEnabled(!found.isEmpty());
}

void BuildLmdbDialog::start()
{
    if (m_job->isRunning())
        return;
    const QStringList splits = selectedSplits();
    if (splits.isEmpty()) {
        appendLog(tr("Nothing to build: tick at least one split."));
        Q_EMIT finished(false, QString());
        return;
    }
    m_runningOutput = outputDir();
    m_build->setEnabled(false);
    m_progress->setValue(0);
    m_lastStage.clear();
    appendLog(tr("Building %1 into %2 …").arg(splits.join(QStringLiteral(", ")), m_runningOutput));

    const std::string dataDir = m_dataDir->text().trimmed().toStdString();
    const std::string lmdbDir = m_runningOutput.toStdString();
    std::vector<std::string> splitNames;
    for (const QString& split : splits)
        splitNames.push_back(split.toStdString());
    m_job->run(
        [dataDir, lmdbDir, splitNames](const ProgressCallback& progress) {
            data::BuildLmdbOptions options;
            options.dataDir = dataDir;
            options.splits = splitNames;
            options.lmdbDir = lmdbDir;
            const auto results = data::buildLmdb(options, progress);
            QStringList lines;
            for (const auto& result : results)
                lines << tr("%1: %2 pairs, %3 images → %4")
                             .arg(QString::fromStdString(result.split))
                             .arg(result.numSamples)
                             .arg(result.numImages)
                             .arg(QString::fromStdString(result.path.string()));
            return Outcome{true, lines.join(QLatin1Char('\n'))};
        },
        [this](const Outcome& outcome) { onFinished(outcome); },
        [this](const QString& message) {
            onFinished(Outcome{false, tr("Failed: %1").arg(message)});
        });
}

void BuildLmdbDialog::onFinished(const Outcome& outcome)
{
    m_build->setEnabled(!m_splits.isEmpty());
    if (outcome.ok)
        m_progress->setValue(1000);
    appendLog(outcome.message);
    Q_EMIT finished(outcome.ok, outcome.ok ? m_runningOutput : QString());
}

void BuildLmdbDialog::reject()
{
    if (m_job->isRunning()) {
        // Stop at the next record; the builder leaves no half-written split behind.
        m_job->stop();
        appendLog(tr("Cancelling…"));
        return;
    }
    QDialog::reject();
}

} // namespace clipwb::ui
