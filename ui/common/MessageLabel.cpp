#include "ui/common/MessageLabel.h"

namespace clipwb::ui {

MessageLabel::MessageLabel(const QString& text, QWidget* parent) : QLabel(text, parent)
{
    setWordWrap(true);
    setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Ignored: the layout's width decides, never the text's (heightForWidth still grows the label down).
    setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred);
    setMinimumWidth(40);
}

void MessageLabel::setMessage(const QString& text)
{
    setText(text);
    setToolTip(text.size() > 80 ? text : QString());
}

} // namespace clipwb::ui
