#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Generate a small fixture IPSW that idevicerestore 1.0.0 accepts.

Only writes a zip; it never runs the engine, which contacts Apple and runs
only inside a loopback-only network namespace (unshare -n, netns.sh).

mkipsw.py OUT [--product iPhone10,3] [--board d22ap] [--chip 0x8015] [--bdid 0x06]
              [--version 16.7.9] [--build 20H999] [--identities update,erase]
              [--missing COMPONENT] [--oversize-manifest] [--garbage] [--os-mib N]

Each build identity has the components a Recovery-mode restore sends (iBEC,
RestoreRamDisk, RestoreDeviceTree, RestoreKernelCache, OS), each a minimal
DER IM4P, so the engine's ASN.1 reader finds what it looks for. The update
ramdisk's IM4P description says "update": the lab tells the two apart by it.
"""
import argparse
import plistlib
import zipfile


def der(tag, body):
    n = len(body)
    if n < 0x80:
        head = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + head + body


def im4p(kind, desc, payload):
    return der(0x30, der(0x16, b"IM4P") + der(0x16, kind.encode()) +
               der(0x16, desc.encode()) + der(0x04, payload))


COMPONENTS = {  # name: (path, IM4P type)
    "iBEC": ("Firmware/dfu/iBEC.{board}.RELEASE.im4p", "ibec"),
    "RestoreDeviceTree": ("Firmware/all_flash/DeviceTree.{board}.im4p", "dtre"),
    "RestoreKernelCache": ("kernelcache.release.{board}", "krnl"),
    "OS": ("090-00000-000.dmg", None),
}


def identity(a, behavior):
    update = behavior == "Update"
    ramdisk = "%s-ramdisk.dmg" % ("038-update" if update else "038-erase")
    manifest = {}
    for name, (path, _kind) in COMPONENTS.items():
        manifest[name] = {"Digest": b"\x00" * 20, "Trusted": True,
                          "Info": {"Path": path.format(board=a.board)}}
    manifest["RestoreRamDisk"] = {"Digest": b"\x00" * 20, "Trusted": True,
                                  "Info": {"Path": ramdisk}}
    variant = "Customer Upgrade Install (IPSW)" if update else "Customer Erase Install (IPSW)"
    return {
        "ApChipID": a.chip, "ApBoardID": a.bdid, "ApSecurityDomain": "0x01",
        "UniqueBuildID": b"\x01" * 20,
        "Info": {"DeviceClass": a.board, "RestoreBehavior": behavior, "Variant": variant,
                 "BuildNumber": a.build},
        "Manifest": manifest,
    }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--product", default="iPhone10,3")
    p.add_argument("--board", default="d22ap")
    p.add_argument("--chip", default="0x8015")
    p.add_argument("--bdid", default="0x06")
    p.add_argument("--version", default="16.7.9")
    p.add_argument("--build", default="20H999")
    p.add_argument("--identities", default="update,erase")
    p.add_argument("--missing", default="")
    p.add_argument("--oversize-manifest", action="store_true")
    p.add_argument("--garbage", action="store_true")
    p.add_argument("--os-mib", type=int, default=0, help="an OS image this big (zeros)")
    a = p.parse_args()

    if a.garbage:
        with open(a.out, "wb") as f:
            f.write(b"PK\x03\x04 this is not really a zip archive" * 10)
        return
    behaviors = {"update": "Update", "erase": "Erase"}
    ids = [identity(a, behaviors[b]) for b in a.identities.split(",") if b]
    manifest = {"SupportedProductTypes": [a.product], "ProductVersion": a.version,
                "ProductBuildVersion": a.build, "ManifestVersion": 1, "BuildIdentities": ids}
    data = plistlib.dumps(manifest, fmt=plistlib.FMT_XML)
    if a.oversize_manifest:
        data += b"<!--" + b" " * (17 << 20) + b"-->"
    with zipfile.ZipFile(a.out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("BuildManifest.plist", data)
        files = {}
        for i in ids:
            for name, comp in i["Manifest"].items():
                kind = COMPONENTS.get(name, (None, "rdsk"))[1]
                path = comp["Info"]["Path"]
                desc = "update" if "update" in path else name
                body = (b"\x00" * max(64, a.os_mib << 20) if kind is None
                        else im4p(kind, desc, b"\xa5" * 256))
                files[path] = (name, body)
        for path, (name, body) in sorted(files.items()):
            if name != a.missing:
                z.writestr(path, body)


if __name__ == "__main__":
    main()
