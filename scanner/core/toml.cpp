/*
 * toml.cpp - the one C++ file of keysift: cpptoml's parse turned into the
 * plain C tree of toml.h.
 *
 * Why C++: Debian 12 packages no C TOML library, and a hand-written parser
 * is what keysift does not want; cpptoml (libcpptoml-dev) is header-only.
 * Nothing C++ crosses the interface: exceptions are caught here, the tree
 * is allocated with ks_xmalloc and freed by ks_toml_free, errors are set
 * with ks_error_set like everywhere else.
 */
#include "toml.h"

extern "C" {
#include "ks.h"
}

#include <cstdlib>
#include <cstring>
#include <exception>
#include <string>

/* cpptoml is not written for -Wshadow -Wconversion; its warnings are not
 * ours to fix. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wundef"
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#include <cpptoml.h>
#pragma GCC diagnostic pop

namespace {

char *dup(const std::string &s)
{
    return ks_xstrndup(s.data(), s.size());
}

void convert(ks_toml *out, const std::shared_ptr<cpptoml::base> &b);

void convert_table(ks_toml *out, const cpptoml::table &t)
{
    out->type = KS_TOML_TABLE;
    size_t n = 0;
    for (auto it = t.begin(); it != t.end(); ++it)
        n++;
    out->items = static_cast<ks_toml *>(ks_xcalloc(n ? n : 1, sizeof(ks_toml)));
    /* std::map: the entries come sorted by key. */
    for (auto it = t.begin(); it != t.end(); ++it) {
        ks_toml *e = &out->items[out->nitems++];
        e->key = dup(it->first);
        convert(e, it->second);
    }
}

void convert(ks_toml *out, const std::shared_ptr<cpptoml::base> &b)
{
    if (b->is_table()) {
        convert_table(out, *b->as_table());
    } else if (b->is_table_array()) {
        auto ta = b->as_table_array();
        out->type = KS_TOML_ARRAY;
        size_t n = ta->get().size();
        out->items = static_cast<ks_toml *>(ks_xcalloc(n ? n : 1, sizeof(ks_toml)));
        for (const auto &t : ta->get())
            convert_table(&out->items[out->nitems++], *t);
    } else if (b->is_array()) {
        auto a = b->as_array();
        out->type = KS_TOML_ARRAY;
        size_t n = a->get().size();
        out->items = static_cast<ks_toml *>(ks_xcalloc(n ? n : 1, sizeof(ks_toml)));
        for (const auto &v : a->get())
            convert(&out->items[out->nitems++], v);
    } else if (auto s = b->as<std::string>()) {
        out->type = KS_TOML_STRING;
        out->string = dup(s->get());
    } else if (auto i = b->as<int64_t>()) {
        out->type = KS_TOML_INTEGER;
        out->integer = i->get();
        out->number = static_cast<double>(i->get());
    } else if (auto d = b->as<double>()) {
        out->type = KS_TOML_FLOAT;
        out->number = d->get();
    } else if (auto v = b->as<bool>()) {
        out->type = KS_TOML_BOOL;
        out->integer = v->get() ? 1 : 0;
    } else {
        out->type = KS_TOML_OTHER;
    }
}

void free_items(ks_toml *t)
{
    for (size_t i = 0; i < t->nitems; i++)
        free_items(&t->items[i]);
    free(t->items);
    free(t->key);
    free(t->string);
}

} // namespace

extern "C" int ks_toml_load_file(ks_toml **out, const char *path)
{
    *out = nullptr;
    ks_toml *t = static_cast<ks_toml *>(ks_xcalloc(1, sizeof *t));
    try {
        auto root = cpptoml::parse_file(path);
        convert_table(t, *root);
    } catch (const cpptoml::parse_exception &e) {
        ks_toml_free(t);
        /* cpptoml says "<what> at line N"; keysift says "file:N: what". */
        std::string msg = e.what();
        size_t at = msg.rfind(" at line ");
        if (at != std::string::npos)
            return ks_error_set(KS_EINVAL, "%s:%s: TOML syntax error: %s", path,
                                msg.c_str() + at + 9, msg.substr(0, at).c_str());
        return ks_error_set(KS_EINVAL, "%s: %s", path, msg.c_str());
    } catch (const std::exception &e) {
        ks_toml_free(t);
        return ks_error_set(KS_EINVAL, "%s: cannot read: %s", path, e.what());
    }
    *out = t;
    return 0;
}

extern "C" void ks_toml_free(ks_toml *t)
{
    if (!t)
        return;
    free_items(t);
    free(t);
}

extern "C" const ks_toml *ks_toml_get(const ks_toml *table, const char *key)
{
    if (!table || table->type != KS_TOML_TABLE)
        return nullptr;
    for (size_t i = 0; i < table->nitems; i++)
        if (std::strcmp(table->items[i].key, key) == 0)
            return &table->items[i];
    return nullptr;
}

extern "C" const char *ks_toml_type_name(ks_toml_type t)
{
    switch (t) {
    case KS_TOML_TABLE:
        return "a table";
    case KS_TOML_ARRAY:
        return "an array";
    case KS_TOML_STRING:
        return "a string";
    case KS_TOML_INTEGER:
        return "an integer";
    case KS_TOML_FLOAT:
        return "a number";
    case KS_TOML_BOOL:
        return "a boolean";
    case KS_TOML_OTHER:
        break;
    }
    return "a date or time";
}
