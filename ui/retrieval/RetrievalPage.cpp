#include "ui/retrieval/RetrievalPage.h"

#include "common/Resources.h"
#include "data/ImageDecoder.h"
#include "data/LmdbSplit.h"
#include "eval/RetrievalSession.h"
#include "model/CheckpointInfo.h"
#include "ui/common/BackgroundJob.h"
#include "ui/common/CoreMessages.h"
#include "ui/common/MessageLabel.h"
#include "ui/models/DownloadedModelsButton.h"
#include "ui/retrieval/RetrievalCompareView.h"
#include "ui/retrieval/RetrievalQuery.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QTableWidget>
#include <QVBoxLayout>

#include <filesystem>

namespace clipwb::ui {
namespace {

constexpr int kTopK = 10;
constexpr int kThumbnail = 112;
const int kImageIdRole = Qt::UserRole + 1;

QComboBox* modelCombo(const QString& kind, const QString& fallback)
{
    auto* combo = new QComboBox;
    combo->setEditable(true);
    for (const std::string& name : resources::list("model_configs/")) {
        const QString stem = QFileInfo(QString::fromStdString(name)).completeBaseName();
        const bool isVision = stem.startsWith(QLatin1String("ViT")) || stem.startsWith(QLatin1String("RN")) ||
                              stem == QLatin1String("Tiny-ViT");
        if (isVision == (kind == QLatin1String("vision")))
            combo->addItem(stem);
    }
    combo->setCurrentText(fallback);
    return combo;
}

QString percent(double value)
{
    return QString::number(value, 'f', 2);
}

} // namespace

RetrievalPage::RetrievalPage(QWidget* parent) : QWidget(parent)
{
    m_extractionJob = new BackgroundJob(this);
    m_checkJob = new BackgroundJob(this);
    m_textQueryJob = new BackgroundJob(this);
    m_imageQueryJob = new BackgroundJob(this);
    connect(m_extractionJob, &BackgroundJob::progress, this, [this](const Progress& report) {
        m_progress->setRange(0, std::max(int(report.total), 0));
        m_progress->setValue(int(report.done));
        m_statusLabel->setText(tr("Extracting %1: %2 / %3")
                                   .arg(CoreMessages::translate(report.stage))
                                   .arg(report.done)
                                   .arg(report.total));
    });
    connect(m_extractionJob, &BackgroundJob::stopped, this,
            [this] { onExtractionFinished(tr("Extraction cancelled.")); });

    auto* layout = new QVBoxLayout(this);

    auto* setupBox = new QGroupBox(tr("Checkpoint and data"));
    auto* form = new QFormLayout(setupBox);
    m_checkpointEdit = new QLineEdit;
    auto* browseCheckpoint = new QPushButton(tr("Browse…"));
    auto* checkpointRow = new QHBoxLayout;
    checkpointRow->addWidget(m_checkpointEdit);
    checkpointRow->addWidget(browseCheckpoint);
    auto* downloaded = new DownloadedModelsButton;
    downloaded->setObjectName(QStringLiteral("retrievalModels"));
    checkpointRow->addWidget(downloaded);
    form->addRow(tr("Checkpoint"), checkpointRow);
    m_visionCombo = modelCombo(QStringLiteral("vision"), QStringLiteral("Tiny-ViT"));
    m_textCombo = modelCombo(QStringLiteral("text"), QStringLiteral("Tiny-BERT"));
    auto* modelRow = new QHBoxLayout;
    modelRow->addWidget(new QLabel(tr("Vision")));
    modelRow->addWidget(m_visionCombo, 1);
    modelRow->addWidget(new QLabel(tr("Text")));
    modelRow->addWidget(m_textCombo, 1);
    form->addRow(tr("Models"), modelRow);
    m_splitEdit = new QLineEdit;
    auto* browseSplit = new QPushButton(tr("Browse…"));
    auto* splitRow = new QHBoxLayout;
    splitRow->addWidget(m_splitEdit);
    splitRow->addWidget(browseSplit);
    form->addRow(tr("LMDB split"), splitRow);
    m_extractButton = new QPushButton(tr("Extract features"));
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setEnabled(false);
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_statusLabel = new MessageLabel(tr("Pick a checkpoint and a split, then extract features."));
    auto* extractRow = new QHBoxLayout;
    extractRow->addWidget(m_extractButton);
    extractRow->addWidget(m_cancelButton);
    extractRow->addWidget(m_progress, 1);
    form->addRow(extractRow);
    form->addRow(m_statusLabel);
    layout->addWidget(setupBox);

    auto* splitter = new QSplitter(Qt::Horizontal);
    auto* queryPane = new QWidget;
    auto* queryLayout = new QVBoxLayout(queryPane);
    queryLayout->setContentsMargins(0, 0, 0, 0);
    auto* queryRow = new QHBoxLayout;
    m_queryEdit = new QLineEdit;
    m_queryEdit->setPlaceholderText(tr("Describe an image (Chinese text), then press Enter"));
    m_queryEdit->setEnabled(false);
    auto* searchButton = new QPushButton(tr("Search"));
    queryRow->addWidget(m_queryEdit, 1);
    queryRow->addWidget(searchButton);
    queryLayout->addLayout(queryRow);
    m_goldLabel = new MessageLabel;
    queryLayout->addWidget(m_goldLabel);
    m_imageResults = new QListWidget;
    m_imageResults->setViewMode(QListView::IconMode);
    m_imageResults->setIconSize(QSize(kThumbnail, kThumbnail));
    m_imageResults->setResizeMode(QListView::Adjust);
    m_imageResults->setMovement(QListView::Static);
    m_imageResults->setGridSize(QSize(kThumbnail + 24, kThumbnail + 44));
    m_imageResults->setWordWrap(true);
    queryLayout->addWidget(m_imageResults, 3);
    queryLayout->addWidget(new QLabel(tr("Texts closest to the clicked image")));
    m_textResults = new QListWidget;
    queryLayout->addWidget(m_textResults, 1);
    splitter->addWidget(queryPane);

    auto* evalPane = new QWidget;
    auto* evalLayout = new QVBoxLayout(evalPane);
    evalLayout->setContentsMargins(0, 0, 0, 0);
    evalLayout->addWidget(new QLabel(tr("Recall on the split (%)")));
    m_recallTable = new QTableWidget(2, 4);
    m_recallTable->setHorizontalHeaderLabels({tr("R@1"), tr("R@5"), tr("R@10"), tr("Mean recall")});
    m_recallTable->setVerticalHeaderLabels({tr("Text → image"), tr("Image → text")});
    m_recallTable->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_recallTable->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_recallTable->setMaximumHeight(110);
    evalLayout->addWidget(m_recallTable);
    evalLayout->addWidget(new QLabel(tr("Failed text queries (gold not in the top 10); click to run")));
    m_failedQueries = new QListWidget;
    evalLayout->addWidget(m_failedQueries, 1);
    splitter->addWidget(evalPane);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);
    m_tabs = new QTabWidget;
    m_tabs->addTab(splitter, tr("Browse"));
    m_compareView = new RetrievalCompareView;
    m_tabs->addTab(m_compareView, tr("A/B comparison"));
    // The line above the tabs tells the state of the comparison too, not a stale "pick a checkpoint".
    connect(m_compareView, &RetrievalCompareView::ready, this, [this] {
        if (isExtracting())
            return;
        m_progress->setRange(0, 1);
        m_progress->setValue(1);
        m_statusLabel->setText(tr("Both checkpoints are extracted: compare them on the A/B comparison tab."));
    });
    connect(m_compareView, &RetrievalCompareView::failed, this, [this](const QString& message) {
        if (!isExtracting())
            m_statusLabel->setText(tr("A/B comparison: %1").arg(message));
    });
    layout->addWidget(m_tabs, 1);
    // The comparison uses the models and the split chosen above.
    const auto followSettings = [this] {
        m_compareView->setModels(m_visionCombo->currentText(), m_textCombo->currentText());
        m_compareView->setSplit(m_splitEdit->text());
    };
    connect(m_visionCombo, &QComboBox::currentTextChanged, this, followSettings);
    connect(m_textCombo, &QComboBox::currentTextChanged, this, followSettings);
    connect(m_splitEdit, &QLineEdit::textChanged, this, followSettings);
    followSettings();

    connect(downloaded, &DownloadedModelsButton::chosen, this,
            [this](const QString& path, const QString& vision, const QString& text) {
                openCheckpoint(path);
                setModels(vision, text); // a downloaded model has no run config.json beside it
            });
    connect(browseCheckpoint, &QPushButton::clicked, this, [this] {
        const QString file =
            QFileDialog::getOpenFileName(this, tr("Open checkpoint"), m_checkpointEdit->text(),
                                         tr("Checkpoints (*.pt *.pth);;All files (*)"));
        if (!file.isEmpty())
            openCheckpoint(file);
    });
    connect(browseSplit, &QPushButton::clicked, this, [this] {
        const QString dir =
            QFileDialog::getExistingDirectory(this, tr("LMDB split folder"), m_splitEdit->text());
        if (!dir.isEmpty())
            setSplit(dir);
    });
    connect(m_extractButton, &QPushButton::clicked, this, &RetrievalPage::startExtraction);
    connect(m_cancelButton, &QPushButton::clicked, this, &RetrievalPage::cancelExtraction);
    connect(m_queryEdit, &QLineEdit::returnPressed, this, &RetrievalPage::runTextQuery);
    connect(searchButton, &QPushButton::clicked, this, &RetrievalPage::runTextQuery);
    connect(m_imageResults, &QListWidget::itemClicked, this, &RetrievalPage::showImageTexts);
    connect(m_failedQueries, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        m_queryEdit->setText(item->data(Qt::UserRole).toString());
        runTextQuery();
    });
    connect(m_failedQueries, &QListWidget::itemClicked, this, [this](QListWidgetItem* item) {
        m_queryEdit->setText(item->data(Qt::UserRole).toString());
        runTextQuery();
    });
}

RetrievalPage::~RetrievalPage() = default;

// Until the finished handler ran, so that results are in place when this turns false.
bool RetrievalPage::isExtracting() const
{
    return m_extractionJob->isRunning();
}

bool RetrievalPage::isQuerying() const
{
    return m_textQueryJob->isRunning() || m_imageQueryJob->isRunning();
}

QString RetrievalPage::configuredModel(const QString& value) const
{
    // Run configs name models by shipped name or by a JSON path; the shipped name is the stem.
    return value.endsWith(QLatin1String(".json")) ? QFileInfo(value).completeBaseName() : value;
}

void RetrievalPage::openCheckpoint(const QString& path)
{
    m_checkpointEdit->setText(path);
    m_compareView->setCheckpoint(RetrievalCompareView::B, path);
    checkCheckpoint(path);
    // The run's config.json: next to the checkpoint, or above a run's checkpoints/ folder.
    QDir configDir = QFileInfo(path).dir();
    if (!configDir.exists(QStringLiteral("config.json")))
        configDir.cdUp();
    QFile configFile(configDir.filePath(QStringLiteral("config.json")));
    if (!configFile.open(QIODevice::ReadOnly))
        return;
    const QJsonObject config = QJsonDocument::fromJson(configFile.readAll()).object();
    if (config.contains(QLatin1String("vision_model")) && config.contains(QLatin1String("text_model")))
        setModels(configuredModel(config.value(QLatin1String("vision_model")).toString()),
                  configuredModel(config.value(QLatin1String("text_model")).toString()));
    const QString valData = config.value(QLatin1String("val_data")).toString();
    if (!valData.isEmpty()) {
        const QString split = QDir::cleanPath(configDir.absoluteFilePath(valData));
        if (QFileInfo(split).isDir())
            setSplit(split);
    }
}

QString RetrievalPage::checkpoint() const
{
    return m_checkpointEdit->text();
}

void RetrievalPage::checkCheckpoint(const QString& path)
{
    // A damaged or foreign file is named now, not only once Extract fails. Reading the summary
    // parses data.pkl alone, so even a multi-GB checkpoint answers quickly.
    m_statusLabel->setText(tr("Checking %1…").arg(QFileInfo(path).fileName()));
    const std::filesystem::path file = path.toStdString();
    m_checkJob->run([file](const ProgressCallback&) { return model::readCheckpointSummary(file); },
                    [this](const model::CheckpointSummary& summary) {
                        QString text = tr("%1: %2 parameters")
                                           .arg(QString::fromStdString(summary.path.filename().string()))
                                           .arg(QLocale().toString(qlonglong(summary.parameterCount)));
                        if (summary.step)
                            text += tr(", step %1").arg(*summary.step);
                        m_statusLabel->setText(text + tr(". Extract features to browse it."));
                    },
                    [this](const QString& message) {
                        m_statusLabel->setText(
                            tr("<span style='color:#b00020'>This checkpoint cannot be used: %1</span>")
                                .arg(message.toHtmlEscaped()));
                    });
}

void RetrievalPage::setSplit(const QString& splitDir)
{
    m_splitEdit->setText(splitDir);
}

void RetrievalPage::setCacheRoot(const QString& directory)
{
    m_cacheRoot = directory;
    m_compareView->setCacheRoot(directory);
}

void RetrievalPage::showComparison(bool show)
{
    m_tabs->setCurrentIndex(show ? 1 : 0);
}

void RetrievalPage::setModels(const QString& visionModel, const QString& textModel)
{
    m_visionCombo->setCurrentText(visionModel);
    m_textCombo->setCurrentText(textModel);
}

QStringList RetrievalPage::splitTexts() const
{
    QStringList texts;
    if (m_ready)
        for (const eval::RetrievalText& text : m_session->texts())
            texts << QString::fromStdString(text.text);
    return texts;
}

void RetrievalPage::startExtraction()
{
    if (isExtracting())
        return;
    // Missing inputs are named here; a checkpoint still being checked keeps its verdict on screen.
    if (m_checkpointEdit->text().isEmpty() || m_splitEdit->text().isEmpty()) {
        if (!m_checkJob->isRunning())
            m_statusLabel->setText(m_checkpointEdit->text().isEmpty()
                                       ? tr("Choose a checkpoint to extract features with.")
                                       : tr("Choose the LMDB split to search (a folder with imgs/ and pairs/)."));
        Q_EMIT failed(m_statusLabel->text());
        return;
    }
    m_checkJob->cancel(); // extraction says what it finds from here
    eval::RetrievalSessionOptions options;
    options.checkpoint = m_checkpointEdit->text().toStdString();
    options.visionModel = m_visionCombo->currentText().toStdString();
    options.textModel = m_textCombo->currentText().toStdString();
    options.split = m_splitEdit->text().toStdString();
    if (!m_cacheRoot.isEmpty())
        options.cacheRoot = m_cacheRoot.toStdString();

    m_ready = false;
    m_textQueryJob->cancel(); // results of the previous session's queries are dropped
    m_imageQueryJob->cancel();
    m_queryEdit->setEnabled(false);
    m_imageResults->clear();
    m_textResults->clear();
    m_failedQueries->clear();
    m_recallTable->clearContents();
    m_goldLabel->clear();
    m_extractButton->setEnabled(false);
    m_cancelButton->setEnabled(true);
    m_progress->setRange(0, 0);
    m_statusLabel->setText(tr("Loading the model…"));

    auto session = std::make_shared<eval::RetrievalSession>(options);
    auto evaluation = std::make_shared<eval::RetrievalEvaluation>();
    m_session = session;
    m_evaluation = evaluation;
    m_extractionJob->run(
        [session, evaluation](const ProgressCallback& progress) {
            session->prepare(progress);
            *evaluation = session->evaluate();
            return std::make_shared<data::LmdbSplit>(session->options().split);
        },
        [this](std::shared_ptr<data::LmdbSplit> split) {
            m_split = std::move(split);
            onExtractionFinished(QString());
        },
        [this](const QString& error) { onExtractionFinished(error); });
}

void RetrievalPage::cancelExtraction()
{
    m_extractionJob->stop(); // onExtractionFinished(tr("Extraction cancelled.")) once it has stopped
    m_statusLabel->setText(tr("Cancelling…"));
}

void RetrievalPage::onExtractionFinished(const QString& error)
{
    m_extractButton->setEnabled(true);
    m_cancelButton->setEnabled(false);
    m_progress->setRange(0, 1);
    if (!error.isEmpty()) {
        m_progress->setValue(0);
        m_session.reset();
        m_statusLabel->setText(error);
        Q_EMIT failed(error);
        return;
    }
    m_progress->setValue(1);
    m_ready = true;
    m_queryEdit->setEnabled(true);
    m_statusLabel->setText(tr("%1 images, %2 texts; features cached in %3")
                               .arg(m_session->imageIds().size())
                               .arg(m_session->texts().size())
                               .arg(QString::fromStdString(m_session->cacheDirectory().string())));
    fillEvaluation();
    Q_EMIT ready();
}

void RetrievalPage::fillEvaluation()
{
    const eval::RetrievalEvaluation& e = *m_evaluation;
    const eval::DirectionRecall* rows[] = {&e.textToImage, &e.imageToText};
    for (int row = 0; row < 2; ++row) {
        const double values[] = {rows[row]->r1, rows[row]->r5, rows[row]->r10, rows[row]->meanRecall};
        for (int column = 0; column < 4; ++column) {
            auto* item = new QTableWidgetItem(percent(values[column]));
            item->setData(Qt::UserRole, values[column]);
            item->setTextAlignment(Qt::AlignCenter);
            m_recallTable->setItem(row, column, item);
        }
    }
    for (const eval::FailedQuery& query : e.failedTextQueries) {
        auto* item = new QListWidgetItem(QString::fromStdString(query.text));
        item->setData(Qt::UserRole, QString::fromStdString(query.text));
        m_failedQueries->addItem(item);
    }
}

void RetrievalPage::runTextQuery()
{
    if (!m_ready)
        return;
    const QString query = m_queryEdit->text().trimmed();
    m_imageResults->clear();
    m_textResults->clear();
    m_goldLabel->clear();
    if (query.isEmpty()) {
        m_textQueryJob->cancel();
        return;
    }
    m_goldLabel->setText(tr("Searching…"));
    // The model encodes the query on the thread pool; only the newest query's result is shown.
    auto session = m_session;
    auto split = m_split;
    m_textQueryJob->run(
        [session, split, query](const ProgressCallback&) {
            return ui::runTextQuery(*session, *split, query, kTopK, kThumbnail);
        },
        [this](const TextQueryResult& result) { showTextQueryResult(result); });
}

void RetrievalPage::showTextQueryResult(const TextQueryResult& result)
{
    m_imageResults->clear();
    if (!result.error.isEmpty()) {
        m_goldLabel->setText(result.error);
        Q_EMIT queryFinished();
        return;
    }
    for (int rank = 0; rank < std::min<int>(kTopK, int(result.ranking.size())); ++rank) {
        const std::int64_t imageId = result.ranking[std::size_t(rank)];
        auto* item = new QListWidgetItem(
            QIcon(QPixmap::fromImage(result.thumbnails.value(imageId))),
            tr("#%1 %2\n%3").arg(rank + 1).arg(imageId).arg(result.scores[std::size_t(rank)], 0, 'f', 3));
        item->setData(kImageIdRole, qlonglong(imageId));
        if (std::find(result.gold.begin(), result.gold.end(), imageId) != result.gold.end()) {
            item->setBackground(QColor(170, 230, 170));
            item->setToolTip(tr("Ground truth"));
        }
        m_imageResults->addItem(item);
    }
    if (result.gold.empty())
        m_goldLabel->setText(tr("Free text: no ground truth in the split."));
    else if (result.goldRank >= 1 && result.goldRank <= kTopK)
        m_goldLabel->setText(tr("Hit: ground truth at rank %1").arg(result.goldRank));
    else
        m_goldLabel->setText(tr("Miss: ground truth at rank %1").arg(result.goldRank));
    Q_EMIT queryFinished();
}

void RetrievalPage::showImageTexts(QListWidgetItem* item)
{
    m_textResults->clear();
    m_imageQueryJob->cancel();
    if (!m_ready || !item)
        return;
    const std::int64_t imageId = item->data(kImageIdRole).toLongLong();
    auto session = m_session;
    m_imageQueryJob->run(
        [session, imageId](const ProgressCallback&) { return runImageQuery(*session, imageId); },
        [this](const ImageQueryResult& result) { showImageQueryResult(result); });
}

void RetrievalPage::showImageQueryResult(const ImageQueryResult& result)
{
    if (!result.error.isEmpty())
        m_textResults->addItem(result.error);
    for (int rank = 0; rank < std::min<int>(kTopK, int(result.ranking.size())); ++rank) {
        const std::int64_t textId = result.ranking[std::size_t(rank)];
        auto* text = new QListWidgetItem(
            tr("%1  %2").arg(result.scores[std::size_t(rank)], 0, 'f', 3).arg(result.texts.value(textId)));
        if (std::find(result.gold.begin(), result.gold.end(), textId) != result.gold.end()) {
            text->setBackground(QColor(170, 230, 170));
            text->setToolTip(tr("Ground truth"));
        }
        m_textResults->addItem(text);
    }
    Q_EMIT imageTextsFinished();
}

} // namespace clipwb::ui
