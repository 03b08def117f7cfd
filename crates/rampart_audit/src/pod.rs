//! The parts of a pod or workload request object the detections read,
//! parsed straight from the raw JSON (everything else is skipped, not built).

use serde::Deserialize;

/// A Pod, a workload (template under `spec.template`, a CronJob's under
/// `spec.jobTemplate.spec.template`) or a PodTemplate (`template`).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PodObject {
    pub metadata: Meta,
    pub spec: Option<Spec>,
    pub template: Option<Box<Template>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Meta {
    pub name: Option<String>,
    pub generate_name: Option<String>,
    pub owner_references: Vec<OwnerReference>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OwnerReference {
    pub kind: String,
    pub name: String,
    pub controller: Option<bool>,
}

/// A pod spec, or a workload spec holding one (the fields of both).
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Spec {
    pub host_network: Option<bool>,
    #[serde(rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(rename = "hostIPC")]
    pub host_ipc: Option<bool>,
    pub volumes: Vec<Volume>,
    pub init_containers: Vec<Container>,
    pub containers: Vec<Container>,
    pub ephemeral_containers: Vec<Container>,
    pub template: Option<Box<Template>>,
    pub job_template: Option<Box<JobTemplate>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Template {
    pub metadata: Meta,
    pub spec: Option<Spec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct JobTemplate {
    pub spec: Option<Spec>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Volume {
    pub name: String,
    pub host_path: Option<HostPath>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct HostPath {
    pub path: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Container {
    pub name: String,
    pub security_context: Option<SecurityContext>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SecurityContext {
    pub privileged: Option<bool>,
}

impl PodObject {
    /// Parses a request object; `None` when it is not shaped like one.
    pub fn parse(raw: &str) -> Option<Self> {
        sonic_rs::from_str(raw).ok()
    }

    /// The pod spec for `resource` (the plural resource name).
    pub fn pod_spec(&self, resource: &str) -> Option<&Spec> {
        match resource {
            "pods" => self.spec.as_ref(),
            "cronjobs" => self
                .spec
                .as_ref()?
                .job_template
                .as_ref()?
                .spec
                .as_ref()?
                .template
                .as_ref()?
                .spec
                .as_ref(),
            "deployments"
            | "statefulsets"
            | "daemonsets"
            | "replicasets"
            | "jobs"
            | "replicationcontrollers" => self.spec.as_ref()?.template.as_ref()?.spec.as_ref(),
            "podtemplates" => self.template.as_ref()?.spec.as_ref(),
            _ => None,
        }
    }
}

impl Spec {
    /// Every container: init, regular, ephemeral.
    pub fn all_containers(&self) -> impl Iterator<Item = &Container> {
        self.init_containers
            .iter()
            .chain(&self.containers)
            .chain(&self.ephemeral_containers)
    }
}

#[cfg(test)]
mod tests {
    use super::PodObject;

    #[test]
    fn specs_of_every_shape() {
        let pod = PodObject::parse(
            r#"{"metadata":{"name":"p"},"spec":{"hostPID":true,"containers":[{"name":"c","securityContext":{"privileged":true}}],"extra":{"deep":[1,2,{"x":"y"}]}}}"#,
        );
        let spec = pod.as_ref().and_then(|p| p.pod_spec("pods"));
        assert_eq!(spec.and_then(|s| s.host_pid), Some(true));
        let cron = PodObject::parse(
            r#"{"spec":{"jobTemplate":{"spec":{"template":{"spec":{"volumes":[{"name":"v","hostPath":{"path":"/etc"}}]}}}}}}"#,
        );
        let spec = cron.as_ref().and_then(|p| p.pod_spec("cronjobs"));
        assert_eq!(spec.map(|s| s.volumes.len()), Some(1));
        assert!(PodObject::parse("[1]").is_none());
    }
}
