#pragma once
// A label for status and error messages of any length: it wraps, and a message
// longer than the room never widens the window (a path without spaces is cut;
// the tooltip holds it whole).
#include <QLabel>

namespace clipwb::ui {

class MessageLabel : public QLabel {
    Q_OBJECT
public:
    explicit MessageLabel(const QString& text = QString(), QWidget* parent = nullptr);

    /// Sets the text and its tooltip.
    void setMessage(const QString& text);
};

} // namespace clipwb::ui
