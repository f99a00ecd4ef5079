/* libFuzzer target: bytes → fvm_image_stream_unpack from a memfd into a memfd, with a bound of
 * OUT_MAX bytes (as the pool's free space bounds it). What it accepts must be as large as it
 * says, hold no more data than that, and stay within the bound; what it refuses is an error. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-util.h"
#include "fvm-image-stream.h"

#define OUT_MAX (16 << 20)

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  int in_fd = memfd_create ("fuzz-in", MFD_CLOEXEC);
  int out_fd = memfd_create ("fuzz-out", MFD_CLOEXEC);
  FvmImageStreamLimits limits = { .max_size = OUT_MAX, .max_data = OUT_MAX };
  FvmImageStreamResult result = { 0 };
  GError *error = NULL;
  struct stat st;

  if (in_fd < 0 || out_fd < 0 || write (in_fd, data, size) != (ssize_t) size
      || lseek (in_fd, 0, SEEK_SET) != 0)
    abort ();
  /* The first byte picks a promised compression, as a file name's suffix would. */
  if (size > 0 && data[0] < 4)
    limits.expect = (const char *[]){ "xz", "gzip", "zstd", "bzip2" }[data[0]];
  if (fvm_image_stream_unpack (in_fd, "fuzz", out_fd, &limits, &result, NULL, NULL, &error))
    {
      if (error != NULL || fstat (out_fd, &st) < 0 || (guint64) st.st_size != result.size
          || result.size > OUT_MAX || result.data > result.size || result.input_size != size
          || result.compression == NULL || result.input_sha256 == NULL)
        abort ();
    }
  else if (error == NULL || strchr (error->message, '\n') != NULL)
    abort ();
  g_clear_error (&error);
  fvm_image_stream_result_clear (&result);
  close (in_fd);
  close (out_fd);
  return 0;
}
