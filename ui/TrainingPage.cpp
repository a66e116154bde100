#include "ui/TrainingPage.h"

#include <QLabel>
#include <QVBoxLayout>

namespace clipwb::ui {

TrainingPage::TrainingPage(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* label = new QLabel(tr("<h2>Training dashboard</h2><p>This screen is being built.</p>"));
    label->setAlignment(Qt::AlignCenter);
    layout->addWidget(label);
}

} // namespace clipwb::ui
