-- Resource actions of a RemediationPolicy. They only touch annotations, never the spec, so they do not
-- fight the Git source: pause and resume an ad-hoc pause, retry a failed desired AMI/type.
local actions = {}
local annotations = obj.metadata.annotations or {}
local paused = annotations["remediation.cache-remediator.io/paused"] == "true"
local phase = ""
if obj.status ~= nil and obj.status.phase ~= nil then
  phase = obj.status.phase
end
actions["pause"] = {["disabled"] = paused, ["iconClass"] = "fa fa-fw fa-pause-circle"}
actions["resume"] = {["disabled"] = not paused, ["iconClass"] = "fa fa-fw fa-play-circle"}
actions["retry"] = {["disabled"] = not (phase == "Failed" or phase == "RolledBack"), ["iconClass"] = "fa fa-fw fa-redo"}
return actions
