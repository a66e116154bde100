#pragma once
// Setting up a run (upstream main() before its epoch loop): the run folder, the
// device and precision, the model with its pretrained or resumed weights, the
// optimizer and loss scaler, the teacher and the data loaders.
#include "train/TrainSession.h"

namespace clipwb::train {

class RunSetup {
public:
    explicit RunSetup(TrainSession& session) : s(session) {}

    /// forTraining: also creates the run folder, takes its lock, opens train.log and
    /// writes config.json (evaluateOnly() writes nothing).
    void prepare(bool forTraining);

private:
    void openRunFolder();
    void selectDevice();
    void buildModel();
    void loadPretrained();
    void loadCheckpointWeights(model::Clip& target, const model::NamedTensors& stateDict,
                               const std::filesystem::path& path);
    void buildTeacher();
    void buildData();
    std::optional<std::filesystem::path> resumePath() const;
    void restore();
    /// Data-parallel: rendezvous, agreement check, rank 0's weights everywhere.
    void connectRanks();
    std::vector<std::pair<std::string, std::string>> agreement() const;

    TrainSession& s;
};

} // namespace clipwb::train
