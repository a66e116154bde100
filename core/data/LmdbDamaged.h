#pragma once
// Thrown when an LMDB file itself is damaged (a read faulted in the memory
// map, LMDB reported MDB_CORRUPTED / MDB_PAGE_NOTFOUND, the meta page claims
// more pages than the file holds, a cursor walk went backwards or did not
// end): nothing more can be read from that environment, unlike a single bad
// record. The message names the split, the file and, where known, the record.
#include "common/Error.h"

namespace clipwb::data {

class LmdbDamaged : public Error {
public:
    using Error::Error;
};

} // namespace clipwb::data
