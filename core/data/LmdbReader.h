#pragma once
// One read-only LMDB environment (a folder with data.mdb), read so that a
// damaged file cannot take the process down. LMDB reads through a memory map
// and follows whatever page numbers the file holds: random bytes, a truncated
// file or a zeroed page make reads fault (SIGBUS past the end of the file,
// SIGSEGV outside the map) or walk garbage. Here
// - every LMDB call and every copy out of the map runs under FaultGuard, so a
//   fault becomes an LmdbDamaged error naming the environment, the file and
//   the record being read;
// - opening checks what is cheap to check: the meta page against the file size
//   (a truncated file), the page size, the entry count;
// - MDB_CORRUPTED, MDB_PAGE_NOTFOUND and the other "this file is wrong" codes
//   give the same error; a value longer than the file is refused before any copy;
// - a key walk is bounded by what the file can hold and must see strictly
//   increasing keys, so a tree whose pages point back at each other ends;
// - after the first damage the environment is closed (its map unmapped) and
//   every later read throws the same LmdbDamaged at once: it is never reused.
// Opened with MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS: no lock file, any thread;
// each read runs in its own short read transaction. All methods are safe to call
// from several threads at once.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace clipwb::data {

class LmdbReader {
public:
    /// `what` names the environment in every error ("/data/valid imgs"). Throws
    /// clipwb::Error when dir holds no data.mdb or LMDB cannot open it, and
    /// LmdbDamaged when the file is damaged.
    LmdbReader(const std::filesystem::path& dir, std::string what);
    ~LmdbReader();
    LmdbReader(const LmdbReader&) = delete;
    LmdbReader& operator=(const LmdbReader&) = delete;

    /// The value stored under key, nullopt when there is none. `record` names it
    /// in errors ("image 1234", "pair index 7"; the key when empty).
    std::optional<std::string> get(std::string_view key, const std::string& record = {}) const;
    /// Entries in the main database, as its header says (O(1)).
    std::int64_t entries() const;
    /// Calls visit with every key in order. The view is valid during the call only.
    void forEachKey(const std::function<void(std::string_view key)>& visit) const;

    const std::string& what() const;
    const std::filesystem::path& file() const;
    /// True once a read found the file damaged (the environment is then closed).
    bool damaged() const;
    /// Called once, on the thread whose read found the damage, with the message
    /// every later read throws (a page shows it). Set it before sharing the reader.
    void setDamageListener(std::function<void(const std::string& message)> listener);

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace clipwb::data
