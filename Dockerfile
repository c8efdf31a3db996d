# The operator image: `instance-operator run` from a virtualenv on a slim Python base.
#
# The build stage turns the source into a wheel and installs it into a fresh virtualenv; the final
# stage copies only that virtualenv, so no compiler, pip cache, wheel or source tree ships.
# scripts/check-dockerfile.sh replays the build stage's COPY and RUN steps outside Docker (CI has no
# Docker engine): keep every path in a RUN step behind an ENV variable so the replay can move it.
FROM python:3.12-slim AS build

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    WHEELS=/build/wheels \
    VIRTUAL_ENV=/opt/venv

WORKDIR /build/src
COPY pyproject.toml README.md ./
COPY operator/ operator/

# Without pip in the virtualenv: the base image's pip installs into it, and nothing in the final
# image can install anything. The last command proves the console script runs.
RUN pip wheel --no-cache-dir --no-deps --wheel-dir "$WHEELS" . \
    && python -m venv --without-pip "$VIRTUAL_ENV" \
    && pip --python "$VIRTUAL_ENV/bin/python" install --no-cache-dir "$WHEELS"/*.whl \
    && "$VIRTUAL_ENV/bin/instance-operator" --help

# The Kubernetes client is three quarters of the virtualenv: thousands of generated modules, most
# of their bytes docstrings. It ships as bytecode without docstrings (-OO) and without its sources:
# 40 MB instead of 126, and it imports faster. Its tracebacks show no source lines; nothing in it
# reads docstrings. The last command proves the operator still imports it.
RUN kube="$("$VIRTUAL_ENV/bin/python" -c 'import kubernetes, os; print(os.path.dirname(kubernetes.__file__))')" \
    && "$VIRTUAL_ENV/bin/python" -OO -m compileall -q -b "$kube" \
    && find "$kube" -name '*.py' -delete \
    && find "$kube" -name __pycache__ -prune -exec rm -rf {} + \
    && "$VIRTUAL_ENV/bin/python" -c 'import instance_operator.controller.kopf_side.assembly'


# The same base as the build stage: the virtualenv's interpreter links to its Python.
FROM python:3.12-slim

LABEL org.opencontainers.image.title="instance-operator" \
      org.opencontainers.image.description="A Kubernetes operator that runs OpenStack servers as Instance resources" \
      org.opencontainers.image.source="https://github.com/instance-operator/instance-operator" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="0.1.0" \
      io.instance-operator.sbom="instance-operator-0.1.0.cdx.json"

# Nothing is written at run time: no bytecode, unbuffered logs, HOME on the /tmp that the Helm
# chart mounts as an emptyDir beside a read-only root file system.
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOME=/tmp

COPY --from=build /opt/venv /opt/venv

# A numeric user, so the kubelet can enforce runAsNonRoot without reading /etc/passwd.
USER 65532:65532

ENTRYPOINT ["instance-operator", "run"]
