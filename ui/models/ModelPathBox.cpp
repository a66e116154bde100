#include "ui/models/ModelPathBox.h"

#include "models/ModelStore.h"

#include <QDir>
#include <QFileInfo>
#include <QLineEdit>

namespace clipwb::ui {

namespace {
constexpr int kPathRole = Qt::UserRole + 1;
}

ModelPathBox::ModelPathBox(bool optional, QWidget* parent) : QComboBox(parent), m_optional(optional)
{
    setEditable(true);
    setInsertPolicy(QComboBox::NoInsert);
    setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    setMinimumContentsLength(24);
    lineEdit()->setPlaceholderText(optional ? tr("none") : tr("a checkpoint file or a downloaded model"));
    setToolTip(tr("A checkpoint file (.pt), or an official model downloaded with File → Pretrained models… "
                  "by name."));
    refreshModels();
    connect(this, &QComboBox::activated, this, [this] { Q_EMIT pathChanged(path()); });
    connect(lineEdit(), &QLineEdit::editingFinished, this, [this] { Q_EMIT pathChanged(path()); });
}

void ModelPathBox::refreshModels()
{
    const QString current = currentText();
    blockSignals(true);
    clear();
    if (m_optional)
        addItem(QString());
    try {
        const models::ModelStore store;
        for (const auto& record : store.records()) {
            const auto file = store.installedPath(record.name);
            if (!file)
                continue;
            const QString path = QString::fromStdString(file->string());
            addItem(QString::fromStdString(record.name));
            setItemData(count() - 1, path, kPathRole);
            setItemData(count() - 1,
                        tr("%1 + %2: %3")
                            .arg(QString::fromStdString(record.visionModel),
                                 QString::fromStdString(record.textModel), QDir::toNativeSeparators(path)),
                        Qt::ToolTipRole);
        }
    } catch (const std::exception&) {
        // an unreadable manifest: the box still takes paths (the model manager reports the manifest)
    }
    setCurrentText(current);
    blockSignals(false);
}

QStringList ModelPathBox::modelNames() const
{
    QStringList names;
    for (int i = 0; i < count(); ++i)
        if (itemData(i, kPathRole).isValid())
            names << itemText(i);
    return names;
}

QString ModelPathBox::path() const
{
    const QString text = currentText().trimmed();
    const int index = findText(text);
    if (index >= 0 && itemData(index, kPathRole).isValid())
        return itemData(index, kPathRole).toString();
    return text;
}

void ModelPathBox::setPath(const QString& path)
{
    const QString absolute = path.isEmpty() ? QString() : QFileInfo(path).absoluteFilePath();
    for (int i = 0; i < count(); ++i)
        if (itemData(i, kPathRole).isValid() &&
            QFileInfo(itemData(i, kPathRole).toString()).absoluteFilePath() == absolute) {
            setCurrentIndex(i);
            return;
        }
    setCurrentText(path);
}

} // namespace clipwb::ui
