#include "ui/DemoProject.h"

#include "config/TrainConfig.h"
#include "ui/MainWindow.h"
#include "ui/common/BackgroundJob.h"
#include "ui/common/CoreMessages.h"
#include "ui/config/ConfigPage.h"

#include <QDir>
#include <QFileInfo>
#include <QMessageBox>
#include <QPointer>
#include <QProgressDialog>
#include <QStandardPaths>
#include <QStatusBar>

#include <filesystem>

namespace clipwb::ui {

namespace fs = std::filesystem;

void generateDemoDataset(const QString& folder, const ProgressCallback& progress); // DemoDatasetGenerator.cpp

DemoProject::DemoProject(MainWindow* window, QString folder)
    : QObject(window), m_window(window), m_folder(std::move(folder)), m_generator(generateDemoDataset),
      m_job(new BackgroundJob(this))
{
}

DemoProject::~DemoProject() = default;

QString DemoProject::defaultFolder()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppLocalDataLocation) + QStringLiteral("/demo");
}

bool DemoProject::datasetExists(const QString& folder)
{
    for (const char* split : {"train", "valid"})
        for (const char* part : {"imgs", "pairs"})
            if (!QFileInfo::exists(QStringLiteral("%1/lmdb/%2/%3/data.mdb")
                                       .arg(folder, QLatin1String(split), QLatin1String(part))))
                return false;
    return true;
}

QString DemoProject::configFile(const QString& folder)
{
    return folder + QStringLiteral("/demo.json");
}

void DemoProject::open()
{
    if (datasetExists(m_folder))
        finish();
    else
        generate();
}

void DemoProject::generate()
{
    // Written next to the final folder and renamed when complete, so an
    // interrupted run never leaves a half-made dataset that looks finished.
    const QString partial = m_folder + QStringLiteral(".partial");
    QDir(partial).removeRecursively();
    QDir().mkpath(QFileInfo(m_folder).absolutePath());

    m_progress = new QProgressDialog(tr("Drawing the demo dataset…"), QString(), 0, 1000, m_window);
    m_progress->setWindowTitle(tr("clipwb demo"));
    m_progress->setWindowModality(Qt::WindowModal);
    m_progress->setMinimumDuration(0);
    m_progress->setAutoClose(false);
    m_progress->setValue(0);

    QPointer<QProgressDialog> dialog = m_progress;
    connect(m_job, &BackgroundJob::progress, m_progress, [dialog](const Progress& report) {
        dialog->setValue(int(std::clamp(report.fraction, 0.0, 1.0) * 1000));
        if (!report.stage.empty())
            dialog->setLabelText(CoreMessages::translate(report.stage));
    });
    const auto finished = [this, partial](const QString& error) {
        m_progress->close();
        m_progress->deleteLater();
        m_progress = nullptr;
        if (error.isEmpty() && !QDir().rename(partial, m_folder)) {
            QDir(m_folder).removeRecursively();
            if (!QDir().rename(partial, m_folder))
                QDir(partial).removeRecursively();
        }
        if (!error.isEmpty() || !datasetExists(m_folder)) {
            QDir(partial).removeRecursively();
            const QString message =
                error.isEmpty() ? tr("the demo dataset was not written to %1").arg(m_folder) : error;
            // Still show the demo config: its errors say what is missing.
            m_window->configPage()->applyPreset(QStringLiteral("demo"), m_folder);
            m_window->showPage(QStringLiteral("configuration"));
            QMessageBox* box = new QMessageBox(QMessageBox::Warning, tr("Demo dataset"),
                                               tr("Cannot make the demo dataset: %1").arg(message),
                                               QMessageBox::Ok, m_window);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open(); // not exec(): nothing blocks the event loop
            Q_EMIT failed(message);
            return;
        }
        finish();
    };
    const Generator generator = m_generator;
    m_job->run([generator, partial](const ProgressCallback& progress) { generator(partial, progress); },
               [finished] { finished(QString()); }, finished);
}

void DemoProject::finish()
{
    // The demo preset with its data paths in this folder, saved as the demo project's file.
    const config::ConfigResult preset = config::loadPreset("demo", fs::path(m_folder.toStdString()));
    const QString file = configFile(m_folder);
    try {
        config::saveConfigFile(preset.config, file.toStdString());
    } catch (const std::exception& e) {
        QMessageBox::warning(m_window, tr("Demo"), QString::fromStdString(e.what()));
        Q_EMIT failed(QString::fromStdString(e.what()));
        return;
    }
    m_window->configPage()->loadFile(file);
    m_window->showPage(QStringLiteral("configuration"));
    m_window->statusBar()->showMessage(tr("Demo project ready: Tiny-ViT + Tiny-BERT on the demo dataset in "
                                          "%1. Press F5 (Training > Start) to "
                                          "train it.")
                                           .arg(QDir::toNativeSeparators(m_folder)));
    Q_EMIT ready();
}

} // namespace clipwb::ui
