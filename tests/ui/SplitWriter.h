#pragma once
// Writes small or very large LMDB splits in upstream's layout for the Dataset
// page tests (pairs pickled with protocol 2, which upstream's pickle.loads and
// clipwb's reader both accept). Test helper only.
#include <QByteArray>
#include <QString>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace clipwb::testing {

struct SplitPair {
    int64_t imageId;
    int64_t textId;
    std::string text;
};

/// Creates DIR/imgs and DIR/pairs with num_images / num_samples set. pairAt(i) gives pair i;
/// images maps image id -> encoded bytes (stored base64, as upstream does).
void writeSplit(const QString& dir, int64_t pairCount, const std::function<SplitPair(int64_t)>& pairAt,
                const std::vector<std::pair<int64_t, QByteArray>>& images);

/// Replaces the raw value of one key in DIR/<env> (to break a record on purpose).
void overwriteValue(const QString& dir, const char* env, const std::string& key, const QByteArray& value);

/// Deletes one key from DIR/<env>.
void deleteKey(const QString& dir, const char* env, const std::string& key);

/// A protocol-2 pickle of the tuple (imageId, textId, text).
QByteArray picklePair(const SplitPair& pair);

} // namespace clipwb::testing
