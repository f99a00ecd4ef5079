/* libFuzzer target: the answer-file template renderer (fvm_template_render). Input: one byte
 * choosing the format, then NUL-separated strings: the template, then the variables' values.
 * A render either succeeds or is refused with one line. */
#include "fuzz-util.h"
#include "fvm-template.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

static const char * or (const char *s, const char *fallback)
{
  return s != NULL ? s : fallback;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GPtrArray) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  const char *keys[2] = { NULL, NULL };
  const char *packages[2] = { NULL, NULL };
  FvmTemplateVars vars;

  if (size < 1)
    return 0;
  p = fuzz_split (data + 1, size - 1, 12);
  keys[0] = p->pdata[6];
  packages[0] = p->pdata[7];
  vars = (FvmTemplateVars){
    .hostname = or (p->pdata[1], "fuzz"),
    .timezone = or (p->pdata[2], "Etc/UTC"),
    .locale = or (p->pdata[3], "en_US.UTF-8"),
    .keyboard = or (p->pdata[4], "us"),
    .root_password_hash = p->pdata[5],
    .ssh_keys = keys[0] != NULL ? keys : NULL,
    .packages = packages[0] != NULL ? packages : NULL,
    .mirror = p->pdata[8],
    .proxy = p->pdata[9],
    .disk_size = (guint64) size << 20,
    .marker = or (p->pdata[10], "fvm-install-done"),
  };
  out = fvm_template_render (p->pdata[0], "fuzz.tmpl", (FvmTemplateFormat) (data[0] % 3), &vars,
                             &error);
  if (out == NULL)
    fuzz_check_refusal (error);
  else if (error != NULL)
    abort ();
  return 0;
}
