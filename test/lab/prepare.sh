#!/usr/bin/env bash
# Prepares the kernel lab: a small qemu VM that boots Debian's stock kernel for the tests of
# subsystems the host kernel may lack (WireGuard, IPVS, netdevsim, drop_monitor, qdiscs).
#
# It installs the host packages, then fills a cache folder with the kernel package unpacked
# (not installed), its modules, a netdevsim module built out of tree, an uncompressed vmlinux
# and a small initramfs. test/lab/vm.ts reads the cache through its lab.json. A second run
# only checks that everything is in place. Runs as root on Debian 12 (bookworm).
#
# Environment:
#   NETLINK_EXPORTER_LAB_CACHE   cache folder (default /var/cache/netlink-exporter-lab)
#   NETLINK_EXPORTER_LAB_KERNEL  kernel package, e.g. linux-image-6.12.118+deb12-amd64
#                                (default: the one linux-image-amd64 depends on)
set -euo pipefail

# Bump when the cache layout or the initramfs changes. test/lab/vm.ts expects the same value.
readonly LAB_FORMAT=2
readonly CACHE=${NETLINK_EXPORTER_LAB_CACHE:-/var/cache/netlink-exporter-lab}
# Host tools: qemu and busybox run the VM. The guest runs the host's ip, tc, devlink, genl,
# ipvsadm, wg and ethtool over the shared root. make, binutils and the gcc the kernel was built
# with (installed later, once the headers name it) build netdevsim.
readonly HOST_PACKAGES=(
  qemu-system-x86 busybox-static iproute2 ipvsadm wireguard-tools ethtool
  make binutils xz-utils zstd
)
# Modules the initramfs loads to mount the host's root over 9p and overlay it.
readonly INITRAMFS_MODULES=(virtio_pci 9pnet_virtio 9p overlay)

started=$(date +%s%N)
apt_updated=0

log() { echo "lab-prepare: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}

apt_update_once() {
  [ "$apt_updated" = 1 ] && return
  log "apt-get update"
  apt-get -q update >/dev/null || die "apt-get update failed"
  apt_updated=1
}

package_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = 'install ok installed' ]
}

install_packages() {
  local missing=() package
  for package in "$@"; do
    package_installed "$package" || missing+=("$package")
  done
  [ ${#missing[@]} -eq 0 ] && return
  apt_update_once
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -q -o DPkg::Lock::Timeout=600 install -y \
    --no-install-recommends "${missing[@]}" >/dev/null ||
    die "apt-get install ${missing[*]} failed"
}

# Prints the package that a Depends line of $1 names, picked by the regular expression $2.
dependency_of() {
  apt-cache depends "$1" 2>/dev/null | awk -v pattern="$2" '
    $1 == "Depends:" && $2 ~ pattern { print $2; exit }'
}

kernel_package() {
  if [ -n "${NETLINK_EXPORTER_LAB_KERNEL:-}" ]; then
    echo "$NETLINK_EXPORTER_LAB_KERNEL"
    return
  fi
  local package
  package=$(dependency_of linux-image-amd64 '^linux-image-[0-9]')
  if [ -z "$package" ]; then
    apt_update_once
    package=$(dependency_of linux-image-amd64 '^linux-image-[0-9]')
  fi
  [ -n "$package" ] ||
    die "apt-cache lists no linux-image-amd64 dependency: check that /etc/apt/sources.list names a Debian archive"
  echo "$package"
}

# Downloads the packages $2... into the folder $1, skipping those with a .deb already there.
download_debs() {
  local dir=$1 package
  shift
  mkdir -p "$dir"
  for package in "$@"; do
    compgen -G "$dir/${package}_*.deb" >/dev/null && continue
    log "apt-get download $package"
    if ! (cd "$dir" && apt-get -q download "$package" >/dev/null 2>&1); then
      # The archive keeps only the newest build of a package: refresh the lists once.
      apt_update_once
      (cd "$dir" && apt-get -q download "$package" >/dev/null) ||
        die "apt-get download $package failed"
    fi
  done
}

deb_of() {
  compgen -G "$1/${2}_*.deb" | head -n 1
}

# busybox insmod reads only uncompressed modules, but Debian 6.12 kernels ship .ko.xz.
decompress_modules() {
  local modules=$1
  find "$modules" -name '*.ko.xz' -print0 | xargs -0 -r -n 64 -P "$(nproc)" xz -d -f
  find "$modules" -name '*.ko.zst' -print0 | xargs -0 -r -n 64 zstd -d -q -f --rm
}

# Debian's kernels are built without CONFIG_NETDEVSIM, so netdevsim is compiled from the
# matching linux-source against the matching linux-headers.
build_netdevsim() {
  local kver=$1 work=$2 modules=$3 debs=$4
  local headers=linux-headers-$kver common kbuild source tree compiler
  common=$(dependency_of "$headers" '^linux-headers-.*-common')
  kbuild=$(dependency_of "$headers" '^linux-kbuild-')
  if [ -z "$common" ] || [ -z "$kbuild" ]; then
    die "apt-cache lists no -common or linux-kbuild dependency of $headers"
  fi
  # linux-source is named after major.minor: linux-kbuild-6.12.118+deb12 goes with
  # linux-source-6.12, and linux-kbuild-6.1 with linux-source-6.1.
  source=linux-source-$(echo "${kbuild#linux-kbuild-}" | cut -d . -f 1,2)
  download_debs "$debs" "$headers" "$common" "$kbuild" "$source"
  local kernel_version source_version
  kernel_version=$(dpkg-deb -f "$(deb_of "$debs" "linux-image-$kver")" Version)
  source_version=$(dpkg-deb -f "$(deb_of "$debs" "$source")" Version)
  if [ "$kernel_version" != "$source_version" ]; then
    log "warning: $source is version $source_version but the kernel is $kernel_version;" \
      "netdevsim is built from it anyway"
  fi

  log "building netdevsim for $kver"
  rm -rf "$work/headers" "$work/netdevsim"
  mkdir -p "$work/headers" "$work/netdevsim"
  local package
  for package in "$headers" "$common" "$kbuild"; do
    dpkg-deb -x "$(deb_of "$debs" "$package")" "$work/headers"
  done
  tree=$work/headers/usr/src/$headers
  # The flavour's Makefile includes the common one by its installed absolute path.
  sed -i "s#^include /usr/src/#include $work/headers/usr/src/#" "$tree/Makefile"

  # The kernel is built with a versioned gcc (CONFIG_CC_VERSION_TEXT names it).
  compiler=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*-\)\{0,1\}\(gcc-[0-9][0-9]*\) .*/\2/p' "$tree/.config")
  [ -n "$compiler" ] || die "cannot read the compiler from $tree/.config"
  install_packages "$compiler"

  dpkg-deb --fsys-tarfile "$(deb_of "$debs" "$source")" |
    tar -x -O -f - "./usr/src/$source.tar.xz" | xz -d -c |
    tar -x -C "$work/netdevsim" --strip-components=4 --wildcards "$source/drivers/net/netdevsim/*" ||
    die "extracting drivers/net/netdevsim from $source failed"

  # CONFIG_DEBUG_INFO_BTF_MODULES is cleared because BTF generation needs pahole.
  if ! make -s -C "$tree" M="$work/netdevsim" CONFIG_NETDEVSIM=m CONFIG_DEBUG_INFO_BTF_MODULES= \
    -j"$(nproc)" modules >"$work/netdevsim/build.log" 2>&1; then
    tail -n 30 "$work/netdevsim/build.log" >&2
    die "building netdevsim failed: see the full log in $work/netdevsim/build.log"
  fi
  mkdir -p "$modules/extra"
  strip --strip-debug -o "$modules/extra/netdevsim.ko" "$work/netdevsim/netdevsim.ko"
  rm -rf "$work/headers" "$work/netdevsim"
}

# Prints the module files (relative to $1) that loading module $2 needs, itself included.
module_closure() {
  local modules=$1 name=$2 line
  line=$(grep -E "(^|/)${name}\.ko:" "$modules/modules.dep" | head -n 1) || true
  [ -n "$line" ] || return 0 # built into the kernel
  echo "${line%%:*}"
  local dependency
  for dependency in ${line#*:}; do echo "$dependency"; done
}

# The initramfs contains static busybox, the 9p and overlay modules and an /init that mounts the
# job folder (a 9p share with tag "job") and hands over to the job's stage2.sh, which
# test/lab/vm.ts writes for each run.
build_initramfs() {
  local kver=$1 out=$3 modules=$2/lib/modules/$1
  local dir
  dir=$(mktemp -d)
  mkdir -p "$dir"/{bin,sbin,usr/bin,usr/sbin,dev,proc,sys,job,lib/modules/"$kver"}
  cp /bin/busybox "$dir/bin/busybox"

  # Modules built into this kernel (virtio_pci in 6.12, for one) need no loading.
  local name file loadable=()
  for name in "${INITRAMFS_MODULES[@]}"; do
    if [ -n "$(module_closure "$modules" "$name")" ]; then loadable+=("$name"); fi
  done
  local load_line=''
  if [ ${#loadable[@]} -gt 0 ]; then
    load_line="modprobe -a ${loadable[*]} || stop \"loading ${loadable[*]} failed\""
  fi
  for name in "${loadable[@]}"; do
    module_closure "$modules" "$name"
  done | sort -u | while read -r file; do
    mkdir -p "$dir/lib/modules/$kver/$(dirname "$file")"
    cp "$modules/$file" "$dir/lib/modules/$kver/$file"
  done
  busybox depmod -b "$dir" "$kver"

  cat >"$dir/init" <<EOF
#!/bin/busybox sh
# Stage 1 of the lab guest: mount the job folder and run the host's stage2.sh from it.
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
stop() {
  echo "lab-init: \$*" >/dev/console
  poweroff -f
}
$load_line
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=none job /job ||
  stop "mounting the job folder over 9p failed"
[ -f /job/stage2.sh ] || stop "the job folder has no stage2.sh"
exec /bin/sh /job/stage2.sh
EOF
  chmod 755 "$dir/init"
  (cd "$dir" && find . | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$dir"
}

# Unpacks the ELF vmlinux from the bzImage $1 into $2. qemu boots it through its PVH entry,
# which skips the real-mode setup and the in-guest decompression, both slow under TCG.
# Prints the file to boot: $2 on success, else $1.
extract_vmlinux() {
  local bzimage=$1 out=$2 offset
  offset=$(LC_ALL=C grep -a -b -o -m 1 -P '\xfd7zXZ\x00' "$bzimage" | head -n 1 | cut -d: -f1) || true
  if [ -n "$offset" ]; then
    tail -c +$((offset + 1)) "$bzimage" | xz -d -c --single-stream >"$out" 2>/dev/null || true
  else
    offset=$(LC_ALL=C grep -a -b -o -m 1 -P '\x28\xb5\x2f\xfd' "$bzimage" | head -n 1 | cut -d: -f1) || true
    if [ -n "$offset" ]; then
      tail -c +$((offset + 1)) "$bzimage" | zstd -d -c -q >"$out" 2>/dev/null || true
    fi
  fi
  if [ "$(head -c 4 "$out" 2>/dev/null | od -A n -t x1 | tr -d ' ')" = 7f454c46 ]; then
    echo "$out"
  else
    rm -f "$out"
    log "no xz or zstd vmlinux found in $bzimage; the VM boots the bzImage (about 2.5 s slower)"
    echo "$bzimage"
  fi
}

# Fills the folder $2 for the kernel package $1 unless an earlier run finished it.
prepare_kernel() {
  local package=$1 dir=$2 kver=${1#linux-image-} debs=$CACHE/debs
  [ "$(cat "$dir/ready" 2>/dev/null)" = "$LAB_FORMAT" ] && return
  log "preparing kernel $kver in $dir"
  rm -rf "$dir"
  mkdir -p "$dir"
  download_debs "$debs" "$package"
  dpkg-deb -x "$(deb_of "$debs" "$package")" "$dir/root"
  local modules=$dir/root/lib/modules/$kver
  [ -d "$modules" ] || die "$package has no lib/modules/$kver"
  decompress_modules "$modules"
  build_netdevsim "$kver" "$dir" "$modules" "$debs"
  busybox depmod -b "$dir/root" "$kver"
  build_initramfs "$kver" "$dir/root" "$dir/initrd.gz"
  extract_vmlinux "$dir/root/boot/vmlinuz-$kver" "$dir/vmlinux" >"$dir/boot-image"
  echo "$LAB_FORMAT" >"$dir/ready"
}

# Removes the kernels and packages that the current preparation no longer uses.
prune_cache() {
  local keep=$1 dir
  for dir in "$CACHE"/kernels/*; do
    [ -d "$dir" ] && [ "$dir" != "$keep" ] && log "removing $dir" && rm -rf "$dir"
  done
  rm -rf "$CACHE/debs"
}

write_manifest() {
  local dir=$1 kver=$2
  cat >"$CACHE/lab.json.tmp" <<EOF
{
  "format": $LAB_FORMAT,
  "kernelRelease": "$kver",
  "kernel": "$(cat "$dir/boot-image")",
  "initrd": "$dir/initrd.gz",
  "modules": "$dir/root/lib/modules"
}
EOF
  mv "$CACHE/lab.json.tmp" "$CACHE/lab.json"
}

main() {
  [ "$(id -u)" = 0 ] || die "run as root: the lab installs packages and its VM shares / over 9p"
  command -v apt-get >/dev/null || die "apt-get not found: the lab needs a Debian host"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/lock"
  flock 9

  install_packages "${HOST_PACKAGES[@]}"
  local package kver dir
  package=$(kernel_package)
  kver=${package#linux-image-}
  dir=$CACHE/kernels/$kver
  prepare_kernel "$package" "$dir"
  write_manifest "$dir" "$kver"
  prune_cache "$dir"

  local elapsed=$((($(date +%s%N) - started) / 1000000))
  log "kernel $kver ready in $CACHE ($((elapsed / 1000)).$(printf %03d $((elapsed % 1000))) s)"
}

main "$@"
