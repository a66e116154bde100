#include "train/TrainCheckpoint.h"

#include "common/AtomicFile.h"
#include "common/Error.h"
#include "common/Pickle.h"

#include <zlib.h>

#include <cstring>
#include <map>
#include <set>

namespace clipwb::train {
namespace {

using pickle::Value;
namespace fs = std::filesystem;

// ---------------------------------------------------------------- zip (torch.save's container)

uint32_t crc32Of(std::string_view bytes)
{
    uLong crc = ::crc32(0L, Z_NULL, 0);
    size_t done = 0;
    while (done < bytes.size()) {
        const size_t chunk = std::min<size_t>(bytes.size() - done, 1u << 30);
        crc = ::crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + done), static_cast<uInt>(chunk));
        done += chunk;
    }
    return static_cast<uint32_t>(crc);
}

template <typename T> void put(std::string& out, T value)
{
    for (size_t i = 0; i < sizeof(T); ++i)
        out.push_back(static_cast<char>((static_cast<uint64_t>(value) >> (8 * i)) & 0xff));
}

template <typename T> T get(std::string_view data, size_t offset, const std::string& what)
{
    CLIPWB_CHECK(offset + sizeof(T) <= data.size(), what, ": truncated zip structure");
    uint64_t v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
        v |= static_cast<uint64_t>(static_cast<unsigned char>(data[offset + i])) << (8 * i);
    return static_cast<T>(v);
}

/// Writes the stored (uncompressed) zip that torch.save writes: records aligned
/// to 64 bytes, zip64 records when the archive grows past 4 GiB.
class ZipWriter {
public:
    void add(const std::string& name, std::string_view data)
    {
        Entry e;
        e.name = name;
        e.offset = m_out.size();
        e.size = data.size();
        e.crc = crc32Of(data);
        const bool zip64 = needsZip64(e);
        const size_t headerSize = 30 + name.size() + (zip64 ? 20 : 0);
        size_t padding = (64 - (e.offset + headerSize + 4) % 64) % 64;
        put<uint32_t>(m_out, 0x04034b50);
        put<uint16_t>(m_out, zip64 ? 45 : 20);
        put<uint16_t>(m_out, 0);
        put<uint16_t>(m_out, 0); // stored
        put<uint16_t>(m_out, 0);
        put<uint16_t>(m_out, 0x21); // 1980-01-01, as torch
        put<uint32_t>(m_out, e.crc);
        put<uint32_t>(m_out, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.size));
        put<uint32_t>(m_out, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.size));
        put<uint16_t>(m_out, static_cast<uint16_t>(name.size()));
        put<uint16_t>(m_out, static_cast<uint16_t>((zip64 ? 20 : 0) + 4 + padding));
        m_out += name;
        if (zip64) {
            put<uint16_t>(m_out, 0x0001);
            put<uint16_t>(m_out, 16);
            put<uint64_t>(m_out, e.size);
            put<uint64_t>(m_out, e.size);
        }
        put<uint16_t>(m_out, 0x4246); // "FB": torch's alignment padding field
        put<uint16_t>(m_out, static_cast<uint16_t>(padding));
        m_out.append(padding, 'Z');
        m_out.append(data.data(), data.size());
        m_entries.push_back(e);
    }

    std::string finish()
    {
        const uint64_t cdOffset = m_out.size();
        for (const Entry& e : m_entries) {
            const bool zip64 = needsZip64(e);
            put<uint32_t>(m_out, 0x02014b50);
            put<uint16_t>(m_out, zip64 ? 45 : 20);
            put<uint16_t>(m_out, zip64 ? 45 : 20);
            put<uint16_t>(m_out, 0);
            put<uint16_t>(m_out, 0);
            put<uint16_t>(m_out, 0);
            put<uint16_t>(m_out, 0x21);
            put<uint32_t>(m_out, e.crc);
            put<uint32_t>(m_out, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.size));
            put<uint32_t>(m_out, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.size));
            put<uint16_t>(m_out, static_cast<uint16_t>(e.name.size()));
            put<uint16_t>(m_out, zip64 ? 28 : 0);
            put<uint16_t>(m_out, 0);
            put<uint16_t>(m_out, 0);
            put<uint16_t>(m_out, 0);
            put<uint32_t>(m_out, 0);
            put<uint32_t>(m_out, zip64 ? 0xffffffffu : static_cast<uint32_t>(e.offset));
            m_out += e.name;
            if (zip64) {
                put<uint16_t>(m_out, 0x0001);
                put<uint16_t>(m_out, 24);
                put<uint64_t>(m_out, e.size);
                put<uint64_t>(m_out, e.size);
                put<uint64_t>(m_out, e.offset);
            }
        }
        const uint64_t cdSize = m_out.size() - cdOffset;
        const bool zip64 = cdOffset >= 0xffffffffu || m_entries.size() >= 0xffff;
        if (zip64) {
            const uint64_t eocd64 = m_out.size();
            put<uint32_t>(m_out, 0x06064b50);
            put<uint64_t>(m_out, 44);
            put<uint16_t>(m_out, 45);
            put<uint16_t>(m_out, 45);
            put<uint32_t>(m_out, 0);
            put<uint32_t>(m_out, 0);
            put<uint64_t>(m_out, m_entries.size());
            put<uint64_t>(m_out, m_entries.size());
            put<uint64_t>(m_out, cdSize);
            put<uint64_t>(m_out, cdOffset);
            put<uint32_t>(m_out, 0x07064b50);
            put<uint32_t>(m_out, 0);
            put<uint64_t>(m_out, eocd64);
            put<uint32_t>(m_out, 1);
        }
        put<uint32_t>(m_out, 0x06054b50);
        put<uint16_t>(m_out, 0);
        put<uint16_t>(m_out, 0);
        put<uint16_t>(m_out, zip64 ? 0xffff : static_cast<uint16_t>(m_entries.size()));
        put<uint16_t>(m_out, zip64 ? 0xffff : static_cast<uint16_t>(m_entries.size()));
        put<uint32_t>(m_out, zip64 ? 0xffffffffu : static_cast<uint32_t>(cdSize));
        put<uint32_t>(m_out, zip64 ? 0xffffffffu : static_cast<uint32_t>(cdOffset));
        put<uint16_t>(m_out, 0);
        return std::move(m_out);
    }

private:
    struct Entry {
        std::string name;
        uint64_t offset = 0;
        uint64_t size = 0;
        uint32_t crc = 0;
    };
    static bool needsZip64(const Entry& e) { return e.offset >= 0xffffffffu || e.size >= 0xffffffffu; }
    std::string m_out;
    std::vector<Entry> m_entries;
};

/// Name -> bytes of the records of a stored zip (views into data).
std::map<std::string, std::string_view> readZip(std::string_view data, const std::string& what)
{
    CLIPWB_CHECK(data.size() >= 22, what, ": not a torch.save zip file (too short)");
    size_t eocd = std::string_view::npos;
    const size_t searchFrom = data.size() >= 22 + 65535 ? data.size() - 22 - 65535 : 0;
    for (size_t p = data.size() - 22 + 1; p-- > searchFrom;)
        if (get<uint32_t>(data, p, what) == 0x06054b50) {
            eocd = p;
            break;
        }
    CLIPWB_CHECK(eocd != std::string_view::npos, what,
                 ": not a torch.save zip file (legacy pickle-only checkpoints are not supported)");
    uint64_t count = get<uint16_t>(data, eocd + 10, what);
    uint64_t cdOffset = get<uint32_t>(data, eocd + 16, what);
    if (cdOffset == 0xffffffffu || count == 0xffff) {
        CLIPWB_CHECK(eocd >= 20 && get<uint32_t>(data, eocd - 20, what) == 0x07064b50, what, ": bad zip64 locator");
        const uint64_t eocd64 = get<uint64_t>(data, eocd - 20 + 8, what);
        CLIPWB_CHECK(get<uint32_t>(data, eocd64, what) == 0x06064b50, what, ": bad zip64 end record");
        count = get<uint64_t>(data, eocd64 + 32, what);
        cdOffset = get<uint64_t>(data, eocd64 + 48, what);
    }
    std::map<std::string, std::string_view> records;
    size_t p = cdOffset;
    for (uint64_t i = 0; i < count; ++i) {
        CLIPWB_CHECK(get<uint32_t>(data, p, what) == 0x02014b50, what, ": bad zip central directory");
        const uint16_t method = get<uint16_t>(data, p + 10, what);
        uint64_t compressed = get<uint32_t>(data, p + 20, what);
        uint64_t size = get<uint32_t>(data, p + 24, what);
        const uint16_t nameLength = get<uint16_t>(data, p + 28, what);
        const uint16_t extraLength = get<uint16_t>(data, p + 30, what);
        const uint16_t commentLength = get<uint16_t>(data, p + 32, what);
        uint64_t localOffset = get<uint32_t>(data, p + 42, what);
        CLIPWB_CHECK(p + 46 + nameLength <= data.size(), what, ": truncated zip central directory");
        const std::string name(data.substr(p + 46, nameLength));
        for (size_t e = p + 46 + nameLength; e + 4 <= p + 46 + nameLength + extraLength;) {
            const uint16_t id = get<uint16_t>(data, e, what);
            const uint16_t len = get<uint16_t>(data, e + 2, what);
            if (id == 0x0001) {
                size_t q = e + 4;
                if (size == 0xffffffffu) {
                    size = get<uint64_t>(data, q, what);
                    q += 8;
                }
                if (compressed == 0xffffffffu) {
                    compressed = get<uint64_t>(data, q, what);
                    q += 8;
                }
                if (localOffset == 0xffffffffu)
                    localOffset = get<uint64_t>(data, q, what);
            }
            e += 4 + len;
        }
        CLIPWB_CHECK(method == 0 && compressed == size, what, ": record ", name,
                     " is compressed; torch.save writes stored records");
        CLIPWB_CHECK(get<uint32_t>(data, localOffset, what) == 0x04034b50, what, ": bad zip local header for ", name);
        const uint64_t start = localOffset + 30 + get<uint16_t>(data, localOffset + 26, what) +
                               get<uint16_t>(data, localOffset + 28, what);
        CLIPWB_CHECK(start + size <= data.size(), what, ": record ", name, " runs past the end of the file");
        records[name] = data.substr(start, size);
        p += 46 + nameLength + extraLength + commentLength;
    }
    return records;
}

// ---------------------------------------------------------------- tensors in torch.save pickles

const std::map<std::string, torch::ScalarType>& storageTypes()
{
    static const std::map<std::string, torch::ScalarType> types = {
        {"FloatStorage", torch::kFloat},   {"DoubleStorage", torch::kDouble}, {"HalfStorage", torch::kHalf},
        {"BFloat16Storage", torch::kBFloat16}, {"LongStorage", torch::kLong}, {"IntStorage", torch::kInt},
        {"ShortStorage", torch::kShort},   {"CharStorage", torch::kChar},     {"ByteStorage", torch::kByte},
        {"BoolStorage", torch::kBool}};
    return types;
}

std::string storageName(torch::ScalarType t)
{
    for (const auto& [name, type] : storageTypes())
        if (type == t)
            return name;
    throw Error(std::string("cannot save tensors of type ") + c10::toString(t));
}

class TensorReader {
public:
    TensorReader(const std::map<std::string, std::string_view>& records, std::string prefix, std::string what)
        : m_records(records), m_prefix(std::move(prefix)), m_what(std::move(what))
    {
    }

    bool isTensor(const Value& v) const
    {
        return v.is(Value::Type::Reduce) && v.callable().is(Value::Type::Global) &&
               (v.callable().isGlobal("torch._utils", "_rebuild_tensor_v2") ||
                v.callable().isGlobal("torch._utils", "_rebuild_parameter"));
    }

    torch::Tensor tensor(const Value& v)
    {
        CLIPWB_CHECK(isTensor(v), m_what, ": expected a tensor, found ", v.typeName());
        const auto& args = v.args().items();
        if (v.callable().isGlobal("torch._utils", "_rebuild_parameter")) {
            CLIPWB_CHECK(!args.empty(), m_what, ": bad parameter record");
            return tensor(args[0]);
        }
        CLIPWB_CHECK(args.size() >= 4 && args[0].is(Value::Type::PersistentId), m_what, ": bad tensor record");
        const auto& pid = args[0].pid().items();
        CLIPWB_CHECK(pid.size() >= 5 && pid[1].is(Value::Type::Global), m_what, ": bad storage reference");
        const auto type = storageTypes().find(pid[1].globalName());
        CLIPWB_CHECK(type != storageTypes().end(), m_what, ": unsupported storage ", pid[1].globalName());
        const std::string key = pid[2].toStr();
        const int64_t numel = pid[4].toInt();
        torch::Tensor storage;
        if (auto it = m_storages.find(key); it != m_storages.end()) {
            storage = it->second;
        } else {
            const auto rec = m_records.find(m_prefix + "data/" + key);
            CLIPWB_CHECK(rec != m_records.end(), m_what, ": missing storage record data/", key);
            const int64_t bytes = numel * static_cast<int64_t>(c10::elementSize(type->second));
            CLIPWB_CHECK(static_cast<int64_t>(rec->second.size()) == bytes, m_what, ": storage ", key, " holds ",
                         rec->second.size(), " bytes, expected ", bytes);
            storage = torch::empty({numel}, torch::TensorOptions().dtype(type->second));
            if (bytes > 0)
                std::memcpy(storage.data_ptr(), rec->second.data(), static_cast<size_t>(bytes));
            m_storages[key] = storage;
        }
        const int64_t offset = args[1].toInt();
        std::vector<int64_t> size, stride;
        for (const Value& s : args[2].items())
            size.push_back(s.toInt());
        for (const Value& s : args[3].items())
            stride.push_back(s.toInt());
        CLIPWB_CHECK(size.size() == stride.size(), m_what, ": tensor size and stride disagree");
        int64_t extent = offset;
        for (size_t i = 0; i < size.size(); ++i)
            if (size[i] > 0)
                extent += (size[i] - 1) * stride[i];
        CLIPWB_CHECK(offset >= 0 && (storage.numel() == 0 || extent < storage.numel()), m_what,
                     ": tensor view outside its storage");
        return storage.as_strided(size, stride, offset).clone();
    }

private:
    const std::map<std::string, std::string_view>& m_records;
    std::string m_prefix;
    std::string m_what;
    std::map<std::string, torch::Tensor> m_storages;
};

class TensorWriter {
public:
    Value tensor(const torch::Tensor& t)
    {
        const torch::Tensor cpu = t.detach().to(torch::kCPU).contiguous();
        const std::string key = std::to_string(m_storages.size());
        m_storages.emplace_back(key, cpu);
        std::vector<Value> size, stride;
        for (int64_t s : cpu.sizes())
            size.push_back(Value::integer(s));
        for (int64_t s : cpu.strides())
            stride.push_back(Value::integer(s));
        const Value pid = Value::persistentId(
            Value::tuple({Value::string("storage"), Value::global("torch", storageName(cpu.scalar_type())),
                          Value::string(key), Value::string("cpu"), Value::integer(cpu.numel())}));
        return Value::reduce(Value::global("torch._utils", "_rebuild_tensor_v2"),
                             Value::tuple({pid, Value::integer(0), Value::tuple(size), Value::tuple(stride),
                                           Value::boolean(false), orderedDict({})}));
    }

    static Value orderedDict(std::vector<std::pair<Value, Value>> items)
    {
        Value d = Value::reduce(Value::global("collections", "OrderedDict"), Value::tuple());
        d.dictItems() = std::move(items);
        return d;
    }

    void writeRecords(ZipWriter& zip, const std::string& prefix) const
    {
        for (const auto& [key, t] : m_storages)
            zip.add(prefix + "data/" + key,
                    std::string_view(static_cast<const char*>(t.data_ptr()), t.numel() * t.element_size()));
    }

private:
    std::vector<std::pair<std::string, torch::Tensor>> m_storages;
};

const std::set<std::pair<std::string, std::string>>& allowedGlobals()
{
    static const std::set<std::pair<std::string, std::string>> globals = [] {
        std::set<std::pair<std::string, std::string>> g = {{"collections", "OrderedDict"},
                                                          {"torch._utils", "_rebuild_tensor_v2"},
                                                          {"torch._utils", "_rebuild_parameter"},
                                                          {"torch", "device"},
                                                          {"numpy.core.multiarray", "scalar"},
                                                          {"numpy", "dtype"}};
        for (const auto& [name, type] : storageTypes())
            g.insert({"torch", name});
        return g;
    }();
    return globals;
}

/// The dict of a plain dict or an OrderedDict (possibly wrapped in BUILD for its _metadata).
const std::vector<std::pair<Value, Value>>* dictEntries(const Value& v)
{
    if (v.is(Value::Type::Dict))
        return &v.dictItems();
    if (v.is(Value::Type::Build))
        return dictEntries(v.object());
    if (v.is(Value::Type::Reduce) && v.callable().isGlobal("collections", "OrderedDict"))
        return &v.dictItems();
    return nullptr;
}

double numberOrTensor(const Value& v, TensorReader& reader)
{
    if (v.is(Value::Type::Int) || v.is(Value::Type::Float))
        return v.toDouble();
    return reader.tensor(v).to(torch::kDouble).item<double>();
}

} // namespace

TrainCheckpoint readTrainCheckpoint(const fs::path& path)
{
    const std::string what = path.string();
    const std::string bytes = readFile(path);
    const auto records = readZip(bytes, what);
    std::string prefix;
    for (const auto& [name, data] : records)
        if (name.size() >= 8 && name.compare(name.size() - 8, 8, "data.pkl") == 0) {
            prefix = name.substr(0, name.size() - 8);
            break;
        }
    const auto pkl = records.find(prefix + "data.pkl");
    CLIPWB_CHECK(pkl != records.end(), what, ": no data.pkl record (not a torch.save file)");
    pickle::DecodeOptions options;
    options.allowedGlobals = allowedGlobals();
    options.what = what;
    const Value root = pickle::decode(pkl->second, options);
    const auto* top = dictEntries(root);
    CLIPWB_CHECK(top, what, ": the checkpoint is not a dict");
    TensorReader reader(records, prefix, what);

    TrainCheckpoint ckpt;
    for (const auto& [key, value] : *top) {
        if (!key.is(Value::Type::String))
            continue;
        const std::string& k = key.toStr();
        if (k == "epoch" && value.is(Value::Type::Int))
            ckpt.epoch = value.toInt();
        else if (k == "step" && value.is(Value::Type::Int))
            ckpt.step = value.toInt();
        else if (k == "name" && value.is(Value::Type::String))
            ckpt.name = value.toStr();
        else if (k == "state_dict") {
            const auto* sd = dictEntries(value);
            CLIPWB_CHECK(sd, what, ": state_dict is not a dict");
            for (const auto& [name, tensor] : *sd)
                ckpt.stateDict.emplace_back(name.toStr(), reader.tensor(tensor));
        } else if (k == "optimizer" && !value.isNone()) {
            const auto* opt = dictEntries(value);
            CLIPWB_CHECK(opt, what, ": optimizer is not a dict");
            OptimizerSnapshot snapshot;
            for (const auto& [okey, ovalue] : *opt) {
                if (okey.is(Value::Type::String) && okey.toStr() == "state") {
                    const auto* states = dictEntries(ovalue);
                    CLIPWB_CHECK(states, what, ": optimizer state is not a dict");
                    for (const auto& [index, entry] : *states) {
                        OptimizerSnapshot::Entry e;
                        const auto* fields = dictEntries(entry);
                        CLIPWB_CHECK(fields, what, ": optimizer state ", index.repr(), " is not a dict");
                        for (const auto& [fname, fvalue] : *fields) {
                            const std::string& f = fname.toStr();
                            if (f == "step")
                                e.step = numberOrTensor(fvalue, reader);
                            else if (f == "exp_avg")
                                e.expAvg = reader.tensor(fvalue);
                            else if (f == "exp_avg_sq")
                                e.expAvgSq = reader.tensor(fvalue);
                        }
                        CLIPWB_CHECK(e.expAvg.defined() && e.expAvgSq.defined(), what, ": optimizer state ",
                                     index.repr(), " is not AdamW's (no exp_avg/exp_avg_sq)");
                        snapshot.state[index.toInt()] = e;
                    }
                } else if (okey.is(Value::Type::String) && okey.toStr() == "param_groups") {
                    for (const Value& group : ovalue.items()) {
                        const Value* params = group.find("params");
                        CLIPWB_CHECK(params, what, ": optimizer param group without params");
                        snapshot.groupSizes.push_back(static_cast<int64_t>(params->items().size()));
                    }
                }
            }
            ckpt.optimizer = std::move(snapshot);
        } else if (k == "clipwb_state" && !value.isNone()) {
            ExactState s;
            const auto* fields = dictEntries(value);
            CLIPWB_CHECK(fields, what, ": clipwb_state is not a dict");
            for (const auto& [fname, fvalue] : *fields) {
                const std::string& f = fname.toStr();
                if (f == "epoch")
                    s.epoch = fvalue.toInt();
                else if (f == "batch")
                    s.batch = fvalue.toInt();
                else if (f == "loss_scale")
                    s.lossScale = fvalue.toDouble();
                else if (f == "growth_tracker")
                    s.growthTracker = fvalue.toInt();
                else if (f == "cpu_rng_state" && !fvalue.isNone())
                    s.cpuRng = reader.tensor(fvalue);
                else if (f == "cuda_rng_state" && !fvalue.isNone())
                    s.cudaRng = reader.tensor(fvalue);
            }
            ckpt.exact = s;
        }
    }
    CLIPWB_CHECK(!ckpt.stateDict.empty(), what, ": no state_dict in the checkpoint");
    return ckpt;
}

void loadModelWeights(model::ClipImpl& model, const model::NamedTensors& stateDict, bool strict,
                      const std::string& what)
{
    std::map<std::string, const torch::Tensor*> byName;
    for (const auto& [key, tensor] : stateDict)
        byName[key.rfind("module.", 0) == 0 ? key.substr(7) : key] = &tensor;
    torch::NoGradGuard noGrad;
    std::vector<std::string> missing;
    auto copyInto = [&](const std::string& name, torch::Tensor target) {
        const auto it = byName.find(name);
        if (it == byName.end()) {
            missing.push_back(name);
            return;
        }
        CLIPWB_CHECK(it->second->sizes() == target.sizes(), what, ": ", name, " has shape ", it->second->sizes(),
                     ", the model expects ", target.sizes());
        target.copy_(*it->second);
        byName.erase(it);
    };
    for (const auto& item : model.named_parameters())
        copyInto(item.key(), item.value());
    for (const auto& item : model.named_buffers())
        copyInto(item.key(), item.value());
    if (strict) {
        CLIPWB_CHECK(missing.empty(), what, ": missing ", missing.size(), " tensor(s) of the model, e.g. ",
                     missing.empty() ? "" : missing.front());
        std::vector<std::string> unexpected;
        for (const auto& [name, t] : byName)
            if (name.find("bert.pooler") == std::string::npos)
                unexpected.push_back(name);
        CLIPWB_CHECK(unexpected.empty(), what, ": ", unexpected.size(), " tensor(s) the model does not have, e.g. ",
                     unexpected.empty() ? "" : unexpected.front());
    }
}

OptimizerSnapshot snapshotOptimizer(const torch::optim::AdamW& optimizer, const ParameterGroups& groups)
{
    OptimizerSnapshot snapshot;
    snapshot.groupSizes = {static_cast<int64_t>(groups.noDecay.size()), static_cast<int64_t>(groups.decay.size())};
    const auto& states = optimizer.state();
    const std::vector<torch::Tensor> params = groups.all();
    for (size_t i = 0; i < params.size(); ++i) {
        const auto it = states.find(c10::guts::to_string(params[i].unsafeGetTensorImpl()));
        if (it == states.end())
            continue;
        const auto& s = static_cast<const torch::optim::AdamWParamState&>(*it->second);
        snapshot.state[static_cast<int64_t>(i)] = {static_cast<double>(s.step()), s.exp_avg(), s.exp_avg_sq()};
    }
    return snapshot;
}

void restoreOptimizer(torch::optim::AdamW& optimizer, const ParameterGroups& groups,
                      const OptimizerSnapshot& snapshot)
{
    const std::vector<int64_t> expected = {static_cast<int64_t>(groups.noDecay.size()),
                                           static_cast<int64_t>(groups.decay.size())};
    CLIPWB_CHECK(snapshot.groupSizes == expected, "the checkpoint's optimizer has parameter groups of ",
                 snapshot.groupSizes.size() > 0 ? snapshot.groupSizes[0] : 0, " and ",
                 snapshot.groupSizes.size() > 1 ? snapshot.groupSizes[1] : 0, " parameters, this model ", expected[0],
                 " and ", expected[1], " (another model or freeze_vision setting?): set reset_optimizer");
    const std::vector<torch::Tensor> params = groups.all();
    auto& states = optimizer.state();
    for (const auto& [index, entry] : snapshot.state) {
        CLIPWB_CHECK(index >= 0 && index < static_cast<int64_t>(params.size()), "optimizer state for parameter ",
                     index, " of ", params.size());
        const torch::Tensor& p = params[static_cast<size_t>(index)];
        CLIPWB_CHECK(entry.expAvg.sizes() == p.sizes() && entry.expAvgSq.sizes() == p.sizes(),
                     "optimizer state ", index, " has shape ", entry.expAvg.sizes(), ", the parameter ", p.sizes());
        auto state = std::make_unique<torch::optim::AdamWParamState>();
        state->step(static_cast<int64_t>(entry.step));
        state->exp_avg(entry.expAvg.to(p.options()).clone());
        state->exp_avg_sq(entry.expAvgSq.to(p.options()).clone());
        states[c10::guts::to_string(p.unsafeGetTensorImpl())] = std::move(state);
    }
}

void writeTrainCheckpoint(const fs::path& path, int64_t epoch, int64_t step, const std::string& name,
                          model::Clip& model, const torch::optim::AdamW& optimizer, const ParameterGroups& groups,
                          const ExactState& exact)
{
    TensorWriter tensors;
    std::vector<std::pair<Value, Value>> stateDict;
    for (const auto& [key, tensor] : model->stateDict())
        stateDict.emplace_back(Value::string("module." + key), tensors.tensor(tensor));

    // PyTorch's optimizer.state_dict(): state by parameter index, then the groups.
    const OptimizerSnapshot snapshot = snapshotOptimizer(optimizer, groups);
    std::vector<std::pair<Value, Value>> state;
    for (const auto& [index, e] : snapshot.state)
        state.emplace_back(Value::integer(index),
                           Value::dict({{Value::string("step"), tensors.tensor(torch::tensor(static_cast<float>(e.step)))},
                                        {Value::string("exp_avg"), tensors.tensor(e.expAvg)},
                                        {Value::string("exp_avg_sq"), tensors.tensor(e.expAvgSq)}}));
    std::vector<Value> paramGroups;
    int64_t next = 0;
    for (size_t g = 0; g < optimizer.param_groups().size(); ++g) {
        const auto& options =
            static_cast<const torch::optim::AdamWOptions&>(optimizer.param_groups()[g].options());
        std::vector<Value> indices;
        for (size_t i = 0; i < optimizer.param_groups()[g].params().size(); ++i)
            indices.push_back(Value::integer(next++));
        paramGroups.push_back(Value::dict({{Value::string("lr"), Value::floating(options.lr())},
                                           {Value::string("betas"),
                                            Value::tuple({Value::floating(std::get<0>(options.betas())),
                                                          Value::floating(std::get<1>(options.betas()))})},
                                           {Value::string("eps"), Value::floating(options.eps())},
                                           {Value::string("weight_decay"), Value::floating(options.weight_decay())},
                                           {Value::string("amsgrad"), Value::boolean(options.amsgrad())},
                                           {Value::string("foreach"), Value::none()},
                                           {Value::string("maximize"), Value::boolean(false)},
                                           {Value::string("capturable"), Value::boolean(false)},
                                           {Value::string("params"), Value::list(indices)}}));
    }
    const Value optimizerValue = Value::dict(
        {{Value::string("state"), Value::dict(state)}, {Value::string("param_groups"), Value::list(paramGroups)}});

    std::vector<std::pair<Value, Value>> clipwbState = {
        {Value::string("format"), Value::integer(1)},
        {Value::string("epoch"), Value::integer(exact.epoch)},
        {Value::string("batch"), Value::integer(exact.batch)},
        {Value::string("loss_scale"), Value::floating(exact.lossScale)},
        {Value::string("growth_tracker"), Value::integer(exact.growthTracker)},
        {Value::string("cpu_rng_state"), exact.cpuRng.defined() ? tensors.tensor(exact.cpuRng) : Value::none()},
        {Value::string("cuda_rng_state"), exact.cudaRng.defined() ? tensors.tensor(exact.cudaRng) : Value::none()}};

    const Value root = Value::dict({{Value::string("epoch"), Value::integer(epoch)},
                                    {Value::string("step"), Value::integer(step)},
                                    {Value::string("name"), Value::string(name)},
                                    {Value::string("state_dict"), TensorWriter::orderedDict(std::move(stateDict))},
                                    {Value::string("optimizer"), optimizerValue},
                                    {Value::string("clipwb_state"), Value::dict(clipwbState)}});
    // The archive folder is the file's stem, as torch.save names it.
    std::string prefix = path.stem().string();
    if (prefix.empty())
        prefix = "archive";
    prefix += "/";
    ZipWriter zip;
    zip.add(prefix + "data.pkl", pickle::encode(root, 2));
    tensors.writeRecords(zip, prefix);
    zip.add(prefix + "version", "3\n");
    writeFileAtomic(path, zip.finish());
}

} // namespace clipwb::train
