#include "model/TorchCheckpoint.h"

#include "common/AtomicFile.h"
#include "common/Error.h"

#include <caffe2/serialize/inline_container.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <unistd.h>

namespace clipwb::model {

namespace {

using pickle::Value;
using Type = pickle::Value::Type;

struct StorageType {
    const char* name;
    torch::ScalarType dtype;
};

const StorageType kStorageTypes[] = {
    {"FloatStorage", torch::kFloat32},
    {"DoubleStorage", torch::kFloat64},
    {"HalfStorage", torch::kFloat16},
    {"BFloat16Storage", torch::kBFloat16},
    {"LongStorage", torch::kInt64},
    {"IntStorage", torch::kInt32},
    {"ShortStorage", torch::kInt16},
    {"CharStorage", torch::kInt8},
    {"ByteStorage", torch::kUInt8},
    {"BoolStorage", torch::kBool},
    {"ComplexFloatStorage", torch::kComplexFloat},
    {"ComplexDoubleStorage", torch::kComplexDouble},
};

std::optional<torch::ScalarType> storageDtype(const Value& global)
{
    if (!global.is(Type::Global) || global.globalModule() != "torch")
        return std::nullopt;
    for (const auto& type : kStorageTypes)
        if (global.globalName() == type.name)
            return type.dtype;
    return std::nullopt;
}

const char* storageName(torch::ScalarType dtype)
{
    for (const auto& type : kStorageTypes)
        if (type.dtype == dtype)
            return type.name;
    throw Error(std::string("cannot save tensors of dtype ") + c10::toString(dtype));
}

std::set<std::pair<std::string, std::string>> allowedGlobals()
{
    std::set<std::pair<std::string, std::string>> allowed{
        {"collections", "OrderedDict"},
        {"torch._utils", "_rebuild_tensor_v2"},
        {"torch._utils", "_rebuild_parameter"},
        {"torch._utils", "_rebuild_parameter_with_state"},
        {"torch", "Size"},
        {"builtins", "set"},
        {"builtins", "frozenset"},
        {"__builtin__", "set"},
        {"__builtin__", "frozenset"},
        {"_codecs", "encode"}, // how protocol 2 spells bytes objects
    };
    for (const auto& type : kStorageTypes)
        allowed.emplace("torch", type.name);
    return allowed;
}

std::string describeGlobal(const Value& global)
{
    return global.is(Type::Global) ? global.globalModule() + "." + global.globalName() : global.typeName();
}

/// The bytes of one storage (key, dtype, element count), from a zip record or a legacy file.
using StorageLoader =
    std::function<c10::Storage(const std::string& key, torch::ScalarType dtype, int64_t numel)>;

/// Turns the decoded tree into plain values, tensors as TorchObject references.
/// Without a loader no storage is read: tensors are meta tensors (shape and dtype only).
class Interpreter {
public:
    Interpreter(StorageLoader loader, std::string what, TorchObject& out)
        : m_loader(std::move(loader)), m_what(std::move(what)), m_out(out)
    {
    }

    Value interpret(const Value& v, size_t depth = 0)
    {
        check(depth < 1000, "value nested too deeply");
        switch (v.type()) {
        case Type::None:
        case Type::Bool:
        case Type::Int:
        case Type::Float:
        case Type::String:
        case Type::Bytes:
            return v;
        case Type::List:
        case Type::Tuple: {
            std::vector<Value> items;
            items.reserve(v.items().size());
            for (const auto& item : v.items())
                items.push_back(interpret(item, depth + 1));
            return v.is(Type::List) ? Value::list(std::move(items)) : Value::tuple(std::move(items));
        }
        case Type::Dict:
            return Value::dict(interpretItems(v.dictItems(), depth));
        case Type::Global:
            fail("refuses the bare global " + describeGlobal(v));
        case Type::PersistentId:
            fail("a storage reference outside a tensor");
        case Type::Build:
            return interpretBuild(v, depth);
        case Type::Reduce:
            return interpretReduce(v, depth);
        }
        fail("unexpected value " + v.typeName());
    }

private:
    [[noreturn]] void fail(const std::string& message) const { throw Error(m_what + ": " + message); }
    void check(bool ok, const std::string& message) const
    {
        if (!ok)
            fail(message);
    }

    std::vector<std::pair<Value, Value>> interpretItems(const std::vector<std::pair<Value, Value>>& items,
                                                        size_t depth)
    {
        std::vector<std::pair<Value, Value>> out;
        out.reserve(items.size());
        for (const auto& [key, value] : items)
            out.emplace_back(interpret(key, depth + 1), interpret(value, depth + 1));
        return out;
    }

    Value interpretBuild(const Value& v, size_t depth)
    {
        // OrderedDict's BUILD carries the state dict's `_metadata` (module versions): dropped.
        const Value& object = v.object();
        if (object.is(Type::Reduce) && object.callable().isGlobal("collections", "OrderedDict"))
            return interpret(object, depth + 1);
        fail("refuses BUILD of " +
             (object.is(Type::Reduce) ? describeGlobal(object.callable()) : object.typeName()));
    }

    Value interpretReduce(const Value& v, size_t depth)
    {
        const Value& callable = v.callable();
        const std::vector<Value>& args = v.args().items();
        check(callable.is(Type::Global), "refuses a call of " + callable.typeName());
        check(!v.isNewObj(), "refuses to instantiate " + describeGlobal(callable));
        const std::string module = callable.globalModule();
        const std::string name = callable.globalName();
        if (module == "collections" && name == "OrderedDict") {
            std::vector<std::pair<Value, Value>> items = interpretItems(v.dictItems(), depth);
            if (!args.empty()) {
                // OrderedDict([(k, v), ...])
                check(args.size() == 1 && (args[0].is(Type::List) || args[0].is(Type::Tuple)),
                      "unexpected OrderedDict arguments");
                for (const auto& pair : args[0].items()) {
                    check(pair.is(Type::Tuple) && pair.items().size() == 2, "unexpected OrderedDict item");
                    items.emplace_back(interpret(pair.items()[0], depth + 1),
                                       interpret(pair.items()[1], depth + 1));
                }
            }
            return Value::dict(std::move(items));
        }
        check(v.items().empty() && v.dictItems().empty(), "unexpected items after " + module + "." + name);
        if (module == "torch._utils" && name == "_rebuild_tensor_v2")
            return rebuildTensor(args);
        if (module == "torch._utils" &&
            (name == "_rebuild_parameter" || name == "_rebuild_parameter_with_state")) {
            check(args.size() >= 2, "_rebuild_parameter needs (data, requires_grad, ...)");
            const Value data = interpret(args[0], depth + 1);
            check(TorchObject::isTensor(data), "_rebuild_parameter of a non-tensor");
            return data;
        }
        if (module == "torch" && name == "Size") {
            check(args.size() == 1 && (args[0].is(Type::Tuple) || args[0].is(Type::List)), "bad torch.Size");
            return Value::tuple(interpret(args[0], depth + 1).items());
        }
        if ((module == "builtins" || module == "__builtin__") && (name == "set" || name == "frozenset")) {
            if (args.empty())
                return Value::list();
            check(args.size() == 1 && (args[0].is(Type::List) || args[0].is(Type::Tuple)), "bad " + name);
            return Value::list(interpret(args[0], depth + 1).items());
        }
        if (module == "_codecs" && name == "encode") {
            check(args.size() == 2 && args[0].is(Type::String) && args[1].is(Type::String) &&
                      (args[1].toStr() == "latin1" || args[1].toStr() == "latin-1"),
                  "refuses _codecs.encode other than of latin-1 text");
            return Value::bytes(latin1(args[0].toStr()));
        }
        fail("refuses the global " + module + "." + name + " (not a tensor, storage or container)");
    }

    std::string latin1(const std::string& utf8) const
    {
        std::string out;
        for (size_t i = 0; i < utf8.size(); ++i) {
            const auto c = static_cast<unsigned char>(utf8[i]);
            if (c < 0x80) {
                out.push_back(static_cast<char>(c));
            } else {
                check((c == 0xc2 || c == 0xc3) && i + 1 < utf8.size(), "bytes text is not latin-1");
                const auto next = static_cast<unsigned char>(utf8[++i]);
                out.push_back(static_cast<char>(((c & 0x1f) << 6) | (next & 0x3f)));
            }
        }
        return out;
    }

    std::vector<int64_t> intTuple(const Value& v, const char* what) const
    {
        check(v.is(Type::Tuple) || v.is(Type::List), std::string("tensor ") + what + " is not a tuple");
        std::vector<int64_t> out;
        for (const auto& item : v.items()) {
            check(item.is(Type::Int), std::string("tensor ") + what + " holds a non-integer");
            out.push_back(item.toInt());
        }
        return out;
    }

    Value rebuildTensor(const std::vector<Value>& args)
    {
        // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
        check(args.size() >= 5, "_rebuild_tensor_v2 needs at least 5 arguments");
        const Value& pid = args[0];
        check(pid.is(Type::PersistentId), "tensor storage is not a persistent id");
        const Value& record = pid.pid();
        check(record.is(Type::Tuple) && record.items().size() >= 5, "malformed storage reference");
        const auto& fields = record.items();
        check(fields[0].is(Type::String) && fields[0].toStr() == "storage",
              "storage reference is not 'storage'");
        const auto dtype = storageDtype(fields[1]);
        check(dtype.has_value(), "refuses the storage type " + describeGlobal(fields[1]));
        check(fields[2].is(Type::String), "storage key is not a string");
        check(fields[4].is(Type::Int) && fields[4].toInt() >= 0, "storage size is not a count");
        // The legacy format adds view_metadata, None since PyTorch 0.4 (storage views are gone).
        check(fields.size() < 6 || fields[5].isNone(), "refuses a storage view (legacy view_metadata)");
        const std::string key = fields[2].toStr();
        const int64_t numel = fields[4].toInt();
        check(args[1].is(Type::Int) && args[1].toInt() >= 0, "tensor storage offset is not a count");
        const int64_t offset = args[1].toInt();
        const std::vector<int64_t> sizes = intTuple(args[2], "size");
        const std::vector<int64_t> strides = intTuple(args[3], "stride");
        check(sizes.size() == strides.size(), "tensor size and stride differ in length");
        int64_t last = offset;
        bool empty = false;
        for (size_t i = 0; i < sizes.size(); ++i) {
            check(sizes[i] >= 0 && strides[i] >= 0, "negative tensor size or stride");
            check(sizes[i] < (int64_t(1) << 40) && strides[i] < (int64_t(1) << 40),
                  "tensor size out of range");
            empty = empty || sizes[i] == 0;
            if (sizes[i] > 0)
                last += (sizes[i] - 1) * strides[i];
        }
        check(empty || last < numel,
              "tensor of storage " + key + " reaches past its " + std::to_string(numel) + " elements");
        torch::Tensor tensor;
        if (!m_loader) {
            tensor = torch::empty(sizes, torch::TensorOptions().dtype(*dtype).device(torch::kMeta));
        } else {
            const c10::Storage storage = loadStorage(key, *dtype, numel);
            tensor = torch::empty({0}, torch::TensorOptions().dtype(*dtype));
            tensor.set_(storage, offset, sizes, strides);
        }
        return m_out.addTensor(tensor);
    }

    c10::Storage loadStorage(const std::string& key, torch::ScalarType dtype, int64_t numel)
    {
        auto found = m_storages.find(key);
        if (found != m_storages.end()) {
            check(found->second.second == dtype, "storage " + key + " is used with two dtypes");
            return found->second.first;
        }
        c10::Storage storage = m_loader(key, dtype, numel);
        m_storages.emplace(key, std::make_pair(storage, dtype));
        return storage;
    }

    StorageLoader m_loader;
    std::string m_what;
    TorchObject& m_out;
    std::map<std::string, std::pair<c10::Storage, torch::ScalarType>> m_storages;
};

/// Storages of the zip format: record data/<key>, exactly numel elements.
StorageLoader zipStorageLoader(caffe2::serialize::PyTorchStreamReader& reader, const std::string& what)
{
    return [&reader, what](const std::string& key, torch::ScalarType dtype, int64_t numel) {
        const std::string recordName = "data/" + key;
        CLIPWB_CHECK(key.find('/') == std::string::npos && key.find("..") == std::string::npos, what,
                     ": bad storage key ", key);
        at::DataPtr data;
        size_t size = 0;
        try {
            CLIPWB_CHECK(reader.hasRecord(recordName), what, ": missing storage record ", recordName);
            std::tie(data, size) = reader.getRecord(recordName);
        } catch (const c10::Error& e) {
            throw Error(what + ": cannot read storage " + recordName + ": " + e.what_without_backtrace());
        }
        const size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
        CLIPWB_CHECK(size == expected, what, ": storage ", recordName, " has ", size, " bytes, expected ",
                     expected);
        return c10::Storage(c10::Storage::use_byte_size_t(), size, std::move(data), nullptr, false);
    };
}

std::string readPrefix(const std::filesystem::path& path, size_t count)
{
    std::ifstream in(path, std::ios::binary);
    std::string bytes(count, '\0');
    in.read(bytes.data(), static_cast<std::streamsize>(count));
    bytes.resize(static_cast<size_t>(in.gcount()));
    return bytes;
}

std::unique_ptr<caffe2::serialize::PyTorchStreamReader> openArchive(const std::filesystem::path& path)
{
    const std::string what = "checkpoint " + path.string();
    std::error_code ec;
    CLIPWB_CHECK(std::filesystem::is_regular_file(path, ec), what, ": no such file");
    CLIPWB_CHECK(::access(path.c_str(), R_OK) == 0, what, ": cannot read: ", std::strerror(errno));
    const std::string head = readPrefix(path, 4);
    CLIPWB_CHECK(!head.empty(), what, ": empty file");
    CLIPWB_CHECK(head.rfind("PK", 0) == 0, what, ": not a torch.save checkpoint (not a zip archive)");
    try {
        return std::make_unique<caffe2::serialize::PyTorchStreamReader>(path.string());
    } catch (const c10::Error& e) {
        throw Error(what + ": not a readable torch.save archive (truncated or damaged?): " +
                    e.what_without_backtrace());
    }
}

pickle::Value decodeDataPickle(caffe2::serialize::PyTorchStreamReader& reader, const std::string& what)
{
    if (!reader.hasRecord("data.pkl")) {
        const bool torchScript = reader.hasRecord("constants.pkl") || reader.hasRecord("code/__torch__.py");
        throw Error(what + (torchScript
                                ? ": a TorchScript archive (torch.jit.save), not a torch.save checkpoint"
                                : ": not a torch.save checkpoint (no data.pkl)"));
    }
    at::DataPtr data;
    size_t size = 0;
    try {
        std::tie(data, size) = reader.getRecord("data.pkl");
    } catch (const c10::Error& e) {
        throw Error(what + ": cannot read data.pkl: " + e.what_without_backtrace());
    }
    pickle::DecodeOptions options;
    options.allowedGlobals = allowedGlobals();
    options.what = what + " data.pkl";
    return pickle::decode(std::string_view(static_cast<const char*>(data.get()), size), options);
}

// ---------------------------------------------------------------- legacy format (PyTorch < 1.6)
//
// _legacy_save writes, one after the other: the pickled magic number, the pickled protocol
// version (1001), the pickled sys_info dict, the pickled object (storages as persistent ids
// ('storage', type, key, location, numel, view_metadata)), the pickled sorted list of storage
// keys, then for each key an int64 element count followed by the raw little-endian elements.

bool isLegacyTorchFile(const std::filesystem::path& path)
{
    const std::string head = readPrefix(path, 1);
    return !head.empty() && static_cast<unsigned char>(head[0]) == 0x80; // a pickle's PROTO opcode
}

/// Skips the pickled magic number 0x1950a86a20f9469cfc6c (an 80-bit LONG1, too wide for the
/// decoder) and returns the offset after it.
size_t skipLegacyMagic(std::string_view bytes, const std::string& what)
{
    static const unsigned char kMagic[] = {0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
                                           0x20, 0x6a, 0xa8, 0x50, 0x19, '.'};
    size_t p = 0;
    if (bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x80) {
        const int protocol = static_cast<unsigned char>(bytes[1]);
        CLIPWB_CHECK(protocol >= 2 && protocol <= 5, what, ": pickle protocol ", protocol,
                     " is not one torch.save writes");
        p = 2;
    }
    if (p < bytes.size() && static_cast<unsigned char>(bytes[p]) == 0x95) // FRAME (protocol 4+)
        p += 9;
    CLIPWB_CHECK(bytes.size() >= p + sizeof kMagic &&
                     std::memcmp(bytes.data() + p, kMagic, sizeof kMagic) == 0,
                 what, ": not a torch.save checkpoint (a pickle without torch's magic number)");
    return p + sizeof kMagic;
}

/// Finds every storage reference of the decoded object: key -> (dtype, element count).
void collectLegacyStorages(const Value& v, const std::string& what,
                           std::map<std::string, std::pair<torch::ScalarType, int64_t>>& out,
                           size_t depth = 0)
{
    CLIPWB_CHECK(depth < 1000, what, ": value nested too deeply");
    switch (v.type()) {
    case Type::PersistentId: {
        const Value& record = v.pid();
        if (!record.is(Type::Tuple) || record.items().size() < 5 || !record.items()[2].is(Type::String) ||
            !record.items()[4].is(Type::Int))
            return; // the interpreter names what is wrong with it
        const auto dtype = storageDtype(record.items()[1]);
        if (!dtype)
            return;
        const std::string& key = record.items()[2].toStr();
        const auto entry = std::make_pair(*dtype, record.items()[4].toInt());
        const auto [it, added] = out.emplace(key, entry);
        CLIPWB_CHECK(added || it->second == entry, what, ": storage ", key,
                     " is referenced with two dtypes or sizes");
        return;
    }
    case Type::List:
    case Type::Tuple:
        for (const auto& item : v.items())
            collectLegacyStorages(item, what, out, depth + 1);
        return;
    case Type::Reduce:
        collectLegacyStorages(v.callable(), what, out, depth + 1);
        collectLegacyStorages(v.args(), what, out, depth + 1);
        for (const auto& item : v.items())
            collectLegacyStorages(item, what, out, depth + 1);
        [[fallthrough]];
    case Type::Dict:
        for (const auto& [key, value] : v.dictItems()) {
            collectLegacyStorages(key, what, out, depth + 1);
            collectLegacyStorages(value, what, out, depth + 1);
        }
        return;
    case Type::Build:
        collectLegacyStorages(v.object(), what, out, depth + 1);
        collectLegacyStorages(v.state(), what, out, depth + 1);
        return;
    default:
        return;
    }
}

TorchObject readLegacyTorchFile(const std::filesystem::path& path, const std::string& what, bool loadData)
{
    const std::string bytes = readFile(path);
    const std::string_view all(bytes);
    size_t pos = skipLegacyMagic(all, what);
    const auto nextPickle = [&](const char* part, bool withTensors) {
        pickle::DecodeOptions options;
        options.what = what + " (legacy format) " + part;
        // Only the object itself may name tensors and storages; nothing may name anything else.
        options.allowedGlobals =
            withTensors ? allowedGlobals() : std::set<std::pair<std::string, std::string>>{};
        size_t consumed = 0;
        Value value = pickle::decode(all.substr(pos), options, &consumed);
        pos += consumed;
        return value;
    };
    const Value protocol = nextPickle("protocol version", false);
    CLIPWB_CHECK(protocol.is(Type::Int) && protocol.toInt() == 1001, what,
                 ": legacy torch.save protocol version ", protocol.repr(), " (only 1001 is known)");
    const Value sysInfo = nextPickle("sys_info", false);
    CLIPWB_CHECK(sysInfo.is(Type::Dict), what, ": legacy sys_info is a ", sysInfo.typeName(), ", not a dict");
    const Value* littleEndian = sysInfo.find("little_endian");
    CLIPWB_CHECK(!littleEndian || (littleEndian->is(Type::Bool) && littleEndian->toBool()), what,
                 ": written on a big-endian machine (not supported)");
    const Value root = nextPickle("data", true);
    const Value keys = nextPickle("storage keys", false);
    CLIPWB_CHECK(keys.is(Type::List), what, ": legacy storage key list is a ", keys.typeName(),
                 ", not a list");

    std::map<std::string, std::pair<torch::ScalarType, int64_t>> declared;
    collectLegacyStorages(root, what, declared);
    std::map<std::string, std::pair<size_t, size_t>> layout; // key -> offset of the elements, bytes
    for (const Value& keyValue : keys.items()) {
        CLIPWB_CHECK(keyValue.is(Type::String), what, ": legacy storage key ", keyValue.repr(),
                     " is not a string");
        const std::string& key = keyValue.toStr();
        const auto found = declared.find(key);
        CLIPWB_CHECK(found != declared.end(), what, ": legacy storage ", key, " is not used by any tensor");
        CLIPWB_CHECK(all.size() - pos >= 8, what, ": truncated: storage ", key, " lacks its element count");
        int64_t count = 0;
        std::memcpy(&count, all.data() + pos, 8); // little-endian, as sys_info said
        CLIPWB_CHECK(count == found->second.second, what, ": storage ", key, " holds ", count,
                     " elements, its tensors say ", found->second.second);
        const size_t size = static_cast<size_t>(count) * c10::elementSize(found->second.first);
        CLIPWB_CHECK(all.size() - pos - 8 >= size, what, ": truncated: storage ", key, " needs ", size,
                     " bytes, ", all.size() - pos - 8, " left");
        CLIPWB_CHECK(layout.emplace(key, std::make_pair(pos + 8, size)).second, what, ": storage ", key,
                     " is listed twice");
        pos += 8 + size;
    }
    for (const auto& [key, info] : declared)
        CLIPWB_CHECK(layout.count(key), what, ": truncated or damaged: storage ", key, " is missing");

    StorageLoader loader;
    if (loadData) {
        loader = [&](const std::string& key, torch::ScalarType dtype, int64_t numel) {
            const auto& [offset, size] = layout.at(key);
            CLIPWB_CHECK(size == static_cast<size_t>(numel) * c10::elementSize(dtype), what, ": storage ",
                         key, " does not match its tensor");
            const torch::Tensor buffer = torch::empty({static_cast<int64_t>(size)}, torch::kUInt8);
            if (size)
                std::memcpy(buffer.data_ptr(), all.data() + offset, size);
            return buffer.storage();
        };
    }
    TorchObject out;
    Interpreter interpreter(loader, what, out);
    out.value = interpreter.interpret(root);
    return out;
}

void collectTensors(const Value& v, const std::vector<torch::Tensor>& all, TorchObject& out, Value& copy)
{
    if (TorchObject::isTensor(v)) {
        const int64_t index = v.pid().toInt();
        CLIPWB_CHECK(index >= 0 && index < static_cast<int64_t>(all.size()), "tensor reference out of range");
        copy = out.addTensor(all[static_cast<size_t>(index)]);
        return;
    }
    copy = v;
    if (v.is(Type::List) || v.is(Type::Tuple)) {
        for (size_t i = 0; i < v.items().size(); ++i)
            collectTensors(v.items()[i], all, out, copy.items()[i]);
    } else if (v.is(Type::Dict)) {
        for (size_t i = 0; i < v.dictItems().size(); ++i) {
            collectTensors(v.dictItems()[i].first, all, out, copy.dictItems()[i].first);
            collectTensors(v.dictItems()[i].second, all, out, copy.dictItems()[i].second);
        }
    }
}

// ---------------------------------------------------------------- writing

Value tuple(std::vector<Value> items)
{
    return Value::tuple(std::move(items));
}

Value intTupleValue(c10::IntArrayRef values)
{
    std::vector<Value> items;
    for (int64_t v : values)
        items.push_back(Value::integer(v));
    return Value::tuple(std::move(items));
}

Value emptyOrderedDict()
{
    return Value::reduce(Value::global("collections", "OrderedDict"), Value::tuple());
}

class PickleBuilder {
public:
    /// A tensor as torch.save pickles it; its bytes become storage record data/<key>.
    Value tensorNode(const torch::Tensor& original)
    {
        CLIPWB_CHECK(original.defined(), "cannot save an undefined tensor");
        const torch::Tensor tensor = original.detach().to(torch::kCPU).contiguous();
        const std::string key = std::to_string(storages.size());
        storages.push_back(tensor);
        const Value pid = Value::persistentId(
            tuple({Value::string("storage"), Value::global("torch", storageName(tensor.scalar_type())),
                   Value::string(key), Value::string("cpu"), Value::integer(tensor.numel())}));
        return Value::reduce(
            Value::global("torch._utils", "_rebuild_tensor_v2"),
            tuple({pid, Value::integer(0), intTupleValue(tensor.sizes()), intTupleValue(tensor.strides()),
                   Value::boolean(false), emptyOrderedDict()}));
    }

    /// A TorchObject's tree with its tensor references replaced by tensor nodes.
    Value convert(const Value& v, const TorchObject& object)
    {
        if (TorchObject::isTensor(v))
            return tensorNode(object.tensor(v));
        if (v.is(Type::List) || v.is(Type::Tuple)) {
            std::vector<Value> items;
            for (const auto& item : v.items())
                items.push_back(convert(item, object));
            return v.is(Type::List) ? Value::list(std::move(items)) : Value::tuple(std::move(items));
        }
        if (v.is(Type::Dict)) {
            std::vector<std::pair<Value, Value>> items;
            for (const auto& [key, value] : v.dictItems())
                items.emplace_back(convert(key, object), convert(value, object));
            return Value::dict(std::move(items));
        }
        CLIPWB_CHECK(!v.is(Type::Global) && !v.is(Type::Reduce) && !v.is(Type::Build) &&
                         !v.is(Type::PersistentId),
                     "cannot save a ", v.typeName(), " node");
        return v;
    }

    Value stateDict(const NamedTensors& tensors)
    {
        Value dict = emptyOrderedDict();
        for (const auto& [name, tensor] : tensors)
            dict.dictItems().emplace_back(Value::string(name), tensorNode(tensor));
        return dict;
    }

    std::vector<torch::Tensor> storages;
};

void writeArchive(const std::filesystem::path& path, const Value& root,
                  const std::vector<torch::Tensor>& storages)
{
    const std::string pickled = pickle::encode(root, 2);
    const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    std::FILE* file = std::fopen(tmp.c_str(), "wb");
    CLIPWB_CHECK(file, "cannot write ", tmp.string(), ": ", std::strerror(errno));
    // The first failed write's errno: PyTorchStreamWriter only says "failed writing", and
    // the user needs the cause in plain words ("File too large", "No space left on device").
    bool writeFailed = false;
    int writeErrno = 0;
    try {
        // Python names the archive folder after the file; torch.load accepts any name.
        std::string stem = path.stem().string();
        for (char& c : stem)
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-')
                c = '_';
        if (stem.empty())
            stem = "archive";
        caffe2::serialize::PyTorchStreamWriter writer([&](const void* data, size_t size) -> size_t {
            // After a failed write the rest is discarded but reported as written: a short count
            // makes PyTorchStreamWriter throw, and throw again from its destructor while the
            // first exception unwinds (std::terminate, a crash instead of an error message).
            // The failure is reported below, after the writer is done, and the file deleted.
            // Zero-byte writes come with a null pointer, which fwrite must not get.
            if (writeFailed || size == 0)
                return size;
            const size_t written = std::fwrite(data, 1, size, file);
            if (written != size) {
                writeFailed = true;
                writeErrno = errno;
            }
            return size;
        });
        writer.writeRecord("data.pkl", pickled.data(), pickled.size());
        for (size_t i = 0; i < storages.size(); ++i) {
            const torch::Tensor& storage = storages[i];
            writer.writeRecord("data/" + std::to_string(i), storage.data_ptr(),
                               static_cast<size_t>(storage.numel()) * storage.element_size());
        }
        writer.writeEndOfFile();
        if (!writeFailed && (std::fflush(file) != 0 || ::fsync(fileno(file)) != 0)) {
            writeFailed = true;
            writeErrno = errno;
        }
        CLIPWB_CHECK(!writeFailed, "cannot write ", path.string(), ": ", std::strerror(writeErrno));
        const int closed = std::fclose(file);
        file = nullptr;
        CLIPWB_CHECK(closed == 0, "cannot write ", path.string(), ": ", std::strerror(errno));
        CLIPWB_CHECK(std::rename(tmp.c_str(), path.c_str()) == 0, "cannot write ", path.string(), ": ",
                     std::strerror(errno));
    } catch (const c10::Error& e) {
        if (file)
            std::fclose(file);
        std::remove(tmp.c_str());
        if (writeFailed)
            throw Error("cannot write " + path.string() + ": " + std::strerror(writeErrno));
        throw Error("cannot write " + path.string() + ": " + e.what_without_backtrace());
    } catch (...) {
        if (file)
            std::fclose(file);
        std::remove(tmp.c_str());
        throw;
    }
}

} // namespace

TorchObject readTorchFile(const std::filesystem::path& path, bool loadData)
{
    const std::string what = "checkpoint " + path.string();
    if (isLegacyTorchFile(path))
        return readLegacyTorchFile(path, what, loadData);
    auto reader = openArchive(path);
    const pickle::Value root = decodeDataPickle(*reader, what);
    TorchObject out;
    Interpreter interpreter(loadData ? zipStorageLoader(*reader, what) : StorageLoader(), what, out);
    out.value = interpreter.interpret(root);
    return out;
}

TorchObject extractTorchObject(const pickle::Value& subtree, const std::vector<torch::Tensor>& tensors)
{
    TorchObject out;
    collectTensors(subtree, tensors, out, out.value);
    return out;
}

TorchCheckpoint readTorchCheckpoint(const std::filesystem::path& path, bool loadData)
{
    const std::string what = "checkpoint " + path.string();
    const TorchObject file = readTorchFile(path, loadData);
    CLIPWB_CHECK(file.value.is(Type::Dict), what, ": holds a ", file.value.typeName(),
                 ", not a dict (a checkpoint or a state dict)");
    TorchCheckpoint checkpoint;
    const Value* stateDict = file.value.find("state_dict");
    if (!stateDict) {
        // A bare state dict: every value a tensor.
        checkpoint.bareStateDict = true;
        stateDict = &file.value;
    }
    CLIPWB_CHECK(stateDict->is(Type::Dict), what, ": state_dict is a ", stateDict->typeName(),
                 ", not a dict");
    for (const auto& [key, value] : stateDict->dictItems()) {
        CLIPWB_CHECK(key.is(Type::String), what, ": state_dict key ", key.repr(), " is not a string");
        CLIPWB_CHECK(TorchObject::isTensor(value), what, ": state_dict entry '", key.toStr(), "' is a ",
                     value.typeName(), ", not a tensor");
        checkpoint.stateDict.emplace_back(key.toStr(), file.tensor(value));
    }
    if (checkpoint.bareStateDict)
        return checkpoint;
    for (const auto& [key, value] : file.value.dictItems()) {
        CLIPWB_CHECK(key.is(Type::String), what, ": top-level key ", key.repr(), " is not a string");
        const std::string& name = key.toStr();
        if (name == "state_dict")
            continue;
        if (name == "epoch" || name == "step") {
            if (value.isNone())
                continue;
            CLIPWB_CHECK(value.is(Type::Int), what, ": '", name, "' is a ", value.typeName(),
                         ", not an integer");
            (name == "epoch" ? checkpoint.epoch : checkpoint.step) = value.toInt();
        } else if (name == "name" && value.is(Type::String)) {
            checkpoint.name = value.toStr();
        } else if (name == "optimizer") {
            if (!value.isNone())
                checkpoint.optimizer = extractTorchObject(value, file.tensors);
        } else {
            checkpoint.extra.emplace_back(name, extractTorchObject(value, file.tensors));
        }
    }
    return checkpoint;
}

void writeTorchCheckpoint(const std::filesystem::path& path, const TorchCheckpoint& checkpoint)
{
    PickleBuilder builder;
    Value root;
    if (checkpoint.bareStateDict) {
        root = builder.stateDict(checkpoint.stateDict);
    } else {
        std::vector<std::pair<Value, Value>> items;
        const auto optionalInt = [](const std::optional<int64_t>& v) {
            return v ? Value::integer(*v) : Value::none();
        };
        items.emplace_back(Value::string("epoch"), optionalInt(checkpoint.epoch));
        items.emplace_back(Value::string("step"), optionalInt(checkpoint.step));
        items.emplace_back(Value::string("name"), Value::string(checkpoint.name));
        items.emplace_back(Value::string("state_dict"), builder.stateDict(checkpoint.stateDict));
        if (checkpoint.optimizer)
            items.emplace_back(Value::string("optimizer"),
                               builder.convert(checkpoint.optimizer->value, *checkpoint.optimizer));
        for (const auto& [key, object] : checkpoint.extra) {
            CLIPWB_CHECK(key != "epoch" && key != "step" && key != "name" && key != "state_dict" &&
                             key != "optimizer",
                         "extra checkpoint key '", key, "' collides with a standard key");
            items.emplace_back(Value::string(key), builder.convert(object.value, object));
        }
        root = Value::dict(std::move(items));
    }
    writeArchive(path, root, builder.storages);
}

void writeTorchFile(const std::filesystem::path& path, const TorchObject& object)
{
    PickleBuilder builder;
    const Value root = builder.convert(object.value, object);
    writeArchive(path, root, builder.storages);
}

} // namespace clipwb::model
