#include "ui/ConfigPage.h"

#include <QLabel>
#include <QVBoxLayout>

namespace clipwb::ui {

ConfigPage::ConfigPage(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* label = new QLabel(tr("<h2>Configuration</h2><p>This screen is being built.</p>"));
    label->setAlignment(Qt::AlignCenter);
    layout->addWidget(label);
}

} // namespace clipwb::ui
