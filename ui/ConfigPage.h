#pragma once
#include <QWidget>

namespace clipwb::ui {

/// The Configuration page of the main window.
class ConfigPage : public QWidget {
    Q_OBJECT
public:
    explicit ConfigPage(QWidget* parent = nullptr);
};

} // namespace clipwb::ui
