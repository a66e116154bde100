#pragma once
// A small "Models" button beside a checkpoint field: its menu lists the official
// models downloaded with the model manager, by name, and picking one fills the
// field with its file (and tells its architecture); the last entry opens the
// model manager. The list is read when the menu opens, so it is never stale.
#include <QToolButton>

namespace clipwb::ui {

class DownloadedModelsButton : public QToolButton {
    Q_OBJECT
public:
    explicit DownloadedModelsButton(QWidget* parent = nullptr);

    /// The names the menu offers now (read from the model store).
    QStringList modelNames() const;
    /// Chooses the downloaded model of that name as if picked from the menu; false when none.
    bool choose(const QString& name);

Q_SIGNALS:
    /// A downloaded model was picked: its checkpoint file and architecture (config names).
    void chosen(const QString& path, const QString& visionModel, const QString& textModel);

private:
    void fillMenu();
};

} // namespace clipwb::ui
