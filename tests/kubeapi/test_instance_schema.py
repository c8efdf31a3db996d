"""The Instance CRD's own schema, as the API server applies it: limits refused at apply time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from kubernetes import client
from kubernetes.client.rest import ApiException

from instance_operator.api import names
from instance_operator.api.models import MAX_TAGS
from instance_operator.sandbox import example

ROOT = Path(__file__).resolve().parents[2]


def test_an_instance_with_1000_tags_is_refused_naming_spec_tags(
    api_client: client.ApiClient, custom: client.CustomObjectsApi
) -> None:
    crd = yaml.safe_load((ROOT / "crds" / "instance.yaml").read_text())
    client.ApiextensionsV1Api(api_client).create_custom_resource_definition(crd)
    instance = example("instance-minimal.yaml")
    instance["spec"]["tags"] = [f"tag-{index}" for index in range(1000)]

    with pytest.raises(ApiException) as caught:
        custom.create_namespaced_custom_object(
            names.GROUP, names.VERSION, "default", names.PLURAL, instance
        )
    status = json.loads(caught.value.body)
    assert (caught.value.status, status["reason"]) == (422, "Invalid")
    # As kube-apiserver v1.36 words it; the second cause says the CEL rules were skipped.
    assert [cause["field"] for cause in status["details"]["causes"]] == ["spec.tags", "<nil>"]
    assert f"spec.tags: Too many: 1000: must have at most {MAX_TAGS} items" in status["message"]
