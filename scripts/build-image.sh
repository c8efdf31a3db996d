#!/usr/bin/env bash
# `make image`: build the operator image from the Dockerfile, unmodified, with what this machine has,
# then write its SBOM next to it and print one JSON line (reference, image ID, manifest digest,
# size, SBOM, seconds). The manifest digest is the one a registry keeps when the image is pushed
# as built (podman knows it locally; docker only after a push, so it is empty there).
#
#   - With a Docker engine (`docker info` answers): `docker build`.
#   - Without one (CI): Debian's buildah and podman, installed with apt-get when missing (as root).
#     No registry is reachable there, so the Dockerfile's base `python:3.12-slim` is a local
#     stand-in made once with mmdebstrap (Debian bookworm's minbase with its Python 3.11, which the
#     project supports) and tagged with that name; `--pull=never` keeps buildah from looking
#     further. RUN steps share the host's network; pip inside them needs the host's CA bundle,
#     which is mounted read-only with a pip.conf that names it.
#
# IMAGE (default localhost/instance-operator:<version>) names the image; the SBOM and the JSON go to
# build/image/. The SBOM is CycloneDX, made by cyclonedx-bom (PyPI) from the distributions
# installed in the image's virtualenv, read by the image's own Python.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

python="${PYTHON:-python3}"
version="$("$python" -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')"
image="${IMAGE:-localhost/instance-operator:$version}"
out="build/image"
sbom_name="instance-operator-$version.cdx.json"  # the Dockerfile's io.instance-operator.sbom label
base="docker.io/library/python:3.12-slim"
mkdir -p "$out"
started=$(date +%s)

say() { echo "build-image: $*" >&2; }

if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
    engine=docker
    docker build -t "$image" . >&2
    run=(docker run --rm)
else
    engine=buildah
    if ! command -v buildah >/dev/null 2>&1 || ! command -v podman >/dev/null 2>&1 \
        || ! command -v mmdebstrap >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
        if [ "$(id -u)" != 0 ]; then
            say "no Docker engine and no buildah/podman: install docker, or run as root so that" \
                "apt-get can install buildah podman mmdebstrap uidmap runc"
            exit 2
        fi
        say "installing buildah, podman, mmdebstrap, uidmap and runc"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq buildah podman mmdebstrap uidmap runc >/dev/null
    fi
    if ! buildah inspect --type image "$base" >/dev/null 2>&1; then
        say "no $base here and no registry to pull it from: making a local stand-in (Debian bookworm, Python 3.11)"
        rootfs="$(mktemp -d)/rootfs.tar"
        mmdebstrap --quiet --variant=minbase \
            --include=python3,python3-venv,python3-pip,python-is-python3,ca-certificates \
            bookworm "$rootfs" >&2
        ctr="$(buildah from scratch)"
        buildah add "$ctr" "$rootfs" / >/dev/null
        # PATH as the real base sets it: the final stage extends it with the virtualenv.
        buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            --env LANG=C.UTF-8 "$ctr"
        buildah commit --quiet "$ctr" "$base" >/dev/null
        buildah rm "$ctr" >/dev/null
        rm -rf "$(dirname "$rootfs")"
    fi
    pipconf="$(mktemp)"
    trap 'rm -f "$pipconf"' EXIT
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$pipconf"
    buildah bud --isolation chroot --pull=never --layers \
        -v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro \
        -v "$pipconf:/etc/pip.conf:ro" \
        -f Dockerfile -t "$image" . >&2
    run=(podman run --rm --runtime runc --network host
        --ulimit nofile=16384:16384 --ulimit nproc=8192:8192)
fi
seconds=$(($(date +%s) - started))

inspect() { "${run[0]}" image inspect --format "$1" "$image"; }
image_id="$(inspect '{{.Id}}')"
if [ "$engine" = buildah ]; then
    digest="$(inspect '{{.Digest}}')"
else
    digest="$(inspect '{{if .RepoDigests}}{{index .RepoDigests 0}}{{end}}')"
    digest="${digest#*@}"
fi
size="$(inspect '{{.Size}}')"

# What the image's virtualenv holds, by its own interpreter: name==version per distribution.
"${run[@]}" --entrypoint python "$image" -c '
import importlib.metadata as m
for d in sorted(m.distributions(), key=lambda d: d.metadata["Name"].lower()):
    print(d.metadata["Name"] + "==" + d.version)
' >"$out/requirements.txt"
.venv/bin/cyclonedx-py requirements --output-reproducible --of JSON -o "$out/$sbom_name" \
    "$out/requirements.txt" >&2

"$python" - "$image" "$image_id" "$digest" "$size" "$out/$sbom_name" "$seconds" "$engine" <<'EOF' | tee "$out/image.json"
import json, sys
image, image_id, digest, size, sbom, seconds, engine = sys.argv[1:]
print(json.dumps({
    "image": image, "id": image_id, "digest": digest, "size_bytes": int(size), "sbom": sbom,
    "build_seconds": int(seconds), "engine": engine,
}))
EOF
