#pragma once
// The demo project behind `clipwb --demo`: the generated demo dataset in a
// per-user data folder (made on first use, with a progress dialog, off the GUI
// thread) and the demo preset pointing at it, shown on the Configuration page.
#include "common/Progress.h"

#include <QObject>
#include <QString>

#include <functional>

class QProgressDialog;

namespace clipwb::ui {

class BackgroundJob;
class MainWindow;

class DemoProject : public QObject {
    Q_OBJECT
public:
    /// Writes the demo dataset into a folder (raw files + lmdb/{train,valid}); throws on failure.
    /// Called on a worker thread; progress reports there.
    using Generator = std::function<void(const QString& folder, const ProgressCallback& progress)>;

    explicit DemoProject(MainWindow* window, QString folder = defaultFolder());
    ~DemoProject() override;

    /// <AppLocalDataLocation>/demo, e.g. ~/.local/share/clipwb/demo.
    static QString defaultFolder();
    /// Whether folder holds the demo's LMDB splits (lmdb/train and lmdb/valid with imgs/ and pairs/).
    static bool datasetExists(const QString& folder);
    /// The demo config file inside folder.
    static QString configFile(const QString& folder);

    /// The dataset generator (default: core/data's makeDemoDataset).
    void setGenerator(Generator generator) { m_generator = std::move(generator); }

    /// Generates the dataset if missing, then writes and loads the demo config and
    /// shows the Configuration page. Returns at once; ready() or failed() follow.
    void open();

Q_SIGNALS:
    void ready();
    void failed(const QString& message);

private:
    void generate();
    void finish();

    MainWindow* m_window;
    QString m_folder;
    Generator m_generator;
    QProgressDialog* m_progress = nullptr;
    BackgroundJob* m_job;
};

} // namespace clipwb::ui
