#!/usr/bin/env python3
"""make-images.py DIR: the container images the VM's clients use, made offline.

DIR/rootfs.tar  a root filesystem of static busybox (for `docker import`)
DIR/oci.tar     the same rootfs as a one-layer OCI image archive, named docker.io/library/bb:test
                (for `ctr images import`)
Both are byte-for-byte reproducible (fixed times and owners).
"""
import hashlib
import io
import json
import sys
import tarfile


def rootfs():
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.GNU_FORMAT) as t:
        def entry(name, **kw):
            ti = tarfile.TarInfo(name)
            ti.mtime, ti.uid, ti.gid = 0, 0, 0
            for k, v in kw.items():
                setattr(ti, k, v)
            return ti
        for d in ("bin", "tmp", "etc", "proc", "sys", "dev", "data"):
            t.addfile(entry(d, type=tarfile.DIRTYPE, mode=0o755))
        busybox = open("/bin/busybox", "rb").read()
        t.addfile(entry("bin/busybox", size=len(busybox), mode=0o755), io.BytesIO(busybox))
        for applet in ("sh", "sleep", "dd", "cat", "ls", "sync", "rm", "true", "head"):
            t.addfile(entry("bin/" + applet, type=tarfile.SYMTYPE, linkname="busybox"))
    return buf.getvalue()


def digest(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def main():
    out = sys.argv[1]
    layer = rootfs()
    open(out + "/rootfs.tar", "wb").write(layer)
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["/bin/sh"]},
                         "rootfs": {"type": "layers", "diff_ids": [digest(layer)]}}).encode()
    manifest = json.dumps({
        "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": digest(layer), "size": len(layer)}],
    }).encode()
    index = json.dumps({"schemaVersion": 2, "manifests": [{
        "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": digest(manifest), "size": len(manifest),
        "annotations": {"org.opencontainers.image.ref.name": "docker.io/library/bb:test"}}]}).encode()
    with tarfile.open(out + "/oci.tar", "w", format=tarfile.GNU_FORMAT) as t:
        def add(name, b):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime = len(b), 0
            t.addfile(ti, io.BytesIO(b))
        add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add("index.json", index)
        for b in (layer, config, manifest):
            add("blobs/sha256/" + digest(b)[7:], b)


if __name__ == "__main__":
    main()
