# Shared by the image OS's scripts: where the first disk is, and the header
# the image starts with.
set -e
if [ "${DISK_COUNT:-0}" -lt 1 ]; then
  echo "the image OS needs at least one disk (instance $INSTANCE_NAME has none)" >&2
  exit 1
fi
image_header() {
  printf 'HERD-IMAGE 1\nos=%s\nvariant=%s\nhostname=%s\n' \
    "$OS_NAME" "${OS_VARIANT:-default}" "${OSP_HOSTNAME:-$INSTANCE_NAME}"
}
