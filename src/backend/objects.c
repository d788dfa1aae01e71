/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The objects list_owned hands out (backend.h), for every backend. */
#include "backend/backend.h"

#include <stdlib.h>

#include "base/strv.h"
#include "base/banned.h"

void backend_objects_done(struct backend_objects *o)
{
    for (size_t i = 0; o->v && i < o->n; i++) {
        struct backend_object *x = &o->v[i];
        free(x->id);
        free(x->name);
        strv_free(x->labels);
        strv_free(x->tags);
        strv_free(x->users);
    }
    free(o->v);
    *o = (struct backend_objects){0};
}

void backend_sessions_done(struct backend_sessions *s)
{
    for (size_t i = 0; s->v && i < s->n; i++) {
        free(s->v[i].id);
        free(s->v[i].name);
        strv_free(s->v[i].labels);
    }
    free(s->v);
    *s = (struct backend_sessions){0};
}
