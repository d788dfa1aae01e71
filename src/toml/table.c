/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Table storage: items stay in document order in an array; once a table
 * grows past a few keys an open-addressing hash index (FNV-1a, linear
 * probing) keeps lookups, and so duplicate-key checks, O(1).
 */
#include "toml/toml-internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/banned.h"

#define INDEX_MIN_LEN 8

struct toml_table_index {
    size_t cap;      /* power of two, at least twice the item count */
    uint32_t *slots; /* item index + 1; 0 = empty */
};

struct toml_value *toml_value_new(enum toml_type type, struct toml_pos pos)
{
    struct toml_value *v = xcalloc(1, sizeof(*v));
    v->type = type;
    v->pos = pos;
    return v;
}

/* The seed is random per process so that a hostile file cannot pick keys
 * that all land in one bucket (repo-local configs are not trusted). */
static uint64_t hash_seed(void)
{
    static uint64_t seed;
    if (seed == 0) {
        uint64_t s = 0;
        if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
            s = (uint64_t)(uintptr_t)&seed ^ (uint64_t)time(NULL);
        seed = s | 1;
    }
    return seed;
}

/* FNV-1a from a random basis, then a finalizer (MurmurHash3's fmix64) so the
 * low bits used for the bucket depend on every input bit. */
static uint64_t hash_key(const char *key, size_t len)
{
    uint64_t h = hash_seed();
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= UINT64_C(0x100000001b3);
    }
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    h ^= h >> 33;
    return h;
}

static bool key_eq(const struct toml_kv *kv, const char *key, size_t len)
{
    return kv->key_len == len && memcmp(kv->key, key, len) == 0;
}

static void index_insert(struct toml_table_index *ix, const struct toml_kv *items, size_t i)
{
    size_t mask = ix->cap - 1;
    size_t slot = (size_t)hash_key(items[i].key, items[i].key_len) & mask;
    while (ix->slots[slot])
        slot = (slot + 1) & mask;
    ix->slots[slot] = (uint32_t)(i + 1);
}

static void index_rebuild(struct toml_table *t)
{
    struct toml_table_index *ix = t->index;
    if (!ix)
        ix = t->index = xcalloc(1, sizeof(*ix));
    size_t cap = 16;
    while (cap < t->len * 2)
        cap *= 2;
    free(ix->slots);
    ix->slots = xcalloc(cap, sizeof(*ix->slots));
    ix->cap = cap;
    for (size_t i = 0; i < t->len; i++)
        index_insert(ix, t->items, i);
}

void toml_table_index_free(struct toml_table *t)
{
    if (t->index)
        free(t->index->slots);
    free(t->index);
    t->index = NULL;
}

struct toml_kv *toml_table_lookup(const struct toml_table *t, const char *key, size_t len)
{
    const struct toml_table_index *ix = t->index;
    if (!ix || ix->cap == 0) {
        for (size_t i = 0; i < t->len; i++)
            if (key_eq(&t->items[i], key, len))
                return &t->items[i];
        return NULL;
    }
    size_t mask = ix->cap - 1;
    for (size_t slot = (size_t)hash_key(key, len) & mask; ix->slots[slot];
         slot = (slot + 1) & mask) {
        struct toml_kv *kv = &t->items[ix->slots[slot] - 1];
        if (key_eq(kv, key, len))
            return kv;
    }
    return NULL;
}

struct toml_kv *toml_table_add(struct toml_table *t, char *key, size_t len, struct toml_pos pos,
                               struct toml_value *v)
{
    t->items = xgrow(t->items, &t->cap, t->len + 1, sizeof(*t->items));
    struct toml_kv *kv = &t->items[t->len++];
    *kv = (struct toml_kv){.key = key, .key_len = len, .key_pos = pos, .value = v};
    if (t->len >= INDEX_MIN_LEN) {
        if (!t->index || t->len * 2 > t->index->cap)
            index_rebuild(t);
        else
            index_insert(t->index, t->items, t->len - 1);
    }
    return kv;
}

void toml_array_push(struct toml_array *a, struct toml_value *v)
{
    a->items = xgrow(a->items, &a->cap, a->len + 1, sizeof(*a->items));
    a->items[a->len++] = v;
}

const char *toml_type_with_article(enum toml_type t)
{
    switch (t) {
    case TOML_TABLE:
        return "a table";
    case TOML_ARRAY:
        return "an array";
    case TOML_STRING:
        return "a string";
    case TOML_INTEGER:
        return "an integer";
    case TOML_FLOAT:
        return "a float";
    case TOML_BOOL:
        return "a boolean";
    case TOML_DATETIME:
        return "an offset date-time";
    case TOML_DATETIME_LOCAL:
        return "a local date-time";
    case TOML_DATE_LOCAL:
        return "a local date";
    case TOML_TIME_LOCAL:
        return "a local time";
    }
    return "a value";
}
