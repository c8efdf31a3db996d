"""Nova servers, split as gophercloud splits a resource.

``requests`` (create/get/list/update/delete and their options), ``actions`` (start, stop,
reboot, createImage, resize, confirmResize), ``security_groups``, ``metadata``, ``tags``,
``results`` (the typed server) and ``urls`` (routes). Nothing here waits: the operator looks
again on its next pass instead of blocking a worker on a status.

Usage::

    from instance_operator.openstack.compute import servers
    from instance_operator.openstack.compute.servers import CreateOpts, NetworkSpec

    created = servers.create(cloud.compute, CreateOpts(
        name="web-1", flavor_ref=flavor.id, image_ref=image.id, networks="none",
        tags=["iop-uid-..."], metadata={"instance-operator.dev:name": "web-1"}))
    server = servers.get(cloud.compute, created.id)
    for s in servers.list_detail(cloud.compute, ListOpts(tags=["iop-uid-..."])): ...
"""

from instance_operator.openstack.compute.servers.actions import (
    RebootType,
    confirm_resize,
    create_image,
    reboot,
    resize,
    start,
    stop,
)
from instance_operator.openstack.compute.servers.metadata import (
    ServerMetadata,
    delete_metadata_item,
    get_metadata,
    replace_metadata,
    set_metadata_items,
)
from instance_operator.openstack.compute.servers.requests import (
    CreateOpts,
    ListOpts,
    NetworkSpec,
    create,
    delete,
    exact_name,
    get,
    list_detail,
    update_name,
)
from instance_operator.openstack.compute.servers.results import (
    Address,
    CreatedImage,
    CreatedServer,
    EmbeddedFlavor,
    Fault,
    FlavorLink,
    ImageLink,
    SecurityGroupRef,
    Server,
)
from instance_operator.openstack.compute.servers.security_groups import (
    ServerSecurityGroup,
    add_security_group,
    list_security_groups,
    remove_security_group,
)
from instance_operator.openstack.compute.servers.tags import (
    ServerTags,
    add_tag,
    delete_tag,
    list_tags,
    replace_tags,
)

__all__ = [
    "Address",
    "CreateOpts",
    "CreatedImage",
    "CreatedServer",
    "EmbeddedFlavor",
    "Fault",
    "FlavorLink",
    "ImageLink",
    "ListOpts",
    "NetworkSpec",
    "RebootType",
    "SecurityGroupRef",
    "Server",
    "ServerMetadata",
    "ServerSecurityGroup",
    "ServerTags",
    "add_security_group",
    "add_tag",
    "confirm_resize",
    "create",
    "create_image",
    "delete",
    "delete_metadata_item",
    "delete_tag",
    "exact_name",
    "get",
    "get_metadata",
    "list_detail",
    "list_security_groups",
    "list_tags",
    "reboot",
    "remove_security_group",
    "replace_metadata",
    "replace_tags",
    "resize",
    "set_metadata_items",
    "start",
    "stop",
    "update_name",
]
