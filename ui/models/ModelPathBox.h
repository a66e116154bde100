#pragma once
// An editable box for a checkpoint: type or paste a path, or pick a downloaded
// official model by name (the model manager's store). path() is the file
// either way, so a new user never types where the model manager put a file.
#include <QComboBox>

namespace clipwb::ui {

class ModelPathBox : public QComboBox {
    Q_OBJECT
public:
    /// optional: the first entry is empty (no checkpoint).
    explicit ModelPathBox(bool optional = false, QWidget* parent = nullptr);

    /// The checkpoint file: the downloaded model's when a name is chosen, else the text.
    QString path() const;
    /// Shows path, by name when it is a downloaded model's file.
    void setPath(const QString& path);
    /// Lists the downloaded models again (the model manager changed them); keeps the text.
    void refreshModels();
    /// The names of the downloaded models listed.
    QStringList modelNames() const;

Q_SIGNALS:
    /// The checkpoint changed (picked, or typed and confirmed).
    void pathChanged(const QString& path);

private:
    bool m_optional;
};

} // namespace clipwb::ui
