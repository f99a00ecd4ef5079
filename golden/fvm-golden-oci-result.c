/* fvm-golden-oci-result: push's and pull's report. */
#include "fvm-golden-oci-result.h"

#include "fvm-units.h"

void
fvm_golden_oci_print_result (FvmInvocation *invocation, const char *verb, const FvmManifest *golden,
                             const FvmOciResult *result)
{
  g_autofree char *ref = fvm_manifest_ref (golden);
  gboolean push = g_str_equal (verb, "push");

  if (fvm_invocation_get_json (invocation))
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autoptr (JsonNode) root = NULL;

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "golden");
      json_builder_add_string_value (b, ref);
      json_builder_set_member_name (b, "reference");
      json_builder_add_string_value (b, result->reference);
      json_builder_set_member_name (b, "digest");
      json_builder_add_string_value (b, result->digest);
      json_builder_set_member_name (b, "chunks");
      json_builder_add_int_value (b, result->chunks);
      json_builder_set_member_name (b, "zero_windows");
      json_builder_add_int_value (b, result->zero_windows);
      json_builder_set_member_name (b, push ? "chunks_sent" : "chunks_fetched");
      json_builder_add_int_value (b, result->chunks_moved);
      json_builder_set_member_name (b, push ? "chunks_skipped" : "chunks_cached");
      json_builder_add_int_value (b, result->chunks_skipped);
      json_builder_set_member_name (b, "bytes");
      json_builder_add_int_value (b, (gint64) result->bytes);
      json_builder_set_member_name (b, push ? "bytes_sent" : "bytes_fetched");
      json_builder_add_int_value (b, (gint64) result->bytes_moved);
      json_builder_set_member_name (b, push ? "signature" : "signed_by");
      if ((push ? result->signature : result->signed_by) != NULL)
        json_builder_add_string_value (b, push ? result->signature : result->signed_by);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "manifest");
      json_builder_add_value (b, fvm_manifest_to_json (golden));
      json_builder_end_object (b);
      root = json_builder_get_root (b);
      fvm_cli_print_json (root);
      return;
    }
  {
    g_autofree char *moved = fvm_format_size (result->bytes_moved);
    g_autofree char *total = fvm_format_size (result->bytes);
    g_printerr ("%s: %s %u chunks (%s of %s), %u %s, %u zero windows omitted\n", g_get_prgname (),
                push ? "sent" : "fetched", result->chunks_moved, moved, total,
                result->chunks_skipped, push ? "already in the registry" : "already in the cache",
                result->zero_windows);
    if (result->signature != NULL)
      g_printerr ("%s: signed: %s\n", g_get_prgname (), result->signature);
    if (result->signed_by != NULL)
      g_printerr ("%s: signature checked: key %s\n", g_get_prgname (), result->signed_by);
  }
  g_print ("%s\n", push ? result->digest : ref);
}
