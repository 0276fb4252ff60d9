-- Pause without editing the spec: no new step starts; a replacement in flight is watched to completion.
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["remediation.cache-remediator.io/paused"] = "true"
return obj
