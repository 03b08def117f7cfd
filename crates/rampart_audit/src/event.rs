//! The audit event, borrowed from the input line: strings are slices of it
//! (copied only when JSON escapes them) and the request and response objects
//! stay raw JSON until a detection asks for them.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use sonic_rs::LazyValue;

/// `audit.k8s.io/v1` (and `v1beta1`) `Event`, the fields detections read.
#[derive(Debug, Default)]
pub struct AuditEvent<'a> {
    pub api_version: Option<Cow<'a, str>>,
    pub level: Option<Cow<'a, str>>,
    pub audit_id: Option<Cow<'a, str>>,
    pub stage: Option<Cow<'a, str>>,
    pub request_uri: Option<Cow<'a, str>>,
    pub verb: Option<Cow<'a, str>>,
    pub user: UserInfo<'a>,
    pub impersonated_user: Option<UserInfo<'a>>,
    pub source_ips: Vec<Cow<'a, str>>,
    pub user_agent: Option<Cow<'a, str>>,
    pub object_ref: Option<ObjectRef<'a>>,
    pub response_status: Option<ResponseStatus<'a>>,
    /// Raw JSON, skipped (not parsed) by the event parser.
    pub request_object: Option<LazyValue<'a>>,
    pub response_object: Option<LazyValue<'a>>,
    pub request_received_timestamp: Option<Cow<'a, str>>,
    pub stage_timestamp: Option<Cow<'a, str>>,
    /// `audit.k8s.io/v1beta1`'s `timestamp`.
    pub timestamp: Option<Cow<'a, str>>,
    /// Raw JSON: most detections never read it, so it is looked into on demand.
    pub annotations: Option<LazyValue<'a>>,
    /// Top-level fields the model does not know.
    pub unknown_fields: u32,
}

#[derive(Debug, Default, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct UserInfo<'a> {
    #[serde(default, deserialize_with = "opt_text")]
    pub username: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub uid: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "texts")]
    pub groups: Vec<Cow<'a, str>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", bound(deserialize = "'de: 'a"))]
pub struct ObjectRef<'a> {
    #[serde(default, deserialize_with = "opt_text")]
    pub resource: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub namespace: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub name: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub api_group: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub api_version: Option<Cow<'a, str>>,
    #[serde(default, deserialize_with = "opt_text")]
    pub subresource: Option<Cow<'a, str>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(bound(deserialize = "'de: 'a"))]
pub struct ResponseStatus<'a> {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default, deserialize_with = "opt_text")]
    pub reason: Option<Cow<'a, str>>,
}

/// One line of input: an event, or an `EventList`'s events.
#[derive(Debug)]
pub enum Record<'a> {
    Event(Box<AuditEvent<'a>>),
    List(Vec<AuditEvent<'a>>),
}

impl<'a> AuditEvent<'a> {
    pub fn username(&self) -> &str {
        self.user.username.as_deref().unwrap_or("")
    }
    pub fn verb(&self) -> &str {
        self.verb.as_deref().unwrap_or("")
    }
    pub fn stage(&self) -> &str {
        self.stage.as_deref().unwrap_or("")
    }
    pub fn resource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.resource.as_deref())
            .unwrap_or("")
    }
    pub fn subresource(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.subresource.as_deref())
            .unwrap_or("")
    }
    pub fn namespace(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.namespace.as_deref())
            .unwrap_or("")
    }
    pub fn name(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.name.as_deref())
            .unwrap_or("")
    }
    pub fn api_group(&self) -> &str {
        self.object_ref
            .as_ref()
            .and_then(|o| o.api_group.as_deref())
            .unwrap_or("")
    }
    pub fn code(&self) -> Option<i64> {
        self.response_status.as_ref().and_then(|s| s.code)
    }
    /// An annotation's value, looked up in the raw annotations on demand.
    pub fn annotation(&self, key: &str) -> Option<String> {
        use sonic_rs::JsonValueTrait;
        let raw = self.annotations.as_ref()?.as_raw_str();
        // Most events lack the key: a substring test saves the lookup.
        if !raw.contains(key.rsplit('/').next().unwrap_or(key)) {
            return None;
        }
        sonic_rs::get_from_str(raw, [key])
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
    }
    /// The API server's authorization decision (`allow`, `forbid`), when recorded.
    pub fn decision(&self) -> Option<String> {
        self.annotation("authorization.k8s.io/decision")
    }
    /// The request completed (or, for long-running requests, started) without an error.
    pub fn succeeded(&self) -> bool {
        match self.code() {
            Some(code) => (100..400).contains(&code),
            None => self.decision().as_deref() != Some("forbid"),
        }
    }
    /// `system:` identities: control-plane components, nodes, service accounts.
    pub fn is_system_user(&self) -> bool {
        self.username().starts_with("system:")
    }
    /// The stage at which a completed request is judged: `ResponseComplete`,
    /// or an event without a stage.
    pub fn is_complete(&self) -> bool {
        matches!(self.stage(), "ResponseComplete" | "")
    }
    /// The request object parsed, when the audit level recorded it.
    pub fn request_json(&self) -> Option<serde_json::Value> {
        self.request_object
            .as_ref()
            .and_then(|raw| serde_json::from_str(raw.as_raw_str()).ok())
    }
    /// The timestamp of the stage (else of the request), as written.
    pub fn time(&self) -> &str {
        self.stage_timestamp
            .as_deref()
            .or(self.request_received_timestamp.as_deref())
            .or(self.timestamp.as_deref())
            .unwrap_or("")
    }
}

/// Why a line is not an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("not valid JSON: {0}")]
    Json(String),
    #[error("not an audit event (kind {0:?})")]
    NotAnEvent(String),
}

/// The parser's message on one line (sonic-rs adds a snippet below it).
fn json_error(error: &sonic_rs::Error) -> ParseError {
    let text = error.to_string();
    ParseError::Json(text.lines().next().unwrap_or("").trim().to_owned())
}

/// Parses one line: an `Event` (with or without `apiVersion`/`kind`) or an `EventList`.
pub fn parse_record(line: &[u8]) -> Result<Record<'_>, ParseError> {
    let mut de = sonic_rs::Deserializer::from_slice(line);
    let parsed = EventOrList::deserialize(&mut de).map_err(|e| json_error(&e))?;
    de.end().map_err(|e| json_error(&e))?;
    match parsed.kind.as_deref() {
        Some("EventList") => Ok(Record::List(parsed.items.unwrap_or_default())),
        None | Some("Event") => Ok(Record::Event(Box::new(parsed.event))),
        Some(other) => Err(ParseError::NotAnEvent(other.to_owned())),
    }
}

struct EventOrList<'a> {
    kind: Option<Cow<'a, str>>,
    event: AuditEvent<'a>,
    items: Option<Vec<AuditEvent<'a>>>,
}

#[derive(Deserialize)]
#[serde(field_identifier)]
enum Field {
    #[serde(rename = "kind")]
    Kind,
    #[serde(rename = "apiVersion")]
    ApiVersion,
    #[serde(rename = "level")]
    Level,
    #[serde(rename = "auditID")]
    AuditId,
    #[serde(rename = "stage")]
    Stage,
    #[serde(rename = "requestURI")]
    RequestUri,
    #[serde(rename = "verb")]
    Verb,
    #[serde(rename = "user")]
    User,
    #[serde(rename = "impersonatedUser")]
    ImpersonatedUser,
    #[serde(rename = "sourceIPs")]
    SourceIps,
    #[serde(rename = "userAgent")]
    UserAgent,
    #[serde(rename = "objectRef")]
    ObjectRef,
    #[serde(rename = "responseStatus")]
    ResponseStatus,
    #[serde(rename = "requestObject")]
    RequestObject,
    #[serde(rename = "responseObject")]
    ResponseObject,
    #[serde(rename = "requestReceivedTimestamp")]
    RequestReceivedTimestamp,
    #[serde(rename = "stageTimestamp")]
    StageTimestamp,
    #[serde(rename = "timestamp")]
    Timestamp,
    #[serde(rename = "annotations")]
    Annotations,
    #[serde(rename = "items")]
    Items,
    /// Known fields of an event or list that detections do not read.
    #[serde(rename = "metadata")]
    Metadata,
    #[serde(other)]
    Unknown,
}

impl<'de> Deserialize<'de> for EventOrList<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(EventVisitor)
    }
}

impl<'de> Deserialize<'de> for AuditEvent<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let parsed = deserializer.deserialize_map(EventVisitor)?;
        Ok(parsed.event)
    }
}

/// A string borrowed from the input when it has no escapes (serde's own
/// `Cow<str>` always copies).
struct Text<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Text<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

fn opt_text<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Option<Cow<'a, str>>, D::Error> {
    Ok(Option::<Text<'de>>::deserialize(d)?.map(|t| t.0))
}

fn texts<'de: 'a, 'a, D: Deserializer<'de>>(d: D) -> Result<Vec<Cow<'a, str>>, D::Error> {
    Ok(Option::<Vec<Text<'de>>>::deserialize(d)?
        .into_iter()
        .flatten()
        .map(|t| t.0)
        .collect())
}

/// An optional borrowed string (`null` reads as absent).
fn text<'de, A: MapAccess<'de>>(map: &mut A) -> Result<Option<Cow<'de, str>>, A::Error> {
    Ok(map.next_value::<Option<Text<'de>>>()?.map(|t| t.0))
}

/// `null` reads as absent.
fn optional<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    map: &mut A,
) -> Result<Option<T>, A::Error> {
    map.next_value::<Option<T>>()
}

struct EventVisitor;

impl<'de> Visitor<'de> for EventVisitor {
    type Value = EventOrList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an audit Event or EventList object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = EventOrList {
            kind: None,
            event: AuditEvent::default(),
            items: None,
        };
        let e = &mut out.event;
        while let Some(field) = map.next_key::<Field>()? {
            match field {
                Field::Kind => out.kind = text(&mut map)?,
                Field::ApiVersion => e.api_version = text(&mut map)?,
                Field::Level => e.level = text(&mut map)?,
                Field::AuditId => e.audit_id = text(&mut map)?,
                Field::Stage => e.stage = text(&mut map)?,
                Field::RequestUri => e.request_uri = text(&mut map)?,
                Field::Verb => e.verb = text(&mut map)?,
                Field::User => e.user = optional(&mut map)?.unwrap_or_default(),
                Field::ImpersonatedUser => e.impersonated_user = optional(&mut map)?,
                Field::SourceIps => {
                    let ips: Option<Vec<Text<'de>>> = optional(&mut map)?;
                    e.source_ips = ips.into_iter().flatten().map(|t| t.0).collect();
                }
                Field::UserAgent => e.user_agent = text(&mut map)?,
                Field::ObjectRef => e.object_ref = optional(&mut map)?,
                Field::ResponseStatus => e.response_status = optional(&mut map)?,
                Field::RequestObject => e.request_object = optional(&mut map)?,
                Field::ResponseObject => e.response_object = optional(&mut map)?,
                Field::RequestReceivedTimestamp => {
                    e.request_received_timestamp = optional(&mut map)?
                }
                Field::StageTimestamp => e.stage_timestamp = text(&mut map)?,
                Field::Timestamp => e.timestamp = text(&mut map)?,
                Field::Annotations => e.annotations = optional(&mut map)?,
                Field::Items => out.items = optional(&mut map)?,
                Field::Metadata => {
                    map.next_value::<IgnoredAny>()?;
                }
                Field::Unknown => {
                    e.unknown_fields += 1;
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(out)
    }
}

/// Parameters of a request URI's query, percent-decoded:
/// `command` values of `.../exec?command=sh&command=-c&container=x`.
pub fn query_values<'u>(uri: &'u str, key: &'u str) -> impl Iterator<Item = String> + 'u {
    let query = uri.split_once('?').map_or("", |(_, q)| q);
    form_urlencoded::parse(query.as_bytes())
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_lists_and_unknown_fields() {
        let line = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete","verb":"create","user":{"username":"bob","groups":["g"]},"objectRef":{"resource":"pods","namespace":"ns","name":"p"},"responseStatus":{"code":201},"requestObject":{"spec":{"hostPID":true}},"annotations":{"authorization.k8s.io/decision":"allow"},"newField":1}"#;
        let Ok(Record::Event(event)) = parse_record(line.as_bytes()) else {
            panic!("not an event");
        };
        assert_eq!(event.username(), "bob");
        assert_eq!(event.resource(), "pods");
        assert_eq!(event.code(), Some(201));
        assert_eq!(event.decision().as_deref(), Some("allow"));
        assert_eq!(event.unknown_fields, 1);
        assert!(
            event
                .request_object
                .as_ref()
                .is_some_and(|r| r.as_raw_str().contains("hostPID"))
        );

        let list = r#"{"kind":"EventList","apiVersion":"audit.k8s.io/v1","metadata":{},"items":[{"verb":"get"},{"verb":"list"}]}"#;
        let Ok(Record::List(items)) = parse_record(list.as_bytes()) else {
            panic!("not a list");
        };
        assert_eq!(items.len(), 2);
        assert_eq!(items[1].verb(), "list");

        assert!(matches!(
            parse_record(br#"{"kind": 0}"#),
            Err(ParseError::Json(_))
        ));
        assert!(matches!(
            parse_record(br#"{"kind": "Pod"}"#),
            Err(ParseError::NotAnEvent(_))
        ));
        assert!(parse_record(b"{").is_err());
    }

    #[test]
    fn strings_are_borrowed_unless_escaped() {
        let line = br#"{"verb":"get","user":{"username":"bob","groups":["g"]},"sourceIPs":["10.0.0.1"],"objectRef":{"resource":"pods"},"requestURI":"/a\/b","annotations":{"k":"v"}}"#;
        let Ok(Record::Event(event)) = parse_record(line) else {
            panic!("not an event");
        };
        assert!(matches!(event.verb, Some(Cow::Borrowed("get"))));
        assert!(matches!(event.user.username, Some(Cow::Borrowed("bob"))));
        assert!(matches!(event.user.groups[0], Cow::Borrowed("g")));
        assert!(matches!(event.source_ips[0], Cow::Borrowed(_)));
        assert!(matches!(
            event.object_ref.as_ref().and_then(|o| o.resource.as_ref()),
            Some(Cow::Borrowed(_))
        ));
        assert_eq!(event.annotation("k").as_deref(), Some("v"));
        assert_eq!(event.annotation("missing"), None);
        // An escaped string is unescaped into its own copy.
        assert_eq!(event.request_uri.as_deref(), Some("/a/b"));
    }

    #[test]
    fn query_values_are_decoded() {
        let uri = "/api/v1/namespaces/x/pods/p/exec?command=sh&command=-c&command=cat%20%2Fetc%2Fshadow&container=c&stdin=true";
        let values: Vec<String> = query_values(uri, "command").collect();
        assert_eq!(values, ["sh", "-c", "cat /etc/shadow"]);
    }
}
