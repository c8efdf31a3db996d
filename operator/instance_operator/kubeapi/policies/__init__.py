"""ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1).

``validation`` gives the two kinds their defaults and the API server's write-time checks,
refusing the fields this package does not evaluate; ``matching`` decides which requests a
policy's rules select; ``evaluation`` runs the validations of every (policy, binding) pair and
refuses, warns or admits. Requests are evaluated on DELETE (the HTTP verb, and the deletions the
namespace controller makes while emptying a namespace, dry runs included). Not emulated: params,
``matchConditions``, ``variables``, ``auditAnnotations``, ``excludeResourceRules``,
``resourceNames``, label selectors (all refused on write), the ``Audit`` action's audit
annotation, the type-checking controller's ``status``, and evaluation on CREATE, UPDATE and
CONNECT (rules selecting those operations are refused on write, see ``validation``).
"""

from instance_operator.kubeapi.policies.evaluation import admit
from instance_operator.kubeapi.policies.matching import (
    ANONYMOUS,
    NAMESPACE_CONTROLLER,
    Request,
    Requester,
)

__all__ = ["ANONYMOUS", "NAMESPACE_CONTROLLER", "Request", "Requester", "admit"]
