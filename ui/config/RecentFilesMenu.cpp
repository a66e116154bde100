#include "ui/config/RecentFilesMenu.h"

#include <QDir>
#include <QSettings>

namespace clipwb::ui {
namespace {

constexpr int kMaxRecentFiles = 8;
const QString kKey = QStringLiteral("config/recentFiles");

} // namespace

RecentFilesMenu::RecentFilesMenu(const QString& title, QWidget* parent) : QMenu(title, parent)
{
    rebuild();
}

QStringList RecentFilesMenu::files() const
{
    return QSettings().value(kKey).toStringList();
}

void RecentFilesMenu::add(const QString& path)
{
    QStringList list = files();
    list.removeAll(path);
    list.prepend(path);
    while (list.size() > kMaxRecentFiles)
        list.removeLast();
    QSettings().setValue(kKey, list);
    rebuild();
}

void RecentFilesMenu::rebuild()
{
    clear();
    const QStringList list = files();
    for (const QString& file : list)
        addAction(QDir::toNativeSeparators(file), this, [this, file] { Q_EMIT fileChosen(file); });
    if (list.isEmpty()) {
        addAction(tr("(none)"))->setEnabled(false);
    } else {
        addSeparator();
        addAction(tr("Clear list"), this, [this] {
            QSettings().remove(kKey);
            rebuild();
        });
    }
}

} // namespace clipwb::ui
