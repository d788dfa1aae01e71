/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The desktop keyring through libsecret, in process (no secret-tool).  GLib
 * types stay in this file.  Lookups never unlock anything (no prompt can
 * appear and block a run); a locked item is reported as such.
 */
#include "secrets/secrets.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libsecret/secret.h>

#include "base/alloc.h"
#include "base/session-bus.h"
#include "base/banned.h"

static GHashTable *attributes_of(const struct cfg_map *attrs)
{
    GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);
    for (size_t i = 0; i < attrs->n; i++)
        g_hash_table_insert(h, attrs->v[i].key, attrs->v[i].value);
    return h;
}

static int connect_service(SecretService **ret, struct ags_error *err)
{
    if (!session_bus_known())
        return ags_error_set(err, -ENOTCONN, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS "
                                             "is unset): the desktop keyring is unreachable");
    GError *gerr = NULL;
    SecretService *s = secret_service_get_sync(SECRET_SERVICE_OPEN_SESSION, NULL, &gerr);
    if (!s) {
        int r = ags_error_set(err, -ENOTCONN, "cannot reach the desktop keyring: %s",
                              gerr ? gerr->message : "unknown error");
        g_clear_error(&gerr);
        return r;
    }
    *ret = s;
    return 0;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Copies the value out of GLib memory, trimmed; the SecretValue is wiped by
 * libsecret when its last reference goes. */
static int take_value(SecretValue *value, char **ret, size_t *ret_len)
{
    gsize len = 0;
    const gchar *data = secret_value_get(value, &len);
    while (len > 0 && is_blank(data[0])) {
        data++;
        len--;
    }
    while (len > 0 && is_blank(data[len - 1]))
        len--;
    /* An environment variable cannot carry a NUL: such a value is unusable. */
    if (len == 0 || len > AGS_SECRET_MAX_VALUE || memchr(data, '\0', len))
        return -ENOENT;
    char *v = xmalloc(len + 1);
    memcpy(v, data, len);
    v[len] = '\0';
    *ret = v;
    *ret_len = len;
    return 0;
}

int secrets_keyring_lookup(const struct cfg_map *attrs, char **ret, size_t *ret_len,
                           struct ags_error *err)
{
    SecretService *service = NULL;
    int r = connect_service(&service, err);
    if (r < 0)
        return r;
    GHashTable *h = attributes_of(attrs);
    GError *gerr = NULL;
    /* No SECRET_SEARCH_UNLOCK: locked items come back without their secret.
     * (The flags are a bit set; the enum type has no member for the union.) */
    const SecretSearchFlags flags = (SecretSearchFlags)((unsigned)SECRET_SEARCH_ALL |
                                                        (unsigned)SECRET_SEARCH_LOAD_SECRETS);
    GList *items = secret_service_search_sync(service, NULL, h, flags, NULL, &gerr);
    g_hash_table_unref(h);
    if (gerr) {
        r = ags_error_set(err, -EIO, "keyring search failed: %s", gerr->message);
        g_clear_error(&gerr);
        g_object_unref(service);
        return r;
    }
    bool locked = false;
    r = -ENOENT;
    for (GList *l = items; l && r == -ENOENT; l = l->next) {
        SecretItem *item = l->data;
        SecretValue *value = secret_item_get_secret(item);
        if (!value) {
            /* Not loaded: its collection is locked.  (gnome-keyring 42 still
             * reports such items as unlocked, so their Locked flag is no help.) */
            locked = true;
            continue;
        }
        r = take_value(value, ret, ret_len);
        secret_value_unref(value);
    }
    g_list_free_full(items, g_object_unref);
    g_object_unref(service);
    if (r == -ENOENT && locked)
        return ags_error_set(err, -EACCES, "the keyring holding it is locked (unlock it, e.g. by "
                                           "logging in to the desktop session, and retry)");
    if (r == -ENOENT)
        return ags_error_set(err, -ENOENT, "no keyring item matches");
    return r;
}

int secrets_keyring_probe(struct ags_error *err)
{
    SecretService *service = NULL;
    int r = connect_service(&service, err);
    if (r == 0)
        g_object_unref(service);
    return r;
}

int secrets_keyring_store(const struct cfg_map *attrs, const char *label, const char *value,
                          size_t len, struct ags_error *err)
{
    SecretService *service = NULL;
    int r = connect_service(&service, err);
    if (r < 0)
        return r;
    GHashTable *h = attributes_of(attrs);
    SecretValue *v = secret_value_new(value, (gssize)len, "text/plain");
    GError *gerr = NULL;
    gboolean ok = secret_service_store_sync(service, NULL, h, SECRET_COLLECTION_DEFAULT, label, v,
                                            NULL, &gerr);
    secret_value_unref(v);
    g_hash_table_unref(h);
    g_object_unref(service);
    if (!ok) {
        r = ags_error_set(err, -EIO, "storing in the keyring failed: %s",
                          gerr ? gerr->message : "unknown error");
        g_clear_error(&gerr);
        return r;
    }
    return 0;
}
