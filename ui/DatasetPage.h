#pragma once
#include <QWidget>

namespace clipwb::ui {

/// The Dataset browser page of the main window.
class DatasetPage : public QWidget {
    Q_OBJECT
public:
    explicit DatasetPage(QWidget* parent = nullptr);
};

} // namespace clipwb::ui
