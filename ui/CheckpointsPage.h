#pragma once
#include <QWidget>

namespace clipwb::ui {

/// The Checkpoints page of the main window.
class CheckpointsPage : public QWidget {
    Q_OBJECT
public:
    explicit CheckpointsPage(QWidget* parent = nullptr);
};

} // namespace clipwb::ui
