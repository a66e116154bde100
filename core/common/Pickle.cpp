#include "common/Pickle.h"

#include "common/Error.h"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <sstream>
#include <unordered_map>

namespace clipwb::pickle {

// ---------------------------------------------------------------- Value

Value Value::boolean(bool v)
{
    Value r;
    r.m_type = Type::Bool;
    r.m_bool = v;
    return r;
}

Value Value::integer(std::int64_t v)
{
    Value r;
    r.m_type = Type::Int;
    r.m_int = v;
    return r;
}

Value Value::floating(double v)
{
    Value r;
    r.m_type = Type::Float;
    r.m_double = v;
    return r;
}

Value Value::string(std::string utf8)
{
    Value r;
    r.m_type = Type::String;
    r.m_str = std::move(utf8);
    return r;
}

Value Value::bytes(std::string raw)
{
    Value r;
    r.m_type = Type::Bytes;
    r.m_str = std::move(raw);
    return r;
}

Value Value::list(std::vector<Value> items)
{
    Value r;
    r.m_type = Type::List;
    r.m_items = std::move(items);
    return r;
}

Value Value::tuple(std::vector<Value> items)
{
    Value r;
    r.m_type = Type::Tuple;
    r.m_items = std::move(items);
    return r;
}

Value Value::dict(std::vector<std::pair<Value, Value>> items)
{
    Value r;
    r.m_type = Type::Dict;
    r.m_dict = std::move(items);
    return r;
}

Value Value::global(std::string module, std::string name)
{
    Value r;
    r.m_type = Type::Global;
    r.m_str = std::move(module);
    r.m_str2 = std::move(name);
    return r;
}

Value Value::reduce(Value callable, Value args, bool newObj)
{
    Value r;
    r.m_type = Type::Reduce;
    r.m_newObj = newObj;
    r.m_children.push_back(std::move(callable));
    r.m_children.push_back(std::move(args));
    return r;
}

Value Value::build(Value object, Value state)
{
    Value r;
    r.m_type = Type::Build;
    r.m_children.push_back(std::move(object));
    r.m_children.push_back(std::move(state));
    return r;
}

Value Value::persistentId(Value pid)
{
    Value r;
    r.m_type = Type::PersistentId;
    r.m_children.push_back(std::move(pid));
    return r;
}

std::string Value::typeName() const
{
    switch (m_type) {
    case Type::None:
        return "None";
    case Type::Bool:
        return "bool";
    case Type::Int:
        return "int";
    case Type::Float:
        return "float";
    case Type::String:
        return "str";
    case Type::Bytes:
        return "bytes";
    case Type::List:
        return "list";
    case Type::Tuple:
        return "tuple";
    case Type::Dict:
        return "dict";
    case Type::Global:
        return "global " + m_str + "." + m_str2;
    case Type::Reduce:
        return "reduce of " + m_children[0].typeName();
    case Type::Build:
        return "build of " + m_children[0].typeName();
    case Type::PersistentId:
        return "persistent id";
    }
    return "?";
}

void Value::expect(Type t, const char* what) const
{
    CLIPWB_CHECK(m_type == t, "pickle value: expected ", what, ", found ", typeName());
}

bool Value::toBool() const
{
    expect(Type::Bool, "bool");
    return m_bool;
}

std::int64_t Value::toInt() const
{
    expect(Type::Int, "int");
    return m_int;
}

double Value::toDouble() const
{
    if (m_type == Type::Int)
        return static_cast<double>(m_int);
    expect(Type::Float, "float");
    return m_double;
}

const std::string& Value::toStr() const
{
    expect(Type::String, "str");
    return m_str;
}

const std::string& Value::toBytes() const
{
    expect(Type::Bytes, "bytes");
    return m_str;
}

const std::vector<Value>& Value::items() const
{
    CLIPWB_CHECK(m_type == Type::List || m_type == Type::Tuple || m_type == Type::Reduce ||
                     m_type == Type::Build,
                 "pickle value: expected list or tuple, found ", typeName());
    return m_items;
}

std::vector<Value>& Value::items()
{
    return const_cast<std::vector<Value>&>(std::as_const(*this).items());
}

const std::vector<std::pair<Value, Value>>& Value::dictItems() const
{
    CLIPWB_CHECK(m_type == Type::Dict || m_type == Type::Reduce || m_type == Type::Build,
                 "pickle value: expected dict, found ", typeName());
    return m_dict;
}

std::vector<std::pair<Value, Value>>& Value::dictItems()
{
    return const_cast<std::vector<std::pair<Value, Value>>&>(std::as_const(*this).dictItems());
}

const Value* Value::find(std::string_view key) const
{
    for (const auto& [k, v] : dictItems())
        if (k.m_type == Type::String && k.m_str == key)
            return &v;
    return nullptr;
}

const std::string& Value::globalModule() const
{
    expect(Type::Global, "global");
    return m_str;
}

const std::string& Value::globalName() const
{
    expect(Type::Global, "global");
    return m_str2;
}

bool Value::isGlobal(std::string_view module, std::string_view name) const
{
    return m_type == Type::Global && m_str == module && m_str2 == name;
}

const Value& Value::callable() const
{
    expect(Type::Reduce, "reduce");
    return m_children[0];
}

const Value& Value::args() const
{
    expect(Type::Reduce, "reduce");
    return m_children[1];
}

const Value& Value::object() const
{
    expect(Type::Build, "build");
    return m_children[0];
}

const Value& Value::state() const
{
    expect(Type::Build, "build");
    return m_children[1];
}

const Value& Value::pid() const
{
    expect(Type::PersistentId, "persistent id");
    return m_children[0];
}

static void reprString(std::ostringstream& out, const std::string& s, char prefix)
{
    if (prefix)
        out << prefix;
    out << '\'';
    for (unsigned char c : s) {
        if (c == '\\' || c == '\'')
            out << '\\' << c;
        else if (c < 0x20 || c == 0x7f || (prefix && c >= 0x80)) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out << buf;
        } else
            out << c;
    }
    out << '\'';
}

static void reprInto(std::ostringstream& out, const Value& v)
{
    using T = Value::Type;
    auto seq = [&](const std::vector<Value>& items) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i)
                out << ", ";
            reprInto(out, items[i]);
        }
    };
    auto extras = [&]() {
        if (!v.items().empty()) {
            out << " + [";
            seq(v.items());
            out << "]";
        }
        if (!v.dictItems().empty()) {
            out << " + {";
            bool first = true;
            for (const auto& [k, val] : v.dictItems()) {
                out << (first ? "" : ", ");
                first = false;
                reprInto(out, k);
                out << ": ";
                reprInto(out, val);
            }
            out << "}";
        }
    };
    switch (v.type()) {
    case T::None:
        out << "None";
        break;
    case T::Bool:
        out << (v.toBool() ? "True" : "False");
        break;
    case T::Int:
        out << v.toInt();
        break;
    case T::Float: {
        char buf[40];
        std::snprintf(buf, sizeof buf, "%.17g", v.toDouble());
        out << buf;
        break;
    }
    case T::String:
        reprString(out, v.toStr(), 0);
        break;
    case T::Bytes:
        reprString(out, v.toBytes(), 'b');
        break;
    case T::List:
        out << '[';
        seq(v.items());
        out << ']';
        break;
    case T::Tuple:
        out << '(';
        seq(v.items());
        if (v.items().size() == 1)
            out << ',';
        out << ')';
        break;
    case T::Dict: {
        out << '{';
        bool first = true;
        for (const auto& [k, val] : v.dictItems()) {
            out << (first ? "" : ", ");
            first = false;
            reprInto(out, k);
            out << ": ";
            reprInto(out, val);
        }
        out << '}';
        break;
    }
    case T::Global:
        out << v.globalModule() << '.' << v.globalName();
        break;
    case T::Reduce:
        reprInto(out, v.callable());
        out << (v.isNewObj() ? ".__new__" : "");
        reprInto(out, v.args());
        extras();
        break;
    case T::Build:
        out << "build(";
        reprInto(out, v.object());
        out << ", ";
        reprInto(out, v.state());
        out << ')';
        extras();
        break;
    case T::PersistentId:
        out << "persid(";
        reprInto(out, v.pid());
        out << ')';
        break;
    }
}

std::string Value::repr() const
{
    std::ostringstream out;
    reprInto(out, *this);
    return out.str();
}

bool Value::operator==(const Value& o) const
{
    if (m_type != o.m_type)
        return false;
    switch (m_type) {
    case Type::None:
        return true;
    case Type::Bool:
        return m_bool == o.m_bool;
    case Type::Int:
        return m_int == o.m_int;
    case Type::Float:
        return m_double == o.m_double || (std::isnan(m_double) && std::isnan(o.m_double));
    default:
        return m_newObj == o.m_newObj && m_str == o.m_str && m_str2 == o.m_str2 &&
               m_children == o.m_children && m_items == o.m_items && m_dict == o.m_dict;
    }
}

// ---------------------------------------------------------------- decoding

namespace {

enum Op : unsigned char {
    MARK = '(',
    STOP = '.',
    POP = '0',
    POP_MARK = '1',
    DUP = '2',
    BINFLOAT = 'G',
    BININT = 'J',
    BININT1 = 'K',
    BININT2 = 'M',
    NONE = 'N',
    BINPERSID = 'Q',
    REDUCE = 'R',
    BINUNICODE = 'X',
    EMPTY_LIST = ']',
    APPEND = 'a',
    BUILD = 'b',
    GLOBAL = 'c',
    APPENDS = 'e',
    BINGET = 'h',
    LONG_BINGET = 'j',
    EMPTY_DICT = '}',
    SETITEM = 's',
    TUPLE = 't',
    SETITEMS = 'u',
    EMPTY_TUPLE = ')',
    BINPUT = 'q',
    LONG_BINPUT = 'r',
    PROTO = 0x80,
    NEWOBJ = 0x81,
    TUPLE1 = 0x85,
    TUPLE2 = 0x86,
    TUPLE3 = 0x87,
    NEWTRUE = 0x88,
    NEWFALSE = 0x89,
    LONG1 = 0x8a,
    SHORT_BINBYTES = 'C',
    BINBYTES = 'B',
    SHORT_BINUNICODE = 0x8c,
    BINUNICODE8 = 0x8d,
    BINBYTES8 = 0x8e,
    STACK_GLOBAL = 0x93,
    MEMOIZE = 0x94,
    FRAME = 0x95,
};

// The decoder works on an arena of nodes addressed by index: memo entries and
// containers share nodes (as Python's objects do, so APPEND after BINPUT is
// seen through the memo), nothing is recursive while parsing, and the tree is
// only built at the end, with depth and size limits.
struct Node {
    Value::Type type = Value::Type::None;
    bool newObj = false;
    bool b = false;
    std::int64_t i = 0;
    double d = 0;
    std::string s, s2;
    std::vector<std::uint32_t> children;
    std::vector<std::uint32_t> items;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> dict;
};

class Decoder {
public:
    Decoder(std::string_view data, const DecodeOptions& options) : m_data(data), m_opt(options) {}

    Value run()
    {
        while (true) {
            CLIPWB_CHECK(m_pos < m_data.size(), prefix(), "truncated pickle: no STOP opcode after ",
                         m_data.size(), " bytes");
            m_opPos = m_pos;
            const unsigned char op = static_cast<unsigned char>(m_data[m_pos++]);
            if (op == STOP) {
                const std::uint32_t top = pop();
                m_valueCount = 0;
                return toValue(top, 0);
            }
            step(op);
        }
    }

    /// Offset just past the last opcode read (after run(): past STOP).
    std::size_t position() const { return m_pos; }

private:
    std::string prefix() const { return m_opt.what.empty() ? std::string() : m_opt.what + ": "; }

    [[noreturn]] void fail(const std::string& message) const
    {
        const unsigned char op = m_opPos < m_data.size() ? static_cast<unsigned char>(m_data[m_opPos]) : 0;
        char buf[96];
        if (op >= 0x20 && op < 0x7f)
            std::snprintf(buf, sizeof buf, " (opcode '%c' at offset %zu)", op, m_opPos);
        else
            std::snprintf(buf, sizeof buf, " (opcode 0x%02x at offset %zu)", op, m_opPos);
        throw Error(prefix() + "bad pickle: " + message + buf);
    }

    std::string_view take(std::uint64_t n)
    {
        if (n > m_data.size() - m_pos)
            fail("truncated data (needs " + std::to_string(n) + " bytes, " +
                 std::to_string(m_data.size() - m_pos) + " left)");
        std::string_view r = m_data.substr(m_pos, static_cast<std::size_t>(n));
        m_pos += static_cast<std::size_t>(n);
        return r;
    }

    std::uint64_t readUInt(int n)
    {
        const std::string_view b = take(static_cast<std::uint64_t>(n));
        std::uint64_t v = 0;
        for (int k = n - 1; k >= 0; --k)
            v = (v << 8) | static_cast<unsigned char>(b[static_cast<std::size_t>(k)]);
        return v;
    }

    std::uint32_t add(Node node)
    {
        CLIPWB_CHECK(m_nodes.size() < std::numeric_limits<std::uint32_t>::max(), prefix(),
                     "bad pickle: too many objects");
        m_nodes.push_back(std::move(node));
        return static_cast<std::uint32_t>(m_nodes.size() - 1);
    }

    void push(std::uint32_t index) { m_stack.push_back(index); }
    std::uint32_t pushNew(Node node)
    {
        const std::uint32_t idx = add(std::move(node));
        push(idx);
        return idx;
    }

    std::uint32_t pop()
    {
        if (m_stack.size() <= currentMarkBase())
            fail("stack underflow");
        const std::uint32_t v = m_stack.back();
        m_stack.pop_back();
        return v;
    }

    std::uint32_t top()
    {
        if (m_stack.size() <= currentMarkBase())
            fail("stack underflow");
        return m_stack.back();
    }

    std::size_t currentMarkBase() const { return m_marks.empty() ? 0 : m_marks.back(); }

    std::vector<std::uint32_t> popMark()
    {
        if (m_marks.empty())
            fail("no MARK on the stack");
        const std::size_t base = m_marks.back();
        m_marks.pop_back();
        std::vector<std::uint32_t> items(m_stack.begin() + static_cast<std::ptrdiff_t>(base), m_stack.end());
        m_stack.resize(base);
        return items;
    }

    Node makeTuple(std::vector<std::uint32_t> items)
    {
        Node n;
        n.type = Value::Type::Tuple;
        n.items = std::move(items);
        return n;
    }

    std::string takeString(std::uint64_t n) { return std::string(take(n)); }

    void checkGlobal(const std::string& module, const std::string& name)
    {
        if (m_opt.allowedGlobals && !m_opt.allowedGlobals->count({module, name}))
            fail("global '" + module + "." + name + "' is not allowed");
    }

    void pushGlobal(std::string module, std::string name)
    {
        checkGlobal(module, name);
        Node n;
        n.type = Value::Type::Global;
        n.s = std::move(module);
        n.s2 = std::move(name);
        pushNew(std::move(n));
    }

    std::string readLine()
    {
        const std::size_t end = m_data.find('\n', m_pos);
        if (end == std::string_view::npos)
            fail("truncated data (unterminated GLOBAL line)");
        std::string line(m_data.substr(m_pos, end - m_pos));
        m_pos = end + 1;
        return line;
    }

    void appendTo(std::uint32_t target, const std::vector<std::uint32_t>& values)
    {
        Node& t = m_nodes[target];
        using T = Value::Type;
        if (t.type != T::List && t.type != T::Reduce && t.type != T::Build)
            fail("APPEND(S) to a " + typeOf(t));
        t.items.insert(t.items.end(), values.begin(), values.end());
    }

    void setItems(std::uint32_t target, const std::vector<std::uint32_t>& kv)
    {
        if (kv.size() % 2)
            fail("SETITEMS with an odd number of items");
        Node& t = m_nodes[target];
        using T = Value::Type;
        if (t.type != T::Dict && t.type != T::Reduce && t.type != T::Build)
            fail("SETITEM(S) on a " + typeOf(t));
        for (std::size_t k = 0; k < kv.size(); k += 2) {
            // Python's dict semantics: a repeated key replaces the value in place.
            bool replaced = false;
            if (t.type == T::Dict)
                for (auto& entry : t.dict)
                    if (sameKey(entry.first, kv[k])) {
                        entry.second = kv[k + 1];
                        replaced = true;
                        break;
                    }
            if (!replaced)
                t.dict.emplace_back(kv[k], kv[k + 1]);
        }
    }

    bool sameKey(std::uint32_t a, std::uint32_t b) const
    {
        if (a == b)
            return true;
        const Node& x = m_nodes[a];
        const Node& y = m_nodes[b];
        using T = Value::Type;
        if (x.type != y.type)
            return false;
        switch (x.type) {
        case T::String:
        case T::Bytes:
            return x.s == y.s;
        case T::Int:
            return x.i == y.i;
        case T::None:
            return true;
        case T::Bool:
            return x.b == y.b;
        default:
            return false; // tuples etc. as keys: kept as separate entries
        }
    }

    static std::string typeOf(const Node& n)
    {
        switch (n.type) {
        case Value::Type::Tuple:
            return "tuple";
        case Value::Type::Dict:
            return "dict";
        case Value::Type::List:
            return "list";
        case Value::Type::String:
            return "str";
        case Value::Type::Global:
            return "global";
        default:
            return "non-container value";
        }
    }

    void memoPut(std::uint64_t index)
    {
        if (m_stack.empty())
            fail("memo store with an empty stack");
        m_memo[index] = m_stack.back();
    }

    void memoGet(std::uint64_t index)
    {
        const auto it = m_memo.find(index);
        if (it == m_memo.end())
            fail("memo key " + std::to_string(index) + " not found");
        push(it->second);
    }

    void step(unsigned char op)
    {
        using T = Value::Type;
        switch (op) {
        case PROTO: {
            const auto proto = readUInt(1);
            if (proto > 5)
                fail("unsupported protocol " + std::to_string(proto));
            break;
        }
        case FRAME: {
            const std::uint64_t n = readUInt(8);
            if (n > m_data.size() - m_pos)
                fail("truncated data (frame of " + std::to_string(n) + " bytes)");
            break;
        }
        case MARK:
            m_marks.push_back(m_stack.size());
            break;
        case POP:
            if (m_stack.size() > currentMarkBase())
                m_stack.pop_back();
            else
                popMark();
            break;
        case POP_MARK:
            popMark();
            break;
        case DUP:
            push(top());
            break;
        case NONE:
            pushNew(Node{});
            break;
        case NEWTRUE:
        case NEWFALSE: {
            Node n;
            n.type = T::Bool;
            n.b = op == NEWTRUE;
            pushNew(std::move(n));
            break;
        }
        case BININT:
        case BININT1:
        case BININT2: {
            Node n;
            n.type = T::Int;
            if (op == BININT)
                n.i = static_cast<std::int32_t>(static_cast<std::uint32_t>(readUInt(4)));
            else
                n.i = static_cast<std::int64_t>(readUInt(op == BININT1 ? 1 : 2));
            pushNew(std::move(n));
            break;
        }
        case LONG1: {
            const auto len = readUInt(1);
            if (len > 8)
                fail("integer wider than 64 bits (" + std::to_string(len) + " bytes)");
            const std::string_view b = take(len);
            std::uint64_t v = 0;
            for (std::size_t k = len; k-- > 0;)
                v = (v << 8) | static_cast<unsigned char>(b[k]);
            if (len > 0 && len < 8 && (static_cast<unsigned char>(b[len - 1]) & 0x80))
                v |= ~std::uint64_t(0) << (8 * len); // sign-extend
            Node n;
            n.type = T::Int;
            n.i = static_cast<std::int64_t>(v);
            pushNew(std::move(n));
            break;
        }
        case BINFLOAT: {
            const std::string_view b = take(8);
            std::uint64_t bits = 0;
            for (std::size_t k = 0; k < 8; ++k)
                bits = (bits << 8) | static_cast<unsigned char>(b[k]); // big-endian
            Node n;
            n.type = T::Float;
            std::memcpy(&n.d, &bits, sizeof bits);
            pushNew(std::move(n));
            break;
        }
        case SHORT_BINUNICODE:
        case BINUNICODE:
        case BINUNICODE8:
        case SHORT_BINBYTES:
        case BINBYTES:
        case BINBYTES8: {
            const int width = (op == SHORT_BINUNICODE || op == SHORT_BINBYTES) ? 1
                              : (op == BINUNICODE8 || op == BINBYTES8)         ? 8
                                                                               : 4;
            const std::uint64_t len = readUInt(width);
            Node n;
            n.type = (op == SHORT_BINUNICODE || op == BINUNICODE || op == BINUNICODE8) ? T::String : T::Bytes;
            n.s = takeString(len);
            pushNew(std::move(n));
            break;
        }
        case EMPTY_TUPLE:
            pushNew(makeTuple({}));
            break;
        case TUPLE1:
        case TUPLE2:
        case TUPLE3: {
            const std::size_t count = op - TUPLE1 + 1u;
            if (m_stack.size() < currentMarkBase() + count)
                fail("stack underflow");
            std::vector<std::uint32_t> items(m_stack.end() - static_cast<std::ptrdiff_t>(count),
                                             m_stack.end());
            m_stack.resize(m_stack.size() - count);
            pushNew(makeTuple(std::move(items)));
            break;
        }
        case TUPLE:
            pushNew(makeTuple(popMark()));
            break;
        case EMPTY_LIST: {
            Node n;
            n.type = T::List;
            pushNew(std::move(n));
            break;
        }
        case APPEND: {
            const std::uint32_t v = pop();
            appendTo(top(), {v});
            break;
        }
        case APPENDS: {
            auto values = popMark();
            appendTo(top(), values);
            break;
        }
        case EMPTY_DICT: {
            Node n;
            n.type = T::Dict;
            pushNew(std::move(n));
            break;
        }
        case SETITEM: {
            const std::uint32_t v = pop();
            const std::uint32_t k = pop();
            setItems(top(), {k, v});
            break;
        }
        case SETITEMS: {
            auto kv = popMark();
            setItems(top(), kv);
            break;
        }
        case GLOBAL: {
            std::string module = readLine();
            std::string name = readLine();
            pushGlobal(std::move(module), std::move(name));
            break;
        }
        case STACK_GLOBAL: {
            const std::uint32_t name = pop();
            const std::uint32_t module = pop();
            if (m_nodes[name].type != T::String || m_nodes[module].type != T::String)
                fail("STACK_GLOBAL needs two strings");
            pushGlobal(m_nodes[module].s, m_nodes[name].s);
            break;
        }
        case REDUCE:
        case NEWOBJ: {
            const std::uint32_t args = pop();
            const std::uint32_t callable = pop();
            if (m_nodes[args].type != T::Tuple)
                fail(std::string(op == REDUCE ? "REDUCE" : "NEWOBJ") + " arguments are not a tuple");
            Node n;
            n.type = T::Reduce;
            n.newObj = op == NEWOBJ;
            n.children = {callable, args};
            pushNew(std::move(n));
            break;
        }
        case BUILD: {
            const std::uint32_t state = pop();
            const std::uint32_t object = top();
            // In place, so that memo references to the object see the built object.
            Node original = std::move(m_nodes[object]);
            const std::uint32_t moved = add(std::move(original));
            Node n;
            n.type = T::Build;
            n.children = {moved, state};
            m_nodes[object] = std::move(n);
            break;
        }
        case BINPERSID: {
            const std::uint32_t pid = pop();
            Node n;
            n.type = T::PersistentId;
            n.children = {pid};
            pushNew(std::move(n));
            break;
        }
        case BINPUT:
            memoPut(readUInt(1));
            break;
        case LONG_BINPUT:
            memoPut(readUInt(4));
            break;
        case MEMOIZE:
            memoPut(m_memo.size());
            break;
        case BINGET:
            memoGet(readUInt(1));
            break;
        case LONG_BINGET:
            memoGet(readUInt(4));
            break;
        default:
            fail("unsupported opcode");
        }
    }

    Value toValue(std::uint32_t index, std::size_t depth)
    {
        using T = Value::Type;
        if (depth > m_opt.maxDepth)
            throw Error(prefix() + "bad pickle: nesting deeper than " + std::to_string(m_opt.maxDepth) +
                        " (or a reference cycle)");
        if (++m_valueCount > m_opt.maxValues)
            throw Error(prefix() + "bad pickle: more than " + std::to_string(m_opt.maxValues) + " values");
        const Node& n = m_nodes[index];
        auto convertItems = [&](const std::vector<std::uint32_t>& ids) {
            std::vector<Value> out;
            out.reserve(ids.size());
            for (auto id : ids)
                out.push_back(toValue(id, depth + 1));
            return out;
        };
        auto convertDict = [&](const std::vector<std::pair<std::uint32_t, std::uint32_t>>& kv) {
            std::vector<std::pair<Value, Value>> out;
            out.reserve(kv.size());
            for (const auto& [k, v] : kv) {
                Value key = toValue(k, depth + 1);
                out.emplace_back(std::move(key), toValue(v, depth + 1));
            }
            return out;
        };
        switch (n.type) {
        case T::None:
            return Value();
        case T::Bool:
            return Value::boolean(n.b);
        case T::Int:
            return Value::integer(n.i);
        case T::Float:
            return Value::floating(n.d);
        case T::String:
            return Value::string(n.s);
        case T::Bytes:
            return Value::bytes(n.s);
        case T::List:
            return Value::list(convertItems(n.items));
        case T::Tuple:
            return Value::tuple(convertItems(n.items));
        case T::Dict:
            return Value::dict(convertDict(n.dict));
        case T::Global:
            return Value::global(n.s, n.s2);
        case T::PersistentId:
            return Value::persistentId(toValue(n.children[0], depth + 1));
        case T::Reduce:
        case T::Build: {
            Value a = toValue(n.children[0], depth + 1);
            Value b = toValue(n.children[1], depth + 1);
            Value r = n.type == T::Reduce ? Value::reduce(std::move(a), std::move(b), n.newObj)
                                          : Value::build(std::move(a), std::move(b));
            r.items() = convertItems(n.items);
            r.dictItems() = convertDict(n.dict);
            return r;
        }
        }
        return Value();
    }

    std::string_view m_data;
    const DecodeOptions& m_opt;
    std::size_t m_pos = 0;
    std::size_t m_opPos = 0;
    std::vector<Node> m_nodes;
    std::vector<std::uint32_t> m_stack;
    std::vector<std::size_t> m_marks;
    std::unordered_map<std::uint64_t, std::uint32_t> m_memo;
    std::size_t m_valueCount = 0;
};

// ---------------------------------------------------------------- encoding

class Encoder {
public:
    explicit Encoder(int protocol) : m_proto(protocol)
    {
        CLIPWB_CHECK(protocol == 2 || protocol == 4, "pickle: can only write protocol 2 or 4, not ",
                     protocol);
    }

    std::string run(const Value& v)
    {
        m_out.push_back(static_cast<char>(PROTO));
        m_out.push_back(static_cast<char>(m_proto));
        m_frameStart = m_out.size();
        save(v, 0);
        op(STOP);
        commitFrame(true);
        return m_out;
    }

private:
    bool framing() const { return m_proto >= 4; }
    std::string& sink() { return framing() ? m_frame : m_out; }

    void commitFrame(bool force)
    {
        if (!framing() || m_frame.empty())
            return;
        if (m_frame.size() < kFrameTarget && !force)
            return;
        if (m_frame.size() >= 4) {
            m_out.push_back(static_cast<char>(FRAME));
            putUInt(m_out, m_frame.size(), 8);
        }
        m_out += m_frame;
        m_frame.clear();
    }

    static void putUInt(std::string& out, std::uint64_t v, int n)
    {
        for (int k = 0; k < n; ++k)
            out.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
    }

    void op(unsigned char o) { sink().push_back(static_cast<char>(o)); }

    void memoize()
    {
        if (m_proto >= 4) {
            op(MEMOIZE);
        } else if (m_memoCount < 256) {
            op(BINPUT);
            sink().push_back(static_cast<char>(m_memoCount));
        } else {
            op(LONG_BINPUT);
            putUInt(sink(), m_memoCount, 4);
        }
        ++m_memoCount;
    }

    void saveInt(std::int64_t v)
    {
        if (v >= 0 && v <= 0xff) {
            op(BININT1);
            putUInt(sink(), static_cast<std::uint64_t>(v), 1);
        } else if (v >= 0 && v <= 0xffff) {
            op(BININT2);
            putUInt(sink(), static_cast<std::uint64_t>(v), 2);
        } else if (v >= -0x80000000LL && v <= 0x7fffffffLL) {
            op(BININT);
            putUInt(sink(), static_cast<std::uint32_t>(static_cast<std::int32_t>(v)), 4);
        } else {
            // Python's encode_long: minimal little-endian two's complement.
            std::string bytes;
            std::uint64_t u = static_cast<std::uint64_t>(v);
            for (int k = 0; k < 8; ++k)
                bytes.push_back(static_cast<char>((u >> (8 * k)) & 0xff));
            while (bytes.size() > 1) {
                const auto last = static_cast<unsigned char>(bytes.back());
                const auto prev = static_cast<unsigned char>(bytes[bytes.size() - 2]);
                if ((last == 0x00 && !(prev & 0x80)) || (last == 0xff && (prev & 0x80)))
                    bytes.pop_back();
                else
                    break;
            }
            op(LONG1);
            sink().push_back(static_cast<char>(bytes.size()));
            sink() += bytes;
        }
    }

    void saveLarge(unsigned char opcode, int width, const std::string& payload)
    {
        // Like CPython, large payloads go outside frames.
        if (framing() && payload.size() >= kFrameTarget) {
            commitFrame(true);
            m_out.push_back(static_cast<char>(opcode));
            putUInt(m_out, payload.size(), width);
            m_out += payload;
            return;
        }
        op(opcode);
        putUInt(sink(), payload.size(), width);
        sink() += payload;
    }

    void saveStr(const std::string& s)
    {
        if (m_proto >= 4 && s.size() < 256)
            saveLarge(SHORT_BINUNICODE, 1, s);
        else if (s.size() > 0xffffffffULL)
            saveLarge(BINUNICODE8, 8, s);
        else
            saveLarge(BINUNICODE, 4, s);
        memoize();
    }

    void saveBytes(const std::string& b, std::size_t depth)
    {
        if (m_proto < 3) {
            // CPython writes bytes for protocol 2 as _codecs.encode(latin-1 text, 'latin1').
            if (b.empty()) {
                save(Value::reduce(Value::global("__builtin__", "bytes"), Value::tuple()), depth);
                return;
            }
            std::string latin1;
            for (unsigned char c : b) {
                if (c < 0x80)
                    latin1.push_back(static_cast<char>(c));
                else {
                    latin1.push_back(static_cast<char>(0xc0 | (c >> 6)));
                    latin1.push_back(static_cast<char>(0x80 | (c & 0x3f)));
                }
            }
            save(Value::reduce(Value::global("_codecs", "encode"),
                               Value::tuple({Value::string(latin1), Value::string("latin1")})),
                 depth);
            return;
        }
        if (b.size() < 256)
            saveLarge(SHORT_BINBYTES, 1, b);
        else if (b.size() > 0xffffffffULL)
            saveLarge(BINBYTES8, 8, b);
        else
            saveLarge(BINBYTES, 4, b);
        memoize();
    }

    void batched(const std::vector<Value>& items, std::size_t depth)
    {
        for (std::size_t start = 0; start < items.size(); start += 1000) {
            const std::size_t end = std::min(items.size(), start + 1000);
            if (end - start == 1) {
                save(items[start], depth + 1);
                op(APPEND);
            } else {
                op(MARK);
                for (std::size_t k = start; k < end; ++k)
                    save(items[k], depth + 1);
                op(APPENDS);
            }
        }
    }

    void batchedDict(const std::vector<std::pair<Value, Value>>& kv, std::size_t depth)
    {
        for (std::size_t start = 0; start < kv.size(); start += 1000) {
            const std::size_t end = std::min(kv.size(), start + 1000);
            if (end - start == 1) {
                save(kv[start].first, depth + 1);
                save(kv[start].second, depth + 1);
                op(SETITEM);
            } else {
                op(MARK);
                for (std::size_t k = start; k < end; ++k) {
                    save(kv[k].first, depth + 1);
                    save(kv[k].second, depth + 1);
                }
                op(SETITEMS);
            }
        }
    }

    void save(const Value& v, std::size_t depth)
    {
        using T = Value::Type;
        CLIPWB_CHECK(depth < 10000, "pickle: value nested too deeply to encode");
        switch (v.type()) {
        case T::None:
            op(NONE);
            break;
        case T::Bool:
            op(v.toBool() ? NEWTRUE : NEWFALSE);
            break;
        case T::Int:
            saveInt(v.toInt());
            break;
        case T::Float: {
            op(BINFLOAT);
            std::uint64_t bits;
            const double d = v.toDouble();
            std::memcpy(&bits, &d, sizeof bits);
            for (int k = 7; k >= 0; --k)
                sink().push_back(static_cast<char>((bits >> (8 * k)) & 0xff));
            break;
        }
        case T::String:
            saveStr(v.toStr());
            break;
        case T::Bytes:
            saveBytes(v.toBytes(), depth);
            break;
        case T::Tuple: {
            const auto& items = v.items();
            if (items.empty()) {
                op(EMPTY_TUPLE);
                break; // CPython does not memoize the empty tuple
            }
            if (items.size() <= 3) {
                for (const auto& item : items)
                    save(item, depth + 1);
                op(static_cast<unsigned char>(TUPLE1 + items.size() - 1));
            } else {
                op(MARK);
                for (const auto& item : items)
                    save(item, depth + 1);
                op(TUPLE);
            }
            memoize();
            break;
        }
        case T::List:
            op(EMPTY_LIST);
            memoize();
            batched(v.items(), depth);
            break;
        case T::Dict:
            op(EMPTY_DICT);
            memoize();
            batchedDict(v.dictItems(), depth);
            break;
        case T::Global:
            if (m_proto >= 4) {
                saveStr(v.globalModule());
                saveStr(v.globalName());
                op(STACK_GLOBAL);
            } else {
                op(GLOBAL);
                sink() += v.globalModule() + "\n" + v.globalName() + "\n";
            }
            memoize();
            break;
        case T::Reduce:
            save(v.callable(), depth + 1);
            save(v.args(), depth + 1);
            op(v.isNewObj() ? NEWOBJ : REDUCE);
            memoize();
            batched(v.items(), depth);
            batchedDict(v.dictItems(), depth);
            break;
        case T::Build:
            save(v.object(), depth + 1);
            save(v.state(), depth + 1);
            op(BUILD);
            batched(v.items(), depth);
            batchedDict(v.dictItems(), depth);
            break;
        case T::PersistentId:
            save(v.pid(), depth + 1);
            op(BINPERSID);
            break;
        }
        commitFrame(false);
    }

    static constexpr std::size_t kFrameTarget = 64 * 1024;
    int m_proto;
    std::string m_out;
    std::string m_frame;
    std::size_t m_frameStart = 0;
    std::uint64_t m_memoCount = 0;
};

} // namespace

Value decode(std::string_view data, const DecodeOptions& options, std::size_t* consumed)
{
    Decoder decoder(data, options);
    Value value = decoder.run();
    if (consumed)
        *consumed = decoder.position();
    return value;
}

std::string encode(const Value& value, int protocol)
{
    return Encoder(protocol).run(value);
}

} // namespace clipwb::pickle
