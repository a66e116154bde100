#pragma once
// One file over HTTP(S) into a partial file that survives interruptions: a
// later call resumes it with a Range request (206 appends; a server that
// ignores Range and answers 200 restarts it), a dropped connection is resumed
// automatically a few times, cancel keeps what arrived. Redirects are followed
// by hand so that the first response's X-Linked-Size / X-Linked-ETag (Hugging
// Face's size and SHA-256 of a large file) are kept.
//
// Progress (stage "download", done and total in bytes, total 0 while unknown)
// is reported as bytes arrive and every 50 ms between them, so that a stop asked
// while the server is silent still ends the download at once.
//
// Synchronous: runs its own QEventLoop, so call it from a worker thread (GUI)
// or from main() after a QCoreApplication exists (CLI).
#include "common/Progress.h"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace clipwb::net {

struct DownloadRequest {
    std::string url;
    std::filesystem::path partial;             ///< bytes go here (appended when resuming)
    std::optional<std::uint64_t> expectedSize; ///< when the caller knows it
    int automaticResumes = 3;                  ///< after a dropped connection
    int stallTimeoutMs = 60000;                ///< no byte for this long counts as dropped
};

struct DownloadResult {
    std::uint64_t size = 0;   ///< bytes in the partial file, all of the resource
    std::string linkedSha256; ///< from X-Linked-ETag when the server sent a SHA-256 there
    std::string finalUrl;     ///< after redirects
    int resumes = 0;          ///< Range requests that continued earlier bytes
};

/// Throws clipwb::Cancelled when progress returned false (partial kept), clipwb::Error: "HTTP 503
/// ... from URL", "interrupted at X of Y bytes ..." (partial kept: run again to resume), a size the
/// server contradicts.
DownloadResult downloadFile(const DownloadRequest& request, const ProgressCallback& progress = {});

} // namespace clipwb::net
