"""Whole Instance manifests, validated as the operator would read their parts: for tests that check
examples and documentation. The operator itself reads only `spec` and `status`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from instance_operator.api.models import InstanceSpec, InstanceStatus

# ------------------------------------------------------------------------------------------------
# The object


class ObjectMeta(BaseModel):
    """The parts of `metadata` the operator reads."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    name: str
    namespace: str = "default"
    uid: str | None = None
    generation: int | None = None
    resource_version: str | None = Field(None, alias="resourceVersion")
    annotations: dict[str, str] = Field(default_factory=dict)
    labels: dict[str, str] = Field(default_factory=dict)
    finalizers: list[str] = Field(default_factory=list)
    deletion_timestamp: datetime | None = Field(None, alias="deletionTimestamp")


class Instance(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    api_version: Literal["instance-operator.dev/v1alpha1"] = Field(alias="apiVersion")
    kind: Literal["Instance"]
    metadata: ObjectMeta
    spec: InstanceSpec
    status: InstanceStatus | None = None
