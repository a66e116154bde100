#include "ui/models/ModelManagerDialog.h"

#include "common/Error.h"
#include "models/ModelCatalog.h"
#include "models/ModelStore.h"
#include "net/ModelDownload.h"
#include "ui/common/BackgroundJob.h"
#include "ui/common/MessageLabel.h"

#include <QComboBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QTableWidget>
#include <QUrl>
#include <QVBoxLayout>

#include <filesystem>
#include <memory>

namespace clipwb::ui {
namespace fs = std::filesystem;

namespace {

enum Column { NameColumn, ArchitectureColumn, SizeColumn, SourceColumn, StatusColumn };

/// The core's byte progress ("download", "sha256") passed on with the stage in the user's words
/// and the sizes as detail; the stop answer goes back to the core, which throws clipwb::Cancelled.
ProgressCallback inWords(const ProgressCallback& progress, const std::string& downloading,
                         const std::string& hashing)
{
    return [progress, downloading, hashing](const Progress& bytes) {
        Progress report = bytes;
        report.stage = bytes.stage == "download" ? downloading : hashing;
        const auto done = static_cast<std::uint64_t>(bytes.done),
                   total = static_cast<std::uint64_t>(bytes.total);
        report.detail =
            total ? models::humanSize(done) + " / " + models::humanSize(total) : models::humanSize(done);
        return progress(report);
    };
}

} // namespace

ModelManagerDialog::ModelManagerDialog(QWidget* parent)
    : QDialog(parent), m_job(new BackgroundJob(this)), m_catalog(models::officialModels())
{
    setWindowTitle(tr("Pretrained models"));
    setObjectName(QStringLiteral("modelManager"));
    m_table = new QTableWidget(0, 5);
    m_table->setObjectName(QStringLiteral("modelTable"));
    m_table->setHorizontalHeaderLabels(
        {tr("Model"), tr("Architecture"), tr("Size"), tr("Source"), tr("Status")});
    m_table->verticalHeader()->hide();
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->horizontalHeader()->setSectionResizeMode(StatusColumn, QHeaderView::Stretch);
    m_mirror = new QComboBox;
    m_mirror->setObjectName(QStringLiteral("mirror"));
    m_mirror->addItem(tr("Hugging Face"), QString::fromLatin1(models::kHuggingFace));
    m_mirror->addItem(tr("ModelScope"), QString::fromLatin1(models::kModelScope));
    m_mirror->addItem(tr("Custom endpoint"), QString());
    m_endpoint = new QLineEdit(qEnvironmentVariable("HF_ENDPOINT"));
    m_endpoint->setPlaceholderText(tr("https://hf-mirror.com (laid out like Hugging Face)"));
    m_endpoint->setEnabled(false);
    if (!m_endpoint->text().isEmpty()) { // HF_ENDPOINT, as huggingface_hub reads it
        m_mirror->setCurrentIndex(2);
        m_endpoint->setEnabled(true);
    }
    m_download = new QPushButton(tr("Download"));
    m_verify = new QPushButton(tr("Verify"));
    m_import = new QPushButton(tr("Import file…"));
    m_cancel = new QPushButton(tr("Cancel"));
    m_cancel->setEnabled(false);
    auto* openFolder = new QPushButton(tr("Open folder"));
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setFormat(QString());
    m_status =
        new MessageLabel(tr("Downloads resume where they stopped. Files are checked (size, safe reader, "
                            "architecture) and their SHA-256 recorded."));
    m_status->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum); // the table takes the room
    m_table->setMinimumHeight(190);                                        // every official model shows
    m_folder = new QLabel;
    m_folder->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* mirrorRow = new QHBoxLayout;
    mirrorRow->addWidget(new QLabel(tr("Mirror")));
    mirrorRow->addWidget(m_mirror);
    mirrorRow->addWidget(m_endpoint, 1);
    auto* buttons = new QHBoxLayout;
    for (QPushButton* button : {m_download, m_verify, m_import, m_cancel, openFolder})
        buttons->addWidget(button);
    buttons->addWidget(m_progress, 1);
    auto* close = new QDialogButtonBox(QDialogButtonBox::Close);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_table, 1);
    layout->addLayout(mirrorRow);
    layout->addLayout(buttons);
    layout->addWidget(m_status);
    layout->addWidget(m_folder);
    layout->addWidget(close);

    connect(m_job, &BackgroundJob::progress, this, [this](const Progress& report) {
        m_progress->setValue(static_cast<int>(1000 * report.fraction));
        m_progress->setFormat(QString::fromStdString(report.detail));
        m_status->setMessage(QString::fromStdString(report.stage));
    });
    connect(m_job, &BackgroundJob::stopped, this, [this] {
        setBusy(false);
        refresh();
        const QString message = tr("Cancelled. Download continues from where it stopped.");
        m_status->setMessage(message);
        Q_EMIT jobFinished(false, message);
    });
    connect(m_mirror, &QComboBox::currentIndexChanged, this,
            [this](int index) { m_endpoint->setEnabled(m_mirror->itemData(index).toString().isEmpty()); });
    connect(m_download, &QPushButton::clicked, this, &ModelManagerDialog::downloadSelected);
    connect(m_verify, &QPushButton::clicked, this, &ModelManagerDialog::verifySelected);
    connect(m_cancel, &QPushButton::clicked, this, &ModelManagerDialog::cancel);
    connect(m_import, &QPushButton::clicked, this, [this] {
        const QString file = QFileDialog::getOpenFileName(this, tr("Import a checkpoint"), QString(),
                                                          tr("Checkpoints (*.pt *.pth);;All files (*)"));
        if (!file.isEmpty())
            importFile(file);
    });
    connect(openFolder, &QPushButton::clicked, this, [] {
        const models::ModelStore store;
        std::error_code error;
        fs::create_directories(store.folder(), error);
        QDesktopServices::openUrl(QUrl::fromLocalFile(QString::fromStdString(store.folder().string())));
    });
    connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
    resize(980, 420);
    refresh();
    m_table->selectRow(0);
}

ModelManagerDialog::~ModelManagerDialog() = default;

QLabel* ModelManagerDialog::statusLabel() const
{
    return m_status;
}

bool ModelManagerDialog::isBusy() const
{
    return m_job->isRunning();
}

void ModelManagerDialog::refresh()
{
    const models::ModelStore store;
    m_folder->setText(
        tr("Folder: %1").arg(QDir::toNativeSeparators(QString::fromStdString(store.folder().string()))));
    const QString selected = selectedName();
    const auto& catalog = m_catalog;
    m_table->setRowCount(static_cast<int>(catalog.size()));
    for (int row = 0; row < static_cast<int>(catalog.size()); ++row) {
        const auto& model = catalog[static_cast<std::size_t>(row)];
        QString status = tr("not downloaded");
        std::error_code error;
        try {
            if (const auto record = store.record(model.name); record && store.installedPath(model.name))
                status = tr("downloaded, verified %1 · SHA-256 %2…")
                             .arg(QString::fromStdString(record->verifiedAt),
                                  QString::fromStdString(record->sha256.substr(0, 12)));
            else if (fs::exists(store.partialPathOf(model), error))
                status = tr("partial: %1 (Download resumes it)")
                             .arg(QString::fromStdString(
                                 models::humanSize(fs::file_size(store.partialPathOf(model), error))));
        } catch (const std::exception& e) {
            status = QString::fromStdString(e.what()); // a broken manifest, named
        }
        const QStringList cells{
            QString::fromStdString(model.name),
            tr("%1 + %2, %3 px")
                .arg(QString::fromStdString(model.visionModel), QString::fromStdString(model.textModel))
                .arg(model.resolution),
            QStringLiteral("~") + QString::fromStdString(models::humanSize(model.approxBytes)),
            QStringLiteral("OFA-Sys/") + QString::fromStdString(model.repo), status};
        for (int column = 0; column < cells.size(); ++column)
            m_table->setItem(row, column, new QTableWidgetItem(cells[column]));
        m_table->item(row, SourceColumn)
            ->setToolTip(tr("Hugging Face: %1\nModelScope: %2")
                             .arg(QString::fromStdString(models::downloadUrl(model, models::kHuggingFace)),
                                  QString::fromStdString(models::downloadUrl(model, models::kModelScope))));
    }
    m_table->resizeColumnsToContents();
    if (!selected.isEmpty())
        selectModel(selected);
}

void ModelManagerDialog::setCatalog(std::vector<models::CatalogModel> catalog)
{
    m_catalog = std::move(catalog);
    refresh();
}

void ModelManagerDialog::selectModel(const QString& name)
{
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (m_table->item(row, NameColumn)->text() == name)
            m_table->selectRow(row);
}

QString ModelManagerDialog::statusOf(const QString& name) const
{
    for (int row = 0; row < m_table->rowCount(); ++row)
        if (m_table->item(row, NameColumn)->text() == name)
            return m_table->item(row, StatusColumn)->text();
    return {};
}

QString ModelManagerDialog::selectedName() const
{
    const auto rows =
        m_table->selectionModel() ? m_table->selectionModel()->selectedRows() : QModelIndexList();
    return rows.isEmpty() ? QString() : m_table->item(rows.front().row(), NameColumn)->text();
}

QString ModelManagerDialog::mirror() const
{
    const QString named = m_mirror->currentData().toString();
    return named.isEmpty() ? m_endpoint->text().trimmed() : named;
}

void ModelManagerDialog::setBusy(bool busy)
{
    m_download->setEnabled(!busy);
    m_verify->setEnabled(!busy);
    m_import->setEnabled(!busy);
    m_cancel->setEnabled(busy);
}

void ModelManagerDialog::cancel()
{
    if (isBusy()) {
        m_job->stop();
        m_status->setMessage(tr("Cancelling…"));
    }
}

void ModelManagerDialog::runJob(const QString& what, std::function<QString(const ProgressCallback&)> job)
{
    if (isBusy())
        return;
    setBusy(true);
    m_status->setMessage(what);
    m_progress->setValue(0);
    m_progress->setFormat(QString());
    m_job->run(
        job,
        [this](const QString& message) {
            setBusy(false);
            refresh();
            m_progress->setValue(m_progress->maximum());
            m_status->setMessage(message);
            Q_EMIT modelsChanged();
            Q_EMIT jobFinished(true, message);
        },
        [this](const QString& error) {
            setBusy(false);
            refresh();
            m_status->setMessage(error);
            Q_EMIT jobFinished(false, error);
        });
}

void ModelManagerDialog::downloadSelected()
{
    const QString name = selectedName();
    const models::CatalogModel* found = models::findModel(m_catalog, name.toStdString());
    if (!found)
        return;
    const models::CatalogModel model = *found;
    const std::string chosenMirror = mirror().toStdString();
    const std::string downloading = tr("Downloading %1…").arg(name).toStdString();
    const std::string verifying = tr("Verifying %1 (SHA-256)…").arg(name).toStdString();
    const QString doneText = tr("%1 downloaded and verified: %2");
    runJob(tr("Downloading %1…").arg(name), [=](const ProgressCallback& progress) {
        models::ModelStore store;
        const models::ModelRecord record =
            net::downloadModel(store, model, chosenMirror, inWords(progress, downloading, verifying));
        return doneText.arg(
            QString::fromStdString(record.name),
            QDir::toNativeSeparators(QString::fromStdString((store.folder() / record.file).string())));
    });
}

void ModelManagerDialog::verifySelected()
{
    const QString name = selectedName();
    const models::CatalogModel* found = models::findModel(m_catalog, name.toStdString());
    if (!found)
        return;
    const models::CatalogModel model = *found;
    const std::string verifying = tr("Verifying %1 (SHA-256)…").arg(name).toStdString();
    const QString doneText = tr("%1: OK (size, reader, architecture, SHA-256)").arg(name);
    runJob(tr("Verifying %1…").arg(name), [=](const ProgressCallback& progress) {
        models::ModelStore store;
        const auto record = store.record(model.name);
        CLIPWB_CHECK(record && store.installedPath(model.name), model.name, " is not downloaded");
        models::ModelRecord checked =
            models::verifyModelFile(store.folder() / record->file, model, record->size, record->sha256,
                                    inWords(progress, {}, verifying));
        checked.file = record->file;
        checked.source = record->source;
        store.putRecord(checked);
        return doneText;
    });
}

void ModelManagerDialog::importFile(const QString& file)
{
    const std::string path = file.toStdString();
    const std::string checking = tr("Checking %1 (SHA-256)…").arg(QFileInfo(file).fileName()).toStdString();
    const QString doneText = tr("Imported as %1.");
    const std::vector<models::CatalogModel> catalog = m_catalog;
    runJob(tr("Importing %1…").arg(QFileInfo(file).fileName()), [=](const ProgressCallback& progress) {
        models::ModelStore store;
        const models::ModelRecord record =
            models::importModelFile(store, catalog, path, {}, inWords(progress, {}, checking));
        return doneText.arg(QString::fromStdString(record.name));
    });
}

} // namespace clipwb::ui
