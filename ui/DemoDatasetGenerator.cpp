// The default generator of DemoProject: core/data's demo dataset.
#include "ui/DemoProject.h"

#include "common/Error.h"

namespace clipwb::ui {

void generateDemoDataset(const QString& folder, const DemoProject::Progress& progress)
{
    progress(0.0, QString());
    throw Error("the demo dataset generator is not in this build yet (core/data makeDemoDataset); folder " +
                folder.toStdString());
}

} // namespace clipwb::ui
