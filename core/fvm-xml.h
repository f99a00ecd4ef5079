/* fvm-xml: reading the few values fvm needs out of libvirt's XML (a pool's path, a domain's MAC
 * and disk, fvm's own metadata) with GLib's GMarkup, by a slash-separated element path.
 * Namespace prefixes are ignored ("fvm:golden" matches "golden"). Writing XML is done with
 * g_markup_printf_escaped where it is built. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every match of PATH ("domain/devices/interface/mac"): the attribute ATTR when it is not
 * NULL, else the element's text. */
GPtrArray *fvm_xml_find_all (const char *xml, const char *path, const char *attr,
                             GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* Every match of PATH as a GHashTable of its attributes (prefixes stripped), with the element's
 * text under "#text"; in document order. */
GPtrArray *fvm_xml_find_elements (const char *xml, const char *path,
                                  GError **error) G_GNUC_WARN_UNUSED_RESULT;

/* The first match, or NULL (without an error) when there is none. */
char *fvm_xml_find (const char *xml, const char *path, const char *attr, GError **error);

G_END_DECLS
