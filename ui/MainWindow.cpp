#include "ui/MainWindow.h"

#include "config/TrainConfig.h"
#include "ui/checkpoints/CheckpointRecallEvaluator.h"
#include "ui/checkpoints/CheckpointsPage.h"
#include "ui/common/CoreMessages.h"
#include "ui/common/Translations.h"
#include "ui/config/ConfigPage.h"
#include "ui/dataset/DatasetPage.h"
#include "ui/models/ModelManagerDialog.h"
#include "ui/retrieval/RetrievalCompareView.h"
#include "ui/retrieval/RetrievalPage.h"
#include "ui/training/RecallChart.h"
#include "ui/training/TrainingPage.h"
#include "ui/zeroshot/ZeroShotPage.h"

#include <QAction>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QListWidget>
#include <QMenuBar>
#include <QMessageBox>
#include <QProcess>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QStackedWidget>
#include <QStatusBar>

namespace clipwb::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("clipwb — Chinese-CLIP workbench"));
    m_navigation = new QListWidget;
    m_navigation->setObjectName(QStringLiteral("navigation"));
    m_navigation->setFixedWidth(170);
    m_navigation->setIconSize(QSize(22, 22));
    m_navigation->setSpacing(2);
    m_pages = new QStackedWidget;

    m_configPage = new ConfigPage;
    m_datasetPage = new DatasetPage;
    m_trainingPage = new TrainingPage;
    m_checkpointsPage = new CheckpointsPage;
    m_retrievalPage = new RetrievalPage;
    m_zeroShotPage = new ZeroShotPage;

    const struct {
        QWidget* page;
        QString title;
        QStyle::StandardPixmap icon;
    } pages[] = {
        {m_configPage, tr("Configuration"), QStyle::SP_FileDialogDetailedView},
        {m_datasetPage, tr("Dataset"), QStyle::SP_DirOpenIcon},
        {m_trainingPage, tr("Training"), QStyle::SP_MediaPlay},
        {m_checkpointsPage, tr("Checkpoints"), QStyle::SP_DialogSaveButton},
        {m_retrievalPage, tr("Retrieval"), QStyle::SP_FileDialogContentsView},
        {m_zeroShotPage, tr("Zero-shot"), QStyle::SP_FileDialogListView},
    };
    int index = 0;
    for (const auto& entry : pages) {
        auto* item = new QListWidgetItem(style()->standardIcon(entry.icon), entry.title);
        item->setToolTip(tr("%1 (%2)").arg(
            entry.title,
            QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + index++)).toString(QKeySequence::NativeText)));
        m_navigation->addItem(item);
        m_pages->addWidget(entry.page);
    }
    connect(m_navigation, &QListWidget::currentRowChanged, m_pages, &QStackedWidget::setCurrentIndex);
    // Opening a run shows the dashboard; closing during training waits for the saved stop.
    connect(m_trainingPage->openRunAction(), &QAction::triggered, this,
            [this] { showPage(QStringLiteral("training")); });
    connect(m_trainingPage, &TrainingPage::readyToClose, this, &QWidget::close);
    // Start trains what the configuration page shows.
    m_trainingPage->setConfigProvider([this](QString* error) -> std::optional<config::TrainConfig> {
        if (!m_configPage->isValid()) {
            QStringList problems;
            for (const auto& issue : m_configPage->issues())
                problems << CoreMessages::translateIssue(issue);
            *error = problems.join(QLatin1Char('\n'));
            return std::nullopt;
        }
        return m_configPage->config();
    });
    m_trainingPage->setLaunchProvider([this] { return m_configPage->launchOptions(); });
    // The checkpoints page shows the dashboard's run; resuming is exact: the
    // run's own config, the chosen checkpoint, then Start.
    connect(m_trainingPage, &TrainingPage::runChanged, m_checkpointsPage, &CheckpointsPage::setRunDir);
    connect(m_trainingPage, &TrainingPage::checkpointsChanged, m_checkpointsPage, &CheckpointsPage::refresh);
    connect(m_checkpointsPage, &CheckpointsPage::resumeRequested, this, &MainWindow::resumeTraining);
    connect(m_trainingPage, &TrainingPage::resumeRequested, this, &MainWindow::resumeTraining);
    // Recall of evaluated checkpoints is plotted on the dashboard; a click on a point of that
    // chart browses retrieval with the checkpoint nearest to its step.
    RecallChart* recallChart = m_trainingPage->recallChart();
    connect(m_checkpointsPage->recallEvaluator(), &CheckpointRecallEvaluator::evaluated, recallChart,
            [this, recallChart](const CheckpointRecall& recall) {
                if (recall.checkpoint.startsWith(m_checkpointsPage->runDir())) // not a previous run's
                    recallChart->setCheckpointRecall(recall.step, recall.values);
            });
    connect(m_trainingPage, &TrainingPage::runChanged, recallChart, &RecallChart::clearCheckpointRecall);
    connect(recallChart, &RecallChart::stepClicked, this, &MainWindow::browseCheckpointAtStep);
    // After a run the Retrieval page offers its latest checkpoint on its validation split, until
    // the user picks another one there.
    connect(m_trainingPage, &TrainingPage::checkpointsChanged, this, &MainWindow::offerLatestCheckpoint);
    connect(m_checkpointsPage, &CheckpointsPage::browseRequested, this, [this](const QString& checkpoint) {
        showPage(QStringLiteral("retrieval"));
        m_retrievalPage->openCheckpoint(checkpoint);
        m_retrievalPage->showComparison(false);
        m_retrievalPage->startExtraction();
    });
    m_navigation->setCurrentRow(0);

    auto* central = new QWidget;
    auto* layout = new QHBoxLayout(central);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addWidget(m_navigation);
    layout->addWidget(m_pages, 1);
    setCentralWidget(central);

    createMenus();
    // The window title names the config file and marks unsaved changes with '*'.
    const auto updateTitle = [this] {
        const QString file = m_configPage->filePath();
        setWindowTitle(
            tr("%1[*] — clipwb").arg(file.isEmpty() ? tr("untitled") : QFileInfo(file).fileName()));
        setWindowModified(m_configPage->isModified());
    };
    connect(m_configPage, &ConfigPage::modifiedChanged, this, updateTitle);
    connect(m_configPage, &ConfigPage::filePathChanged, this, updateTitle);
    updateTitle();
    // The Dataset page follows the configuration's train_data / val_data and context_length.
    const auto followConfig = [this] {
        const config::TrainConfig config = m_configPage->config();
        m_datasetPage->setConfigData(QString::fromStdString(config.train_data),
                                     QString::fromStdString(config.val_data.value_or(std::string())));
        m_datasetPage->setContextLength(config.context_length);
    };
    connect(m_configPage, &ConfigPage::configChanged, this, followConfig);
    followConfig();
    // A hint about the config shown (the demo's "Press F5") is stale once it changes, is saved or
    // another is opened; starting shows the dashboard, whose state line says what happens.
    connect(m_configPage, &ConfigPage::configChanged, statusBar(), &QStatusBar::clearMessage);
    connect(m_configPage, &ConfigPage::filePathChanged, statusBar(), &QStatusBar::clearMessage);
    connect(m_configPage, &ConfigPage::modifiedChanged, statusBar(), &QStatusBar::clearMessage);
    connect(m_configPage, &ConfigPage::statusMessage, this,
            [this](const QString& text) { statusBar()->showMessage(text, 5000); });
    connect(m_checkpointsPage, &CheckpointsPage::statusMessage, this,
            [this](const QString& text) { statusBar()->showMessage(text, 8000); });
    connect(m_trainingPage, &TrainingPage::trainingStateChanged, this, [this](bool running) {
        if (!running)
            return;
        statusBar()->clearMessage();
        showPage(QStringLiteral("training"));
    });
    statusBar()->showMessage(tr("Ready"));
    resize(1280, 820);
    restoreLayout();
}

MainWindow::~MainWindow() = default;

void MainWindow::offerLatestCheckpoint()
{
    const QString runDir = m_trainingPage->runDir();
    if (runDir.isEmpty() || m_retrievalPage->isExtracting() || m_retrievalPage->isReady())
        return;
    const QString current = m_retrievalPage->checkpoint();
    if (!current.isEmpty() && current != m_offeredCheckpoint)
        return; // the user's choice
    const QDir checkpoints(QDir(runDir).filePath(QStringLiteral("checkpoints")));
    QString latest = checkpoints.filePath(QStringLiteral("epoch_latest.pt"));
    if (!QFileInfo::exists(latest)) {
        const QFileInfoList files =
            checkpoints.entryInfoList({QStringLiteral("*.pt")}, QDir::Files, QDir::Time);
        latest = files.isEmpty() ? QString() : files.first().absoluteFilePath();
    }
    if (latest.isEmpty() || latest == current)
        return;
    m_offeredCheckpoint = latest;
    m_retrievalPage->openCheckpoint(latest);
}

RetrievalCompareView* MainWindow::retrievalCompareView() const
{
    return m_retrievalPage->compareView();
}

void MainWindow::openDataset(const QString& path)
{
    m_datasetPage->openPath(path);
}

bool MainWindow::openRun(const QString& dir, QString* error)
{
    return m_trainingPage->openRun(dir, error);
}

void MainWindow::openCheckpoint(const QString& checkpoint, const QString& compareWith)
{
    showPage(QStringLiteral("retrieval"));
    m_retrievalPage->openCheckpoint(checkpoint);
    m_retrievalPage->showComparison(!compareWith.isEmpty());
    if (!compareWith.isEmpty())
        m_retrievalPage->compareView()->setCheckpoint(RetrievalCompareView::A, compareWith);
}

void MainWindow::extractRetrievalFeatures(bool comparison)
{
    if (comparison)
        m_retrievalPage->compareView()->startExtraction();
    else
        m_retrievalPage->startExtraction();
}

void MainWindow::startTraining()
{
    showPage(QStringLiteral("training")); // the dashboard shows what Start does
    m_trainingPage->start();
}

void MainWindow::browseCheckpointAtStep(qint64 step)
{
    const QString checkpoint = m_checkpointsPage->checkpointNearestStep(step);
    if (checkpoint.isEmpty()) {
        statusBar()->showMessage(tr("The run has no checkpoint to browse."), 5000);
        return;
    }
    m_retrievalPage->openCheckpoint(checkpoint);
    showPage(QStringLiteral("retrieval"));
    m_retrievalPage->showComparison(false);
    m_retrievalPage->startExtraction();
}

void MainWindow::resumeTraining(const QString& checkpoint, const QString& runConfig)
{
    if (m_trainingPage->isTraining())
        return;
    if (QFileInfo::exists(runConfig)) {
        const auto loaded = config::loadConfigFile(runConfig.toStdString());
        if (loaded.ok())
            m_configPage->setConfig(loaded.config);
    }
    m_configPage->setResume(checkpoint.toStdString());
    showPage(QStringLiteral("training"));
    m_trainingPage->start();
}

QStringList MainWindow::pageNames()
{
    return {QStringLiteral("configuration"), QStringLiteral("dataset"),   QStringLiteral("training"),
            QStringLiteral("checkpoints"),   QStringLiteral("retrieval"), QStringLiteral("zeroshot")};
}

bool MainWindow::showPage(const QString& name)
{
    const int index = pageNames().indexOf(name.toLower());
    if (index < 0)
        return false;
    m_navigation->setCurrentRow(index);
    return true;
}

QString MainWindow::currentPageName() const
{
    return pageNames().value(m_pages->currentIndex());
}

void MainWindow::createMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_configPage->openAction());
    file->addMenu(m_configPage->recentMenu());
    file->addAction(m_configPage->saveAction());
    file->addAction(m_configPage->saveAsAction());
    file->addMenu(m_configPage->presetMenu());
    file->addSeparator();
    file->addAction(m_trainingPage->openRunAction());
    file->addAction(m_trainingPage->compareAction());
    file->addSeparator();
    QAction* models = file->addAction(tr("Pretrained &models…"), this, &MainWindow::showModelManager);
    models->setObjectName(QStringLiteral("modelManagerAction"));
    file->addSeparator();
    QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    // The menu bar makes the training shortcuts work on every page.
    QMenu* training = menuBar()->addMenu(tr("&Training"));
    for (QAction* action :
         {m_trainingPage->startAction(), m_trainingPage->pauseAction(), m_trainingPage->stopAction(),
          m_trainingPage->saveNowAction(), m_trainingPage->resumeAction()})
        training->addAction(action);
    training->setToolTipsVisible(true);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    const QStringList titles = {tr("Configuration"), tr("Dataset"),   tr("Training"),
                                tr("Checkpoints"),   tr("Retrieval"), tr("Zero-shot")};
    for (int i = 0; i < titles.size(); ++i) {
        QAction* action = view->addAction(titles[i], this, [this, i] { m_navigation->setCurrentRow(i); });
        action->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        action->setObjectName(QStringLiteral("showPage%1").arg(i + 1));
    }
    view->addSeparator();
    view->addMenu(createLanguageMenu());

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About clipwb"), this, [this] {
        QMessageBox::about(this, tr("About clipwb"),
                           tr("<b>clipwb</b> %1<br>A native workbench for fine-tuning Chinese-CLIP.")
                               .arg(QStringLiteral(CLIPWB_VERSION)));
    });
}

ModelManagerDialog* MainWindow::modelManager()
{
    if (!m_modelManager) {
        m_modelManager = new ModelManagerDialog(this);
        // downloaded models are offered by name wherever a checkpoint is picked
        connect(m_modelManager, &ModelManagerDialog::modelsChanged, m_zeroShotPage,
                &ZeroShotPage::refreshDownloadedModels);
    }
    return m_modelManager;
}

void MainWindow::showModelManager()
{
    ModelManagerDialog* dialog = modelManager();
    dialog->show();
    dialog->raise();
    dialog->activateWindow();
}

QMenu* MainWindow::createLanguageMenu()
{
    // Switching restarts the window: every widget builds its texts once, and
    // translating them in place would touch every page for a rare action.
    auto* menu = new QMenu(tr("&Language"), this);
    menu->setObjectName(QStringLiteral("languageMenu"));
    auto* group = new QActionGroup(menu);
    const QString saved = Translations::savedLanguage();
    QStringList codes = {QString()};
    codes += Translations::languages();
    for (const QString& code : codes) {
        QAction* action =
            menu->addAction(code.isEmpty() ? tr("System language") : Translations::nativeName(code));
        action->setObjectName(QStringLiteral("language_") +
                              (code.isEmpty() ? QStringLiteral("system") : code));
        action->setCheckable(true);
        action->setChecked(code == saved);
        group->addAction(action);
        connect(action, &QAction::triggered, this, [this, code] {
            Translations::saveLanguage(code);
            if (Translations::resolve() == Translations::current())
                return;
            QMessageBox box(QMessageBox::Question, tr("Language"),
                            tr("The language changes when clipwb starts again."), QMessageBox::NoButton,
                            this);
            QPushButton* restart = box.addButton(tr("Restart now"), QMessageBox::AcceptRole);
            box.addButton(tr("Later"), QMessageBox::RejectRole);
            box.exec();
            if (box.clickedButton() != restart || !close())
                return;
            // The same arguments, less a --lang that would override the new choice.
            QStringList arguments;
            const QStringList given = QCoreApplication::arguments().mid(1);
            for (int i = 0; i < given.size(); ++i) {
                if (given[i] == QLatin1String("--lang"))
                    ++i;
                else if (!given[i].startsWith(QLatin1String("--lang=")))
                    arguments << given[i];
            }
            QProcess::startDetached(QCoreApplication::applicationFilePath(), arguments);
        });
    }
    return menu;
}

void MainWindow::restoreLayout()
{
    QSettings settings;
    restoreGeometry(settings.value(QStringLiteral("window/geometry")).toByteArray());
    restoreState(settings.value(QStringLiteral("window/state")).toByteArray());
    for (QSplitter* splitter : findChildren<QSplitter*>())
        if (!splitter->objectName().isEmpty())
            splitter->restoreState(
                settings.value(QStringLiteral("splitters/") + splitter->objectName()).toByteArray());
    showPage(settings.value(QStringLiteral("window/page"), QStringLiteral("configuration")).toString());
}

void MainWindow::saveLayout()
{
    QSettings settings;
    settings.setValue(QStringLiteral("window/geometry"), saveGeometry());
    settings.setValue(QStringLiteral("window/state"), saveState());
    settings.setValue(QStringLiteral("window/page"), currentPageName());
    for (QSplitter* splitter : findChildren<QSplitter*>())
        if (!splitter->objectName().isEmpty())
            settings.setValue(QStringLiteral("splitters/") + splitter->objectName(), splitter->saveState());
}

bool MainWindow::confirmConfigClose()
{
    if (!m_configPage->isModified())
        return true;
    const QString file = m_configPage->filePath();
    QMessageBox box(QMessageBox::Warning, tr("Unsaved configuration"),
                    file.isEmpty() ? tr("The configuration has unsaved changes.")
                                   : tr("%1 has unsaved changes.").arg(QFileInfo(file).fileName()),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("unsavedConfigBox"));
    box.setInformativeText(tr("Save them before closing?"));
    box.setDefaultButton(QMessageBox::Save);
    box.button(QMessageBox::Save)->setObjectName(QStringLiteral("saveButton"));
    box.button(QMessageBox::Discard)->setObjectName(QStringLiteral("discardButton"));
    box.button(QMessageBox::Cancel)->setObjectName(QStringLiteral("cancelButton"));
    switch (box.exec()) {
    case QMessageBox::Save:
        return m_configPage->save(); // untitled: asks for a name; cancelled there keeps the window
    case QMessageBox::Discard:
        // The page remembers edits across sessions: forget them.
        if (!file.isEmpty() && QFileInfo::exists(file)) {
            m_configPage->loadFile(file);
        } else {
            QSettings settings;
            settings.remove(QStringLiteral("config/values"));
            settings.setValue(QStringLiteral("config/modified"), false);
        }
        return true;
    default:
        return false;
    }
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    // The configuration first: once training is asked to stop, the window
    // closes by itself when the checkpoint is saved.
    if (!m_trainingPage->closesWhenStopped() && !confirmConfigClose()) {
        event->ignore();
        return;
    }
    if (!m_trainingPage->confirmClose()) {
        event->ignore();
        return;
    }
    saveLayout();
    event->accept();
}

} // namespace clipwb::ui
