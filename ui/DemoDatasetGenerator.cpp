// The default generator of DemoProject: core/data's demo dataset.
#include "ui/DemoProject.h"

#include "data/DemoDataset.h"

namespace clipwb::ui {

void generateDemoDataset(const QString& folder, const ProgressCallback& progress)
{
    data::DemoDatasetOptions options;
    options.outDir = folder.toStdString();
    data::makeDemoDataset(options, progress);
}

} // namespace clipwb::ui
