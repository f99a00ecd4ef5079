/* fvm-spec: a clone described in one YAML file (see fvm-spec.h), read with libyaml. */
#include "fvm-spec.h"

#include "fvm-error.h"
#include "fvm-names.h"
#include "fvm-validate.h"
#include "fvm-yaml.h"

void
fvm_spec_init (FvmSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  fvm_identity_init (&spec->identity);
}

void
fvm_spec_clear (FvmSpec *spec)
{
  fvm_identity_clear (&spec->identity);
  g_clear_pointer (&spec->profile, g_free);
  g_clear_pointer (&spec->note, g_free);
  g_clear_pointer (&spec->ip, g_free);
}

/* GLib 2.74 has no g_set_str. */
static void
set_str (char **slot, const char *value)
{
  g_free (*slot);
  *slot = g_strdup (value);
}

typedef enum
{
  VALUE_STRING,   /* a scalar */
  VALUE_NUMBER,   /* a plain scalar of digits */
  VALUE_STRINGS,  /* a list of scalars, or one */
  VALUE_DOCUMENT, /* a mapping (dumped) or a string (verbatim) */
  VALUE_MAPPING,  /* a mapping (dumped) */
} ValueType;

typedef struct
{
  const char *key;
  ValueType type;
  FvmSetting setting; /* the configuration's, or SPEC_ONLY when the spec itself keeps it */
} SpecKey;

#define SPEC_ONLY FVM_N_SETTINGS

static const SpecKey spec_keys[] = {
  { "golden", VALUE_STRING, FVM_SETTING_CLONE_GOLDEN },
  { "profile", VALUE_STRING, SPEC_ONLY },
  { "memory", VALUE_STRING, FVM_SETTING_CLONE_MEMORY },
  { "vcpus", VALUE_NUMBER, FVM_SETTING_CLONE_VCPUS },
  { "disk-size", VALUE_STRING, FVM_SETTING_CLONE_DISK_SIZE },
  { "network", VALUE_STRING, FVM_SETTING_NETWORK_NAME },
  { "template", VALUE_STRING, FVM_SETTING_CLONE_TEMPLATE },
  { "hooks", VALUE_STRINGS, FVM_SETTING_CLONE_HOOKS },
  { "disk-hooks", VALUE_STRINGS, FVM_SETTING_CLONE_DISK_HOOKS },
  { "destroy-disk-hooks", VALUE_STRINGS, FVM_SETTING_CLONE_DESTROY_DISK_HOOKS },
  { "wait", VALUE_STRING, FVM_SETTING_CLONE_WAIT },
  { "ssh-key-files", VALUE_STRINGS, FVM_SETTING_CLONE_SSH_KEYS },
  { "hostname", VALUE_STRING, SPEC_ONLY },
  { "note", VALUE_STRING, SPEC_ONLY },
  { "number", VALUE_NUMBER, SPEC_ONLY },
  { "ip", VALUE_STRING, SPEC_ONLY },
  { "ssh-keys", VALUE_STRINGS, SPEC_ONLY },
  { "user-data", VALUE_DOCUMENT, SPEC_ONLY },
  { "meta-data", VALUE_MAPPING, SPEC_ONLY },
  { "network-config", VALUE_DOCUMENT, SPEC_ONLY },
};

typedef struct
{
  const char *path;
  const char *dir;
  FvmYamlDocument *doc;
  FvmConfig *config;
  FvmSpec *out;
} Loader;

static gboolean throw_at (Loader *l, const yaml_node_t *node, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF (4, 5);

static gboolean
throw_at (Loader *l, const yaml_node_t *node, GError **error, const char *fmt, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, fmt);
  msg = g_strdup_vprintf (fmt, args);
  va_end (args);
  fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s:%u: %s", l->path, fvm_yaml_line (node), msg);
  /* Messages quote the spec's values, which may hold line breaks. */
  if (error != NULL)
    fvm_error_make_one_line (*error);
  return FALSE;
}

static const SpecKey *
find_key (const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    if (g_str_equal (spec_keys[i].key, key))
      return &spec_keys[i];
  return NULL;
}

static char *
known_keys (void)
{
  g_autoptr (GString) s = g_string_new (NULL);

  for (guint i = 0; i < G_N_ELEMENTS (spec_keys); i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", spec_keys[i].key);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* A scalar with something in it: `memory:` alone is YAML's null, not a value. */
static const char *
string_value (Loader *l, const SpecKey *k, yaml_node_t *node, GError **error)
{
  const char *s = fvm_yaml_scalar (node);

  if (s == NULL)
    return throw_at (l, node, error, "%s must be a string, not a %s", k->key,
                     node->type == YAML_MAPPING_NODE ? "mapping" : "list"),
           NULL;
  if (*s == '\0' && node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
    return throw_at (l, node, error, "%s needs a value", k->key), NULL;
  /* "\0" in a quoted scalar: the C string would end there. */
  if (strlen (s) != node->data.scalar.length)
    return throw_at (l, node, error, "%s holds a NUL byte", k->key), NULL;
  return s;
}

static const char *
number_value (Loader *l, const SpecKey *k, yaml_node_t *node, GError **error)
{
  const char *s = fvm_yaml_scalar (node);

  if (s == NULL || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || *s == '\0'
      || strspn (s, "0123456789") != strlen (s) || strlen (s) > 9)
    return throw_at (l, node, error, "%s must be a whole number", k->key), NULL;
  return s;
}

/* A list of strings (or one string) as a NULL-terminated array. */
static GStrv
strings_value (Loader *l, const SpecKey *k, yaml_node_t *node, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  if (node->type == YAML_SCALAR_NODE)
    {
      const char *s = string_value (l, k, node, error);
      if (s == NULL)
        return NULL;
      g_strv_builder_add (b, s);
      return g_strv_builder_end (b);
    }
  if (node->type != YAML_SEQUENCE_NODE)
    return throw_at (l, node, error, "%s must be a list of strings", k->key), NULL;
  for (yaml_node_item_t *i = node->data.sequence.items.start; i < node->data.sequence.items.top;
       i++)
    {
      yaml_node_t *item = yaml_document_get_node (l->doc, *i);
      const char *s = fvm_yaml_scalar (item);
      if (s == NULL || *s == '\0')
        return throw_at (l, item, error, "%s must be a list of strings", k->key), NULL;
      if (strlen (s) != item->data.scalar.length)
        return throw_at (l, item, error, "%s holds a NUL byte", k->key), NULL;
      g_strv_builder_add (b, s);
    }
  return g_strv_builder_end (b);
}

static gboolean
set_setting (Loader *l, const SpecKey *k, yaml_node_t *node, const char *value, GError **error)
{
  g_autoptr (GError) local_error = NULL;

  if (fvm_config_set_from (l->config, k->setting, value, FVM_CONFIG_SOURCE_SPEC, l->path, l->dir,
                           &local_error))
    return TRUE;
  return throw_at (l, node, error, "%s", local_error->message);
}

static gboolean
apply_key (Loader *l, const SpecKey *k, yaml_node_t *node, GError **error)
{
  FvmSpec *out = l->out;
  FvmIdentity *id = &out->identity;
  const char *s;

  switch (k->type)
    {
    case VALUE_STRING:
      s = string_value (l, k, node, error);
      if (s == NULL)
        return FALSE;
      if (k->setting != SPEC_ONLY)
        return set_setting (l, k, node, s, error);
      if (g_str_equal (k->key, "hostname"))
        {
          g_autoptr (GError) local_error = NULL;
          if (!fvm_validate_hostname (s, &local_error))
            return throw_at (l, node, error, "hostname must be a DNS label, not '%s'", s);
          g_free (id->hostname);
          id->hostname = g_strdup (s);
        }
      else if (g_str_equal (k->key, "note"))
        set_str (&out->note, s);
      else if (g_str_equal (k->key, "ip"))
        set_str (&out->ip, s);
      /* "profile" was applied before the other keys. */
      return TRUE;
    case VALUE_NUMBER:
      s = number_value (l, k, node, error);
      if (s == NULL)
        return FALSE;
      if (k->setting != SPEC_ONLY)
        return set_setting (l, k, node, s, error);
      out->number = (guint) g_ascii_strtoull (s, NULL, 10);
      if (out->number < 1 || out->number > 16777214)
        return throw_at (l, node, error, "number must be between 1 and 16777214");
      return TRUE;
    case VALUE_STRINGS:
      {
        g_auto (GStrv) list = strings_value (l, k, node, error);
        if (list == NULL)
          return FALSE;
        if (k->setting != SPEC_ONLY)
          {
            g_autofree char *joined = NULL;
            for (guint i = 0; list[i] != NULL; i++)
              if (strchr (list[i], ',') != NULL)
                return throw_at (l, node, error, "%s: '%s' has a comma, which fvm cannot keep",
                                 k->key, list[i]);
            joined = g_strjoinv (",", list);
            return set_setting (l, k, node, joined, error);
          }
        /* ssh-keys: authorized_keys lines. */
        for (guint i = 0; list[i] != NULL; i++)
          {
            const char *problem = fvm_validate_ssh_key_problem (list[i]);
            if (problem != NULL)
              return throw_at (l, node, error, "ssh-keys: item %u %s", i + 1, problem);
            g_ptr_array_add (id->ssh_keys, g_strstrip (g_strdup (list[i])));
          }
        return TRUE;
      }
    case VALUE_DOCUMENT:
    case VALUE_MAPPING:
      {
        g_autofree char *text = NULL;
        char **slot = g_str_equal (k->key, "user-data")   ? &id->user_data
                      : g_str_equal (k->key, "meta-data") ? &id->meta_data
                                                          : &id->network_config;
        if (node->type == YAML_SCALAR_NODE && k->type == VALUE_DOCUMENT)
          {
            g_autofree char *origin = NULL;
            s = string_value (l, k, node, error);
            if (s == NULL)
              return FALSE;
            origin = g_strdup_printf ("%s:%u: %s", l->path, fvm_yaml_line (node), k->key);
            if (slot == &id->user_data && !fvm_identity_check_user_data (s, origin, error))
              return FALSE;
            text = g_strdup (s);
          }
        else if (node->type == YAML_MAPPING_NODE)
          {
            g_autofree char *dump = NULL;
            if (slot == &id->meta_data)
              for (yaml_node_pair_t *p = node->data.mapping.pairs.start;
                   p < node->data.mapping.pairs.top; p++)
                {
                  yaml_node_t *key = yaml_document_get_node (l->doc, p->key);
                  const char *name = fvm_yaml_scalar (key);
                  if (g_strcmp0 (name, "instance-id") == 0
                      || g_strcmp0 (name, "local-hostname") == 0)
                    return throw_at (l, key, error,
                                     "meta-data: %s is fvm's to set (use hostname for the host "
                                     "name)",
                                     name);
                }
            dump = fvm_yaml_dump (l->doc, node, error);
            if (dump == NULL)
              return fvm_prefix_error (error, "%s:%u", l->path, fvm_yaml_line (node));
            text = slot == &id->user_data ? g_strconcat ("#cloud-config\n", dump, NULL)
                                          : g_steal_pointer (&dump);
          }
        else
          return throw_at (l, node, error, "%s must be a mapping%s", k->key,
                           k->type == VALUE_DOCUMENT ? " or a string" : "");
        g_free (*slot);
        *slot = g_steal_pointer (&text);
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

gboolean
fvm_spec_load (const char *path, FvmConfig *config, FvmSpec *out, GError **error)
{
  g_autofree char *data = NULL;
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *dir = g_path_get_dirname (abs);
  g_autoptr (GError) local_error = NULL;
  g_autoptr (FvmYamlDocument) doc = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  yaml_node_t *root;
  gsize len;
  Loader l = { path, dir, NULL, config, out };

  data = fvm_identity_read_text ("spec", path, error);
  if (data == NULL)
    return FALSE;
  len = strlen (data);
  doc = fvm_yaml_load (path, data, len, error);
  if (doc == NULL)
    return FALSE;
  l.doc = doc;
  root = yaml_document_get_root_node (doc);
  if (root == NULL)
    return fvm_throw_code (error, FVM_ERROR_INVALID_ARGS, "%s:1: the spec is empty", path);
  if (root->type != YAML_MAPPING_NODE)
    return throw_at (&l, root, error, "a spec is a mapping of keys (golden:, memory:, …)");

  /* First the keys themselves, and the profile: the spec's settings go above it. */
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
    {
      yaml_node_t *key = yaml_document_get_node (doc, p->key);
      const char *name = fvm_yaml_scalar (key);
      const SpecKey *k;

      if (name == NULL)
        return throw_at (&l, key, error, "a key must be a string");
      k = find_key (name);
      if (k == NULL)
        {
          g_autofree char *known = known_keys ();
          return throw_at (&l, key, error, "unknown key '%s' (known: %s)", name, known);
        }
      if (!g_hash_table_add (seen, (gpointer) name))
        return throw_at (&l, key, error, "'%s' is given twice", name);
      if (g_str_equal (name, "profile"))
        {
          yaml_node_t *value = yaml_document_get_node (doc, p->value);
          const char *profile = string_value (&l, k, value, error);
          if (profile == NULL)
            return FALSE;
          set_str (&out->profile, profile);
        }
    }
  if (out->profile != NULL && fvm_config_get_profile (config) == NULL
      && !fvm_config_load_profile (config, out->profile, &local_error))
    return fvm_throw_code (error,
                           local_error->code == FVM_ERROR_NOT_FOUND ? FVM_ERROR_NOT_FOUND
                                                                    : FVM_ERROR_INVALID_ARGS,
                           "%s: %s", path, local_error->message);
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++)
    {
      const SpecKey *k = find_key (fvm_yaml_scalar (yaml_document_get_node (doc, p->key)));
      if (!apply_key (&l, k, yaml_document_get_node (doc, p->value), error))
        return FALSE;
    }
  return TRUE;
}
