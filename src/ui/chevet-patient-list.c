/* chevet-patient-list.c: the patients a search found, as a lazy GListModel
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A search brings back its first page and the number of matches; n_items is that number,
 * whatever it is (100,000 patients included). Rows are read a page at a time, only when a
 * view asks for an item of a page not read yet: get_item then returns a placeholder
 * ChevetPatientItem at once, and the page's query goes to the session's worker. When it
 * comes back, the page's placeholders are filled in place ("patient" and "loaded"
 * notify), so the rows bound to them update without items-changed, and a row that has
 * the keyboard focus keeps it.
 *
 * At most max_pages pages are kept, least recently used dropped first, and at most
 * MAX_LOADING queries are outstanding: the pages asked for last (the ones on screen after
 * a fling) are read first, and a page dropped before its query ran is cancelled, so the
 * worker skips it.
 *
 * A new search (or clear, on lock) starts a new generation: every outstanding page query
 * is cancelled and, should one come back anyway, dropped by its generation number. The
 * rows shown stay until the new search's first page arrives, then all change at once, so
 * typing does not make the list blink: the first page's items are refilled in place (the
 * rows a view shows at the top only redraw) and the rest is replaced by one items-changed.
 */
#define G_LOG_DOMAIN "chevet-patient-list"

#include "config.h"

#include "chevet-patient.h"
#include "chevet-patient-list.h"

/* ChevetPatientItem */

struct _ChevetPatientItem
{
  GObject        parent_instance;

  ChevetPatient *patient;
  char          *heading;
  gboolean       loaded;
};

enum {
  ITEM_PROP_0,
  ITEM_PROP_PATIENT,
  ITEM_PROP_LOADED,
  ITEM_PROP_HEADING,
  ITEM_PROP_ACTIVATABLE,
  ITEM_N_PROPS
};

static GParamSpec *item_properties[ITEM_N_PROPS];

G_DEFINE_FINAL_TYPE (ChevetPatientItem, chevet_patient_item, G_TYPE_OBJECT)

static void
chevet_patient_item_finalize (GObject *object)
{
  ChevetPatientItem *self = (ChevetPatientItem *) object;

  g_clear_object (&self->patient);
  g_free (self->heading);

  G_OBJECT_CLASS (chevet_patient_item_parent_class)->finalize (object);
}

static void
chevet_patient_item_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChevetPatientItem *self = CHEVET_PATIENT_ITEM (object);

  switch (prop_id)
    {
    case ITEM_PROP_PATIENT:
      g_value_set_object (value, self->patient);
      break;
    case ITEM_PROP_LOADED:
      g_value_set_boolean (value, self->loaded);
      break;
    case ITEM_PROP_HEADING:
      g_value_set_string (value, self->heading);
      break;
    case ITEM_PROP_ACTIVATABLE:
      g_value_set_boolean (value, chevet_patient_item_get_activatable (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_item_class_init (ChevetPatientItemClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = chevet_patient_item_finalize;
  object_class->get_property = chevet_patient_item_get_property;

  /* NULL for a heading, and for a placeholder until its page arrives. */
  item_properties[ITEM_PROP_PATIENT] =
    g_param_spec_object ("patient", NULL, NULL, CHEVET_TYPE_PATIENT,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* FALSE while the row's page is being read. */
  item_properties[ITEM_PROP_LOADED] =
    g_param_spec_boolean ("loaded", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  item_properties[ITEM_PROP_HEADING] =
    g_param_spec_string ("heading", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /* Whether activating the row opens a chart: a loaded patient. */
  item_properties[ITEM_PROP_ACTIVATABLE] =
    g_param_spec_boolean ("activatable", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ITEM_N_PROPS, item_properties);
}

static void
chevet_patient_item_init (ChevetPatientItem *self)
{
}

/* A loaded row, or with @patient NULL a placeholder. */
ChevetPatientItem *
chevet_patient_item_new (ChevetPatient *patient)
{
  ChevetPatientItem *self;

  g_return_val_if_fail (!patient || CHEVET_IS_PATIENT (patient), NULL);

  self = g_object_new (CHEVET_TYPE_PATIENT_ITEM, NULL);
  self->patient = patient != NULL ? g_object_ref (patient) : NULL;
  self->loaded = patient != NULL;
  return self;
}

ChevetPatientItem *
chevet_patient_item_new_heading (const char *heading)
{
  ChevetPatientItem *self;

  g_return_val_if_fail (heading != NULL, NULL);

  self = g_object_new (CHEVET_TYPE_PATIENT_ITEM, NULL);
  self->heading = g_strdup (heading);
  self->loaded = TRUE;
  return self;
}

/* A placeholder's page arrived: @patient may be NULL when the store has fewer rows than
 * counted (changed meanwhile); the row then stays empty. */
static void
chevet_patient_item_fill (ChevetPatientItem *self,
                          ChevetPatient     *patient)
{
  g_assert (!self->loaded);

  self->loaded = TRUE;
  g_set_object (&self->patient, patient);
  if (patient != NULL)
    {
      g_object_notify_by_pspec (G_OBJECT (self), item_properties[ITEM_PROP_PATIENT]);
      g_object_notify_by_pspec (G_OBJECT (self), item_properties[ITEM_PROP_ACTIVATABLE]);
    }
  g_object_notify_by_pspec (G_OBJECT (self), item_properties[ITEM_PROP_LOADED]);
}

/* A new search reuses the rows on screen: the item stays, its patient changes. */
static void
chevet_patient_item_refill (ChevetPatientItem *self,
                            ChevetPatient     *patient)
{
  gboolean was_activatable = self->patient != NULL;

  self->loaded = TRUE;
  if (g_set_object (&self->patient, patient))
    g_object_notify_by_pspec (G_OBJECT (self), item_properties[ITEM_PROP_PATIENT]);
  if (was_activatable != (patient != NULL))
    g_object_notify_by_pspec (G_OBJECT (self), item_properties[ITEM_PROP_ACTIVATABLE]);
  g_object_notify_by_pspec (G_OBJECT (self), item_properties[ITEM_PROP_LOADED]);
}

ChevetPatient *
chevet_patient_item_get_patient (ChevetPatientItem *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ITEM (self), NULL);
  return self->patient;
}

gboolean
chevet_patient_item_get_loaded (ChevetPatientItem *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ITEM (self), FALSE);
  return self->loaded;
}

const char *
chevet_patient_item_get_heading (ChevetPatientItem *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ITEM (self), NULL);
  return self->heading;
}

gboolean
chevet_patient_item_get_activatable (ChevetPatientItem *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_ITEM (self), FALSE);
  return self->patient != NULL;
}

/* ChevetPatientList */

/* Page queries outstanding on the worker at once. */
#define MAX_LOADING 2

typedef enum
{
  PAGE_WAITING,  /* placeholders; not asked for yet */
  PAGE_LOADING,
  PAGE_LOADED,
  PAGE_FAILED,   /* stays placeholders until dropped: no retry loop on a broken store */
} PageState;

typedef struct
{
  GList         link;         /* in lru; data points back here */
  guint         index;
  guint         start;
  guint         len;
  PageState     state;
  GPtrArray    *items;        /* ChevetPatientItem */
  GCancellable *cancellable;  /* while loading */
} Page;

typedef struct
{
  ChevetPatientList *self;
  GCancellable      *cancellable;
  guint              index;
  guint              generation;
} Load;

struct _ChevetPatientList
{
  GObject        parent_instance;

  ChevetSession *session;
  char          *text;        /* of the rows shown */
  guint          n_items;
  guint          page_size;
  guint          max_pages;
  guint          generation;
  guint          n_loading;

  GHashTable    *pages;       /* index -> Page */
  GQueue         lru;         /* Page, most recently used first */

  /* The search whose first page is awaited: no page is read meanwhile. */
  GCancellable  *search_cancellable;
};

enum {
  PROP_0,
  PROP_SESSION,
  PROP_N_ITEMS,
  PROP_TEXT,
  PROP_MAX_PAGES,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void schedule_loads (ChevetPatientList *self);

static Page *
page_new (ChevetPatientList *self,
          guint              index)
{
  Page *page = g_new0 (Page, 1);
  guint i;

  page->link.data = page;
  page->index = index;
  page->start = index * self->page_size;
  g_assert (page->start < self->n_items);
  page->len = MIN (self->page_size, self->n_items - page->start);
  page->items = g_ptr_array_new_full (page->len, g_object_unref);
  for (i = 0; i < page->len; i++)
    g_ptr_array_add (page->items, chevet_patient_item_new (NULL));
  return page;
}

static void
page_free (Page *page)
{
  /* Its query, if still queued, is skipped by the worker. */
  if (page->cancellable != NULL)
    {
      g_cancellable_cancel (page->cancellable);
      g_clear_object (&page->cancellable);
    }
  g_ptr_array_unref (page->items);
  g_free (page);
}

static void
drop_page (ChevetPatientList *self,
           Page              *page)
{
  g_queue_unlink (&self->lru, &page->link);
  g_hash_table_remove (self->pages, GUINT_TO_POINTER (page->index));
}

static void
drop_all_pages (ChevetPatientList *self)
{
  g_hash_table_remove_all (self->pages);
  g_queue_init (&self->lru);
}

/* Drops the pages used longest ago beyond the bound, but never one whose query is on its
 * way: its rows were asked for a moment ago and would otherwise stay placeholders. */
static void
evict (ChevetPatientList *self)
{
  GList *l = self->lru.tail;

  while (self->lru.length > self->max_pages && l != NULL)
    {
      Page *page = l->data;

      l = l->prev;
      if (page->state != PAGE_LOADING)
        drop_page (self, page);
    }
}

static Page *
lookup_page (ChevetPatientList *self,
             guint              index)
{
  return g_hash_table_lookup (self->pages, GUINT_TO_POINTER (index));
}

static void
add_page (ChevetPatientList *self,
          Page              *page)
{
  g_assert (lookup_page (self, page->index) == NULL);
  g_hash_table_insert (self->pages, GUINT_TO_POINTER (page->index), page);
  g_queue_push_head_link (&self->lru, &page->link);
  evict (self);
}

static void
load_free (Load *load)
{
  g_clear_object (&load->cancellable);
  g_clear_object (&load->self);
  g_free (load);
}

static void
on_page_loaded (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  Load *load = user_data;
  ChevetPatientList *self = load->self;
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GError) error = NULL;
  Page *page;
  guint i;

  patients = chevet_session_search_finish (CHEVET_SESSION (object), result, NULL, &error);
  g_assert (self->n_loading > 0);
  self->n_loading--;

  page = lookup_page (self, load->index);
  /* Dropped, superseded by a newer search or by a lock: never shown. */
  if (load->generation != self->generation || page == NULL || page->cancellable != load->cancellable)
    {
      g_debug ("page %u of an older search or dropped: ignored", load->index);
      goto out;
    }
  g_clear_object (&page->cancellable);

  if (patients == NULL)
    {
      g_debug ("reading page %u failed: %s code %d", load->index,
               g_quark_to_string (error->domain), error->code);
      page->state = PAGE_FAILED;
      goto out;
    }

  if (patients->len != page->len)
    g_debug ("page %u: %u rows where %u were counted", load->index, patients->len, page->len);
  page->state = PAGE_LOADED;
  for (i = 0; i < page->len; i++)
    chevet_patient_item_fill (g_ptr_array_index (page->items, i),
                              i < patients->len ? g_ptr_array_index (patients, i) : NULL);

out:
  schedule_loads (self);
  load_free (load);
}

static void
start_load (ChevetPatientList *self,
            Page              *page)
{
  Load *load;

  g_assert (page->state == PAGE_WAITING);
  g_assert (page->cancellable == NULL);

  page->state = PAGE_LOADING;
  page->cancellable = g_cancellable_new ();
  self->n_loading++;

  load = g_new0 (Load, 1);
  load->self = g_object_ref (self);
  load->cancellable = g_object_ref (page->cancellable);
  load->index = page->index;
  load->generation = self->generation;
  chevet_session_search_async (self->session, self->text, page->start, page->len,
                               page->cancellable, on_page_loaded, load);
}

/* Reads the waiting pages used last first, a few at a time. */
static void
schedule_loads (ChevetPatientList *self)
{
  if (self->search_cancellable != NULL || self->session == NULL)
    return;

  while (self->n_loading < MAX_LOADING)
    {
      Page *next = NULL;
      GList *l;

      for (l = self->lru.head; l != NULL && next == NULL; l = l->next)
        if (((Page *) l->data)->state == PAGE_WAITING)
          next = l->data;
      if (next == NULL)
        break;
      start_load (self, next);
    }
}

/* Puts pages whose query is outstanding back to waiting: their answers are of an older
 * generation now. */
static void
cancel_loads (ChevetPatientList *self)
{
  GList *l;

  for (l = self->lru.head; l != NULL; l = l->next)
    {
      Page *page = l->data;

      if (page->cancellable != NULL)
        {
          g_cancellable_cancel (page->cancellable);
          g_clear_object (&page->cancellable);
          page->state = PAGE_WAITING;
        }
    }
}

static GType
chevet_patient_list_get_item_type (GListModel *model)
{
  return CHEVET_TYPE_PATIENT_ITEM;
}

static guint
chevet_patient_list_get_n_items (GListModel *model)
{
  return CHEVET_PATIENT_LIST (model)->n_items;
}

static gpointer
chevet_patient_list_get_item (GListModel *model,
                              guint       position)
{
  ChevetPatientList *self = CHEVET_PATIENT_LIST (model);
  guint index;
  Page *page;

  if (position >= self->n_items)
    return NULL;

  index = position / self->page_size;
  page = lookup_page (self, index);
  if (page == NULL)
    {
      page = page_new (self, index);
      g_debug ("page %u asked for (row %u)", index, position);
      add_page (self, page);
      schedule_loads (self);
    }
  else if (self->lru.head != &page->link)
    {
      g_queue_unlink (&self->lru, &page->link);
      g_queue_push_head_link (&self->lru, &page->link);
    }

  return g_object_ref (g_ptr_array_index (page->items, position - page->start));
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item_type = chevet_patient_list_get_item_type;
  iface->get_n_items = chevet_patient_list_get_n_items;
  iface->get_item = chevet_patient_list_get_item;
}

G_DEFINE_FINAL_TYPE_WITH_CODE (ChevetPatientList, chevet_patient_list, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

static void
cancel_search (ChevetPatientList *self)
{
  if (self->search_cancellable != NULL)
    {
      g_cancellable_cancel (self->search_cancellable);
      g_clear_object (&self->search_cancellable);
    }
}

static void
chevet_patient_list_dispose (GObject *object)
{
  ChevetPatientList *self = (ChevetPatientList *) object;

  cancel_search (self);
  drop_all_pages (self);
  g_clear_object (&self->session);

  G_OBJECT_CLASS (chevet_patient_list_parent_class)->dispose (object);
}

static void
chevet_patient_list_finalize (GObject *object)
{
  ChevetPatientList *self = (ChevetPatientList *) object;

  g_clear_pointer (&self->pages, g_hash_table_unref);
  g_free (self->text);

  G_OBJECT_CLASS (chevet_patient_list_parent_class)->finalize (object);
}

static void
chevet_patient_list_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  ChevetPatientList *self = CHEVET_PATIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->n_items);
      break;
    case PROP_TEXT:
      g_value_set_string (value, self->text);
      break;
    case PROP_MAX_PAGES:
      g_value_set_uint (value, self->max_pages);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_list_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  ChevetPatientList *self = CHEVET_PATIENT_LIST (object);

  switch (prop_id)
    {
    case PROP_SESSION:
      chevet_patient_list_set_session (self, g_value_get_object (value));
      break;
    case PROP_MAX_PAGES:
      chevet_patient_list_set_max_pages (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
chevet_patient_list_class_init (ChevetPatientListClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = chevet_patient_list_dispose;
  object_class->finalize = chevet_patient_list_finalize;
  object_class->get_property = chevet_patient_list_get_property;
  object_class->set_property = chevet_patient_list_set_property;

  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, CHEVET_TYPE_SESSION,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How many patients the search shown matched: every one is a row, loaded or not. */
  properties[PROP_N_ITEMS] =
    g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The search text of the rows shown (not of a search in flight). */
  properties[PROP_TEXT] =
    g_param_spec_string ("text", NULL, NULL, NULL,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* How many pages of rows are kept at most. */
  properties[PROP_MAX_PAGES] =
    g_param_spec_uint ("max-pages", NULL, NULL, 1, G_MAXUINT, CHEVET_PATIENT_LIST_MAX_PAGES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
chevet_patient_list_init (ChevetPatientList *self)
{
  self->page_size = CHEVET_PATIENT_LIST_PAGE_SIZE;
  self->max_pages = CHEVET_PATIENT_LIST_MAX_PAGES;
  self->pages = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) page_free);
  g_queue_init (&self->lru);
}

ChevetPatientList *
chevet_patient_list_new (void)
{
  return g_object_new (CHEVET_TYPE_PATIENT_LIST, NULL);
}

ChevetSession *
chevet_patient_list_get_session (ChevetPatientList *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), NULL);
  return self->session;
}

void
chevet_patient_list_set_session (ChevetPatientList *self,
                                 ChevetSession     *session)
{
  g_return_if_fail (CHEVET_IS_PATIENT_LIST (self));
  g_return_if_fail (!session || CHEVET_IS_SESSION (session));

  if (self->session == session)
    return;
  chevet_patient_list_clear (self);
  g_set_object (&self->session, session);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

/* Replaces every row. The items of the first page are kept and refilled with the new
 * patients, so the rows a view shows at the top (where a search leaves it) stay and only
 * redraw: a view rebuilds a row only where the item changed. Everything past them is
 * replaced in one items-changed. */
static void
replace (ChevetPatientList *self,
         const char        *text,
         GPtrArray         *first_page,
         guint              n_items)
{
  guint old_n = self->n_items;
  gboolean text_changed = g_strcmp0 (self->text, text) != 0;
  g_autoptr(GPtrArray) kept = NULL;
  Page *old_first = lookup_page (self, 0);
  guint n_kept = 0;

  self->generation++;
  if (old_first != NULL && first_page != NULL && n_items > 0)
    kept = g_ptr_array_ref (old_first->items);
  drop_all_pages (self);
  g_free (self->text);
  self->text = g_strdup (text);
  self->n_items = n_items;

  if (first_page != NULL && n_items > 0)
    {
      Page *page = page_new (self, 0);
      guint i;

      n_kept = kept != NULL ? MIN (kept->len, page->len) : 0;
      for (i = 0; i < page->len; i++)
        {
          ChevetPatient *patient = i < first_page->len ? g_ptr_array_index (first_page, i) : NULL;

          if (i < n_kept)
            {
              ChevetPatientItem *placeholder = g_ptr_array_index (page->items, i);

              g_ptr_array_index (page->items, i) = g_object_ref (g_ptr_array_index (kept, i));
              g_object_unref (placeholder);
              chevet_patient_item_refill (g_ptr_array_index (page->items, i), patient);
            }
          else
            chevet_patient_item_fill (g_ptr_array_index (page->items, i), patient);
        }
      page->state = PAGE_LOADED;
      add_page (self, page);
    }

  if (old_n > n_kept || n_items > n_kept)
    g_list_model_items_changed (G_LIST_MODEL (self), n_kept, old_n - n_kept, n_items - n_kept);
  if (old_n != n_items)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
  if (text_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TEXT]);
}

typedef struct
{
  GCancellable *cancellable;
  char         *text;
} SearchData;

static void
search_data_free (SearchData *data)
{
  g_clear_object (&data->cancellable);
  g_free (data->text);
  g_free (data);
}

static void
on_first_page (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  ChevetPatientList *self = g_task_get_source_object (task);
  SearchData *data = g_task_get_task_data (task);
  g_autoptr(GPtrArray) patients = NULL;
  g_autoptr(GError) error = NULL;
  guint64 total = 0;

  patients = chevet_session_search_finish (CHEVET_SESSION (object), result, &total, &error);
  /* Cancelled: a newer search, clear or dispose took over, and owns the state. */
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_assert (self->search_cancellable == data->cancellable);
  g_clear_object (&self->search_cancellable);

  if (patients == NULL)
    {
      replace (self, NULL, NULL, 0);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_debug ("search: %" G_GUINT64_FORMAT " matches", total);
  replace (self, data->text, patients, (guint) MIN (total, (guint64) G_MAXUINT));
  schedule_loads (self);
  g_task_return_boolean (task, TRUE);
}

/* Searches the session's patients for @text: on success, every row has been replaced
 * with the matches. A newer search, chevet_patient_list_clear() or a lock makes this one
 * return G_IO_ERROR_CANCELLED. On any other error the list is empty. */
void
chevet_patient_list_search_async (ChevetPatientList   *self,
                                  const char          *text,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  SearchData *data;

  g_return_if_fail (CHEVET_IS_PATIENT_LIST (self));
  g_return_if_fail (self->session != NULL);

  task = g_task_new (self, NULL, callback, user_data);
  g_task_set_source_tag (task, chevet_patient_list_search_async);

  cancel_search (self);
  /* Page queries outstanding are of the rows about to go. */
  self->generation++;
  cancel_loads (self);

  self->search_cancellable = g_cancellable_new ();
  data = g_new0 (SearchData, 1);
  data->cancellable = g_object_ref (self->search_cancellable);
  data->text = g_strdup (text);
  g_task_set_task_data (task, data, (GDestroyNotify) search_data_free);
  chevet_session_search_async (self->session, text, 0, self->page_size,
                               self->search_cancellable, on_first_page, g_steal_pointer (&task));
}

gboolean
chevet_patient_list_search_finish (ChevetPatientList  *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == chevet_patient_list_search_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* Drops every row and cancels what is in flight, so no patient string stays reachable
 * from the views. */
void
chevet_patient_list_clear (ChevetPatientList *self)
{
  g_return_if_fail (CHEVET_IS_PATIENT_LIST (self));

  cancel_search (self);
  replace (self, NULL, NULL, 0);
}

/* The search text of the rows shown. */
const char *
chevet_patient_list_get_text (ChevetPatientList *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), NULL);
  return self->text;
}

/* How many patients match: the number of rows, loaded or not. */
guint64
chevet_patient_list_get_total (ChevetPatientList *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), 0);
  return self->n_items;
}

/* How many pages of rows the list holds now (never more than max-pages). */
guint
chevet_patient_list_get_n_pages (ChevetPatientList *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), 0);
  g_assert (self->lru.length == g_hash_table_size (self->pages));
  return self->lru.length;
}

guint
chevet_patient_list_get_max_pages (ChevetPatientList *self)
{
  g_return_val_if_fail (CHEVET_IS_PATIENT_LIST (self), 0);
  return self->max_pages;
}

void
chevet_patient_list_set_max_pages (ChevetPatientList *self,
                                   guint              max_pages)
{
  g_return_if_fail (CHEVET_IS_PATIENT_LIST (self));
  g_return_if_fail (max_pages > 0);

  if (self->max_pages == max_pages)
    return;
  self->max_pages = max_pages;
  evict (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_PAGES]);
}
