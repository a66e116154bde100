#include "ui/CheckpointsPage.h"

#include <QLabel>
#include <QVBoxLayout>

namespace clipwb::ui {

CheckpointsPage::CheckpointsPage(QWidget* parent) : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    auto* label = new QLabel(tr("<h2>Checkpoints</h2><p>This screen is being built.</p>"));
    label->setAlignment(Qt::AlignCenter);
    layout->addWidget(label);
}

} // namespace clipwb::ui
