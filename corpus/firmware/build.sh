#!/bin/sh
# Build the firmware fixtures of keysift's tests into OUT, from the sources
# next to this script, with the real tools (see README.md for the list).
#
#   corpus/firmware/build.sh OUT
#
# Everything built here is FAKE: the credentials are the made-up ones in
# src/ and rootfs/, and the keys generated here (the Dropbear host key, the
# PKCS#12 bundle) protect nothing.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?usage: build.sh OUT}
mkdir -p "$OUT"
cd "$OUT"
export SOURCE_DATE_EPOCH=1767225600 # 2026-01-01: mkimage, mksquashfs and gzip -n stay put
export LC_ALL=C

need() {
    for t in "$@"; do
        command -v "$t" >/dev/null 2>&1 || { echo "build.sh: $t is missing (scripts/install-deps installs it)" >&2; exit 77; }
    done
}
need cc clang ld.lld strip objcopy mksquashfs cpio gzip zip mkimage openssl dropbearkey tar \
    bsdtar bzip2 zstd lz4 xz ar od mke2fs img2simg mkfs.jffs2 mkfs.cramfs genromfs mkfs.erofs \
    mkfs.ubifs ubinize

# Filler bytes that do not compress (AES-CTR of zeros: the same on every run).
filler() {
    openssl enc -aes-128-ctr -nosalt -K 000102030405060708090a0b0c0d0e0f \
        -iv "$2" -in /dev/zero 2>/dev/null | head -c "$1"
}

# --- ELF programs with a key in .rodata ------------------------------------
cc -O0 -g -o agent "$HERE/src/agent.c"
cc -O2 -o agent-O2 "$HERE/src/agent.c"
cp agent-O2 agent-stripped
strip agent-stripped

# Freestanding builds for other architectures (clang targets them all, lld links).
cross() {
    clang --target="$1" -O2 -ffreestanding -nostdlib -fuse-ld=lld -static \
        -Wl,-e,entry -Wl,--build-id=none -DSENSOR_KEY="\"$3\"" -o "$2" "$HERE/src/sensor.c"
}
grep -v '^#' "$HERE/src/sensor-keys.txt" | while read -r target out key; do
    cross "$target" "$out" "$key"
done

# --- A root file system, three ways ----------------------------------------
rm -rf rootfs
cp -R "$HERE/rootfs" rootfs
mkdir -p rootfs/usr/sbin rootfs/etc/dropbear
cp agent-O2 rootfs/usr/sbin/lumen-agent
dropbearkey -t ed25519 -f rootfs/etc/dropbear/dropbear_ed25519_host_key >/dev/null 2>&1
openssl pkcs12 -export -nocerts -inkey rootfs/etc/ssl/private/device.key \
    -passout pass:lumen -out rootfs/etc/ssl/private/device.p12 2>/dev/null
openssl ec -in rootfs/etc/ssl/private/device.key -outform DER \
    -out rootfs/etc/ssl/private/device-key.der 2>/dev/null
find rootfs -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

mksquashfs rootfs rootfs.sqfs -comp xz -noappend -quiet -all-root >/dev/null
(cd rootfs && find . | sort | cpio -o -H newc --quiet -R 0:0 --reproducible) | gzip -9 -n > initramfs.cpio.gz
rm -f rootfs.zip rootfs.7z rootfs.iso
(cd rootfs && zip -qrX ../rootfs.zip .)
bsdtar -cf rootfs.7z --format 7zip -C rootfs .
bsdtar -cf rootfs.iso --format iso9660 -C rootfs .
# Compressed tarballs: each filter, then the tar inside.
tar -cf rootfs.tar -C rootfs --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" ./etc
bzip2 -9 -c rootfs.tar > rootfs.tar.bz2
zstd -q -19 -c rootfs.tar > rootfs.tar.zst
lz4 -q -9 -c rootfs.tar > rootfs.tar.lz4
xz -9 -c rootfs.tar > rootfs.tar.xz
rm rootfs.tar
# A Debian package: an ar archive of a version file and two tarballs.
printf '2.0\n' > debian-binary
tar -czf control.tar.gz --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" debian-binary
tar -cJf data.tar.xz -C rootfs --sort=name --owner=0 --group=0 --mtime="@$SOURCE_DATE_EPOCH" ./usr ./etc/lumen
rm -f lumen-agent.deb
ar rcD lumen-agent.deb debian-binary control.tar.gz data.tar.xz
rm debian-binary control.tar.gz data.tar.xz

# --- The same root file system in the formats flash and eMMC devices ship -------
# (mke2fs -d, mkfs.jffs2, mkfs.cramfs, genromfs, mkfs.erofs, img2simg, mkfs.ubifs + ubinize).
export E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH"
mke2fs -q -F -t ext4 -U 6b657973-6966-7400-0000-000000000001 -E hash_seed=6b657973-6966-7400-0000-000000000002 \
    -d rootfs rootfs.ext4 8M >/dev/null
img2simg rootfs.ext4 rootfs.simg
mkfs.jffs2 -q -l -U -r rootfs -o rootfs.jffs2
mkfs.jffs2 -q -b -U -r rootfs -o rootfs-be.jffs2
mkfs.cramfs rootfs rootfs.cramfs >/dev/null
genromfs -d rootfs -f rootfs.romfs -V lumen
mkfs.erofs -T "$SOURCE_DATE_EPOCH" -U 6b657973-6966-7400-0000-000000000003 rootfs.erofs rootfs >/dev/null 2>&1
mkfs.ubifs -x lzo -m 2048 -e 126976 -c 64 -r rootfs -o rootfs.ubifs
printf '[rootfs]\nmode=ubi\nimage=rootfs.ubifs\nvol_id=0\nvol_size=2MiB\nvol_type=dynamic\nvol_name=rootfs\nvol_flags=autoresize\n' > ubinize.ini
ubinize -o rootfs.ubi -m 2048 -p 128KiB -s 2048 ubinize.ini
rm -f rootfs.ubifs ubinize.ini

# --- A firmware image: uImage (gzip'd kernel-like blob), then the SquashFS at 1 MiB
{
    filler 262144 00000000000000000000000000000000
    tr -d '\n' < "$HERE/src/bootargs.txt"
    printf '\000'
    filler 65536 00000000000000000000000000000001
} > kernel.bin
gzip -9 -n -c kernel.bin > kernel.bin.gz
mkimage -A mips -O linux -T kernel -C gzip -a 0x80000000 -e 0x80000000 \
    -n Lumen-5.10 -d kernel.bin.gz uImage >/dev/null
size=$(wc -c < uImage)
{
    cat uImage
    head -c $((1048576 - size)) /dev/zero | tr '\000' '\377'
    cat rootfs.sqfs
} > firmware.img

# A flat image: a 4 KiB header, then the MIPS program as it is (carved at 0x1000).
{
    head -c 4096 /dev/zero | tr '\000' '\377'
    cat sensor-mips
} > bundle.bin

# --- Intel HEX and S-records of a flash region at 0x08040000 ----------------
{
    printf 'LUMENCFG'
    head -c 56 /dev/zero
    cat "$HERE/src/flash-config.txt"
} > flash.bin
objcopy -I binary -O ihex --change-addresses 0x08040000 flash.bin flash.hex
objcopy -I binary -O srec --change-addresses 0x08040000 flash.bin flash.srec

# --- Hostile inputs ---------------------------------------------------------
# A SquashFS cut short: its tables (after the data, at the end) are gone.
used=$(od -An -tu8 -j40 -N8 rootfs.sqfs | tr -d ' ')
head -c $((used - 256)) rootfs.sqfs > truncated.sqfs

# A gzip stream with garbage written over its middle.
{
    cat "$HERE/rootfs/etc/lumen/agent.conf"
    filler 200000 00000000000000000000000000000002 | od -An -tx1 -v
} | gzip -9 -n > corrupt.gz
size=$(wc -c < corrupt.gz)
printf '\377\377\377\377\377\377\377\377' | dd of=corrupt.gz bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null

# A nested zip bomb: 16 x 16 members of 100 MiB of zeros each (25 GiB) in a few KB.
rm -rf bomb && mkdir bomb && cd bomb
head -c 104857600 /dev/zero > zero.bin
zip -q -9 -X l0.zip zero.bin && rm zero.bin
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16; do cp l0.zip "a$i.zip"; done
zip -q -9 -X l1.zip a*.zip && rm a*.zip l0.zip
for i in 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16; do cp l1.zip "b$i.zip"; done
rm -f ../bomb.zip
zip -q -9 -X ../bomb.zip b*.zip
cd .. && rm -rf bomb

# Twenty containers deep, zip and gzip in turn, a GitLab token at the bottom.
rm -rf deep && mkdir deep && cd deep
cp "$HERE/src/deep-token.txt" token.txt
f=token.txt
i=1
while [ $i -le 20 ]; do
    if [ $((i % 2)) -eq 1 ]; then
        gzip -9 -n -c "$f" > "l$i.gz"
        f=l$i.gz
    else
        zip -q -9 -X -j "l$i.zip" "$f"
        f=l$i.zip
    fi
    i=$((i + 1))
done
cp "$f" ../deep.zip
cd .. && rm -rf deep
rm -f kernel.bin kernel.bin.gz flash.bin
