#include "ui/models/DownloadedModelsButton.h"

#include "models/ModelStore.h"

#include <QDir>
#include <QMenu>
#include <QMetaObject>

namespace clipwb::ui {

namespace {

struct Downloaded {
    QString name, path, visionModel, textModel;
};

std::vector<Downloaded> downloadedModels()
{
    std::vector<Downloaded> found;
    try {
        const models::ModelStore store;
        for (const auto& record : store.records())
            if (const auto file = store.installedPath(record.name))
                found.push_back({QString::fromStdString(record.name), QString::fromStdString(file->string()),
                                 QString::fromStdString(record.visionModel),
                                 QString::fromStdString(record.textModel)});
    } catch (const std::exception&) {
        // an unreadable manifest lists nothing here; the model manager names the problem
    }
    return found;
}

} // namespace

DownloadedModelsButton::DownloadedModelsButton(QWidget* parent) : QToolButton(parent)
{
    setText(tr("Models"));
    setToolTip(tr("A pretrained model downloaded with File → Pretrained models…, by name"));
    setPopupMode(QToolButton::InstantPopup);
    setMenu(new QMenu(this));
    connect(menu(), &QMenu::aboutToShow, this, &DownloadedModelsButton::fillMenu);
}

QStringList DownloadedModelsButton::modelNames() const
{
    QStringList names;
    for (const Downloaded& model : downloadedModels())
        names << model.name;
    return names;
}

bool DownloadedModelsButton::choose(const QString& name)
{
    for (const Downloaded& model : downloadedModels())
        if (model.name == name) {
            Q_EMIT chosen(model.path, model.visionModel, model.textModel);
            return true;
        }
    return false;
}

void DownloadedModelsButton::fillMenu()
{
    menu()->clear();
    const auto models = downloadedModels();
    if (models.empty())
        menu()->addAction(tr("No model downloaded yet"))->setEnabled(false);
    for (const Downloaded& model : models) {
        QAction* action =
            menu()->addAction(tr("%1 (%2 + %3)").arg(model.name, model.visionModel, model.textModel));
        action->setToolTip(QDir::toNativeSeparators(model.path));
        connect(action, &QAction::triggered, this,
                [this, model] { Q_EMIT chosen(model.path, model.visionModel, model.textModel); });
    }
    menu()->addSeparator();
    // the window owns the model manager (MainWindow::showModelManager)
    menu()->addAction(tr("Pretrained models…"), this,
                      [this] { QMetaObject::invokeMethod(window(), "showModelManager"); });
    menu()->setToolTipsVisible(true);
}

} // namespace clipwb::ui
