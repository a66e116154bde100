// The default generator of DemoProject: core/data's demo dataset.
#include "ui/DemoProject.h"

#include "data/DemoDataset.h"

namespace clipwb::ui {

void generateDemoDataset(const QString& folder, const DemoProject::Progress& progress)
{
    data::DemoDatasetOptions options;
    options.outDir = folder.toStdString();
    data::makeDemoDataset(options, [&](double fraction, const std::string& stage) {
        progress(fraction, QString::fromStdString(stage));
        return true;
    });
}

} // namespace clipwb::ui
