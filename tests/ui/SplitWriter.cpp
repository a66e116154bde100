#include "SplitWriter.h"

#include <QDir>

#include <lmdb.h>
#include <stdexcept>

namespace clipwb::testing {

namespace {

void check(int rc, const char* what)
{
    if (rc != MDB_SUCCESS)
        throw std::runtime_error(std::string(what) + ": " + mdb_strerror(rc));
}

class Env {
public:
    explicit Env(const QString& path)
    {
        QDir().mkpath(path);
        check(mdb_env_create(&m_env), "mdb_env_create");
        check(mdb_env_set_mapsize(m_env, size_t(4) << 30), "mdb_env_set_mapsize");
        check(mdb_env_open(m_env, path.toLocal8Bit().constData(), 0, 0664), "mdb_env_open");
        check(mdb_txn_begin(m_env, nullptr, 0, &m_txn), "mdb_txn_begin");
        check(mdb_dbi_open(m_txn, nullptr, 0, &m_dbi), "mdb_dbi_open");
    }
    ~Env()
    {
        if (m_txn)
            mdb_txn_abort(m_txn);
        mdb_env_close(m_env);
    }
    void put(const std::string& key, const QByteArray& value)
    {
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        MDB_val v{size_t(value.size()), const_cast<char*>(value.constData())};
        check(mdb_put(m_txn, m_dbi, &k, &v, 0), "mdb_put");
    }
    void remove(const std::string& key)
    {
        MDB_val k{key.size(), const_cast<char*>(key.data())};
        check(mdb_del(m_txn, m_dbi, &k, nullptr), "mdb_del");
    }
    void commit()
    {
        check(mdb_txn_commit(m_txn), "mdb_txn_commit");
        m_txn = nullptr;
    }

private:
    MDB_env* m_env = nullptr;
    MDB_txn* m_txn = nullptr;
    MDB_dbi m_dbi = 0;
};

void appendInt(QByteArray& out, int64_t value)
{
    if (value >= 0 && value < 256) {
        out.append('K').append(char(value));
    } else if (value >= INT32_MIN && value <= INT32_MAX) {
        out.append('J');
        const uint32_t v = uint32_t(int32_t(value));
        for (int i = 0; i < 4; ++i)
            out.append(char((v >> (8 * i)) & 0xFF));
    } else {
        out.append('\x8a').append(char(8)); // LONG1, 8 bytes little-endian two's complement
        for (int i = 0; i < 8; ++i)
            out.append(char((uint64_t(value) >> (8 * i)) & 0xFF));
    }
}

} // namespace

QByteArray picklePair(const SplitPair& pair)
{
    QByteArray out("\x80\x02", 2);
    appendInt(out, pair.imageId);
    appendInt(out, pair.textId);
    out.append('X');
    const uint32_t size = uint32_t(pair.text.size());
    for (int i = 0; i < 4; ++i)
        out.append(char((size >> (8 * i)) & 0xFF));
    out.append(pair.text.data(), int(pair.text.size()));
    out.append('\x87').append('.');
    return out;
}

void writeSplit(const QString& dir, int64_t pairCount, const std::function<SplitPair(int64_t)>& pairAt,
                const std::vector<std::pair<int64_t, QByteArray>>& images)
{
    {
        Env imgs(QDir(dir).filePath(QStringLiteral("imgs")));
        for (const auto& [id, bytes] : images)
            imgs.put(std::to_string(id), bytes.toBase64());
        imgs.put("num_images", QByteArray::number(qint64(images.size())));
        imgs.commit();
    }
    Env pairs(QDir(dir).filePath(QStringLiteral("pairs")));
    for (int64_t i = 0; i < pairCount; ++i)
        pairs.put(std::to_string(i), picklePair(pairAt(i)));
    pairs.put("num_samples", QByteArray::number(qint64(pairCount)));
    pairs.commit();
}

void overwriteValue(const QString& dir, const char* env, const std::string& key, const QByteArray& value)
{
    Env target(QDir(dir).filePath(QString::fromLatin1(env)));
    target.put(key, value);
    target.commit();
}

void deleteKey(const QString& dir, const char* env, const std::string& key)
{
    Env target(QDir(dir).filePath(QString::fromLatin1(env)));
    target.remove(key);
    target.commit();
}

} // namespace clipwb::testing
