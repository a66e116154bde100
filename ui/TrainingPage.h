#pragma once
#include <QWidget>

namespace clipwb::ui {

/// The Training dashboard page of the main window.
class TrainingPage : public QWidget {
    Q_OBJECT
public:
    explicit TrainingPage(QWidget* parent = nullptr);
};

} // namespace clipwb::ui
