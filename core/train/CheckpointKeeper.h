#pragma once
// The checkpoints of a run: epoch_{E}.pt, epoch_{E}_{S}.pt and epoch_latest.pt in
// {run}/checkpoints, the keep_last_n pruning, and the exact state (data position,
// RNG, loss scaler) that lets a resume continue where the run left off.
#include "train/TrainSession.h"

namespace clipwb::train {

class CheckpointKeeper {
public:
    explicit CheckpointKeeper(TrainSession& session) : s(session) {}

    /// Returns true; a failed write (disk full, file too large) throws clipwb::Error naming the
    /// file, the cause and the checkpoint a resume would continue from (the previous file is kept).
    /// Data-parallel: every rank calls it (it gathers the ranks' random states), rank 0 writes.
    bool save(const std::string& fileName, int64_t epochNumber, int64_t stepNumber, Position position);
    /// epoch_{E}_{S}.pt, pruning to keep_last_n, then epoch_latest.pt (epoch is 0-based).
    void saveStep(int64_t epoch, int64_t stepNumber, Position position);
    /// The end of an epoch: epoch{E}.pt when due, and epoch_latest.pt (epoch is 0-based).
    void saveEpoch(int64_t epoch);

    /// Puts back the RNG and loss-scaler state a resumed checkpoint carried (once built).
    void applyExactState();

    /// The last checkpoint written by this run, empty when none.
    const std::filesystem::path& lastGood() const { return m_lastGood; }
    /// For a message that stops the run: "; the last good checkpoint is ..." (or the one it resumed from).
    std::string keptNote() const;

private:
    ExactState exactState(Position position) const;
    void pruneStepCheckpoints();

    TrainSession& s;
    std::filesystem::path m_lastGood;
};

} // namespace clipwb::train
