/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "podman/build-stream.h"

#include <jansson.h>
#include <string.h>

#include "base/alloc.h"
#include "base/banned.h"
#include "base/utf8.h"

bool podman_is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

void podman_build_stream_init(struct podman_build_stream *s,
                              void (*on_output)(const char *text, size_t len, void *userdata),
                              void *userdata)
{
    *s = (struct podman_build_stream){.on_output = on_output, .userdata = userdata};
    strbuf_init(&s->line, PODMAN_BUILD_MAX_LINE);
}

void podman_build_stream_done(struct podman_build_stream *s)
{
    strbuf_done(&s->line);
    free(s->id);
    free(s->error);
    free(s->step);
    *s = (struct podman_build_stream){0};
}

static bool is_space(char c)
{
    return c == ' ' || c == '\n' || c == '\r' || c == '\t';
}

/* The whole text, spaces trimmed, is 12..64 hex digits (podman-remote accepts 12+). */
static void take_id(struct podman_build_stream *s, const char *text, size_t len)
{
    while (len > 0 && is_space(text[0])) {
        text++;
        len--;
    }
    while (len > 0 && is_space(text[len - 1]))
        len--;
    if (len > 7 && strncmp(text, "sha256:", 7) == 0) {
        text += 7;
        len -= 7;
    }
    if (len >= 12 && len <= 64 && podman_is_hex(text, len)) {
        free(s->id);
        s->id = xstrndup(text, len);
    }
}

/* Keeps the last "STEP N/M: text" output line (without its newline; a line
 * is bounded by PODMAN_BUILD_MAX_LINE). */
static void take_step(struct podman_build_stream *s, const char *text, size_t len)
{
    if (len < 5 || strncmp(text, "STEP ", 5) != 0)
        return;
    if (text[len - 1] == '\n') /* only that: the step's own text may end in a space */
        len--;
    free(s->step);
    s->step = xstrndup(text, len);
}

/* The cause in 'building at STEP "<step>": <cause>' when <step> is the last
 * step seen (storing how to name that step), else NULL. */
static const char *step_error_cause(const struct podman_build_stream *s, const char *text,
                                    struct strbuf *step_name)
{
    static const char prefix[] = "building at STEP \"";
    const char *colon = s->step ? strstr(s->step, ": ") : NULL;
    if (!colon || strncmp(text, prefix, sizeof(prefix) - 1) != 0)
        return NULL;
    const char *step = colon + 2;
    size_t step_len = strlen(step);
    const char *at = text + sizeof(prefix) - 1;
    if (strncmp(at, step, step_len) != 0 || strncmp(at + step_len, "\": ", 3) != 0)
        return NULL;
    size_t shown = utf8_cut(step, step_len, PODMAN_BUILD_STEP_SHOWN);
    if (strbuf_appendf(step_name, "step %.*s (%.*s%s)", (int)(colon - (s->step + 5)),
                      s->step + 5, (int)shown, step, shown < step_len ? "..." : "") < 0)
        return NULL;
    return at + step_len + 3;
}

/* Keeps the first error as one bounded line; a failed step is named by its
 * number and the start of its text (a RUN step may be kilobytes long and
 * would push the cause out of the bound). */
static void take_error(struct podman_build_stream *s, const char *text)
{
    if (s->error || !text)
        return;
    _cleanup_strbuf_ struct strbuf step_name;
    strbuf_init(&step_name, 256);
    const char *cause = step_error_cause(s, text, &step_name);
    if (cause)
        text = cause;
    size_t len = strnlen(text, PODMAN_BUILD_MAX_ERROR);
    while (len > 0 && is_space(text[len - 1]))
        len--;
    if (cause)
        s->error = xasprintf("%s failed: %.*s", step_name.buf, (int)len, text);
    else
        s->error = xstrndup(text, len);
    /* One line for the error message: inner newlines become ';'. */
    for (char *p = s->error; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ';';
    if (!s->error[0]) {
        free(s->error);
        s->error = xstrdup("(no error text)");
    }
}

static void handle_object(struct podman_build_stream *s, const json_t *obj)
{
    const json_t *stream = json_object_get(obj, "stream");
    if (json_is_string(stream)) {
        const char *text = json_string_value(stream);
        size_t len = json_string_length(stream);
        if (s->on_output && len > 0)
            s->on_output(text, len, s->userdata);
        take_id(s, text, len);
        take_step(s, text, len);
    }
    const char *aux_id = json_string_value(json_object_get(json_object_get(obj, "aux"), "ID"));
    if (aux_id)
        take_id(s, aux_id, strlen(aux_id));
    const json_t *error = json_object_get(obj, "error");
    const json_t *detail = json_object_get(obj, "errorDetail");
    if (error || detail) {
        const char *text = json_string_value(error);
        if (!text || !text[0])
            text = json_string_value(json_object_get(detail, "message"));
        take_error(s, text ? text : "the build reported an error without text");
    }
    const char *message = json_string_value(json_object_get(obj, "message"));
    if (message && json_object_get(obj, "cause"))
        take_error(s, message);
}

static int handle_line(struct podman_build_stream *s, const char *line, size_t len,
                       struct ags_error *err)
{
    size_t start = 0;
    while (start < len && is_space(line[start]))
        start++;
    if (start == len)
        return 0;
    s->lines++;
    json_t *obj = json_loadb(line + start, len - start, 0, NULL);
    if (!json_is_object(obj)) {
        json_decref(obj);
        size_t show = len - start < 80 ? len - start : 80;
        for (size_t i = 0; i < show; i++)
            if ((unsigned char)line[start + i] < 0x20)
                show = i;
        return ags_error_set(err, -EPROTO, "line %zu of the build output is not a JSON object: "
                                           "'%.*s'", s->lines, (int)show, line + start);
    }
    handle_object(s, obj);
    json_decref(obj);
    return 0;
}

int podman_build_stream_feed(struct podman_build_stream *s, const char *p, size_t n,
                             struct ags_error *err)
{
    while (n > 0) {
        const char *nl = memchr(p, '\n', n);
        size_t take = nl ? (size_t)(nl - p) : n;
        if (strbuf_append(&s->line, p, take) < 0)
            return ags_error_set(err, -E2BIG, "a line of the build output is longer than %u "
                                              "bytes", PODMAN_BUILD_MAX_LINE);
        if (!nl)
            return 0;
        int r = handle_line(s, s->line.buf, s->line.len, err);
        strbuf_reset(&s->line);
        if (r < 0)
            return r;
        p += take + 1;
        n -= take + 1;
    }
    return 0;
}

int podman_build_stream_finish(struct podman_build_stream *s, char **ret_id,
                               struct ags_error *err)
{
    if (s->line.len > 0) {
        int r = handle_line(s, s->line.buf, s->line.len, err);
        strbuf_reset(&s->line);
        if (r < 0)
            return r;
    }
    if (s->error)
        return ags_error_set(err, -EIO, "the image build failed: %s", s->error);
    if (!s->id)
        return ags_error_set(err, -EIO, "the image build ended without an image id");
    *ret_id = TAKE_PTR(s->id);
    return 0;
}
