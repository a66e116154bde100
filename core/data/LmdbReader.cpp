#include "data/LmdbReader.h"

#include "common/FaultGuard.h"
#include "data/LmdbDamaged.h"

#include <lmdb.h>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <shared_mutex>
#include <system_error>

namespace clipwb::data {

namespace {

constexpr int kFaulted = 1 << 30; // not an LMDB or errno code
// FaultGuard code for an LMDB assertion (garbage that LMDB's own checks caught).
constexpr int kAssertion = 1 << 29;
// The failed assertion's text, per thread (LMDB formats it into a stack buffer).
thread_local char t_assertion[256];

/// LMDB's assertion hook: it would abort() the process after it returns, so
/// leave the guarded call instead (it runs on the thread of the failing call).
void onLmdbAssert(MDB_env*, const char* message)
{
    std::snprintf(t_assertion, sizeof t_assertion, "%s", message);
    FaultGuard::abandon(kAssertion);
}

/// Runs one LMDB call under FaultGuard: its return code, or kFaulted (sig set).
template <typename F> int guarded(int& sig, F&& call)
{
    int rc = 0;
    sig = FaultGuard::run([&] { rc = call(); });
    return sig != 0 ? kFaulted : rc;
}

/// LMDB's own codes other than "not found" mean the file is not what LMDB
/// wrote (MDB_CORRUPTED, MDB_PAGE_NOTFOUND, MDB_INVALID, MDB_CURSOR_FULL from a
/// tree deeper than any real one, ...); errno codes (ENOMEM, EACCES) do not.
bool meansDamage(int rc)
{
    return rc == kFaulted || (rc != MDB_NOTFOUND && rc >= MDB_KEYEXIST && rc <= MDB_LAST_ERRCODE);
}

struct Transaction {
    MDB_txn* txn = nullptr;
    MDB_cursor* cursor = nullptr;
    ~Transaction()
    {
        if (cursor)
            mdb_cursor_close(cursor);
        if (txn)
            mdb_txn_abort(txn);
    }
};

std::string quoteKey(std::string_view key)
{
    std::string out;
    for (const char c : key.substr(0, 40))
        out += (c >= 0x20 && c < 0x7f) ? c : '?';
    return "key '" + out + (key.size() > 40 ? "...'" : "'");
}

} // namespace

struct LmdbReader::Impl {
    std::filesystem::path file;
    std::string what;
    std::uint64_t fileSize = 0;
    std::uint64_t pageSize = 0;
    std::uint64_t maxEntries = 0; // most entries a file of fileSize bytes can hold

    mutable std::shared_mutex mutex; // shared: a read; unique: closing
    MDB_env* env = nullptr;          // null once closed
    MDB_dbi dbi = 0;
    std::string damage; // the first damage found (under the unique lock)
    std::atomic<bool> isDamaged{false};
    std::function<void(const std::string&)> listener;

    std::string cause(int rc, int sig) const
    {
        if (rc == kFaulted && sig == kAssertion)
            return std::string("LMDB's consistency check failed (") + t_assertion + ")";
        return rc == kFaulted ? std::string(FaultGuard::describe(sig)) : std::string(mdb_strerror(rc));
    }

    std::string damageMessage(const std::string& problem, const std::string& doing) const
    {
        return what + ": the LMDB file " + file.string() + " is damaged: " + problem +
               (doing.empty() ? "" : " while " + doing) +
               "; it is closed and not read again (rebuild the split with build-lmdb or restore a copy)";
    }

    /// Closes the environment (once) and throws the first damage found.
    [[noreturn]] void closeDamaged(const std::string& message)
    {
        bool first = false;
        {
            std::unique_lock<std::shared_mutex> lock(mutex);
            if (env) {
                mdb_env_close(env);
                env = nullptr;
                damage = message;
                isDamaged = true;
                first = true;
            }
        }
        // damage is written once, before isDamaged; it is only read from here on.
        if (first && listener)
            listener(damage);
        throw LmdbDamaged(damage.empty() ? message : damage);
    }

    /// Under the shared lock.
    void throwIfClosed() const
    {
        if (!env)
            throw LmdbDamaged(damage);
    }

    /// A value or key of `size` bytes cannot be larger than the file.
    bool plausible(const MDB_val& v) const { return v.mv_size <= fileSize && (v.mv_data || v.mv_size == 0); }
};

LmdbReader::LmdbReader(const std::filesystem::path& dir, std::string what) : d(std::make_unique<Impl>())
{
    d->what = std::move(what);
    d->file = dir / "data.mdb";
    std::error_code ec;
    CLIPWB_CHECK(std::filesystem::is_regular_file(d->file, ec), d->what, ": ", dir.string(),
                 " is not an LMDB environment (no data.mdb)");
    d->fileSize = std::filesystem::file_size(d->file, ec);
    CLIPWB_CHECK(!ec, d->what, ": cannot read ", d->file.string(), ": ", ec.message());
    // Two meta pages of at least 512 bytes: anything shorter is no LMDB file
    // (LMDB itself reports an empty file as a bad file descriptor).
    if (d->fileSize < 1024)
        throw LmdbDamaged(d->damageMessage("the file has only " + std::to_string(d->fileSize) +
                                               " bytes, too short to be an LMDB file",
                                           "opening it"));
    FaultGuard::ensureInstalled();

    int rc = mdb_env_create(&d->env);
    CLIPWB_CHECK(rc == 0, d->what, ": ", mdb_strerror(rc));
    mdb_env_set_maxreaders(d->env, 1024);
    mdb_env_set_assert(d->env, &onLmdbAssert);
    int sig = 0;
    rc = guarded(sig, [&] {
        return mdb_env_open(d->env, dir.c_str(), MDB_RDONLY | MDB_NOLOCK | MDB_NOTLS | MDB_NORDAHEAD, 0444);
    });
    if (rc != 0) {
        // A data.mdb LMDB cannot read a header from (zeros, too short, empty) is damaged too.
        const bool damage = meansDamage(rc) || rc == EINVAL || rc == ENOENT;
        const std::string message =
            damage ? d->damageMessage(rc == ENOENT ? "the file is too short to hold an LMDB header"
                                                   : d->cause(rc, sig),
                                      "opening it")
                   : d->what + ": cannot open " + dir.string() + ": " + mdb_strerror(rc);
        // Closed even after a fault inside mdb_env_open (it may hold the file descriptor and
        // the map by then), under the guard in case its half-made state faults again.
        int closeSig = 0;
        guarded(closeSig, [&] {
            mdb_env_close(d->env);
            return 0;
        });
        d->env = nullptr;
        if (damage)
            throw LmdbDamaged(message);
        throw Error(message);
    }

    // Cheap checks before any page is followed: the meta page says how many pages
    // the file has; a shorter file (truncated) would fault on the missing ones.
    MDB_envinfo info{};
    MDB_stat stat{};
    rc = guarded(sig, [&] {
        const int r = mdb_env_info(d->env, &info);
        return r != 0 ? r : mdb_env_stat(d->env, &stat);
    });
    std::string problem;
    if (rc != 0) {
        problem = d->cause(rc, sig) + " reading the meta page";
    } else if (stat.ms_psize < 512 || stat.ms_psize > (1u << 16) || (stat.ms_psize & (stat.ms_psize - 1))) {
        problem = "the meta page gives a page size of " + std::to_string(stat.ms_psize) + " bytes";
    } else if ((static_cast<std::uint64_t>(info.me_last_pgno) + 1) > d->fileSize / stat.ms_psize) {
        problem = "the meta page says it has " + std::to_string(info.me_last_pgno + 1) + " pages of " +
                  std::to_string(stat.ms_psize) + " bytes but the file has only " +
                  std::to_string(d->fileSize) + " bytes (truncated?)";
    } else if (stat.ms_depth > 32) {
        problem = "the meta page gives a tree depth of " + std::to_string(stat.ms_depth);
    }
    d->pageSize = stat.ms_psize;
    // Each entry takes a node header (8 bytes) and a 2-byte slot on some page.
    d->maxEntries = d->fileSize / 10 + 1;
    if (problem.empty() && stat.ms_entries > d->maxEntries)
        problem = "the database header claims " + std::to_string(stat.ms_entries) + " entries, more than " +
                  std::to_string(d->fileSize) + " bytes can hold";
    if (problem.empty()) {
        Transaction t;
        rc = guarded(sig, [&] { return mdb_txn_begin(d->env, nullptr, MDB_RDONLY, &t.txn); });
        if (rc == 0)
            rc = guarded(sig, [&] { return mdb_dbi_open(t.txn, nullptr, 0, &d->dbi); });
        if (rc != 0)
            problem = d->cause(rc, sig);
    }
    if (!problem.empty()) {
        const std::string message = meansDamage(rc) || rc == 0
                                        ? d->damageMessage(problem, "opening it")
                                        : d->what + ": cannot read " + d->file.string() + ": " + problem;
        mdb_env_close(d->env);
        d->env = nullptr;
        if (meansDamage(rc) || rc == 0)
            throw LmdbDamaged(message);
        throw Error(message);
    }
}

LmdbReader::~LmdbReader()
{
    if (d->env)
        mdb_env_close(d->env);
}

std::optional<std::string> LmdbReader::get(std::string_view key, const std::string& record) const
{
    const std::string name = record.empty() ? quoteKey(key) : record;
    std::string problem;
    {
        std::shared_lock<std::shared_mutex> lock(d->mutex);
        d->throwIfClosed();
        Transaction t;
        int sig = 0;
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        MDB_val v{0, nullptr};
        int rc = guarded(sig, [&] { return mdb_txn_begin(d->env, nullptr, MDB_RDONLY, &t.txn); });
        if (rc == 0)
            rc = guarded(sig, [&] { return mdb_get(t.txn, d->dbi, &k, &v); });
        if (rc == MDB_NOTFOUND)
            return std::nullopt;
        if (rc == 0 && !d->plausible(v)) {
            problem = "the value claims " + std::to_string(v.mv_size) + " bytes, more than the whole file";
        } else if (rc == 0) {
            std::string value(v.mv_size, '\0');
            rc = guarded(sig, [&] {
                std::memcpy(value.data(), v.mv_data, v.mv_size);
                return 0;
            });
            if (rc == 0)
                return value;
        }
        if (problem.empty() && !meansDamage(rc))
            throw Error(d->what + ": reading " + name + ": " + mdb_strerror(rc));
        if (problem.empty())
            problem = d->cause(rc, sig);
    }
    d->closeDamaged(d->damageMessage(problem, "reading " + name));
}

std::int64_t LmdbReader::entries() const
{
    std::string problem;
    {
        std::shared_lock<std::shared_mutex> lock(d->mutex);
        d->throwIfClosed();
        Transaction t;
        int sig = 0;
        MDB_stat stat{};
        int rc = guarded(sig, [&] { return mdb_txn_begin(d->env, nullptr, MDB_RDONLY, &t.txn); });
        if (rc == 0)
            rc = guarded(sig, [&] { return mdb_stat(t.txn, d->dbi, &stat); });
        if (rc == 0 && stat.ms_entries <= d->maxEntries)
            return static_cast<std::int64_t>(stat.ms_entries);
        if (rc == 0)
            problem = "the database header claims " + std::to_string(stat.ms_entries) + " entries";
        else if (!meansDamage(rc))
            throw Error(d->what + ": " + mdb_strerror(rc));
        else
            problem = d->cause(rc, sig);
    }
    d->closeDamaged(d->damageMessage(problem, "counting the entries"));
}

void LmdbReader::forEachKey(const std::function<void(std::string_view)>& visit) const
{
    std::string problem, doing = "listing the keys";
    {
        std::shared_lock<std::shared_mutex> lock(d->mutex);
        d->throwIfClosed();
        Transaction t;
        int sig = 0;
        int rc = guarded(sig, [&] { return mdb_txn_begin(d->env, nullptr, MDB_RDONLY, &t.txn); });
        if (rc == 0)
            rc = guarded(sig, [&] { return mdb_cursor_open(t.txn, d->dbi, &t.cursor); });
        // Keys are at most 511 bytes (MDB_MAXKEYSIZE): copied into this buffer
        // inside the guarded call, so nothing is allocated there.
        char buffer[512];
        std::string previous;
        std::uint64_t count = 0;
        MDB_cursor_op op = MDB_FIRST;
        while (rc == 0) {
            MDB_val k{0, nullptr}, v{0, nullptr};
            bool implausible = false;
            rc = guarded(sig, [&] {
                const int r = mdb_cursor_get(t.cursor, &k, &v, op);
                if (r == 0) {
                    implausible = k.mv_size > sizeof buffer || !d->plausible(k) || !d->plausible(v);
                    if (!implausible)
                        std::memcpy(buffer, k.mv_data, k.mv_size);
                }
                return r;
            });
            op = MDB_NEXT;
            if (rc == MDB_NOTFOUND)
                return;
            if (rc != 0)
                break;
            const std::string_view key(buffer, implausible ? 0 : k.mv_size);
            if (implausible) {
                problem = "an entry after " + (count ? quoteKey(previous) : std::string("the start")) +
                          " claims a size larger than the file";
            } else if (count > 0 && !(std::string_view(previous) < key)) {
                // LMDB keeps keys sorted: a key that does not grow means pages that
                // point back at each other, and the walk would never end.
                problem =
                    "the keys go backwards after " + quoteKey(previous) + " (pages pointing at each other)";
            } else if (++count > d->maxEntries) {
                problem = "the key walk did not end after " + std::to_string(count - 1) + " keys";
            }
            if (!problem.empty())
                break;
            previous.assign(key);
            visit(key);
        }
        if (problem.empty() && !meansDamage(rc))
            throw Error(d->what + ": listing the keys: " + mdb_strerror(rc));
        if (problem.empty()) {
            problem = d->cause(rc, sig);
            if (count > 0)
                doing += " (after " + quoteKey(previous) + ")";
        }
    }
    d->closeDamaged(d->damageMessage(problem, doing));
}

const std::string& LmdbReader::what() const
{
    return d->what;
}
const std::filesystem::path& LmdbReader::file() const
{
    return d->file;
}
bool LmdbReader::damaged() const
{
    return d->isDamaged;
}
void LmdbReader::setDamageListener(std::function<void(const std::string&)> listener)
{
    d->listener = std::move(listener);
}

} // namespace clipwb::data
