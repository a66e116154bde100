#pragma once
// A catalog model from nothing to a verified, recorded file in the store: the
// download (resumable, see HttpDownloader), then the size, the safe reader, the
// architecture and the SHA-256 (against the server's X-Linked-ETag or the
// catalog's when either is known), then the manifest record. A file that fails
// verification is removed and the error says why.
#include "models/ModelStore.h"

#include <functional>
#include <string>

namespace clipwb::net {

enum class DownloadStage { Downloading, Verifying };
using StageProgress = std::function<void(DownloadStage stage, std::uint64_t done, std::uint64_t total)>;

/// mirror: "huggingface", "modelscope", an http(s) endpoint, or empty ($HF_ENDPOINT, else Hugging Face).
/// Throws clipwb::Error ("cancelled" when cancel() said so; the partial file is kept for a resume).
models::ModelRecord downloadModel(models::ModelStore& store, const models::CatalogModel& model,
                                  const std::string& mirror, const StageProgress& progress = {},
                                  const models::CancelCheck& cancel = {});

} // namespace clipwb::net
