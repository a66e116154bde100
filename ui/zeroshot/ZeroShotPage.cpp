#include "ui/zeroshot/ZeroShotPage.h"

#include "ui/common/MessageLabel.h"
#include "ui/models/ModelPathBox.h"
#include "ui/zeroshot/ZeroShotResultView.h"
#include "ui/zeroshot/ZeroShotRunner.h"
#include "zeroshot/LabelFile.h"
#include "zeroshot/PromptTemplates.h"

#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace clipwb::ui {

ZeroShotPage::ZeroShotPage(QWidget* parent) : QWidget(parent), m_runner(new ZeroShotRunner(this))
{
    m_datasetEdit = new QLineEdit;
    m_datasetEdit->setObjectName(QStringLiteral("zeroshotDataset"));
    m_datasetEdit->setPlaceholderText(
        tr("Image folder with one sub-folder per class, e.g. DATAPATH/datasets/cifar-10/test"));
    auto* browseData = new QPushButton(tr("Browse…"));
    m_templateSet = new QComboBox;
    for (const std::string& name : zeroshot::templateSetNames())
        m_templateSet->addItem(QString::fromStdString(name));
    m_templateSet->setToolTip(
        tr("Upstream chooses the prompt templates by --dataset name: its own for the "
           "ELEVATER sets listed here, \"openai\" (183 templates) for any other dataset."));
    m_checkpointA = new ModelPathBox;
    m_checkpointA->setObjectName(QStringLiteral("zeroshotCheckpointA"));
    auto* browseA = new QPushButton(tr("Browse…"));
    m_checkpointB = new ModelPathBox(true);
    m_checkpointB->setObjectName(QStringLiteral("zeroshotCheckpointB"));
    m_checkpointB->setToolTip(
        tr("Optional: a second checkpoint shown side by side (e.g. the pretrained model "
           "your fine-tune started from)."));
    auto* browseB = new QPushButton(tr("Browse…"));
    m_device = new QComboBox;
    m_device->addItems({QStringLiteral("auto"), QStringLiteral("cpu"), QStringLiteral("cuda")});
    m_runButton = new QPushButton(tr("Run"));
    m_runButton->setDefault(true);
    m_cancelButton = new QPushButton(tr("Cancel"));
    m_cancelButton->setEnabled(false);
    m_progress = new QProgressBar;
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setTextVisible(true);
    m_progress->setFormat(QString());
    m_status = new MessageLabel(tr("Pick an image folder and a checkpoint, then Run."));

    auto* form = new QGridLayout;
    form->addWidget(new QLabel(tr("Images")), 0, 0);
    form->addWidget(m_datasetEdit, 0, 1);
    form->addWidget(browseData, 0, 2);
    form->addWidget(new QLabel(tr("Templates")), 0, 3);
    form->addWidget(m_templateSet, 0, 4);
    form->addWidget(new QLabel(tr("Checkpoint A")), 1, 0);
    form->addWidget(m_checkpointA, 1, 1);
    form->addWidget(browseA, 1, 2);
    form->addWidget(new QLabel(tr("Device")), 1, 3);
    form->addWidget(m_device, 1, 4);
    form->addWidget(new QLabel(tr("Compare with B")), 2, 0);
    form->addWidget(m_checkpointB, 2, 1);
    form->addWidget(browseB, 2, 2);
    form->setColumnStretch(1, 1);
    auto* actions = new QHBoxLayout;
    actions->addWidget(m_runButton);
    actions->addWidget(m_cancelButton);
    actions->addWidget(m_progress, 1);
    form->addLayout(actions, 2, 3, 1, 2);

    // left: what the classifier is built from
    m_labels = new QPlainTextEdit;
    m_labels->setObjectName(QStringLiteral("zeroshotLabels"));
    m_labels->setToolTip(tr("One class name a line; line i names the i-th class folder in sorted order."));
    m_templates = new QPlainTextEdit;
    m_templates->setObjectName(QStringLiteral("zeroshotTemplates"));
    m_templates->setToolTip(
        tr("One prompt a line, {} for the class name. Duplicates count twice, as upstream's."));
    auto* inputs = new QTabWidget;
    inputs->addTab(m_labels, tr("Labels"));
    inputs->addTab(m_templates, tr("Templates"));

    m_results = new ZeroShotResultView;

    auto* splitter = new QSplitter;
    splitter->setObjectName(QStringLiteral("zeroshotSplitter"));
    splitter->addWidget(inputs);
    splitter->addWidget(m_results);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    splitter->setSizes({280, 900});

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_status);
    layout->addWidget(splitter, 1);

    connect(browseData, &QPushButton::clicked, this, [this] {
        const QString folder = QFileDialog::getExistingDirectory(
            this, tr("Image folder (one sub-folder per class)"), m_datasetEdit->text());
        if (!folder.isEmpty())
            setDataset(folder);
    });
    connect(m_datasetEdit, &QLineEdit::editingFinished, this, [this] {
        if (m_datasetEdit->isModified())
            setDataset(m_datasetEdit->text());
    });
    const auto browseCheckpoint = [this](ModelPathBox* box) {
        const QString file =
            QFileDialog::getOpenFileName(this, tr("Checkpoint"), QFileInfo(box->path()).path(),
                                         tr("Checkpoints (*.pt *.pth *.bin);;All files (*)"));
        if (!file.isEmpty())
            box->setPath(file);
    };
    connect(browseA, &QPushButton::clicked, this, [=] { browseCheckpoint(m_checkpointA); });
    connect(browseB, &QPushButton::clicked, this, [=] { browseCheckpoint(m_checkpointB); });
    connect(m_templateSet, &QComboBox::textActivated, this, &ZeroShotPage::setTemplateSet);
    connect(m_runButton, &QPushButton::clicked, this, &ZeroShotPage::run);
    connect(m_cancelButton, &QPushButton::clicked, this, &ZeroShotPage::cancel);
    connect(m_runner, &ZeroShotRunner::progress, this, [this](const Progress& report) {
        m_progress->setValue(static_cast<int>(1000 * std::clamp(report.fraction, 0.0, 1.0)));
        m_progress->setFormat(report.total > 0 ? QStringLiteral("%1 %2/%3")
                                                     .arg(QString::fromStdString(report.stage))
                                                     .arg(report.done)
                                                     .arg(report.total)
                                               : QString::fromStdString(report.stage));
    });
    connect(m_runner, &ZeroShotRunner::finished, this, &ZeroShotPage::onFinished);
    connect(m_runner, &ZeroShotRunner::failed, this, [this](const QString& message) {
        setRunning(false);
        m_status->setMessage(message);
        Q_EMIT failed(message);
    });
    connect(m_runner, &ZeroShotRunner::stopped, this, [this] {
        setRunning(false);
        m_progress->setFormat(QString());
        m_progress->setValue(0);
        m_status->setMessage(tr("Cancelled. What was already encoded stays cached."));
        Q_EMIT failed(QStringLiteral("cancelled"));
    });

    m_templateSet->setCurrentText(QStringLiteral("openai"));
    setTemplateSet(QStringLiteral("openai"));
}

ZeroShotPage::~ZeroShotPage() = default;

bool ZeroShotPage::isRunning() const
{
    return m_runner->isRunning();
}

QLabel* ZeroShotPage::statusLabel() const
{
    return m_status;
}

QLabel* ZeroShotPage::summaryLabel() const
{
    return m_results->summaryLabel();
}

QTableWidget* ZeroShotPage::perClassTable() const
{
    return m_results->perClassTable();
}

QTableWidget* ZeroShotPage::confusionTable() const
{
    return m_results->confusionTable();
}

QListWidget* ZeroShotPage::misclassifiedList() const
{
    return m_results->misclassifiedList();
}

void ZeroShotPage::refreshDownloadedModels()
{
    m_checkpointA->refreshModels();
    m_checkpointB->refreshModels();
}

QString ZeroShotPage::dataset() const
{
    return m_datasetEdit->text().trimmed();
}

void ZeroShotPage::setDataset(const QString& folder)
{
    m_datasetEdit->setText(folder);
    m_datasetEdit->setModified(false);
    const QDir dir(folder);
    QStringList names;
    // upstream's layout: DATAPATH/datasets/NAME/label_cn.txt beside test/
    for (const QString& candidate : {dir.filePath(QStringLiteral("label_cn.txt")),
                                     QDir::cleanPath(dir.filePath(QStringLiteral("../label_cn.txt")))}) {
        if (!QFileInfo::exists(candidate))
            continue;
        try {
            for (const std::string& name : zeroshot::readLabelFile(candidate.toStdString()))
                names << QString::fromStdString(name);
            m_status->setMessage(tr("Labels from %1.").arg(QDir::toNativeSeparators(candidate)));
        } catch (const std::exception& e) {
            m_status->setMessage(QString::fromStdString(e.what()));
        }
        break;
    }
    if (names.isEmpty()) { // no label file: the class folder names
        names = dir.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name);
        if (!names.isEmpty())
            m_status->setMessage(
                tr("No label_cn.txt found: the class folder names are the labels; edit them on the left."));
        else if (!dir.exists())
            m_status->setMessage(tr("%1 is not a folder.").arg(QDir::toNativeSeparators(folder)));
    }
    while (!names.isEmpty() && names.back().isEmpty()) // a label file's last newline
        names.removeLast();
    m_labels->setPlainText(names.join(QLatin1Char('\n')));
    // upstream's template set follows the dataset's folder name (DATAPATH/datasets/food-101/test)
    const QString datasetName =
        dir.dirName() == QLatin1String("test")
            ? QFileInfo(QDir::cleanPath(dir.filePath(QStringLiteral("..")))).fileName()
            : dir.dirName();
    const zeroshot::PromptTemplates set = zeroshot::templatesForDataset(datasetName.toStdString());
    if (set.key != "openai")
        setTemplateSet(QString::fromStdString(set.key));
}

void ZeroShotPage::setCheckpoint(const QString& checkpoint)
{
    m_checkpointA->setPath(checkpoint);
}

void ZeroShotPage::setCompareCheckpoint(const QString& checkpoint)
{
    m_checkpointB->setPath(checkpoint);
}

void ZeroShotPage::setTemplateSet(const QString& datasetName)
{
    const zeroshot::PromptTemplates set = zeroshot::templatesForDataset(datasetName.toStdString());
    QStringList lines;
    for (const std::string& pattern : set.templates)
        lines << QString::fromStdString(pattern);
    m_templates->setPlainText(lines.join(QLatin1Char('\n')));
    m_templateSet->setCurrentText(QString::fromStdString(set.key));
}

void ZeroShotPage::setRunning(bool running)
{
    m_runButton->setEnabled(!running);
    m_cancelButton->setEnabled(running);
}

void ZeroShotPage::run()
{
    if (m_runner->isRunning())
        return;
    ZeroShotJob job;
    job.datasetFolder = dataset();
    QStringList problems;
    try {
        for (const std::string& name :
             zeroshot::parseLabelLines(m_labels->toPlainText().toStdString(), tr("the labels").toStdString()))
            job.classNames << QString::fromStdString(name);
    } catch (const std::exception& e) {
        problems << QString::fromStdString(e.what());
    }
    while (!job.classNames.isEmpty() && job.classNames.back().isEmpty()) // the editor's last newline
        job.classNames.removeLast();
    for (const QString& line : m_templates->toPlainText().split(QLatin1Char('\n')))
        if (!line.trimmed().isEmpty())
            job.templates << line;
    if (job.datasetFolder.isEmpty())
        problems << tr("Pick an image folder.");
    if (job.classNames.isEmpty())
        problems << tr("Write the class names (one a line).");
    if (job.templates.isEmpty())
        problems << tr("Write at least one template, e.g. {}的照片。");
    QStringList models;
    for (ModelPathBox* box : {m_checkpointA, m_checkpointB}) {
        const QString path = box->path();
        if (path.isEmpty()) {
            if (box == m_checkpointA)
                problems << tr("Pick checkpoint A.");
            continue;
        }
        zeroshot::ZeroShotModel model;
        model.checkpoint =
            path.toStdString(); // the session finds the architecture (run config, store, shapes)
        model.device = m_device->currentText().toStdString();
        job.models.push_back(model);
        const QString shown = box->currentText().trimmed();
        models << QStringLiteral("%1: %2").arg(
            box == m_checkpointA ? QStringLiteral("A") : QStringLiteral("B"), QFileInfo(shown).fileName());
    }
    if (!problems.isEmpty()) {
        m_status->setMessage(problems.join(QLatin1Char(' ')));
        Q_EMIT failed(problems.join(QLatin1Char(' ')));
        return;
    }
    m_runNames = job.classNames;
    m_runModels = models;
    setRunning(true);
    m_progress->setValue(0);
    m_progress->setFormat(QString());
    m_status->setMessage(tr("Running…"));
    m_runner->start(job);
}

void ZeroShotPage::cancel()
{
    if (!m_runner->isRunning())
        return;
    m_runner->stop();
    m_status->setMessage(tr("Cancelling…"));
}

void ZeroShotPage::onFinished()
{
    setRunning(false);
    const auto result = m_runner->result();
    m_progress->setValue(m_progress->maximum());
    m_progress->setFormat(tr("done"));
    const bool cached = std::all_of(result->imagesFromCache.begin(), result->imagesFromCache.end(),
                                    [](bool fromCache) { return fromCache; });
    m_status->setMessage(
        (cached ? tr("%1 images of %2 classes in %3 s (image features from the cache: only the prompts "
                     "were encoded).")
                : tr("%1 images of %2 classes in %3 s. Image features are cached: edit the labels or the "
                     "templates and run again, only the prompts are encoded."))
            .arg(result->folder->size())
            .arg(result->folder->classFolders().size())
            .arg(result->seconds, 0, 'f', 1));
    m_results->showResult(result, m_runNames, m_runModels);
    Q_EMIT finished();
}

} // namespace clipwb::ui
