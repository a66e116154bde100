#include "ui/dataset/DatasetPage.h"

#include "data/LmdbSplit.h"
#include "text/Tokenizer.h"
#include "ui/common/CoreMessages.h"
#include "ui/dataset/BuildLmdbDialog.h"
#include "ui/dataset/DatasetCheckView.h"
#include "ui/dataset/DatasetStatsView.h"
#include "ui/dataset/PairDetailPane.h"
#include "ui/dataset/PairListModel.h"
#include "ui/dataset/PairTableModel.h"
#include "ui/dataset/ThumbnailCache.h"
#include "ui/dataset/ThumbnailDelegate.h"

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QPointer>
#include <QScrollBar>
#include <QSplitter>
#include <QTabWidget>
#include <QTableView>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

namespace clipwb::ui {

namespace {

constexpr int kThumbnailEdge = 112;

bool isSplitDir(const QString& path)
{
    const QDir dir(path);
    return dir.exists(QStringLiteral("imgs")) && dir.exists(QStringLiteral("pairs"));
}

/// Split folders directly inside dir, train first, then valid, then the rest by name.
QStringList splitsIn(const QString& dirPath)
{
    QStringList splits;
    const QDir dir(dirPath);
    for (const QString& name : dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
        if (isSplitDir(dir.filePath(name)))
            splits << QDir::cleanPath(dir.filePath(name));
    std::stable_sort(splits.begin(), splits.end(), [](const QString& a, const QString& b) {
        auto rank = [](const QString& path) {
            const QString name = QFileInfo(path).fileName();
            return name == QLatin1String("train") ? 0 : name == QLatin1String("valid") ? 1 : 2;
        };
        return rank(a) < rank(b);
    });
    return splits;
}

QString cleanAbsolute(const QString& path)
{
    return QDir::cleanPath(QFileInfo(path).absoluteFilePath());
}

} // namespace

DatasetPage::DatasetPage(QWidget* parent) : QWidget(parent)
{
    m_thumbnails = new ThumbnailCache(this);
    m_thumbnails->setThumbnailSize(kThumbnailEdge);
    m_pairs = new PairListModel(m_thumbnails, this);
    m_tableModel = new PairTableModel(m_pairs, this);

    m_errorBanner = new QLabel;
    m_errorBanner->setObjectName(QStringLiteral("errorBanner"));
    m_errorBanner->setWordWrap(true);
    m_errorBanner->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errorBanner->setStyleSheet(QStringLiteral("QLabel { background: #fde8e8; color: #8a1020; border: 1px "
                                                "solid #f0b4b4; border-radius: 4px; padding: 6px; }"));
    m_errorBanner->hide();
    m_info = new QLabel(tr("Open an LMDB split folder (with imgs/ and pairs/ inside), or a dataset folder."));
    m_info->setObjectName(QStringLiteral("datasetInfo"));
    m_info->setTextInteractionFlags(Qt::TextSelectableByMouse);

    m_grid = new QListView;
    m_grid->setObjectName(QStringLiteral("pairGrid"));
    m_delegate = new ThumbnailDelegate(m_grid);
    m_delegate->setThumbnailEdge(kThumbnailEdge);
    // List mode with wrapping gives the icon grid without QListView's icon-mode bookkeeping of a
    // position per item; with uniform sizes the layout of 250,000 rows is a few arithmetic passes.
    m_grid->setViewMode(QListView::ListMode);
    m_grid->setFlow(QListView::LeftToRight);
    m_grid->setWrapping(true);
    m_grid->setResizeMode(QListView::Adjust);
    m_grid->setUniformItemSizes(true);
    m_grid->setLayoutMode(QListView::SinglePass);
    m_grid->setSelectionMode(QAbstractItemView::SingleSelection);
    m_grid->setItemDelegate(m_delegate);
    m_grid->setIconSize(QSize(kThumbnailEdge, kThumbnailEdge));
    m_grid->setGridSize(ThumbnailDelegate::cellSize(kThumbnailEdge, m_grid->fontMetrics()));
    m_grid->setVerticalScrollMode(QAbstractItemView::ScrollPerPixel);
    m_grid->verticalScrollBar()->setSingleStep(24);
    m_grid->setMouseTracking(true);
    m_grid->setModel(m_pairs);

    m_table = new QTableView;
    m_table->setObjectName(QStringLiteral("pairTable"));
    m_table->setModel(m_tableModel);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setAlternatingRowColors(true);
    m_table->verticalHeader()->hide();
    // Fixed row heights and header sizes: nothing measures every row of a big split.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().lineSpacing() + 8);
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::Interactive);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(PairTableModel::IndexColumn, 80);
    m_table->setColumnWidth(PairTableModel::ImageIdColumn, 100);
    m_table->setColumnWidth(PairTableModel::TextIdColumn, 90);
    m_table->setWordWrap(false);

    m_statsView = new DatasetStatsView;
    m_checkView = new DatasetCheckView;
    m_detail = new PairDetailPane;
    m_detail->setObjectName(QStringLiteral("pairDetail"));
    m_detail->setMinimumWidth(300);

    m_tabs = new QTabWidget;
    m_tabs->setObjectName(QStringLiteral("datasetTabs"));
    m_tabs->addTab(m_grid, tr("Grid"));
    m_tabs->addTab(m_table, tr("Table"));
    m_tabs->addTab(m_statsView, tr("Statistics"));
    m_tabs->addTab(m_checkView, tr("Check"));

    auto* splitter = new QSplitter(Qt::Horizontal);
    splitter->addWidget(m_tabs);
    splitter->addWidget(m_detail);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({820, 340});

    m_statisticsJob = new BackgroundJob(this);
    m_searchJob = new BackgroundJob(this);
    m_searchDelay = new QTimer(this);
    m_searchDelay->setSingleShot(true);
    m_searchDelay->setInterval(300);
    connect(m_searchDelay, &QTimer::timeout, this, &DatasetPage::startSearch);
    m_visibleDelay = new QTimer(this);
    m_visibleDelay->setSingleShot(true);
    m_visibleDelay->setInterval(50);
    connect(m_visibleDelay, &QTimer::timeout, this, &DatasetPage::updateVisibleThumbnails);

    auto* layout = new QVBoxLayout(this);
    buildToolbar();
    layout->addWidget(m_errorBanner);
    layout->addWidget(m_info);
    layout->addWidget(splitter, 1);

    connect(m_grid->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentRowChanged(current.row()); });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentChanged, this,
            [this](const QModelIndex& current) { onCurrentRowChanged(current.row()); });
    connect(m_grid->verticalScrollBar(), &QScrollBar::valueChanged, m_visibleDelay,
            qOverload<>(&QTimer::start));
    connect(m_pairs, &QAbstractItemModel::modelReset, m_visibleDelay, qOverload<>(&QTimer::start));
    connect(m_checkView, &DatasetCheckView::jumpRequested, this, [this](qint64 pairIndex, qint64 imageId) {
        if (pairIndex >= 0)
            jumpToPair(pairIndex);
        else if (imageId >= 0)
            search(data::PairSearchField::ImageId, QString::number(imageId));
    });
    connect(m_detail, &PairDetailPane::pairActivated, this,
            [this](qint64 pairIndex) { jumpToPair(pairIndex); });
    connect(m_statisticsJob, &BackgroundJob::progress, this,
            [this](const Progress& report) { m_statsView->showProgress(report.fraction); });
    connect(m_searchJob, &BackgroundJob::progress, this, [this](const Progress& report) {
        m_searchStatus->setText(tr("searching… %1%").arg(int(report.fraction * 100)));
    });
}

DatasetPage::~DatasetPage() = default;

void DatasetPage::buildToolbar()
{
    auto* bar = new QHBoxLayout;
    auto* open = new QToolButton;
    open->setObjectName(QStringLiteral("openFolderButton"));
    open->setText(tr("Open folder…"));
    open->setIcon(style()->standardIcon(QStyle::SP_DirOpenIcon));
    open->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    connect(open, &QToolButton::clicked, this, &DatasetPage::chooseFolder);
    bar->addWidget(open);

    bar->addWidget(new QLabel(tr("Split")));
    m_splitBox = new QComboBox;
    m_splitBox->setObjectName(QStringLiteral("splitSwitcher"));
    m_splitBox->setMinimumContentsLength(18);
    m_splitBox->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    connect(m_splitBox, &QComboBox::activated, this, [this](int index) {
        const QString path = m_splitBox->itemData(index).toString();
        if (path.isEmpty() || path == m_currentPath)
            return;
        openSplit(path);
    });
    bar->addWidget(m_splitBox);
    bar->addSpacing(12);

    m_searchField = new QComboBox;
    m_searchField->setObjectName(QStringLiteral("searchField"));
    m_searchField->addItem(tr("Text contains"), int(data::PairSearchField::Text));
    m_searchField->addItem(tr("Image id"), int(data::PairSearchField::ImageId));
    m_searchField->addItem(tr("Text id"), int(data::PairSearchField::TextId));
    m_searchField->addItem(tr("Pair index"), int(data::PairSearchField::PairIndex));
    m_searchEdit = new QLineEdit;
    m_searchEdit->setObjectName(QStringLiteral("searchEdit"));
    m_searchEdit->setPlaceholderText(tr("Search captions or ids"));
    m_searchEdit->setClearButtonEnabled(true);
    connect(m_searchEdit, &QLineEdit::textEdited, m_searchDelay, qOverload<>(&QTimer::start));
    connect(m_searchEdit, &QLineEdit::returnPressed, this, &DatasetPage::startSearch);
    connect(m_searchField, &QComboBox::activated, this, &DatasetPage::startSearch);
    m_searchStatus = new QLabel;
    m_searchStatus->setObjectName(QStringLiteral("searchStatus"));
    m_searchStatus->setMinimumWidth(130);
    bar->addWidget(m_searchField);
    bar->addWidget(m_searchEdit, 1);
    bar->addWidget(m_searchStatus);
    auto* build = new QToolButton;
    build->setObjectName(QStringLiteral("buildLmdbButton"));
    build->setText(tr("Build LMDB…"));
    build->setToolTip(tr("Build LMDB splits from {split}_imgs.tsv and {split}_texts.jsonl"));
    connect(build, &QToolButton::clicked, this, &DatasetPage::showBuildLmdbDialog);
    bar->addWidget(build);
    static_cast<QVBoxLayout*>(layout())->addLayout(bar);
}

std::shared_ptr<const text::Tokenizer> DatasetPage::tokenizer()
{
    if (!m_tokenizer) {
        try {
            m_tokenizer = std::make_shared<const text::Tokenizer>(text::Tokenizer::fromEmbeddedVocab());
        } catch (const std::exception& e) {
            showError(
                tr("The tokenizer vocabulary cannot be loaded: %1").arg(QString::fromStdString(e.what())));
        }
    }
    return m_tokenizer;
}

QString DatasetPage::errorMessage() const
{
    return m_errorBanner->isVisible() || !m_errorBanner->isHidden() ? m_errorBanner->text() : QString();
}

void DatasetPage::showError(const QString& message)
{
    m_errorBanner->setText(message);
    m_errorBanner->show();
}

void DatasetPage::clearError()
{
    m_errorBanner->clear();
    m_errorBanner->hide();
}

void DatasetPage::chooseFolder()
{
    const QString start = m_currentPath.isEmpty() ? QDir::homePath() : QFileInfo(m_currentPath).path();
    const QString dir =
        QFileDialog::getExistingDirectory(this, tr("Open an LMDB split or dataset folder"), start);
    if (dir.isEmpty())
        return;
    openPath(dir);
}

bool DatasetPage::openPath(const QString& path)
{
    const QString absolute = cleanAbsolute(path);
    if (!QFileInfo(absolute).isDir()) {
        showError(tr("%1 is not a folder.").arg(QDir::toNativeSeparators(absolute)));
        return false;
    }
    if (isSplitDir(absolute))
        return openSplit(absolute);
    QStringList splits = splitsIn(absolute);
    if (splits.isEmpty())
        splits = splitsIn(QDir(absolute).filePath(QStringLiteral("lmdb")));
    if (splits.isEmpty()) {
        showError(tr("%1 is not an LMDB split (no imgs/ and pairs/ inside) and holds none.")
                      .arg(QDir::toNativeSeparators(absolute)));
        return false;
    }
    return openSplit(splits.first());
}

bool DatasetPage::openSplit(const QString& splitDir)
{
    std::shared_ptr<const data::LmdbSplit> split;
    try {
        auto opened = std::make_shared<data::LmdbSplit>(splitDir.toStdString());
        // A damaged file found later (by the grid, a thumbnail, the statistics, on
        // any thread) shows here once, for as long as this split is the one shown.
        QPointer<DatasetPage> page(this);
        opened->setDamageListener([page, splitDir](const std::string& message) {
            const QString text = CoreMessages::translate(message);
            QMetaObject::invokeMethod(
                qApp,
                [page, splitDir, text] {
                    if (page && page->m_currentPath == splitDir)
                        page->showError(text);
                },
                Qt::QueuedConnection);
        });
        split = std::move(opened);
    } catch (const std::exception& e) {
        showError(
            tr("Cannot open %1: %2")
                .arg(QDir::toNativeSeparators(splitDir), CoreMessages::translate(std::string(e.what()))));
        return false;
    }
    clearError();
    m_searchJob->cancel();
    m_statisticsJob->cancel();
    m_split = split;
    m_currentPath = splitDir;
    m_statistics.reset();
    m_searchEdit->clear();
    m_searchStatus->clear();
    m_thumbnails->setSplit(split);
    m_pairs->setSplit(split);
    m_detail->setTokenizer(tokenizer());
    m_detail->setSplit(split);
    m_checkView->setSplit(split);
    refreshSplitSwitcher(splitsIn(QFileInfo(splitDir).path()));
    updateInfo();
    startStatistics();
    if (m_pairs->rowCount() > 0)
        m_grid->setCurrentIndex(m_pairs->index(0));
    Q_EMIT splitOpened(splitDir);
    return true;
}

void DatasetPage::refreshSplitSwitcher(const QStringList& siblings)
{
    m_siblingSplits = siblings;
    m_splitBox->clear();
    QStringList seen;
    auto add = [this, &seen](const QString& label, const QString& path) {
        if (path.isEmpty() || seen.contains(path))
            return;
        seen << path;
        m_splitBox->addItem(label, path);
        m_splitBox->setItemData(m_splitBox->count() - 1, QDir::toNativeSeparators(path), Qt::ToolTipRole);
    };
    if (!m_configTrain.isEmpty())
        add(tr("train_data (config)"), m_configTrain);
    if (!m_configVal.isEmpty())
        add(tr("val_data (config)"), m_configVal);
    for (const QString& sibling : siblings)
        add(QFileInfo(sibling).fileName(), sibling);
    if (!m_currentPath.isEmpty())
        add(QFileInfo(m_currentPath).fileName(), m_currentPath);
    m_splitBox->setCurrentIndex(std::max(0, m_splitBox->findData(m_currentPath)));
}

QStringList DatasetPage::availableSplits() const
{
    QStringList splits;
    for (int i = 0; i < m_splitBox->count(); ++i)
        splits << m_splitBox->itemData(i).toString();
    return splits;
}

void DatasetPage::setConfigData(const QString& trainData, const QString& valData)
{
    // The configuration changes on every keystroke in its path fields: only folders that are
    // splits are offered or opened, and a half-typed path is not an error here (the
    // Configuration page reports it).
    const QString train = isSplitDir(trainData) ? cleanAbsolute(trainData) : QString();
    const QString val = isSplitDir(valData) ? cleanAbsolute(valData) : QString();
    if (train == m_configTrain && val == m_configVal)
        return;
    // A new train_data is followed; otherwise a split the user picked stays open.
    const bool trainChanged = train != m_configTrain;
    m_configTrain = train;
    m_configVal = val;
    refreshSplitSwitcher(m_siblingSplits);
    QString target;
    if (trainChanged && !train.isEmpty())
        target = train;
    else if (m_currentPath.isEmpty())
        target = !train.isEmpty() ? train : val;
    if (!target.isEmpty() && target != m_currentPath)
        openSplit(target);
}

void DatasetPage::setContextLength(int contextLength)
{
    m_detail->setContextLength(contextLength);
}

void DatasetPage::updateInfo()
{
    if (!m_split) {
        m_info->clear();
        return;
    }
    QString text = tr("<b>%1</b> — %2 pairs · %3 images")
                       .arg(QDir::toNativeSeparators(m_currentPath).toHtmlEscaped())
                       .arg(m_split->numSamples())
                       .arg(m_split->numImages());
    if (m_pairs->isFiltered())
        text += tr(" · showing %1 matches").arg(m_pairs->totalRows());
    m_info->setText(text);
}

void DatasetPage::startStatistics()
{
    m_statsView->showProgress(0);
    m_detail->setStatistics(nullptr);
    const auto split = m_split;
    const auto tokens = tokenizer();
    data::DatasetStatisticsOptions options;
    options.contextLength = m_detail->contextLength();
    m_statisticsJob->run(
        [split, tokens, options](const ProgressCallback& progress) {
            return data::computeDatasetStatistics(*split, tokens.get(), options, progress);
        },
        [this](const data::DatasetStatistics& statistics) { onStatisticsDone(statistics); },
        [this](const QString&) { m_statsView->showMessage(tr("The statistics could not be computed.")); });
}

void DatasetPage::onStatisticsDone(const data::DatasetStatistics& statistics)
{
    m_statistics = std::make_shared<const data::DatasetStatistics>(statistics);
    m_statsView->setStatistics(m_statistics);
    m_detail->setStatistics(m_statistics);
    Q_EMIT statisticsReady();
}

void DatasetPage::search(data::PairSearchField field, const QString& value)
{
    m_searchField->setCurrentIndex(m_searchField->findData(int(field)));
    m_searchEdit->setText(value);
    startSearch();
}

void DatasetPage::clearSearch()
{
    search(data::PairSearchField::Text, QString());
}

void DatasetPage::startSearch()
{
    m_searchDelay->stop();
    m_searchJob->cancel();
    const QString value = m_searchEdit->text().trimmed();
    if (!m_split || value.isEmpty()) {
        m_pairs->clearFilter();
        m_searchStatus->clear();
        updateInfo();
        if (m_split)
            Q_EMIT searchFinished(int(m_pairs->totalRows()));
        return;
    }
    const auto split = m_split;
    data::PairSearchQuery query;
    query.field = data::PairSearchField(m_searchField->currentData().toInt());
    query.value = value.toStdString();
    m_searchStatus->setText(tr("searching…"));
    m_searchJob->run(
        [split, query](const ProgressCallback& progress) {
            return data::searchPairs(*split, query, progress);
        },
        [this](data::PairSearchResult result) { onSearchDone(std::move(result)); },
        [this](const QString& message) {
            data::PairSearchResult failed;
            failed.error = message.toStdString();
            onSearchDone(std::move(failed));
        });
}

void DatasetPage::onSearchDone(data::PairSearchResult result)
{
    if (!result.error.empty()) {
        m_searchStatus->setText(tr("<span style='color:#b00020'>%1</span>")
                                    .arg(QString::fromStdString(result.error).toHtmlEscaped()));
        Q_EMIT searchFinished(-1);
        return;
    }
    const int matches = int(result.pairIndices.size());
    m_pairs->setFilter(std::move(result.pairIndices));
    QString status = tr("%n match(es)", nullptr, matches);
    if (result.brokenRecords > 0)
        status += tr(", %1 unreadable").arg(result.brokenRecords);
    m_searchStatus->setText(status);
    updateInfo();
    if (matches > 0)
        m_grid->setCurrentIndex(m_pairs->index(0));
    else
        m_detail->showPair(-1);
    Q_EMIT searchFinished(matches);
}

bool DatasetPage::jumpToPair(int64_t pairIndex)
{
    if (!m_split || pairIndex < 0 || pairIndex >= m_split->numSamples())
        return false;
    int row = m_pairs->rowOfPairIndex(pairIndex);
    if (row < 0) {
        m_searchEdit->clear();
        m_searchStatus->clear();
        m_pairs->clearFilter();
        updateInfo();
        row = m_pairs->rowOfPairIndex(pairIndex);
    }
    if (row < 0)
        return false;
    m_grid->setCurrentIndex(m_pairs->index(row));
    m_grid->scrollTo(m_pairs->index(row), QAbstractItemView::PositionAtCenter);
    m_table->scrollTo(m_tableModel->index(row, 0), QAbstractItemView::PositionAtCenter);
    return true;
}

void DatasetPage::onCurrentRowChanged(int row)
{
    if (m_syncingSelection)
        return;
    m_syncingSelection = true;
    if (row >= 0) {
        if (m_grid->currentIndex().row() != row)
            m_grid->setCurrentIndex(m_pairs->index(row));
        if (m_table->currentIndex().row() != row)
            m_table->setCurrentIndex(m_tableModel->index(row, 0));
    }
    m_syncingSelection = false;
    m_detail->showPair(row >= 0 ? m_pairs->pairIndexAt(row) : -1);
}

void DatasetPage::showBuildLmdbDialog()
{
    auto* dialog = new BuildLmdbDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName(QStringLiteral("buildLmdbDialog"));
    // A split at DIR/lmdb/<split> was most likely built from the raw files in DIR.
    if (!m_currentPath.isEmpty()) {
        const QDir lmdbDir = QFileInfo(m_currentPath).dir();
        dialog->setDataDir(lmdbDir.dirName() == QLatin1String("lmdb") ? QFileInfo(lmdbDir.path()).path()
                                                                      : lmdbDir.path());
    }
    connect(dialog, &BuildLmdbDialog::finished, this, [this](bool ok, const QString& lmdbDir) {
        if (ok)
            openPath(lmdbDir);
    });
    dialog->show();
}

void DatasetPage::updateVisibleThumbnails()
{
    if (m_pairs->rowCount() == 0)
        return;
    const QRect area = m_grid->viewport()->rect();
    const QModelIndex first = m_grid->indexAt(area.topLeft() + QPoint(8, 8));
    const QModelIndex last = m_grid->indexAt(area.bottomRight() - QPoint(8, 8));
    const int firstRow = first.isValid() ? first.row() : 0;
    const int lastRow = last.isValid() ? last.row() : std::min(m_pairs->rowCount() - 1, firstRow + 200);
    // A margin of about a screen either way keeps the next rows warm without building a backlog.
    const int margin = std::max(16, lastRow - firstRow + 1);
    m_pairs->retainThumbnailRequests(firstRow - margin, lastRow + margin);
}

} // namespace clipwb::ui
