//! `http_request`: one HTTP request; outputs the status, headers and body (and the body
//! parsed, when it is JSON).

use std::time::Duration;

use super::http_client::{self, HttpCall};
use super::prelude::*;
use super::secrets::{env_placeholders, expand_env_placeholders};

/// The methods offered.
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// Sends a request to the URL at its `url` input, with the `body` input (JSON is sent as
/// JSON), and outputs what came back. A status outside 200–299 fails the node with the
/// status and the start of the body, unless `fail_on_error` is off.
#[derive(Clone)]
pub struct HttpRequestKind {
    info: KindInfo,
}

impl HttpRequestKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "http_request",
            "HTTP request",
            groups::WEB,
            "Sends an HTTP request and outputs its status, headers and body. A JSON body is parsed too.",
            Placement::Worker,
            Effects::SideEffects,
        )
        .with_param("method", ParamType::Choice(METHODS), "GET", "The HTTP method.")
        .with_param(
            "headers",
            ParamType::TextMap,
            ParamValue::Map(Default::default()),
            "Request headers: in the file a map from name to value (`{\"Accept\": \"text/plain\"}`), in the app one `Name=value` per line. `${env:NAME}` in a value is replaced by that environment variable when the node runs (only key variables: names ending in `_KEY`, `_TOKEN` or `_SECRET`); the value is kept out of results.",
        )
        .with_param(
            "fail_on_error",
            ParamType::Bool,
            true,
            "Fail the node when the status is not 2xx (off: output it like any other).",
        )
        .with_param(
            "timeout_s",
            ParamType::Number {
                min: Some(0.1),
                max: Some(3600.0),
            },
            30.0,
            "Seconds the whole exchange may take.",
        );
        Self { info }
    }
}

impl NodeKind for HttpRequestKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn batch_concurrency(&self) -> usize {
        4
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("url", DataType::Text),
            PortSpec::optional("body", DataType::Any),
        ]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("status", DataType::Number),
            PortSpec::new("headers", DataType::Json),
            PortSpec::new("body", DataType::Text),
            PortSpec::new("json", DataType::Json),
        ]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        params
            .text_map("headers")
            .into_iter()
            .filter_map(|(name, value)| {
                env_placeholders(value)
                    .err()
                    .map(|problem| format!("header `{name}`: {problem}"))
            })
            .collect()
    }

    fn side_effects(
        &self,
        params: &Params<'_>,
        input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        let mut effects = vec![SideEffect::Request {
            url: input("url").value().map(str::to_owned),
        }];
        for (header, value) in params.text_map("headers") {
            for name in env_placeholders(value).unwrap_or_default() {
                effects.push(SideEffect::EnvVar {
                    name: name.to_owned(),
                    purpose: format!("header `{header}`"),
                });
            }
        }
        effects
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let params = ctx.params();
        let url = match ctx.input("url") {
            Some(value) => value.to_text().trim().to_owned(),
            None => String::new(),
        };
        if url.is_empty() {
            return Err(NodeError::failed("input `url` is empty"));
        }
        let mut headers = Vec::new();
        let mut secret_headers = Vec::new();
        for (name, value) in params.text_map("headers") {
            let name = name.trim();
            if !env_placeholders(value).unwrap_or_default().is_empty() {
                secret_headers.push(name.to_owned());
            }
            // `${env:NAME}` takes a key from the environment; the context keeps its value
            // out of everything the node reports.
            let mut unset = None;
            let value = expand_env_placeholders(value.trim(), |var| {
                match ctx.key_from_env(var).map_err(|err| err.to_string())? {
                    Some(key) => Ok(key),
                    None => {
                        unset = Some(var.to_owned());
                        Err(format!("environment variable `{var}` is not set"))
                    }
                }
            })
            .map_err(|problem| {
                let message = format!("header `{name}`: {problem}");
                match &unset {
                    // A key nobody set yet: a person can supply it, so the run waits.
                    Some(var) => NodeError::blocked(
                        message,
                        format!("set {var} in the environment flowcanvas runs in"),
                    ),
                    None => NodeError::failed(message),
                }
            })?;
            headers.push((name.to_owned(), value));
        }
        let has_header = |headers: &[(String, String)], name: &str| {
            headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name))
        };
        let body = ctx.input("body").map(|value| {
            let (bytes, content_type) = match value {
                Value::Json(json) => (json.to_string().into_bytes(), "application/json"),
                Value::List(_) => (value.to_json().to_string().into_bytes(), "application/json"),
                other => (other.to_text().into_bytes(), "text/plain; charset=utf-8"),
            };
            if !has_header(&headers, "content-type") {
                headers.push(("Content-Type".to_owned(), content_type.to_owned()));
            }
            bytes
        });
        let call = HttpCall {
            method: params.text("method").to_owned(),
            url: url.clone(),
            headers,
            body,
            timeout: Duration::from_secs_f64(params.number("timeout_s").max(0.1)),
            secret_headers,
        };
        let reply = http_client::send(ctx, call)?;
        if params.bool("fail_on_error") && !(200..300).contains(&reply.status) {
            let excerpt = reply.body_excerpt(300);
            let message = format!(
                "{url}: HTTP {} {}{}",
                reply.status,
                reply.status_text,
                if excerpt.is_empty() {
                    String::new()
                } else {
                    format!(": {excerpt}")
                }
            );
            return Err(NodeError::failed_with(message, reply.failure_cause()));
        }
        let text = String::from_utf8_lossy(&reply.body).into_owned();
        let is_json = reply
            .header("content-type")
            .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
        let json = if is_json {
            serde_json::from_str(&text).map_err(|err| {
                NodeError::failed(format!(
                    "{url}: the response says it is JSON but is not ({err})"
                ))
            })?
        } else {
            serde_json::Value::Null
        };
        let headers = serde_json::Value::Object(
            reply
                .headers
                .iter()
                .map(|(name, value)| (name.clone(), serde_json::Value::String(value.clone())))
                .collect(),
        );
        Ok(Outputs::new()
            .with("status", Value::Number(f64::from(reply.status)))
            .with("headers", Value::Json(headers))
            .with("body", Value::Text(text))
            .with("json", Value::Json(json)))
    }
}
