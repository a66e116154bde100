// Entry point of the checkpoint reader (torch.save zip and legacy files).
#include "FuzzSupport.h"

#include "model/CheckpointInfo.h"
#include "model/TorchCheckpoint.h"

namespace clipwb::fuzz {

namespace fs = std::filesystem;

Outcome fuzzCheckpoint(const std::uint8_t* data, std::size_t size)
{
    const fs::path path = writeScratch("checkpoint.pt", bytesOf(data, size));
    return guardedRun([&] {
        // Shapes only first (the summary the Checkpoints page shows), then the tensors.
        (void)model::readCheckpointSummary(path);
        const model::TorchCheckpoint checkpoint = model::readTorchCheckpoint(path, true);
        for (const auto& [name, tensor] : checkpoint.stateDict)
            (void)tensor.numel();
    });
}

} // namespace clipwb::fuzz
