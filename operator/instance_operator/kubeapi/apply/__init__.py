"""Server-side apply and field ownership, as the API server's field manager keeps them.

The rules are those of ``k8s.io/apimachinery/pkg/util/managedfields`` and
``sigs.k8s.io/structured-merge-diff``, ported in small steps:

- ``fieldpath``: a field is a path of elements (``f:name``, ``k:{...}``, ``v:...``, ``i:N``);
  sets of them are encoded as ``FieldsV1`` trees.
- ``typed``: what the object's schema says about each value (struct, granular or atomic map,
  atomic list, set, map-list with keys), and the walks that depend on it: the set of fields a
  value sets, the comparison of two values, the merge of an applied configuration, removal.
- ``managed``: ``metadata.managedFields`` entries as managers with their field sets.
- ``ownership``: the Apply and Update operations: conflicts, ``force``, ownership moving to the
  writer of a changed field, and removal of what an applier stopped setting.
- ``records``: the callbacks through which the store records ownership on each write.
- ``options``: the write options of a request (field manager, ``force``, ``dryRun``) checked
  as the API server checks them.
"""
