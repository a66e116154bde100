#pragma once
// Which library computes one shape of matrix product fastest on this CPU.
// Neither oneDNN's sgemm nor ATen's BLAS (OpenBLAS in Debian's LibTorch) wins
// everywhere: oneDNN is 3-6x faster on the small products of the Tiny models,
// OpenBLAS up to 2x faster on some products of ViT-B-16 and RoBERTa-base. So
// CpuGemm times both on the first product of every shape (the real operands),
// keeps the faster and remembers it: in memory for the process and in a small
// text file in the user's cache folder for later processes (same CPU, same
// LibTorch), so that a resumed run computes with the same libraries as the
// run it continues (bit-for-bit) and pays no measurement.
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace clipwb::model {

enum class GemmBackend { OneDnn, Aten };

/// One product as the choice knows it: C[m,n] = op(A)[m,k] op(B)[k,n], `batch` of them, on `threads` threads.
struct GemmShape {
    bool transA = false;
    bool transB = false;
    int64_t m = 0, n = 0, k = 0;
    int64_t batch = 1;
    int threads = 1;

    std::string key() const;
};

class GemmBackendChoice {
public:
    /// file: where choices are read from and added to; empty keeps them in memory only.
    explicit GemmBackendChoice(std::filesystem::path file);

    /// The process-wide choice, its file in cacheFolder().
    static GemmBackendChoice& global();
    /// $CLIPWB_CACHE_DIR, else $XDG_CACHE_HOME/clipwb, else ~/.cache/clipwb; empty when none is known.
    static std::filesystem::path cacheFolder();

    /// The backend chosen for this shape, if any (reads the file again when another process changed it).
    std::optional<GemmBackend> find(const GemmShape& shape);
    /// Records a measurement; returns the backend in force for the shape afterwards (an earlier
    /// choice, in memory or in the file, stays: every product of one shape uses one library).
    GemmBackend record(const GemmShape& shape, double oneDnnSeconds, double atenSeconds);

    const std::filesystem::path& file() const { return m_file; }
    size_t size();

    /// oneDNN is kept unless ATen is faster by this factor: a near tie is noise, and staying with one
    /// library spares thread pools spinning against each other (OpenBLAS's pthreads, OpenMP's team).
    static constexpr double kAtenMargin = 0.9;

private:
    void reloadIfChanged();
    void append(const std::string& key, GemmBackend backend, double oneDnnSeconds, double atenSeconds);

    std::filesystem::path m_file;
    std::string m_signature; // CPU model and LibTorch version: choices of another machine do not apply
    std::mutex m_mutex;
    std::map<std::string, GemmBackend> m_choices;
    std::filesystem::file_time_type m_loadedTime{};
    std::uintmax_t m_loadedSize = 0;
};

} // namespace clipwb::model
