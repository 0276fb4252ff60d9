-- Retry the failed desired AMI/type: any new value of the annotation does; the controller remembers the
-- last one it acted on in status.lastHandledRetry.
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["remediation.cache-remediator.io/retry"] = os.date("!%Y-%m-%dT%XZ")
return obj
