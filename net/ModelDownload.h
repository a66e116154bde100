#pragma once
// A catalog model from nothing to a verified, recorded file in the store: the
// download (resumable, see HttpDownloader), then the size, the safe reader, the
// architecture and the SHA-256 (against the server's X-Linked-ETag or the
// catalog's when either is known), then the manifest record. A file that fails
// verification is removed and the error says why.
#include "common/Progress.h"
#include "models/ModelStore.h"

#include <string>

namespace clipwb::net {

/// mirror: "huggingface", "modelscope", an http(s) endpoint, or empty ($HF_ENDPOINT, else Hugging Face).
/// progress sees stage "download", then "sha256" (done and total in bytes; the fraction counts the
/// download as 90% of the job). Throws clipwb::Error, or clipwb::Cancelled when progress returned
/// false (the partial file is kept for a resume).
models::ModelRecord downloadModel(models::ModelStore& store, const models::CatalogModel& model,
                                  const std::string& mirror, const ProgressCallback& progress = {});

} // namespace clipwb::net
