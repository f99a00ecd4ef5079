# Sourced first by every bench: the binaries of ./build first in PATH, fvm's data from the
# source tree, every guest and appliance under TCG, and the integration tests' helpers (the
# sandbox, the image cache). Sets root, the source tree.
root=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/..
export PATH=$root/build/builder:$root/build/golden:$root/build/spawn:$root/build/consolidate:$root/tools:$PATH
export FVM_DATADIR=$root FVM_SOURCE_ROOT=$root FVM_ACCEL=tcg
export LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg
. "$root/tests/integration/lib.sh" >/dev/null
