-- Resume an ad-hoc pause (a pause set in the spec is resumed in Git).
if obj.metadata.annotations ~= nil then
  obj.metadata.annotations["remediation.cache-remediator.io/paused"] = nil
end
return obj
