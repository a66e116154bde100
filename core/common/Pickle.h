#pragma once
// A safe, inert reader and writer for the pickle subset that upstream
// Chinese-CLIP and torch.save produce (protocols 2 to 5). Decoding builds a
// plain Value tree and never calls, imports or instantiates anything:
// `os.system` in a pickle stays the inert node Global{"os","system"}. The
// interpretation of Reduce/Build nodes (torch tensors, OrderedDict, ...) is the
// business of the caller, e.g. core/model's checkpoint reader.
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace clipwb::pickle {

class Value {
public:
    enum class Type {
        None,
        Bool,
        Int,
        Float,
        String,
        Bytes,
        List,
        Tuple,
        Dict,
        Global,       // a class or function reference: module + name
        Reduce,       // callable(*args) (REDUCE), or cls.__new__(cls, *args) (NEWOBJ)
        Build,        // object.__setstate__(state) (BUILD)
        PersistentId, // BINPERSID: torch's storage references
    };

    Value() = default; // None
    static Value none() { return Value(); }
    static Value boolean(bool v);
    static Value integer(std::int64_t v);
    static Value floating(double v);
    static Value string(std::string utf8);
    static Value bytes(std::string raw);
    static Value list(std::vector<Value> items = {});
    static Value tuple(std::vector<Value> items = {});
    static Value dict(std::vector<std::pair<Value, Value>> items = {});
    static Value global(std::string module, std::string name);
    static Value reduce(Value callable, Value args, bool newObj = false);
    static Value build(Value object, Value state);
    static Value persistentId(Value pid);

    Type type() const { return m_type; }
    bool is(Type t) const { return m_type == t; }
    bool isNone() const { return m_type == Type::None; }
    /// Human-readable type name ("tuple", "global os.system", ...).
    std::string typeName() const;

    // Scalars; each throws clipwb::Error when the type differs.
    bool toBool() const;
    std::int64_t toInt() const;
    double toDouble() const; // Float or Int
    const std::string& toStr() const;
    const std::string& toBytes() const;

    /// List or Tuple elements; for Reduce/Build objects, items added by APPEND(S).
    const std::vector<Value>& items() const;
    std::vector<Value>& items();
    /// Dict entries in insertion order; for Reduce/Build objects, items added by SETITEM(S)
    /// (an OrderedDict is Reduce(Global(collections, OrderedDict), ()) with these).
    const std::vector<std::pair<Value, Value>>& dictItems() const;
    std::vector<std::pair<Value, Value>>& dictItems();
    /// The value of a dict (or dict-like Reduce) entry whose key is the string key; nullptr if none.
    const Value* find(std::string_view key) const;

    const std::string& globalModule() const;
    const std::string& globalName() const;
    bool isGlobal(std::string_view module, std::string_view name) const;

    const Value& callable() const; // Reduce
    const Value& args() const;     // Reduce
    bool isNewObj() const { return m_newObj; }
    const Value& object() const; // Build
    const Value& state() const;  // Build
    const Value& pid() const;    // PersistentId

    /// A short Python-like rendering for messages and tests.
    std::string repr() const;
    bool operator==(const Value& other) const;
    bool operator!=(const Value& other) const { return !(*this == other); }

private:
    void expect(Type t, const char* what) const;

    Type m_type = Type::None;
    bool m_newObj = false;
    bool m_bool = false;
    std::int64_t m_int = 0;
    double m_double = 0;
    std::string m_str;             // String, Bytes, Global module
    std::string m_str2;            // Global name
    std::vector<Value> m_children; // Reduce: callable, args; Build: object, state; PersistentId: pid
    std::vector<Value> m_items;
    std::vector<std::pair<Value, Value>> m_dict;
};

struct DecodeOptions {
    /// When set, any global not in the set is rejected with an error naming it.
    std::optional<std::set<std::pair<std::string, std::string>>> allowedGlobals;
    /// Deepest nesting of the result (cycles count as infinitely deep).
    std::size_t maxDepth = 256;
    /// Most values in the result (shared memo references are counted each time they occur).
    std::size_t maxValues = 5'000'000;
    /// Names the record in error messages ("train pairs index 12"); may be empty.
    std::string what;
};

/// Decodes one pickle (data after STOP is ignored). Throws clipwb::Error naming
/// options.what, the opcode and its offset for anything outside the subset,
/// truncated data, disallowed globals, too deep or too large results.
/// When consumed is given it receives the length of the pickle up to and including STOP
/// (files such as torch's legacy format hold several pickles in a row).
Value decode(std::string_view data, const DecodeOptions& options = {}, std::size_t* consumed = nullptr);

/// Encodes a tree with protocol 2 or 4, writing the same opcodes as CPython's
/// pickler for the equivalent Python objects (ints, str, tuples, ...).
std::string encode(const Value& value, int protocol = 4);

} // namespace clipwb::pickle
