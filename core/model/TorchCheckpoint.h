#pragma once
// Reading and writing torch.save files (the zip format of PyTorch >= 1.6:
// archive/data.pkl + archive/data/N storages; reading also the legacy format of
// PyTorch < 1.6 / _use_new_zipfile_serialization=False: magic number, protocol
// version, sys_info, the object, storage keys and raw storages, one after the
// other) without Python and without executing anything. data.pkl goes through the inert unpickler
// (common/Pickle.h); only an allow-list is interpreted: dict and
// collections.OrderedDict, lists, tuples, numbers, strings, bytes,
// torch._utils._rebuild_tensor_v2 / _rebuild_parameter(_with_state), storages
// of every dtype, torch.Size, builtins set/frozenset. Any other global
// (os.system, eval, a class...) is refused with an error naming it.
// LibTorch 1.13's torch::pickle_load aborts on upstream checkpoints; this does not use it.
#include "model/Clip.h"
#include "model/TorchObject.h"

#include <torch/torch.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace clipwb::model {

/// An upstream-style checkpoint: {"epoch", "step", "name", "state_dict", "optimizer", ...}.
struct TorchCheckpoint {
    std::optional<int64_t> epoch;
    std::optional<int64_t> step;
    std::string name;
    /// Keys as stored (upstream: with the `module.` prefix of DDP training).
    NamedTensors stateDict;
    /// PyTorch's optimizer state-dict layout: {"state": {index: {...tensors}}, "param_groups": [...]}.
    std::optional<TorchObject> optimizer;
    /// Every other top-level key, in file order (written back as they are).
    std::vector<std::pair<std::string, TorchObject>> extra;
    /// True when the file held a bare state dict (as clip_weight_path/bert_weight_path files do).
    bool bareStateDict = false;
};

/// Reads a checkpoint or a bare state dict; tensors on the CPU. Throws clipwb::Error naming
/// the file and what is wrong (not a torch.save file, truncated, refused global, bad storage).
/// With loadData false no storage is read: tensors are meta tensors (shape and dtype only).
TorchCheckpoint readTorchCheckpoint(const std::filesystem::path& path, bool loadData = true);

/// Writes a checkpoint Python's torch.load reads (zip, data.pkl protocol 2), atomically.
/// Writes a bare state dict instead when checkpoint.bareStateDict is set.
void writeTorchCheckpoint(const std::filesystem::path& path, const TorchCheckpoint& checkpoint);

/// The whole pickled object of a torch.save file. With loadData false, no storage is read and
/// tensors are meta tensors carrying only shape and dtype (for summaries of large files).
TorchObject readTorchFile(const std::filesystem::path& path, bool loadData = true);

/// Writes any value (tensors by TorchObject reference) as a torch.save file, atomically.
void writeTorchFile(const std::filesystem::path& path, const TorchObject& object);

/// A TorchObject for part of another's tree, with its own tensor table.
TorchObject extractTorchObject(const pickle::Value& subtree, const std::vector<torch::Tensor>& tensors);

} // namespace clipwb::model
