/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/alloc.h"
#include "base/fileio.h"
#include "base/limits.h"
#include "base/sha256.h"
#include "base/strbuf.h"
#include "config/config.h"
#include "config/schema.h"
#include "config/trust-view.h"

static const char *fake_env(const char *name)
{
    if (strcmp(name, "HOME") == 0)
        return "/home/u";
    if (strcmp(name, "TOOLS") == 0)
        return "/opt/tools";
    return NULL;
}

static const struct cfg_host host = {
    .home = "/home/u",
    .cwd = "/work/repo",
    .getenv = fake_env,
};

struct loaded {
    struct ags_config *cfg;
    struct cfg_diag diag;
    int r;
};

static struct loaded load_as(const char *text, bool overlay)
{
    struct loaded l = {0};
    l.r = config_load_buffer(&host, text, strlen(text), "/etc/t.toml", overlay, &l.cfg, &l.diag);
    return l;
}

static struct loaded load(const char *text)
{
    return load_as(text, false);
}

static void loaded_done(struct loaded *l)
{
    config_free(l->cfg);
    cfg_diag_done(&l->diag);
}

static bool has_line(char **lines, size_t n, const char *needle)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(lines[i], needle))
            return true;
    return false;
}

#define assert_error(l, needle)                                                          \
    do {                                                                                 \
        if (!has_line((l).diag.errors, (l).diag.n_errors, needle)) {                    \
            for (size_t i_ = 0; i_ < (l).diag.n_errors; i_++)                            \
                print_message("error: %s\n", (l).diag.errors[i_]);                       \
            fail_msg("no error containing '%s'", needle);                                \
        }                                                                                \
    } while (0)

static void test_file_with_only_sandbox_image_is_complete(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"localhost/x:1\"\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.diag.n_errors, 0);
    assert_int_equal(l.diag.n_warnings, 0);
    assert_string_equal(l.cfg->sandbox.image.v, "localhost/x:1");
    assert_int_equal(l.cfg->sandbox.image.at.line, 2);
    assert_int_equal(l.cfg->sandbox.image.at.col, 9);
    assert_string_equal(l.cfg->sandbox.cache_dir.v, "/home/u/.cache/ags");
    assert_null(l.cfg->sandbox.cache_dir.at.file);
    assert_string_equal(l.cfg->sandbox.auth_key.v, "/home/u/.ssh/ags-agent-auth");
    assert_int_equal(l.cfg->sandbox.pids_limit.v, 4096);
    assert_true(l.cfg->auth_proxy.enabled.v);
    assert_false(l.cfg->browser.enabled.v);
    assert_string_equal(l.cfg->update.pi_spec.v, "@earendil-works/pi-coding-agent");
    assert_int_equal(l.cfg->update.minimum_release_age.v, 1440);
    assert_false(l.cfg->network.host_loopback.v);
    assert_null(l.cfg->network.host_loopback.at.file);
    assert_int_equal(l.cfg->n_mounts, 0);
    loaded_done(&l);
}

static void test_network_host_loopback_is_read_with_its_origin(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"x\"\n[network]\nhost_loopback = true\n");
    assert_int_equal(l.r, 0);
    assert_true(l.cfg->network.host_loopback.v);
    assert_string_equal(l.cfg->network.host_loopback.at.file, "/etc/t.toml");
    assert_int_equal(l.cfg->network.host_loopback.at.line, 4);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"x\"\n[network]\nhost_loopback = \"yes\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:17: network.host_loopback: expected true or false");
    loaded_done(&l);
}

static void test_network_mode_and_allow_default_to_open_and_empty(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"x\"\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->network.mode.v, CFG_NETWORK_OPEN);
    assert_null(l.cfg->network.mode.at.file);
    assert_int_equal(l.cfg->network.allow.n, 0);
    assert_false(l.cfg->network.lockdown_may_open.v);
    loaded_done(&l);
}

static void test_network_allow_entries_keep_each_file_line_col(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"x\"\n[network]\nmode = \"allowlist\"\n"
                           "allow = [\"github.com\",\n  \"*.example.org:443\"]\n"
                           "lockdown_may_open = true\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->network.mode.v, CFG_NETWORK_ALLOWLIST);
    assert_int_equal(l.cfg->network.mode.at.line, 4);
    assert_int_equal(l.cfg->network.allow.n, 2);
    assert_string_equal(l.cfg->network.allow.v[1], "*.example.org:443");
    assert_string_equal(l.cfg->network.allow.item_at[0].file, "/etc/t.toml");
    assert_int_equal(l.cfg->network.allow.item_at[0].line, 5);
    assert_int_equal(l.cfg->network.allow.item_at[0].col, 10);
    assert_int_equal(l.cfg->network.allow.item_at[1].line, 6);
    assert_int_equal(l.cfg->network.allow.item_at[1].col, 3);
    assert_true(l.cfg->network.lockdown_may_open.v);
    loaded_done(&l);
}

static void test_network_bad_allow_entry_is_an_error_at_its_element(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"x\"\n[network]\n"
                           "allow = [\"ok.org\", \"bad_host.org\"]\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:20: network.allow[1]: 'bad_host.org' is no allow entry: a host "
                    "name may hold only letters");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"x\"\n[network]\nallow = [\"h.org:0\"]\n");
    assert_error(l, "/etc/t.toml:4:10: network.allow[0]: 'h.org:0' is no allow entry: a port");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"x\"\n[network]\nmode = \"closed\"\n");
    assert_error(l, "/etc/t.toml:4:8: network.mode: invalid value 'closed' (valid values: 'open', "
                    "'allowlist', 'none')");
    loaded_done(&l);
}

static void test_network_allow_list_is_bounded(void **state)
{
    (void)state;
    _cleanup_strbuf_ struct strbuf sb;
    strbuf_init(&sb, SIZE_MAX / 2);
    assert_int_equal(strbuf_appends(&sb, "[sandbox]\nimage = \"x\"\n[network]\nallow = ["), 0);
    for (unsigned i = 0; i <= AGS_NET_ALLOW_MAX; i++)
        assert_int_equal(strbuf_appendf(&sb, "%s\"h%u.org\"", i ? "," : "", i), 0);
    assert_int_equal(strbuf_appends(&sb, "]\n"), 0);
    struct loaded l = load(sb.buf);
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "network.allow: 1025 entries, more than the 1024 ags takes");
    loaded_done(&l);
}

static void test_aliases_commands_are_read_sorted_with_their_origin(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"x\"\n[aliases]\n"
                           "commands = { zz = \"ags --agent pi --\", aa = \"ags --agent codex --\" }\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->aliases.commands.n, 2);
    assert_string_equal(l.cfg->aliases.commands.v[0].key, "aa");
    assert_string_equal(l.cfg->aliases.commands.v[1].value, "ags --agent pi --");
    assert_int_equal(l.cfg->aliases.commands.at.line, 4);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"x\"\n[aliases]\ncommands = { a = 1 }\n");
    assert_int_equal(l.r, -EINVAL);
    loaded_done(&l);
}

static void test_missing_sandbox_table_is_an_error(void **state)
{
    (void)state;
    struct loaded l = load("[update]\npi_spec = \"x\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_null(l.cfg);
    assert_error(l, "/etc/t.toml:1:1: sandbox: missing required table [sandbox]");
    loaded_done(&l);
}

static void test_missing_image_names_the_table(void **state)
{
    (void)state;
    struct loaded l = load("\n[sandbox]\ncache_dir = \"/c\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:2:");
    assert_error(l, "sandbox: missing required key 'image'");
    loaded_done(&l);
}

static void test_wrong_type_names_file_line_col_and_key_path(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = 3\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:2:9: sandbox.image: expected a string, found an integer");
    loaded_done(&l);
}

static void test_bad_enum_lists_the_valid_values(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[[mount]]\nhost = \"/a\"\n"
                           "container = \"/b\"\nmode = \"rx\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:6:8: mount[0].mode: invalid value 'rx' (valid values: 'ro', 'rw')");
    loaded_done(&l);
}

static void test_engine_connection_is_read_with_its_position(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n");
    assert_int_equal(l.r, 0);
    assert_null(l.cfg->engine.connection.v);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[engine]\nconnection = \"box\"\n");
    assert_int_equal(l.r, 0);
    assert_string_equal(l.cfg->engine.connection.v, "box");
    assert_string_equal(l.cfg->engine.connection.at.file, "/etc/t.toml");
    assert_int_equal(l.cfg->engine.connection.at.line, 4);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[engine]\nconnection = 1\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:14: engine.connection:");
    loaded_done(&l);
}

static void test_remote_sizes_default_to_4gib_and_1gib_and_read_units(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n");
    assert_int_equal(l.r, 0);
    assert_true(l.cfg->remote.max_upload.v == 4ull << 30);
    assert_true(l.cfg->remote.max_pull.v == 1ull << 30);
    assert_null(l.cfg->remote.max_upload.at.file);
    char *text = config_render_text(l.cfg);
    assert_non_null(strstr(text, "[remote]\n"));
    assert_non_null(strstr(text, "max_upload = \"4GiB\" "));
    assert_non_null(strstr(text, "max_pull = \"1GiB\" "));
    free(text);
    char *json = config_render_json(l.cfg);
    assert_non_null(strstr(json, "\"max_upload\": {\"value\": \"4GiB\", \"origin\": null}"));
    free(json);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[remote]\nmax_upload = \"512MiB\"\nmax_pull = 4096\n");
    assert_int_equal(l.r, 0);
    assert_true(l.cfg->remote.max_upload.v == 512ull << 20);
    assert_int_equal(l.cfg->remote.max_upload.at.line, 4);
    assert_true(l.cfg->remote.max_pull.v == 4096);
    text = config_render_text(l.cfg);
    assert_non_null(strstr(text, "max_pull = \"4KiB\" "));
    free(text);
    loaded_done(&l);
}

static void test_remote_sizes_refuse_zero_and_unknown_units_at_their_position(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[remote]\nmax_upload = \"5MB\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:14: remote.max_upload: '5MB' is no size (a number of bytes");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[remote]\nmax_pull = \"0GiB\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:12: remote.max_pull: must be larger than 0");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[remote]\nmax_pull = -5\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:12: remote.max_pull: must be larger than 0");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[remote]\nmax_pull = \"99999999TiB\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "remote.max_pull: '99999999TiB' is too large");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[remote]\nmax_pull = true\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "remote.max_pull: expected a size such as \"512MiB\", found");
    loaded_done(&l);
}

static void test_remote_persist_seconds_defaults_to_60_and_is_bounded_by_a_day(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->remote.persist_seconds.v, 60);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[remote]\npersist_seconds = 0\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->remote.persist_seconds.v, 0);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[remote]\npersist_seconds = 86401\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:19: remote.persist_seconds:");
    loaded_done(&l);
}

static void test_ssh_confirm_defaults_to_never_and_takes_always(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->ssh.confirm.v, CFG_SSH_CONFIRM_NEVER);
    assert_null(l.cfg->ssh.confirm.at.file);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[ssh]\nconfirm = \"always\"\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->ssh.confirm.v, CFG_SSH_CONFIRM_ALWAYS);
    assert_int_equal(l.cfg->ssh.confirm.at.line, 4);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[ssh]\nconfirm = \"sometimes\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:11: ssh.confirm: invalid value 'sometimes' (valid values: "
                    "'never', 'always')");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[ssh]\nconfirm = true\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:11: ssh.confirm:");
    loaded_done(&l);
}

static void test_auth_proxy_and_notify_defaults(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n");
    assert_int_equal(l.r, 0);
    assert_true(l.cfg->auth_proxy.enabled.v);
    assert_int_equal(l.cfg->auth_proxy.browser_command.n, 0);
    assert_int_equal(l.cfg->auth_proxy.approval_timeout.v, 300);
    assert_null(l.cfg->auth_proxy.approval_timeout.at.file);
    assert_true(l.cfg->notify.enabled.v);
    assert_int_equal(l.cfg->notify.min_seconds.v, 60);
    char *text = config_render_text(l.cfg);
    assert_non_null(strstr(text, "[notify]\n"));
    assert_non_null(strstr(text, "min_seconds = 60 "));
    assert_non_null(strstr(text, "approval_timeout = 300 "));
    free(text);
    char *json = config_render_json(l.cfg);
    assert_non_null(strstr(json, "\"notify\": {\"enabled\": {\"value\": true, \"origin\": null}, "
                                 "\"min_seconds\": {\"value\": 60, \"origin\": null}}"));
    free(json);
    loaded_done(&l);
}

static void test_approval_timeout_is_held_to_10_to_3600_seconds(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[auth_proxy]\napproval_timeout = 10\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->auth_proxy.approval_timeout.v, 10);
    assert_int_equal(l.cfg->auth_proxy.approval_timeout.at.line, 4);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[auth_proxy]\napproval_timeout = 3600\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->auth_proxy.approval_timeout.v, 3600);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[auth_proxy]\napproval_timeout = 9\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:20: auth_proxy.approval_timeout: 9 is out of range "
                    "(10 to 3600)");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[auth_proxy]\napproval_timeout = 3601\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "auth_proxy.approval_timeout: 3601 is out of range (10 to 3600)");
    loaded_done(&l);
    /* Other integers keep their whole range. */
    l = load("[sandbox]\nimage = \"i\"\n[notify]\nmin_seconds = 0\nenabled = false\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->notify.min_seconds.v, 0);
    assert_false(l.cfg->notify.enabled.v);
    loaded_done(&l);
}

/* The program that opens an approved URL: named by absolute path (after ~ and
 * $VAR), its arguments as written; PATH is never searched. */
static void test_browser_command_is_an_absolute_program_and_its_arguments(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[auth_proxy]\n"
                           "browser_command = [\"$TOOLS/firefox\", \"--new-window\", \"$HOME\"]\n");
    assert_int_equal(l.r, 0);
    const struct cfg_strv *b = &l.cfg->auth_proxy.browser_command;
    assert_int_equal(b->n, 3);
    assert_string_equal(b->v[0], "/opt/tools/firefox");
    assert_string_equal(b->v[1], "--new-window");
    assert_string_equal(b->v[2], "$HOME");
    char *text = config_render_text(l.cfg);
    assert_non_null(strstr(text, "browser_command = [\"/opt/tools/firefox\", \"--new-window\", "
                                 "\"$HOME\"]"));
    free(text);
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[auth_proxy]\nbrowser_command = [\"firefox\"]\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "auth_proxy.browser_command: 'firefox' must be an absolute path");
    loaded_done(&l);
    l = load("[sandbox]\nimage = \"i\"\n[auth_proxy]\nbrowser_command = []\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "auth_proxy.browser_command: must include at least one element");
    loaded_done(&l);
}

static void test_enum_values_are_case_insensitive(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[[mount]]\nhost = \"/a\"\n"
                           "container = \"/b\"\nmode = \"RW\"\nkind = \"File\"\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->mounts[0].mode.v, CFG_MODE_RW);
    assert_int_equal(l.cfg->mounts[0].kind.v, CFG_KIND_FILE);
    loaded_done(&l);
}

static void test_unknown_key_warns_with_the_closest_valid_key(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\npasthrough_env = []\n");
    assert_int_equal(l.r, 0);
    assert_true(has_line(l.diag.warnings, l.diag.n_warnings,
                         "/etc/t.toml:3:1: sandbox: unknown key 'pasthrough_env' ignored "
                         "(closest valid key: 'passthrough_env')"));
    loaded_done(&l);
}

static void test_unsupported_original_sections_warn(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[clipboard]\nmode = \"read\"\n");
    assert_int_equal(l.r, 0);
    assert_true(has_line(l.diag.warnings, l.diag.n_warnings, "[clipboard] is not supported"));
    loaded_done(&l);
}

static void test_every_problem_is_reported_not_just_the_first(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = 1\ncache_dir = 2\npids_limit = \"x\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_int_equal(l.diag.n_errors, 3);
    loaded_done(&l);
}

static void test_toml_syntax_error_is_reported_with_position(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"unterminated\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:2:");
    loaded_done(&l);
}

static void test_host_paths_expand_home_vars_and_resolve_relative_to_the_file(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\ncache_dir = \"~/c/\"\n"
                           "gitconfig_path = \"${TOOLS}/g\"\nauth_key = \"$TOOLS/k\"\n"
                           "sign_key = \"keys/s\"\n");
    assert_int_equal(l.r, 0);
    assert_string_equal(l.cfg->sandbox.cache_dir.v, "/home/u/c");
    assert_string_equal(l.cfg->sandbox.gitconfig_path.v, "/opt/tools/g");
    assert_string_equal(l.cfg->sandbox.auth_key.v, "/opt/tools/k");
    assert_string_equal(l.cfg->sandbox.sign_key.v, "/etc/keys/s");
    loaded_done(&l);
}

static void test_unset_variable_in_a_path_is_an_error(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\ncache_dir = \"$NOPE/c\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:3:13: sandbox.cache_dir: environment variable 'NOPE' is not set");
    loaded_done(&l);
}

static void test_command_expands_only_argv0_and_requires_it_absolute(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"K\"\n"
                           "command = [\"~/bin/get\", \"$HOME\", \"~\"]\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->secrets[0].command.n, 3);
    assert_string_equal(l.cfg->secrets[0].command.v[0], "/home/u/bin/get");
    assert_string_equal(l.cfg->secrets[0].command.v[1], "$HOME");
    assert_string_equal(l.cfg->secrets[0].command.v[2], "~");
    loaded_done(&l);

    l = load("[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"K\"\ncommand = [\"get-secret\"]\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:5:12: secret[0].command: 'get-secret' must be an absolute path");
    loaded_done(&l);

    l = load("[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"K\"\ncommand = []\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "secret[0].command: must include at least one element");
    loaded_done(&l);
}

static void test_secret_needs_a_source(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"K\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:3:1: secret[0]: must define at least one source");
    loaded_done(&l);
}

static void test_secret_env_must_be_a_variable_name(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[[secret]]\nenv = \"BAD-NAME\"\n"
                           "from_env = \"X\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "secret[0].env: 'BAD-NAME' is not a valid environment variable name");
    loaded_done(&l);
}

static void test_overlay_may_not_define_a_command_secret(void **state)
{
    (void)state;
    struct loaded l = load_as("[[secret]]\nenv = \"K\"\ncommand = [\"/bin/true\"]\n", true);
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:3:1: secret[0]: a repo-local config may not define a 'command'");
    loaded_done(&l);

    l = load_as("[[tool]]\nname = \"t\"\npath = \"/t\"\ncontainer_path = \"/t\"\n"
                "[[tool.secret]]\nenv = \"K\"\ncommand = [\"/bin/true\"]\n", true);
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:7:1: tool[0].secret[0]: a repo-local config may not define");
    loaded_done(&l);
}

static void test_mount_order_is_mounts_then_agent_mounts_then_tools(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n"
                           "[[tool]]\nname = \"gh\"\npath = \"/usr/bin/gh\"\n"
                           "container_path = \"/usr/local/bin/gh\"\n"
                           "[[tool.directory]]\nhost = \"/h/gh\"\ncontainer = \"/c/gh\"\nmode = \"rw\"\n"
                           "[[agent_mount]]\nhost = \"/h/pi\"\ncontainer = \"/home/dev/.pi\"\n"
                           "[[mount]]\nhost = \"/h/m\"\ncontainer = \"/m\"\nmode = \"ro\"\n");
    assert_int_equal(l.r, 0);
    assert_int_equal(l.cfg->n_mounts, 4);
    assert_string_equal(l.cfg->mounts[0].container.v, "/m");
    assert_string_equal(l.cfg->mounts[0].source.v, "config");
    assert_string_equal(l.cfg->mounts[1].container.v, "/home/dev/.pi");
    assert_int_equal(l.cfg->mounts[1].mode.v, CFG_MODE_RW);
    assert_string_equal(l.cfg->mounts[1].source.v, "agent_mount");
    assert_string_equal(l.cfg->mounts[2].source.v, "tool:gh:binary");
    assert_int_equal(l.cfg->mounts[2].kind.v, CFG_KIND_FILE);
    assert_int_equal(l.cfg->mounts[2].mode.v, CFG_MODE_RO);
    assert_string_equal(l.cfg->mounts[3].source.v, "tool:gh:directory");
    loaded_done(&l);
}

static void test_two_mounts_on_one_sandbox_path_are_an_error(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n"
                           "[[mount]]\nhost = \"/a\"\ncontainer = \"/x\"\nmode = \"ro\"\n"
                           "[[mount]]\nhost = \"/b\"\ncontainer = \"/x\"\nmode = \"rw\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:9:13: config: '/x' is already mounted by the config entry at "
                    "/etc/t.toml:3");
    loaded_done(&l);
}

static void test_container_paths_must_be_absolute(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\ncontainer_boot_dirs = [\"/ok\", \"rel\"]\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "sandbox.container_boot_dirs[1]: 'rel' must be an absolute path");
    loaded_done(&l);
}

static void test_enabled_browser_needs_command_and_port(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[browser]\nenabled = true\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/t.toml:4:11: browser.command: must be set");
    assert_error(l, "browser.debug_port: must be set");
    loaded_done(&l);
}

static void test_port_out_of_range_is_an_error(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"i\"\n[browser]\ndebug_port = 70000\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "browser.debug_port: 70000 is out of range (1 to 65535)");
    loaded_done(&l);
}

static void test_nul_in_a_string_is_rejected(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"a\\u0000b\"\n");
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "sandbox.image: must not contain a NUL character");
    loaded_done(&l);
}

static void test_deep_nesting_and_garbage_end_in_a_clean_error(void **state)
{
    (void)state;
    size_t depth = 20000;
    char *deep = xmalloc(depth * 2 + 16);
    memcpy(deep, "x = ", 4);
    memset(deep + 4, '[', depth);
    memset(deep + 4 + depth, ']', depth);
    deep[4 + 2 * depth] = '\0';
    struct loaded l = load(deep);
    assert_int_equal(l.r, -EINVAL);
    assert_int_equal(l.diag.n_errors, 1);
    assert_error(l, "/etc/t.toml:1:");
    loaded_done(&l);
    free(deep);

    static const char garbage[] = "\xff\xfe\x00\x01[[[\x80 = ]";
    l = (struct loaded){0};
    l.r = config_load_buffer(&host, garbage, sizeof(garbage) - 1, "/etc/g.toml", false, &l.cfg,
                             &l.diag);
    assert_int_equal(l.r, -EINVAL);
    assert_error(l, "/etc/g.toml:1:");
    loaded_done(&l);
}

static void test_render_shows_each_value_with_its_origin(void **state)
{
    (void)state;
    struct loaded l = load("[sandbox]\nimage = \"img\"\n[[mount]]\nhost = \"/a\"\n"
                           "container = \"/b\"\nmode = \"ro\"\n");
    assert_int_equal(l.r, 0);
    char *text = config_render_text(l.cfg);
    assert_non_null(strstr(text, "image = \"img\""));
    assert_non_null(strstr(text, "# /etc/t.toml:2\n"));
    assert_non_null(strstr(text, "pids_limit = 4096"));
    assert_non_null(strstr(text, "# default\n"));
    assert_non_null(strstr(text, "[[mount]]"));
    free(text);
    char *json = config_render_json(l.cfg);
    assert_non_null(strstr(json, "\"image\": {\"value\": \"img\", \"origin\": \"/etc/t.toml:2\"}"));
    assert_non_null(strstr(json, "\"pids_limit\": {\"value\": 4096, \"origin\": null}"));
    free(json);
    loaded_done(&l);
}

/* ---- files: first run, overlays and trust ---- */

struct trust_log {
    int calls;
    bool last_changed;
    enum cfg_trust_answer answer;
};

static enum cfg_trust_answer record_trust(const struct cfg_trust_request *req, void *userdata)
{
    struct trust_log *log = userdata;
    log->calls++;
    log->last_changed = req->changed;
    assert_int_equal(strlen(req->digest), 64);
    return log->answer;
}

static void write_text(const char *path, const char *text)
{
    struct ags_error err;
    assert_int_equal(write_file_atomic(path, text, strlen(text), 0600, &err), 0);
}

struct sandbox_dirs {
    char root[64];
    char home[128], xdg[160], repo[128], sub[160];
};

static void make_dirs(struct sandbox_dirs *s)
{
    (void)snprintf(s->root, sizeof(s->root), "/tmp/ags-test-config-XXXXXX");
    assert_non_null(mkdtemp(s->root));
    (void)snprintf(s->home, sizeof(s->home), "%s/home", s->root);
    (void)snprintf(s->xdg, sizeof(s->xdg), "%s/home/.config", s->root);
    (void)snprintf(s->repo, sizeof(s->repo), "%s/repo", s->root);
    (void)snprintf(s->sub, sizeof(s->sub), "%s/repo/sub", s->root);
    assert_int_equal(mkdir(s->home, 0700), 0);
    assert_int_equal(mkdir(s->repo, 0700), 0);
    assert_int_equal(mkdir(s->sub, 0700), 0);
    char p[256];
    (void)snprintf(p, sizeof(p), "%s/.git", s->repo);
    assert_int_equal(mkdir(p, 0700), 0);
    (void)snprintf(p, sizeof(p), "%s/.ags", s->repo);
    assert_int_equal(mkdir(p, 0700), 0);
}

static void remove_tree(const char *root)
{
    char cmd[512];
    (void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    assert_int_equal(system(cmd), 0);
}

static void test_first_run_creates_the_default_config(void **state)
{
    (void)state;
    struct sandbox_dirs s;
    make_dirs(&s);
    struct cfg_host h = {.home = s.home, .cwd = s.home, .getenv = fake_env};
    struct cfg_load_opts opts = {.use_overlay = true};
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), 0);
    assert_true(has_line(diag.notes, diag.n_notes, "created default config at"));
    char p[256];
    (void)snprintf(p, sizeof(p), "%s/ags/config.toml", s.xdg);
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_string_equal(cfg->sandbox.image.v, "localhost/ags-sandbox:latest");
    config_free(cfg);
    cfg_diag_done(&diag);

    /* A --config path that does not exist is an error, never created. */
    opts.config_path = "/nonexistent/ags.toml";
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), -ENOENT);
    assert_true(has_line(diag.errors, diag.n_errors, "check the --config path"));
    cfg_diag_done(&diag);
    remove_tree(s.root);
}

static void test_overlay_trust_is_pinned_to_its_content(void **state)
{
    (void)state;
    struct sandbox_dirs s;
    make_dirs(&s);
    char base[256], overlay[256];
    (void)snprintf(base, sizeof(base), "%s/base.toml", s.root);
    (void)snprintf(overlay, sizeof(overlay), "%s/.ags/config.toml", s.repo);
    write_text(base, "[sandbox]\nimage = \"base\"\npassthrough_env = [\"A\"]\n"
                     "[[mount]]\nhost = \"/b\"\ncontainer = \"/b\"\nmode = \"ro\"\n");
    write_text(overlay, "[sandbox]\nimage = \"repo\"\n"
                        "[[mount]]\nhost = \"data\"\ncontainer = \"/o\"\nmode = \"rw\"\n");
    struct cfg_host h = {.home = s.home, .cwd = s.sub, .getenv = fake_env};
    struct trust_log log = {.answer = CFG_TRUST_SKIP};
    struct cfg_load_opts opts = {.config_path = base, .use_overlay = true,
                                 .ask_trust = record_trust, .userdata = &log};
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};

    /* Untrusted and declined: base only, with a warning. */
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), 0);
    assert_int_equal(log.calls, 1);
    assert_false(log.last_changed);
    assert_string_equal(cfg->sandbox.image.v, "base");
    assert_int_equal(cfg->n_mounts, 1);
    assert_true(has_line(diag.warnings, diag.n_warnings, "skipping untrusted repo-local config"));
    config_free(cfg);
    cfg_diag_done(&diag);

    /* Accepted: merged (image replaced, mounts appended base first). */
    log.answer = CFG_TRUST_ACCEPT;
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), 0);
    assert_int_equal(log.calls, 2);
    assert_string_equal(cfg->sandbox.image.v, "repo");
    assert_string_equal(cfg->sandbox.image.at.file, overlay);
    assert_string_equal(cfg->sandbox.passthrough_env.v[0], "A");
    assert_int_equal(cfg->n_mounts, 2);
    assert_string_equal(cfg->mounts[0].container.v, "/b");
    char data[256];
    (void)snprintf(data, sizeof(data), "%s/.ags/data", s.repo);
    assert_string_equal(cfg->mounts[1].host.v, data);
    assert_string_equal(cfg->overlay_path, overlay);
    config_free(cfg);
    cfg_diag_done(&diag);

    /* Trusted with this content: used without asking. */
    log.answer = CFG_TRUST_SKIP;
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), 0);
    assert_int_equal(log.calls, 2);
    assert_string_equal(cfg->sandbox.image.v, "repo");
    config_free(cfg);
    cfg_diag_done(&diag);

    /* Changed content (a git pull): asked again, as changed. */
    write_text(overlay, "[sandbox]\nimage = \"evil\"\n");
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), 0);
    assert_int_equal(log.calls, 3);
    assert_true(log.last_changed);
    assert_string_equal(cfg->sandbox.image.v, "base");
    assert_true(has_line(diag.warnings, diag.n_warnings, "changed (no longer trusted)"));
    config_free(cfg);
    cfg_diag_done(&diag);

    /* Without overlays (--config-only callers), the repo is not consulted. */
    opts.use_overlay = false;
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), 0);
    assert_int_equal(log.calls, 3);
    config_free(cfg);
    cfg_diag_done(&diag);
    remove_tree(s.root);
}

static void test_error_in_overlay_names_the_overlay_and_returns_nothing(void **state)
{
    (void)state;
    struct sandbox_dirs s;
    make_dirs(&s);
    char base[256], overlay[256];
    (void)snprintf(base, sizeof(base), "%s/base.toml", s.root);
    (void)snprintf(overlay, sizeof(overlay), "%s/.ags/config.toml", s.repo);
    write_text(base, "[sandbox]\nimage = \"base\"\n");
    write_text(overlay, "[sandbox]\nimage = true\n");
    struct cfg_host h = {.home = s.home, .cwd = s.repo, .getenv = fake_env};
    struct trust_log log = {.answer = CFG_TRUST_ACCEPT};
    struct cfg_load_opts opts = {.config_path = base, .use_overlay = true,
                                 .ask_trust = record_trust, .userdata = &log};
    struct ags_config *cfg = NULL;
    struct cfg_diag diag = {0};
    assert_int_equal(config_load(&h, &opts, &cfg, &diag), -EINVAL);
    assert_null(cfg);
    char want[300];
    (void)snprintf(want, sizeof(want), "%s:2:9: sandbox.image: expected a string", overlay);
    assert_true(has_line(diag.errors, diag.n_errors, want));
    cfg_diag_done(&diag);
    remove_tree(s.root);
}

/* ---- overlays: what they point at, how they are opened (issue 10 items 3, 12) ---- */

/* A repo with an overlay, a base config, and a trust log answering `answer`. */
struct overlay_fx {
    struct sandbox_dirs s;
    char base[256], overlay[256], store[256];
    struct cfg_host h;
    struct trust_log log;
    struct cfg_load_opts opts;
};

static void overlay_fx_init(struct overlay_fx *f, const char *overlay_text)
{
    make_dirs(&f->s);
    (void)snprintf(f->base, sizeof(f->base), "%s/base.toml", f->s.root);
    (void)snprintf(f->overlay, sizeof(f->overlay), "%s/.ags/config.toml", f->s.repo);
    (void)snprintf(f->store, sizeof(f->store), "%s/.config/ags/trusted-overlays", f->s.home);
    write_text(f->base, "[sandbox]\nimage = \"base\"\n");
    if (overlay_text)
        write_text(f->overlay, overlay_text);
    f->h = (struct cfg_host){.home = f->s.home, .cwd = f->s.repo, .getenv = fake_env};
    f->log = (struct trust_log){.answer = CFG_TRUST_ACCEPT};
    f->opts = (struct cfg_load_opts){.config_path = f->base, .use_overlay = true,
                                     .ask_trust = record_trust, .userdata = &f->log};
}

/* Loads; returns the status and keeps cfg (NULL on error) and the diag for checks. */
static int overlay_fx_load(struct overlay_fx *f, struct ags_config **cfg, struct cfg_diag *diag)
{
    *diag = (struct cfg_diag){0};
    *cfg = NULL;
    return config_load(&f->h, &f->opts, cfg, diag);
}

static void fx_path(const struct overlay_fx *f, const char *rel, char *out, size_t size)
{
    (void)snprintf(out, size, "%s/%s", f->s.root, rel);
}

static void fx_mkdir(const struct overlay_fx *f, const char *rel)
{
    char p[512];
    fx_path(f, rel, p, sizeof(p));
    assert_int_equal(mkdir(p, 0700), 0);
}

static void fx_file(const struct overlay_fx *f, const char *rel, const char *text)
{
    char p[512];
    fx_path(f, rel, p, sizeof(p));
    write_text(p, text);
}

static void fx_symlink(const struct overlay_fx *f, const char *target, const char *rel)
{
    char p[512];
    fx_path(f, rel, p, sizeof(p));
    (void)unlink(p);
    assert_int_equal(symlink(target, p), 0);
}

static const struct cfg_mount *mount_at(const struct ags_config *c, const char *container)
{
    for (size_t i = 0; i < c->n_mounts; i++)
        if (strcmp(c->mounts[i].container.v, container) == 0)
            return &c->mounts[i];
    return NULL;
}

static const char tool_overlay[] = "[[tool]]\n"
                                   "name = \"lint\"\n"
                                   "path = \"../tools/lint\"\n"
                                   "container_path = \"/usr/local/bin/lint\"\n";

static void test_overlay_symlink_swap_asks_again_and_mounts_the_resolved_target(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, tool_overlay);
    char p[512];
    fx_mkdir(&f, "repo/tools");
    fx_file(&f, "repo/tools/real-lint", "#!/bin/sh\n");
    fx_file(&f, "repo/tools/other-lint", "#!/bin/sh\n");
    fx_symlink(&f, "real-lint", "repo/tools/lint");
    struct ags_config *cfg;
    struct cfg_diag diag;

    /* Trusted once: the plan gets the resolved file, not the symlink. */
    assert_int_equal(overlay_fx_load(&f, &cfg, &diag), 0);
    assert_int_equal(f.log.calls, 1);
    const struct cfg_mount *m = mount_at(cfg, "/usr/local/bin/lint");
    assert_non_null(m);
    fx_path(&f, "repo/tools/real-lint", p, sizeof(p));
    assert_string_equal(m->host.v, p);
    config_free(cfg);
    cfg_diag_done(&diag);

    /* Same bytes, same target: no question. */
    assert_int_equal(overlay_fx_load(&f, &cfg, &diag), 0);
    assert_int_equal(f.log.calls, 1);
    config_free(cfg);
    cfg_diag_done(&diag);

    /* The symlink now points elsewhere (a git pull, or the agent): asked again. */
    fx_symlink(&f, "other-lint", "repo/tools/lint");
    f.log.answer = CFG_TRUST_SKIP;
    assert_int_equal(overlay_fx_load(&f, &cfg, &diag), 0);
    assert_int_equal(f.log.calls, 2);
    assert_true(f.log.last_changed);
    assert_null(mount_at(cfg, "/usr/local/bin/lint"));
    config_free(cfg);
    cfg_diag_done(&diag);
    remove_tree(f.s.root);
}

static void expect_overlay_error(struct overlay_fx *f, const char *where, const char *what)
{
    struct ags_config *cfg;
    struct cfg_diag diag;
    int calls = f->log.calls;
    assert_int_equal(overlay_fx_load(f, &cfg, &diag), -EINVAL);
    assert_null(cfg);
    char want[512];
    (void)snprintf(want, sizeof(want), "%s:%s", f->overlay, where);
    for (size_t i = 0; i < diag.n_errors; i++)
        print_message("error: %s\n", diag.errors[i]);
    assert_true(has_line(diag.errors, diag.n_errors, want));
    assert_true(has_line(diag.errors, diag.n_errors, what));
    /* Nothing that fails is offered for trust. */
    assert_int_equal(f->log.calls, calls);
    cfg_diag_done(&diag);
}

static void test_overlay_path_leaving_the_repo_is_an_error_with_file_line_col(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, tool_overlay);
    char p[512];
    fx_mkdir(&f, "repo/tools");
    fx_file(&f, "home/id_ed25519", "PRIVATE KEY\n");
    fx_path(&f, "home/id_ed25519", p, sizeof(p));
    fx_symlink(&f, p, "repo/tools/lint");
    expect_overlay_error(&f, "3:8: tool[0].path", "outside the repository");

    /* Plainly outside, through ~ or .. */
    write_text(f.overlay, "[[mount]]\nhost = \"~\"\ncontainer = \"/h\"\nmode = \"rw\"\n");
    expect_overlay_error(&f, "2:8: mount[0].host", "outside the repository");
    write_text(f.overlay, "[[agent_mount]]\nhost = \"../../home\"\ncontainer = \"/home/dev/.pi\"\n");
    expect_overlay_error(&f, "2:8: agent_mount[0].host", "outside the repository");

    /* A path that does not exist yet is judged by what exists of it: a
     * dangling symlink in the way is refused, a missing dir inside is fine. */
    fx_path(&f, "home/made-later", p, sizeof(p));
    fx_symlink(&f, p, "repo/dangling");
    write_text(f.overlay, "[[mount]]\nhost = \"../dangling/x\"\ncontainer = \"/d\"\nmode = \"rw\"\n"
                          "create = true\n");
    expect_overlay_error(&f, "2:8: mount[0].host", "outside the repository");
    write_text(f.overlay, "[[mount]]\nhost = \"../new/x\"\ncontainer = \"/d\"\nmode = \"rw\"\n"
                          "create = true\n");
    struct ags_config *cfg;
    struct cfg_diag diag;
    assert_int_equal(overlay_fx_load(&f, &cfg, &diag), 0);
    fx_path(&f, "repo/new/x", p, sizeof(p));
    assert_string_equal(must_get(mount_at(cfg, "/d"))->host.v, p);
    config_free(cfg);
    cfg_diag_done(&diag);
    remove_tree(f.s.root);
}

static void test_overlay_may_not_set_keys_that_reach_beyond_its_repository(void **state)
{
    (void)state;
    static const char *const keys[] = {"auth_key", "sign_key", "gitconfig_path", "cache_dir"};
    struct overlay_fx f;
    overlay_fx_init(&f, NULL);
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        char text[128], what[128];
        (void)snprintf(text, sizeof(text), "[sandbox]\n%s = \"key\"\n", keys[i]);
        write_text(f.overlay, text);
        (void)snprintf(what, sizeof(what), "sandbox.%s: a repo-local config may not set", keys[i]);
        expect_overlay_error(&f, "2:", what);
    }
    write_text(f.overlay, "[browser]\nprofile_dir = \"p\"\n");
    expect_overlay_error(&f, "2:1: browser.profile_dir", "may not set");
    write_text(f.overlay, "[update]\npi_spec = \"evil-pi\"\n");
    expect_overlay_error(&f, "2:1: update.pi_spec", "may not set");
    write_text(f.overlay, "[auth_proxy]\nauto_allow_domains = [\"evil.example\"]\n");
    expect_overlay_error(&f, "2:1: auth_proxy.auto_allow_domains", "may not set");
    remove_tree(f.s.root);
}

/* The host's loopback is the user's hole to open: a repository may not even
 * name the key (false included), so `ags plan` never shows a repo's origin. */
static void test_overlay_may_not_set_network_host_loopback(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[network]\nhost_loopback = true\n");
    expect_overlay_error(&f, "2:1: network.host_loopback", "may not set");
    expect_overlay_error(&f, "2:1: network.host_loopback", "loopback");
    write_text(f.overlay, "[network]\nhost_loopback = false\n");
    expect_overlay_error(&f, "2:1: network.host_loopback", "may not set");
    remove_tree(f.s.root);
}

/* Whether a lockdown run may have an open network is the user's alone. */
static void test_overlay_may_not_set_network_lockdown_may_open(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[network]\nlockdown_may_open = false\n");
    expect_overlay_error(&f, "2:1: network.lockdown_may_open", "may not set");
    expect_overlay_error(&f, "2:1: network.lockdown_may_open", "set it in your own config");
    remove_tree(f.s.root);
}

static void expect_overlay_loads(struct overlay_fx *f, struct ags_config **cfg,
                                 struct cfg_diag *diag)
{
    int r = overlay_fx_load(f, cfg, diag);
    for (size_t i = 0; i < diag->n_errors; i++)
        print_message("error: %s\n", diag->errors[i]);
    assert_int_equal(r, 0);
    assert_non_null((*cfg)->overlay_path);
}

/* open < allowlist < none: a repository may only move the mode right. */
static void test_overlay_network_mode_only_stricter(void **state)
{
    (void)state;
    struct overlay_fx f;
    struct ags_config *cfg;
    struct cfg_diag diag;
    overlay_fx_init(&f, "[network]\nmode = \"open\"\n");
    write_text(f.base, "[sandbox]\nimage = \"base\"\n[network]\nmode = \"allowlist\"\n");
    expect_overlay_error(&f, "2:8: network.mode", "'open' is looser than your own config's "
                                                 "'allowlist' (");
    expect_overlay_error(&f, "2:8: network.mode", "base.toml:4:8)");
    write_text(f.base, "[sandbox]\nimage = \"base\"\n[network]\nmode = \"none\"\n");
    write_text(f.overlay, "[network]\nmode = \"allowlist\"\n");
    expect_overlay_error(&f, "2:8: network.mode", "'allowlist' is looser than your own config's "
                                                 "'none'");
    /* Over the default (open) any mode is as strict or stricter. */
    write_text(f.base, "[sandbox]\nimage = \"base\"\n");
    write_text(f.overlay, "[network]\nmode = \"none\"\n");
    expect_overlay_loads(&f, &cfg, &diag);
    assert_int_equal(cfg->network.mode.v, CFG_NETWORK_NONE);
    assert_string_equal(cfg->network.mode.at.file, f.overlay);
    config_free(cfg);
    cfg_diag_done(&diag);
    write_text(f.overlay, "[network]\nmode = \"open\"\n");
    expect_overlay_loads(&f, &cfg, &diag);
    assert_int_equal(cfg->network.mode.v, CFG_NETWORK_OPEN);
    config_free(cfg);
    cfg_diag_done(&diag);
    remove_tree(f.s.root);
}

static const char allowlist_base[] = "[sandbox]\nimage = \"base\"\n[network]\n"
                                     "mode = \"allowlist\"\n"
                                     "allow = [\"*.example.org\", \"github.com:443\", "
                                     "\"10.0.0.0/8\"]\n";

/* Over the user's allowlist a repository's list replaces it, and may only
 * narrow it: each entry covered by one of the user's. */
static void test_overlay_network_allow_may_only_narrow_the_base(void **state)
{
    (void)state;
    struct overlay_fx f;
    struct ags_config *cfg;
    struct cfg_diag diag;
    overlay_fx_init(&f, "[network]\nallow = [\"api.example.org:443\", \"github.com\"]\n");
    write_text(f.base, allowlist_base);
    expect_overlay_error(&f, "2:33: network.allow[1]", "'github.com' widens the base's "
                                                       "[network].allow; a repository may only "
                                                       "narrow it");
    write_text(f.overlay, "[network]\nallow = [\"example.org\"]\n");
    expect_overlay_error(&f, "2:10: network.allow[0]", "widens");
    write_text(f.overlay, "[network]\nallow = [\"10.0.0.0/7\"]\n");
    expect_overlay_error(&f, "2:10: network.allow[0]", "widens");
    /* Also when the overlay names the same mode again, or none at all. */
    write_text(f.overlay, "[network]\nmode = \"allowlist\"\nallow = [\"evil.net\"]\n");
    expect_overlay_error(&f, "3:10: network.allow[0]", "widens");
    write_text(f.overlay, "[network]\nallow = [\"a.b.example.org:8443\", \"github.com:443\", "
                          "\"10.1.0.0/16:22\"]\n");
    expect_overlay_loads(&f, &cfg, &diag);
    assert_int_equal(cfg->network.allow.n, 3); /* replaced, not appended */
    assert_string_equal(cfg->network.allow.v[0], "a.b.example.org:8443");
    assert_string_equal(cfg->network.allow.item_at[0].file, f.overlay);
    config_free(cfg);
    cfg_diag_done(&diag);
    remove_tree(f.s.root);
}

/* Over an open base an allowlist is tighter whatever it lists (but the
 * host's loopback, below); over the user's allowlist an overlay's "none"
 * still keeps to the user's entries (a flag may bring the allowlist back). */
static void test_overlay_network_allowlist_over_open_base_is_its_own_list(void **state)
{
    (void)state;
    struct overlay_fx f;
    struct ags_config *cfg;
    struct cfg_diag diag;
    /* An open base without a list of its own: any list is tighter than open. */
    overlay_fx_init(&f, "[network]\nmode = \"allowlist\"\nallow = [\"anything.net\"]\n");
    expect_overlay_loads(&f, &cfg, &diag);
    assert_int_equal(cfg->network.mode.v, CFG_NETWORK_ALLOWLIST);
    assert_int_equal(cfg->network.allow.n, 1);
    assert_string_equal(cfg->network.allow.v[0], "anything.net");
    config_free(cfg);
    cfg_diag_done(&diag);
    /* An open base with a list (what --network allowlist would use): the
     * overlay's entries must be covered by it (attacker review). */
    write_text(f.base, "[sandbox]\nimage = \"base\"\n[network]\nallow = [\"*.github.com\"]\n");
    expect_overlay_error(&f, "3:10: network.allow[0]", "widens the base's [network].allow");
    write_text(f.overlay, "[network]\nmode = \"allowlist\"\nallow = [\"api.github.com:443\"]\n");
    expect_overlay_loads(&f, &cfg, &diag);
    assert_string_equal(cfg->network.allow.v[0], "api.github.com:443");
    config_free(cfg);
    cfg_diag_done(&diag);
    write_text(f.base, allowlist_base);
    write_text(f.overlay, "[network]\nmode = \"none\"\nallow = [\"github.com:443\"]\n");
    expect_overlay_loads(&f, &cfg, &diag);
    assert_int_equal(cfg->network.mode.v, CFG_NETWORK_NONE);
    config_free(cfg);
    cfg_diag_done(&diag);
    remove_tree(f.s.root);
}

/* The attacker review (issue 18): the egress proxy runs on the host, so an
 * allowlist entry for 127.0.0.1 reaches the host's loopback, which an open
 * sandbox never reaches without the user's own host_loopback.  Over a base
 * that is not an allowlist such an entry is a widening, whatever mode the
 * overlay names (--network allowlist could make its list the run's). */
static void test_overlay_network_allow_may_not_reach_host_loopback_over_open_base(void **state)
{
    (void)state;
    static const char *const entries[] = {"127.0.0.1:5432", "127.0.0.0/8", "[::1]:8080",
                                          "0.0.0.0:6379", "[::]:22",     "0.0.0.0/0",
                                          "[::ffff:127.0.0.1]", "localhost:80", "::/0"};
    struct overlay_fx f;
    struct ags_config *cfg;
    struct cfg_diag diag;
    overlay_fx_init(&f, "");
    for (size_t i = 0; i < sizeof(entries) / sizeof(entries[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "[network]\nmode = \"allowlist\"\nallow = [\"%s\"]\n",
                 entries[i]);
        write_text(f.overlay, text);
        print_message("entry %s\n", entries[i]);
        expect_overlay_error(&f, "3:10: network.allow[0]", "the host's loopback");
        /* Without a mode of its own: --network allowlist would use its list. */
        snprintf(text, sizeof(text), "[network]\nallow = [\"%s\"]\n", entries[i]);
        write_text(f.overlay, text);
        expect_overlay_error(&f, "2:10: network.allow[0]", "the host's loopback");
    }
    /* Your own host_loopback opens all of it in open mode: one port of it is tighter. */
    write_text(f.base, "[sandbox]\nimage = \"base\"\n[network]\nhost_loopback = true\n");
    write_text(f.overlay, "[network]\nmode = \"allowlist\"\nallow = [\"127.0.0.1:5432\"]\n");
    expect_overlay_loads(&f, &cfg, &diag);
    config_free(cfg);
    cfg_diag_done(&diag);
    remove_tree(f.s.root);
}

/* The coverage rule holds whatever mode the overlay names: a flag
 * (--network allowlist) can bring an overlay's "none" back to an allowlist,
 * and the list it then uses is the overlay's. */
static void test_overlay_network_allow_must_be_covered_even_under_its_mode_none(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[network]\nmode = \"none\"\nallow = [\"evil.net\"]\n");
    write_text(f.base, allowlist_base);
    expect_overlay_error(&f, "3:10: network.allow[0]", "widens");
    remove_tree(f.s.root);
}

static void test_overlay_may_not_set_ssh_confirm(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[ssh]\nconfirm = \"never\"\n");
    expect_overlay_error(&f, "2:1: ssh.confirm", "may not set");
    write_text(f.overlay, "[ssh]\nconfirm = \"always\"\n");
    expect_overlay_error(&f, "2:1: ssh.confirm", "your ssh keys");
    remove_tree(f.s.root);
}

/* Which machine runs the code is the user's decision: a repository naming a
 * connection could send the workspace (and its secrets) to another host. */
static void test_overlay_may_not_set_engine_connection(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[engine]\nconnection = \"elsewhere\"\n");
    expect_overlay_error(&f, "2:1: engine.connection", "may not set");
    expect_overlay_error(&f, "2:1: engine.connection", "the machine whose Podman runs your code");
    remove_tree(f.s.root);
}

/* What a run sends away and what a remote sandbox may write onto the user's
 * disk are the user's bounds, not the repository's. */
static void test_overlay_may_not_set_remote_sizes(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[remote]\nmax_pull = \"1TiB\"\n");
    expect_overlay_error(&f, "2:1: remote.max_pull", "may not set");
    write_text(f.overlay, "[remote]\nmax_upload = \"1KiB\"\n");
    expect_overlay_error(&f, "2:1: remote.max_upload", "may not set");
    remove_tree(f.s.root);
}

/* What ~/.local/bin wrappers run is the user's: a repository naming it could
 * put its own command behind a name the user types every day. */
/* The auth proxy runs a program and asks the user on the host: a repository
 * may turn it off, never on, and may not pick the program or the wait. */
static void test_overlay_may_only_turn_the_auth_proxy_off(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[auth_proxy]\nenabled = true\n");
    expect_overlay_error(&f, "2:11: auth_proxy.enabled", "may only make it stricter (only false");
    write_text(f.overlay, "[auth_proxy]\nbrowser_command = [\"/bin/sh\", \"-c\", \"evil\"]\n");
    expect_overlay_error(&f, "2:1: auth_proxy.browser_command", "may not set");
    write_text(f.overlay, "[auth_proxy]\napproval_timeout = 3600\n");
    expect_overlay_error(&f, "2:1: auth_proxy.approval_timeout", "may not set");
    write_text(f.overlay, "[auth_proxy]\nenabled = false\n[notify]\nmin_seconds = 5\n");
    struct ags_config *cfg;
    struct cfg_diag diag;
    assert_int_equal(overlay_fx_load(&f, &cfg, &diag), 0);
    assert_false(cfg->auth_proxy.enabled.v);
    assert_string_equal(cfg->auth_proxy.enabled.at.file, f.overlay);
    assert_int_equal(cfg->notify.min_seconds.v, 5);
    config_free(cfg);
    cfg_diag_done(&diag);
    /* The user's own false stays false whatever the overlay says. */
    write_text(f.base, "[sandbox]\nimage = \"base\"\n[auth_proxy]\nenabled = false\n");
    write_text(f.overlay, "[auth_proxy]\nenabled = true\n");
    expect_overlay_error(&f, "2:11: auth_proxy.enabled", "stricter");
    remove_tree(f.s.root);
}

static void test_overlay_may_not_set_aliases_commands(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[aliases]\ncommands = { aspi = \"sh -c evil\" }\n");
    expect_overlay_error(&f, "2:1: aliases.commands", "may not set");
    remove_tree(f.s.root);
}

/* An overlay may not change how long a Podman service that ags starts on the
 * host stays up: a host-side lifetime, not a repository's. */
static void test_overlay_may_not_set_service_idle_seconds(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[sandbox]\nservice_idle_seconds = 4000000\n");
    expect_overlay_error(&f, "2:", "sandbox.service_idle_seconds: a repo-local config may not set");
    remove_tree(f.s.root);
}

/* Loads f and returns a copy of the image it ends up with. */
static char *loaded_image(struct overlay_fx *f)
{
    struct ags_config *cfg;
    struct cfg_diag diag;
    assert_int_equal(overlay_fx_load(f, &cfg, &diag), 0);
    for (size_t i = 0; i < diag.n_errors; i++)
        print_message("error: %s\n", diag.errors[i]);
    char *image = xstrdup(cfg->sandbox.image.v);
    config_free(cfg);
    cfg_diag_done(&diag);
    return image;
}

/* An overlay's Containerfile never builds (or names) the user's
 * image, which every other repository and lockdown use: its image is a
 * per-repository tag derived from the repository and the Containerfile's
 * bytes, whatever image the overlay names, and a changed Containerfile is a
 * changed overlay (asked again). */
static void test_overlay_containerfile_gets_its_own_image_tag_pinned_to_its_bytes(void **state)
{
    (void)state;
    struct overlay_fx f;
    overlay_fx_init(&f, "[sandbox]\ncontainerfile = \"../Containerfile\"\n");
    fx_file(&f, "repo/Containerfile", "FROM debian\nRUN echo one\n");
    _cleanup_free_ char *first = loaded_image(&f);
    print_message("image: %s\n", first);
    assert_int_equal(strncmp(first, "localhost/ags-repo-", 19), 0);
    assert_int_equal(f.log.calls, 1);

    /* Same bytes: same tag, no question. */
    _cleanup_free_ char *again = loaded_image(&f);
    assert_string_equal(again, first);
    assert_int_equal(f.log.calls, 1);

    /* Changed bytes: asked again, and a different tag. */
    fx_file(&f, "repo/Containerfile", "FROM debian\nRUN echo two\n");
    _cleanup_free_ char *second = loaded_image(&f);
    assert_int_equal(f.log.calls, 2);
    assert_true(f.log.last_changed);
    assert_int_equal(strncmp(second, "localhost/ags-repo-", 19), 0);
    assert_string_not_equal(second, first);

    /* Naming the user's image (or any other) next to a Containerfile changes nothing. */
    write_text(f.overlay, "[sandbox]\nimage = \"base\"\ncontainerfile = \"../Containerfile\"\n");
    _cleanup_free_ char *named = loaded_image(&f);
    assert_string_equal(named, second);

    /* The same Containerfile in another repository gets another tag. */
    char other[512];
    fx_mkdir(&f, "repo/sub/.git");
    fx_mkdir(&f, "repo/sub/.ags");
    fx_file(&f, "repo/sub/Containerfile", "FROM debian\nRUN echo two\n");
    fx_file(&f, "repo/sub/.ags/config.toml", "[sandbox]\ncontainerfile = \"../Containerfile\"\n");
    fx_path(&f, "repo/sub", other, sizeof(other));
    f.h.cwd = other;
    _cleanup_free_ char *sub = loaded_image(&f);
    assert_int_equal(strncmp(sub, "localhost/ags-repo-", 19), 0);
    assert_string_not_equal(sub, second);
    remove_tree(f.s.root);
}

static void expect_overlay_skipped(struct overlay_fx *f, const char *warning)
{
    struct ags_config *cfg;
    struct cfg_diag diag;
    int calls = f->log.calls;
    assert_int_equal(overlay_fx_load(f, &cfg, &diag), 0);
    for (size_t i = 0; i < diag.n_warnings; i++)
        print_message("warning: %s\n", diag.warnings[i]);
    assert_int_equal(f->log.calls, calls);
    assert_string_equal(cfg->sandbox.image.v, "base");
    assert_null(cfg->overlay_path);
    assert_true(has_line(diag.warnings, diag.n_warnings, warning));
    config_free(cfg);
    cfg_diag_done(&diag);
}

static void test_overlay_fifo_and_symlinks_are_refused_without_hanging(void **state)
{
    (void)state;
    alarm(20); /* a regression hangs on the FIFO: SIGALRM ends the test as failed */
    struct overlay_fx f;
    overlay_fx_init(&f, NULL);
    assert_int_equal(mkfifo(f.overlay, 0600), 0);
    expect_overlay_skipped(&f, "is not a regular file");
    assert_int_equal(unlink(f.overlay), 0);

    /* A symlink to a private file is never read, let alone shown. */
    char p[600], dir[512];
    fx_path(&f, "private.toml", p, sizeof(p));
    write_text(p, "[sandbox]\nimage = \"private\"\n");
    fx_symlink(&f, p, "repo/.ags/config.toml");
    expect_overlay_skipped(&f, "is a symlink");
    assert_int_equal(unlink(f.overlay), 0);

    /* .ags itself a symlink to a directory outside the repo. */
    fx_path(&f, "elsewhere", dir, sizeof(dir));
    assert_int_equal(mkdir(dir, 0700), 0);
    (void)snprintf(p, sizeof(p), "%s/config.toml", dir);
    write_text(p, "[sandbox]\nimage = \"elsewhere\"\n");
    fx_path(&f, "repo/.ags", p, sizeof(p));
    assert_int_equal(rmdir(p), 0);
    fx_symlink(&f, dir, "repo/.ags");
    expect_overlay_skipped(&f, "is a symlink");
    assert_int_equal(unlink(p), 0);
    assert_int_equal(mkdir(p, 0700), 0);

    /* A trust store that is a symlink is not believed, even if it says yes. */
    static const char text[] = "[sandbox]\nimage = \"repo\"\n";
    write_text(f.overlay, text);
    char digest[SHA256_HEX_SIZE], line[1024];
    sha256_hex(text, strlen(text), digest);
    (void)snprintf(line, sizeof(line), "%s %s\n", digest, f.s.repo);
    fx_path(&f, "planted-store", p, sizeof(p));
    write_text(p, line);
    fx_path(&f, "home/.config", dir, sizeof(dir));
    assert_int_equal(mkdir(dir, 0700), 0);
    fx_path(&f, "home/.config/ags", dir, sizeof(dir));
    assert_int_equal(mkdir(dir, 0700), 0);
    fx_symlink(&f, p, "home/.config/ags/trusted-overlays");
    expect_overlay_skipped(&f, "is a symlink");
    alarm(0);
    remove_tree(f.s.root);
}

/* ---- the trust prompt shows exactly what is trusted (issue 10 item 4) ---- */

struct view_log {
    int calls;
    char *view;
};

static enum cfg_trust_answer capture_view(const struct cfg_trust_request *req, void *userdata)
{
    struct view_log *log = userdata;
    log->calls++;
    free(log->view);
    log->view = xstrdup(req->view);
    return CFG_TRUST_SKIP;
}

static void test_trust_prompt_shows_every_line_escaped_and_a_summary(void **state)
{
    (void)state;
    struct strbuf text;
    strbuf_init(&text, 1u << 20);
    assert_int_equal(strbuf_appends(&text, "[sandbox]\n"), 0);
    for (int i = 2; i <= 41; i++)
        assert_int_equal(strbuf_appendf(&text, "# filler %d\n", i), 0);
    assert_int_equal(strbuf_appends(&text, "# \xc2\x9b" "2K hides \xe2\x80\xae this\n"
                                           "passthrough_env = [\"AWS_SECRET_ACCESS_KEY\"]\n"
                                           "pids_limit = 0\n"
                                           "[[mount]]\nhost = \"../data\"\ncontainer = \"/data\"\n"
                                           "mode = \"rw\"\n"
                                           "[[secret]]\nenv = \"T\"\nfrom_env = \"GH_TOKEN\"\n"),
                     0);
    struct overlay_fx f;
    overlay_fx_init(&f, text.buf);
    strbuf_done(&text);
    char data[512], want[1200];
    fx_path(&f, "repo/data", data, sizeof(data));
    assert_int_equal(mkdir(data, 0700), 0);
    struct view_log log = {0};
    f.opts.ask_trust = capture_view;
    f.opts.userdata = &log;
    struct ags_config *cfg;
    struct cfg_diag diag;
    assert_int_equal(overlay_fx_load(&f, &cfg, &diag), 0);
    assert_int_equal(log.calls, 1);
    const char *v = log.view;
    assert_non_null(strstr(v, "     1 | [sandbox]\n"));
    assert_non_null(strstr(v, "    42 | # \\u{9b}2K hides \\u{202e} this\n"));
    assert_non_null(strstr(v, "    43 | passthrough_env = [\"AWS_SECRET_ACCESS_KEY\"]\n"));
    assert_null(strstr(v, "\xc2\x9b"));
    assert_null(strstr(v, "\xe2\x80\xae"));
    assert_non_null(strstr(v, "passes host variable AWS_SECRET_ACCESS_KEY into the sandbox"));
    assert_non_null(strstr(v, "sets sandbox.pids_limit = 0 (no limit on processes)"));
    (void)snprintf(want, sizeof(want), "mounts %s -> /data (rw)", data);
    assert_non_null(strstr(v, want));
    (void)snprintf(want, sizeof(want), "mount[0].host: %s/.ags/../data -> %s (dir)", f.s.repo,
                   data);
    assert_non_null(strstr(v, want));
    assert_non_null(strstr(v, "secret T from host variable GH_TOKEN"));
    config_free(cfg);
    cfg_diag_done(&diag);
    free(log.view);
    remove_tree(f.s.root);
}

static void test_overlay_too_large_to_show_is_not_offered(void **state)
{
    (void)state;
    size_t n = TRUST_VIEW_MAX_BYTES + 1;
    char *text = xcalloc(1, n + 1);
    memset(text, '#', n);
    text[n - 1] = '\n';
    struct overlay_fx f;
    overlay_fx_init(&f, text);
    free(text);
    expect_overlay_skipped(&f, "ags offers trust only for overlays of up to 256 KiB");
    remove_tree(f.s.root);
}

/* ---- the documentation tells the truth ---- */

static char *read_source(const char *rel)
{
    char path[512];
    (void)snprintf(path, sizeof(path), "%s/%s", AGS_SOURCE_DIR, rel);
    char *buf = NULL;
    size_t len = 0;
    struct ags_error err;
    if (read_file_bounded(path, 1u << 20, &buf, &len, &err) < 0)
        fail_msg("%s", err.msg);
    return buf;
}

static void test_example_config_is_valid_and_warning_free(void **state)
{
    (void)state;
    char *text = read_source("config/config.example.toml");
    struct loaded l = load(text);
    for (size_t i = 0; i < l.diag.n_errors; i++)
        print_message("error: %s\n", l.diag.errors[i]);
    for (size_t i = 0; i < l.diag.n_warnings; i++)
        print_message("warning: %s\n", l.diag.warnings[i]);
    assert_int_equal(l.r, 0);
    assert_int_equal(l.diag.n_warnings, 0);
    loaded_done(&l);
    free(text);
}

static void test_every_schema_key_is_documented(void **state)
{
    (void)state;
    char *doc = read_source("docs/config.md");
    char *example = read_source("config/config.example.toml");
    int missing = 0;
    for (size_t t = 0; cfg_schemas[t]; t++) {
        const struct cfg_table_schema *s = cfg_schemas[t];
        for (size_t i = 0; i < s->n_fields; i++) {
            char needle[128];
            (void)snprintf(needle, sizeof(needle), "`%s.%s`", s->name, s->fields[i].key);
            if (!strstr(doc, needle)) {
                print_message("docs/config.md does not document %s\n", needle);
                missing++;
            }
            (void)snprintf(needle, sizeof(needle), "%s = ", s->fields[i].key);
            if (!strstr(example, needle)) {
                print_message("config.example.toml has no '%s'\n", needle);
                missing++;
            }
        }
    }
    assert_int_equal(missing, 0);
    free(doc);
    free(example);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file_with_only_sandbox_image_is_complete),
        cmocka_unit_test(test_missing_sandbox_table_is_an_error),
        cmocka_unit_test(test_missing_image_names_the_table),
        cmocka_unit_test(test_wrong_type_names_file_line_col_and_key_path),
        cmocka_unit_test(test_bad_enum_lists_the_valid_values),
        cmocka_unit_test(test_enum_values_are_case_insensitive),
        cmocka_unit_test(test_unknown_key_warns_with_the_closest_valid_key),
        cmocka_unit_test(test_unsupported_original_sections_warn),
        cmocka_unit_test(test_every_problem_is_reported_not_just_the_first),
        cmocka_unit_test(test_toml_syntax_error_is_reported_with_position),
        cmocka_unit_test(test_host_paths_expand_home_vars_and_resolve_relative_to_the_file),
        cmocka_unit_test(test_unset_variable_in_a_path_is_an_error),
        cmocka_unit_test(test_command_expands_only_argv0_and_requires_it_absolute),
        cmocka_unit_test(test_secret_needs_a_source),
        cmocka_unit_test(test_secret_env_must_be_a_variable_name),
        cmocka_unit_test(test_overlay_may_not_define_a_command_secret),
        cmocka_unit_test(test_mount_order_is_mounts_then_agent_mounts_then_tools),
        cmocka_unit_test(test_two_mounts_on_one_sandbox_path_are_an_error),
        cmocka_unit_test(test_container_paths_must_be_absolute),
        cmocka_unit_test(test_enabled_browser_needs_command_and_port),
        cmocka_unit_test(test_port_out_of_range_is_an_error),
        cmocka_unit_test(test_nul_in_a_string_is_rejected),
        cmocka_unit_test(test_deep_nesting_and_garbage_end_in_a_clean_error),
        cmocka_unit_test(test_render_shows_each_value_with_its_origin),
        cmocka_unit_test(test_first_run_creates_the_default_config),
        cmocka_unit_test(test_overlay_trust_is_pinned_to_its_content),
        cmocka_unit_test(test_error_in_overlay_names_the_overlay_and_returns_nothing),
        cmocka_unit_test(test_overlay_symlink_swap_asks_again_and_mounts_the_resolved_target),
        cmocka_unit_test(test_overlay_path_leaving_the_repo_is_an_error_with_file_line_col),
        cmocka_unit_test(test_overlay_may_not_set_keys_that_reach_beyond_its_repository),
        cmocka_unit_test(test_overlay_may_not_set_service_idle_seconds),
        cmocka_unit_test(test_overlay_may_not_set_network_host_loopback),
        cmocka_unit_test(test_network_host_loopback_is_read_with_its_origin),
        cmocka_unit_test(test_network_mode_and_allow_default_to_open_and_empty),
        cmocka_unit_test(test_network_allow_entries_keep_each_file_line_col),
        cmocka_unit_test(test_network_bad_allow_entry_is_an_error_at_its_element),
        cmocka_unit_test(test_network_allow_list_is_bounded),
        cmocka_unit_test(test_aliases_commands_are_read_sorted_with_their_origin),
        cmocka_unit_test(test_overlay_may_not_set_aliases_commands),
        cmocka_unit_test(test_overlay_may_not_set_ssh_confirm),
        cmocka_unit_test(test_overlay_may_not_set_engine_connection),
        cmocka_unit_test(test_overlay_may_not_set_remote_sizes),
        cmocka_unit_test(test_remote_sizes_default_to_4gib_and_1gib_and_read_units),
        cmocka_unit_test(test_remote_sizes_refuse_zero_and_unknown_units_at_their_position),
        cmocka_unit_test(test_overlay_may_not_set_network_lockdown_may_open),
        cmocka_unit_test(test_overlay_network_mode_only_stricter),
        cmocka_unit_test(test_overlay_network_allow_may_only_narrow_the_base),
        cmocka_unit_test(test_overlay_network_allowlist_over_open_base_is_its_own_list),
        cmocka_unit_test(test_overlay_network_allow_may_not_reach_host_loopback_over_open_base),
        cmocka_unit_test(test_overlay_network_allow_must_be_covered_even_under_its_mode_none),
        cmocka_unit_test(test_overlay_may_only_turn_the_auth_proxy_off),
        cmocka_unit_test(test_auth_proxy_and_notify_defaults),
        cmocka_unit_test(test_approval_timeout_is_held_to_10_to_3600_seconds),
        cmocka_unit_test(test_browser_command_is_an_absolute_program_and_its_arguments),
        cmocka_unit_test(test_remote_persist_seconds_defaults_to_60_and_is_bounded_by_a_day),
        cmocka_unit_test(test_ssh_confirm_defaults_to_never_and_takes_always),
        cmocka_unit_test(test_engine_connection_is_read_with_its_position),
        cmocka_unit_test(test_overlay_containerfile_gets_its_own_image_tag_pinned_to_its_bytes),
        cmocka_unit_test(test_overlay_fifo_and_symlinks_are_refused_without_hanging),
        cmocka_unit_test(test_trust_prompt_shows_every_line_escaped_and_a_summary),
        cmocka_unit_test(test_overlay_too_large_to_show_is_not_offered),
        cmocka_unit_test(test_example_config_is_valid_and_warning_free),
        cmocka_unit_test(test_every_schema_key_is_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
