#pragma once
// Writes one LMDB environment (a folder with data.mdb, no lock file) in
// batched transactions; the map grows as needed, so no huge map size has to
// be guessed up front.
#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

struct MDB_env;

namespace clipwb::data {

class LmdbWriter {
public:
    /// Creates dir (and parents); commits every batchSize puts.
    LmdbWriter(const std::filesystem::path& dir, std::size_t batchSize = 1000);
    ~LmdbWriter();
    LmdbWriter(const LmdbWriter&) = delete;
    LmdbWriter& operator=(const LmdbWriter&) = delete;

    void put(std::string key, std::string value);
    /// Commits pending puts and syncs to disk.
    void finish();
    std::size_t mapSize() const { return m_mapSize; }

private:
    void commitBatch();

    std::filesystem::path m_dir;
    std::size_t m_batchSize;
    MDB_env* m_env = nullptr;
    std::size_t m_mapSize;
    std::vector<std::pair<std::string, std::string>> m_pending;
};

} // namespace clipwb::data
