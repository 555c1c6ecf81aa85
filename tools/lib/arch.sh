# Target architecture settings for tools/cross and tools/wheel. Source it after common.sh,
# then call set_arch aarch64|armv7l.
set_arch() {
  case "$1" in
    aarch64|arm64) ARCH=aarch64 DEB_ARCH=arm64 TRIPLET=aarch64-linux-gnu QEMU=qemu-aarch64 ;;
    armv7l|armhf) ARCH=armv7l DEB_ARCH=armhf TRIPLET=arm-linux-gnueabihf QEMU=qemu-arm ;;
    *) die "unknown architecture '$1' (aarch64 or armv7l)" ;;
  esac
  TOOLCHAIN="$ROOT/tools/cmake/toolchains/$TRIPLET.cmake"
  SYSROOT="$BUILD/sysroot-$ARCH"
}

# Cross compiler, qemu, and the target's -dev packages (multiarch). Idempotent; root only.
install_cross_deps() {
  local pkgs=(crossbuild-essential-"$DEB_ARCH" qemu-user
              libssl-dev:"$DEB_ARCH" libcurl4-openssl-dev:"$DEB_ARCH" libcjson-dev:"$DEB_ARCH"
              libpaho-mqtt-dev:"$DEB_ARCH" libpython3.11-dev:"$DEB_ARCH")
  local missing=()
  for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || die "as root: dpkg --add-architecture $DEB_ARCH && apt-get update && apt-get install ${missing[*]}"
    step "installing the $ARCH cross toolchain: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    dpkg --print-foreign-architectures | grep -qx "$DEB_ARCH" || dpkg --add-architecture "$DEB_ARCH"
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  ensure_target_proton
}

# Qpid Proton-C for the target in PROTON_ROOT (pass it as -DPDC_PROTON_ROOT): Debian's
# libqpid-proton11(-dev) are not Multi-Arch: same, so the target's cannot be installed next to
# the host's; their packages are unpacked instead.
ensure_target_proton() {
  PROTON_ROOT="$BUILD/proton-$ARCH"
  [ -e "$PROTON_ROOT/usr/lib/$TRIPLET/libqpid-proton.so" ] && return 0
  step "unpacking Qpid Proton-C for $ARCH into $PROTON_ROOT"
  local dl="$BUILD/debs-proton-$ARCH"
  mkdir -p "$dl" "$PROTON_ROOT"
  (cd "$dl" && apt-get -o APT::Sandbox::User=root download -qq libqpid-proton11:"$DEB_ARCH" \
     libqpid-proton11-dev:"$DEB_ARCH")
  for deb in "$dl"/*.deb; do dpkg -x "$deb" "$PROTON_ROOT"; done
}

# A target Python 3.11 (and cffi's backend) unpacked from Debian packages, run under qemu:
# no target interpreter is installed with apt (that would remove the host's python3).
ensure_target_python() {
  [ -x "$SYSROOT/usr/bin/python3.11" ] && return 0
  step "unpacking a $ARCH Python 3.11 into $SYSROOT"
  local dl="$BUILD/debs-$ARCH"
  mkdir -p "$dl" "$SYSROOT"
  (cd "$dl" && apt-get -o APT::Sandbox::User=root download -qq python3.11-minimal:"$DEB_ARCH" libpython3.11-minimal:"$DEB_ARCH" \
     libpython3.11-stdlib:"$DEB_ARCH" python3-cffi-backend:"$DEB_ARCH")
  for deb in "$dl"/*.deb; do dpkg -x "$deb" "$SYSROOT"; done
}
