#pragma once
#include <QWidget>

namespace clipwb::ui {

/// The Retrieval browser page of the main window.
class RetrievalPage : public QWidget {
    Q_OBJECT
public:
    explicit RetrievalPage(QWidget* parent = nullptr);
};

} // namespace clipwb::ui
