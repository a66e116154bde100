#pragma once
// The Configuration page: every training option in a form grouped as upstream's
// params.py, live validation with the error beside its field, files (load, save,
// save as, recent), presets and "Copy as command line".
#include "config/TrainConfig.h"
#include "dist/RankLauncher.h"

#include <nlohmann/json.hpp>

#include <QHash>
#include <QWidget>

#include <filesystem>

class QAction;
class QLabel;
class QMenu;
class QToolButton;

namespace clipwb::ui {

class LaunchOptionsView;
class OptionEditor;
class RecentFilesMenu;

class ConfigPage : public QWidget {
    Q_OBJECT
public:
    explicit ConfigPage(QWidget* parent = nullptr);
    ~ConfigPage() override;

    /// The config as the form shows it (paths absolute).
    config::TrainConfig config() const;
    /// Shows config; it becomes the current, unsaved state (the file name stays).
    void setConfig(const config::TrainConfig& config);
    /// How Start launches it: processes on this machine, machines (the Distributed group).
    dist::LaunchOptions launchOptions() const;
    LaunchOptionsView* launchView() const { return m_launch; }
    /// Sets the checkpoint to resume from (e.g. from the Checkpoints page).
    void setResume(const std::filesystem::path& checkpoint);
    /// A downloaded pretrained model was picked for key (which now holds its file). resume: its
    /// architecture and a fresh data offset and optimizer, as upstream's fine-tune scripts start;
    /// clip_weight_path: its vision model; bert_weight_path: its text model.
    void startFromPretrained(const QString& key, const QString& visionModel, const QString& textModel);

    /// Every problem of the current config (validate()), in option order.
    const std::vector<config::ConfigIssue>& issues() const { return m_issues; }
    bool isValid() const { return m_issues.empty(); }
    /// The file the config was loaded from or saved to; empty when untitled.
    QString filePath() const { return m_filePath; }
    bool isModified() const { return m_modified; }

    /// Loads a JSON config; problems reading it (unknown keys, wrong types) are
    /// shown in a banner above the form. False when the file could not be read.
    bool loadFile(const QString& path);
    /// Saves to filePath(), or asks for a name when untitled.
    bool save();
    /// Saves to path (the config's relative-path rules apply).
    bool saveAs(const QString& path);
    /// Applies an embedded preset; relative paths resolve against baseDir.
    void applyPreset(const QString& name, const QString& baseDir);
    QStringList recentFiles() const;

    /// For the main window's File menu.
    QAction* openAction() const { return m_openAction; }
    QAction* saveAction() const { return m_saveAction; }
    QAction* saveAsAction() const { return m_saveAsAction; }
    QMenu* recentMenu() const;
    QMenu* presetMenu() const { return m_presetMenu; }

    /// The editor widget of an option (tests, focus on error).
    QWidget* editor(const QString& key) const;
    /// The error text shown beside an option ("" when none).
    QString errorText(const QString& key) const;
    /// Problems from the last loaded file that the form cannot show (unknown keys).
    QString bannerText() const;

Q_SIGNALS:
    /// The config changed (an edit, a load, a preset).
    void configChanged();
    void validityChanged(bool valid);
    /// The unsaved-changes mark or the file name changed.
    void modifiedChanged(bool modified);
    void filePathChanged(const QString& path);
    /// A short note for the status bar ("Command line copied.").
    void statusMessage(const QString& text);

private:
    void buildForm();
    void populate();
    void readEditor(const std::string& key);
    void revalidate();
    void setModified(bool modified);
    void setFilePath(const QString& path);
    void updateSummary();
    void rememberState();
    void restoreState();
    void chooseAndLoad();
    void choosePreset(const QString& name);
    void copyCommandLine();
    std::filesystem::path baseDir() const;

    nlohmann::json m_values; ///< toJson of the config being edited
    config::TrainConfig m_saved;
    bool m_hasSaved = false;
    std::vector<config::ConfigIssue> m_issues;
    QString m_filePath;
    bool m_modified = false;
    bool m_populating = false;
    bool m_wasValid = false;

    QHash<QString, OptionEditor*> m_fields;
    QLabel* m_banner = nullptr;
    QLabel* m_summary = nullptr;
    QLabel* m_fileLabel = nullptr;
    QLabel* m_derived = nullptr;
    LaunchOptionsView* m_launch = nullptr;
    class MemoryEstimateView* m_memory = nullptr;
    QAction* m_openAction = nullptr;
    QAction* m_saveAction = nullptr;
    QAction* m_saveAsAction = nullptr;
    RecentFilesMenu* m_recentMenu = nullptr;
    QMenu* m_presetMenu = nullptr;
};

} // namespace clipwb::ui
