#include "data/LmdbWriter.h"

#include "common/Error.h"

#include <lmdb.h>

namespace clipwb::data {

LmdbWriter::LmdbWriter(const std::filesystem::path& dir, std::size_t batchSize)
    : m_dir(dir), m_batchSize(std::max<std::size_t>(1, batchSize)), m_mapSize(std::size_t(64) << 20)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    CLIPWB_CHECK(!ec, "cannot create ", dir.string(), ": ", ec.message());
    int rc = mdb_env_create(&m_env);
    CLIPWB_CHECK(rc == 0, dir.string(), ": ", mdb_strerror(rc));
    mdb_env_set_mapsize(m_env, m_mapSize);
    rc = mdb_env_open(m_env, dir.c_str(), MDB_NOLOCK | MDB_NOSYNC, 0644);
    if (rc != 0) {
        mdb_env_close(m_env);
        m_env = nullptr;
        throw Error("cannot create LMDB " + dir.string() + ": " + mdb_strerror(rc));
    }
    m_pending.reserve(m_batchSize);
}

LmdbWriter::~LmdbWriter()
{
    if (m_env)
        mdb_env_close(m_env);
}

void LmdbWriter::put(std::string key, std::string value)
{
    m_pending.emplace_back(std::move(key), std::move(value));
    if (m_pending.size() >= m_batchSize)
        commitBatch();
}

void LmdbWriter::commitBatch()
{
    if (m_pending.empty())
        return;
    while (true) {
        MDB_txn* txn = nullptr;
        int rc = mdb_txn_begin(m_env, nullptr, 0, &txn);
        CLIPWB_CHECK(rc == 0, m_dir.string(), ": ", mdb_strerror(rc));
        MDB_dbi dbi;
        rc = mdb_dbi_open(txn, nullptr, 0, &dbi);
        for (auto it = m_pending.begin(); rc == 0 && it != m_pending.end(); ++it) {
            MDB_val k{it->first.size(), it->first.data()};
            MDB_val v{it->second.size(), it->second.data()};
            rc = mdb_put(txn, dbi, &k, &v, 0);
        }
        if (rc == 0)
            rc = mdb_txn_commit(txn);
        else
            mdb_txn_abort(txn);
        if (rc == MDB_MAP_FULL) {
            // Grow the map and redo the whole batch.
            m_mapSize *= 2;
            rc = mdb_env_set_mapsize(m_env, m_mapSize);
            CLIPWB_CHECK(rc == 0, m_dir.string(), ": cannot grow the map to ", m_mapSize, " bytes: ",
                         mdb_strerror(rc));
            continue;
        }
        CLIPWB_CHECK(rc == 0, "writing ", m_dir.string(), ": ", mdb_strerror(rc));
        break;
    }
    m_pending.clear();
}

void LmdbWriter::finish()
{
    commitBatch();
    const int rc = mdb_env_sync(m_env, 1);
    CLIPWB_CHECK(rc == 0, "syncing ", m_dir.string(), ": ", mdb_strerror(rc));
}

} // namespace clipwb::data
