-- Argo CD health check for instance-operator.dev Instances (see docs/gitops.md).
-- Argo CD runs it with the resource as `obj`; tests/docs/test_docs.py runs this file.
hs = {}
if obj.status == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator"
  return hs
end
if obj.metadata.generation ~= nil and obj.status.observedGeneration ~= nil and obj.status.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "Waiting for the operator to act on the new spec"
  return hs
end
local ready = nil
local degraded = nil
if obj.status.conditions ~= nil then
  for _, condition in ipairs(obj.status.conditions) do
    if condition.type == "Ready" then ready = condition end
    if condition.type == "Degraded" then degraded = condition end
  end
end
if degraded ~= nil and degraded.status == "True" then
  hs.status = "Degraded"
  hs.message = degraded.reason .. ": " .. degraded.message
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message
  return hs
end
if obj.status.phase == "Stopped" then
  if obj.spec.powerState == "Stopped" then
    hs.status = "Healthy"
    hs.message = "Stopped, as spec.powerState asks"
  else
    hs.status = "Suspended"
    hs.message = "The server is stopped"
  end
  return hs
end
hs.status = "Progressing"
if ready ~= nil then
  hs.message = ready.reason .. ": " .. ready.message
else
  hs.message = "Waiting for the operator"
end
return hs
