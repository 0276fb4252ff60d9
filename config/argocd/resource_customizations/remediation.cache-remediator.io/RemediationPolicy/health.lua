-- Argo CD health of a cache-remediator RemediationPolicy.
-- A spec the controller has not acted on yet is Progressing whatever the phase says; then the phase maps:
-- Succeeded -> Healthy; Pending, Progressing, RollingBack -> Progressing; Paused -> Suspended;
-- Blocked -> Degraded when the target is unusable (Degraded condition), else Progressing (a gate is waiting);
-- Failed, RolledBack -> Degraded (the desired AMI/type did not land; see status.failedTarget).
local hs = {}

local function condition(conditionType)
  if obj.status == nil or obj.status.conditions == nil then
    return nil
  end
  for _, c in ipairs(obj.status.conditions) do
    if c.type == conditionType then
      return c
    end
  end
  return nil
end

local function message(default)
  local ready = condition("Ready")
  if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
    return ready.message
  end
  return default
end

if obj.status == nil or obj.status.phase == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to observe the policy"
  return hs
end

if obj.metadata.generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "Waiting for the controller to act on the latest spec"
  return hs
end

local phase = obj.status.phase
if phase == "Succeeded" then
  hs.status = "Healthy"
  hs.message = message("Every node runs the desired AMI and type")
elseif phase == "Paused" then
  hs.status = "Suspended"
  hs.message = message("Paused: no new step starts")
elseif phase == "Failed" or phase == "RolledBack" then
  hs.status = "Degraded"
  hs.message = message(phase)
elseif phase == "Blocked" then
  local degraded = condition("Degraded")
  if degraded ~= nil and degraded.status == "True" then
    hs.status = "Degraded"
  else
    hs.status = "Progressing"
  end
  hs.message = message(obj.status.blockedBy or "Blocked")
else
  hs.status = "Progressing"
  hs.message = message(phase)
end
return hs
