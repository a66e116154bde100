#pragma once
// File > Open recent: the last configs opened or saved, newest first, kept
// across sessions (QSettings config/recentFiles).
#include <QMenu>
#include <QStringList>

namespace clipwb::ui {

class RecentFilesMenu : public QMenu {
    Q_OBJECT
public:
    explicit RecentFilesMenu(const QString& title, QWidget* parent = nullptr);

    QStringList files() const;
    /// Puts path first (once), keeping the newest few.
    void add(const QString& path);

Q_SIGNALS:
    void fileChosen(const QString& path);

private:
    void rebuild();
};

} // namespace clipwb::ui
