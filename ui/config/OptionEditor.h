#pragma once
// The editor of one training option on the Configuration page, chosen by its
// type: a check box, a spin box (with a "set" box when it may be null), a
// number in scientific notation, a choice, a model name or a path with a
// browse button. Values travel as JSON (null: unset, as upstream's None).
#include "config/TrainConfig.h"

#include <nlohmann/json.hpp>

#include <QWidget>

#include <cmath>
#include <filesystem>
#include <functional>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;

namespace clipwb::ui {

class ScientificSpinBox;

class OptionEditor : public QWidget {
    Q_OBJECT
public:
    /// baseDir: where the browse dialogs start (the config file's folder).
    OptionEditor(config::OptionInfo info, std::function<std::filesystem::path()> baseDir,
                 QWidget* parent = nullptr);

    const config::OptionInfo& info() const { return m_info; }
    /// Shows value without emitting edited(). An unset number shows unsetNumber (upstream's
    /// default for it, e.g. the vision model's lr) greyed out.
    void setValue(const nlohmann::json& value, double unsetNumber = NAN);
    /// The number an unset number shows (it follows the vision model); no-op when set.
    void showUnsetNumber(double value);
    nlohmann::json value() const;
    bool isUnset() const { return value().is_null(); }

    /// The problems with the value, under the editor (empty: none).
    void setErrors(const QStringList& messages);
    QString errorText() const;
    /// The label under the editor that shows the errors (the page places it).
    QLabel* errorLabel() const { return m_error; }
    /// The input widget itself (line edit, spin box, combo or check box).
    QWidget* input() const;

Q_SIGNALS:
    /// The user changed the value.
    void edited();
    /// resume, clip_weight_path, bert_weight_path: a downloaded pretrained model was picked (its
    /// file is now the value).
    void pretrainedModelChosen(const QString& visionModel, const QString& textModel);

private:
    void browse(bool folder);

    config::OptionInfo m_info;
    std::function<std::filesystem::path()> m_baseDir;
    bool m_setting = false;
    QCheckBox* m_check = nullptr;
    QCheckBox* m_setBox = nullptr; ///< nullable numbers: whether the value is set
    QSpinBox* m_spin = nullptr;
    ScientificSpinBox* m_number = nullptr;
    QLineEdit* m_line = nullptr;
    QComboBox* m_combo = nullptr;
    QLabel* m_error = nullptr;
};

} // namespace clipwb::ui
