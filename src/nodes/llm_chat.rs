//! `llm_chat`: a chat completion from any OpenAI-compatible server (llama.cpp's
//! llama-server, Ollama, vLLM, OpenAI), streamed token by token.

use std::time::Duration;

use super::context::{Progress, Stream};
use super::http_client::{self, HttpCall, HttpReply};
use super::prelude::*;
use super::secrets::check_key_variable;

/// Where llama-server listens by default.
pub const DEFAULT_BASE_URL: &str = "http://127.0.0.1:8080/v1";

/// Sends the system prompt and the `prompt` input to `{base_url}/chat/completions` with
/// `stream: true` and outputs the reply. Tokens stream into the node and the monitor as they
/// arrive. The API key is read from the environment variable named in `api_key_env`; the key
/// itself is never stored.
#[derive(Clone)]
pub struct LlmChatKind {
    info: KindInfo,
}

impl LlmChatKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "llm_chat",
            "LLM chat",
            groups::AI,
            "Streams a chat reply from an OpenAI-compatible server. Works with llama-server, Ollama, vLLM and OpenAI.",
            Placement::Worker,
            Effects::SideEffects,
        )
        .with_param("model", ParamType::Text, "", "The model name (llama-server answers with whatever it loaded).")
        .with_param(
            "system",
            ParamType::LongText,
            "You are a helpful assistant.",
            "The system prompt.",
        )
        .with_param(
            "temperature",
            ParamType::Number {
                min: Some(0.0),
                max: Some(2.0),
            },
            0.7,
            "Sampling temperature.",
        )
        .with_param(
            "max_tokens",
            ParamType::Integer {
                min: Some(1),
                max: Some(1_000_000),
            },
            512.0,
            "The most tokens the reply may have.",
        )
        .with_param(
            "api_key_env",
            ParamType::Text,
            "OPENAI_API_KEY",
            "The environment variable holding the API key (sent only when it is set); only key variables: names ending in `_KEY`, `_TOKEN` or `_SECRET`, or listed in key-variables.txt in the settings folder.",
        )
        .with_param(
            "timeout_s",
            ParamType::Number {
                min: Some(1.0),
                max: Some(86_400.0),
            },
            300.0,
            "Seconds the whole reply may take.",
        );
        Self { info }
    }
}

impl NodeKind for LlmChatKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn batch_concurrency(&self) -> usize {
        4
    }

    fn inputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![
            PortSpec::new("prompt", DataType::Text),
            PortSpec::optional("base_url", DataType::Text),
            PortSpec::optional("seed", DataType::Number),
        ]
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("text", DataType::Text)]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let name = params.text("api_key_env").trim();
        match name {
            "" => Vec::new(),
            name => check_key_variable(name)
                .err()
                .map(|problem| format!("`api_key_env`: {problem}"))
                .into_iter()
                .collect(),
        }
    }

    fn side_effects(
        &self,
        params: &Params<'_>,
        input: &dyn Fn(&str) -> KnownInput,
    ) -> Vec<SideEffect> {
        let url = match input("base_url") {
            KnownInput::Value(url) if !url.trim().is_empty() => {
                Some(url.trim().trim_end_matches('/').to_owned())
            }
            KnownInput::FromWire => None,
            _ => Some(DEFAULT_BASE_URL.to_owned()),
        };
        let mut effects = vec![SideEffect::Request { url }];
        let name = params.text("api_key_env").trim();
        if !name.is_empty() {
            effects.push(SideEffect::EnvVar {
                name: name.to_owned(),
                purpose: "API key".to_owned(),
            });
        }
        effects
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let params = ctx.params();
        let prompt = ctx.input("prompt").map(Value::to_text).unwrap_or_default();
        let base_url = ctx
            .input("base_url")
            .map(Value::to_text)
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| !url.is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_owned());
        let mut body = serde_json::json!({
            "model": params.text("model"),
            "messages": [
                {"role": "system", "content": params.text("system")},
                {"role": "user", "content": prompt},
            ],
            "temperature": params.number("temperature"),
            "max_tokens": params.integer("max_tokens"),
            "stream": true,
        });
        if let Some(Value::Number(seed)) = ctx.input("seed") {
            body["seed"] = serde_json::json!(*seed as i64);
        }
        let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
        let key_var = params.text("api_key_env").trim();
        if !key_var.is_empty() {
            // Checked again here: the name may have changed since the file was validated.
            if let Some(key) = ctx
                .key_from_env(key_var)
                .map_err(|err| NodeError::failed(format!("`api_key_env`: {err}")))?
            {
                headers.push(("Authorization".to_owned(), format!("Bearer {key}")));
            }
        }
        let url = format!("{base_url}/chat/completions");
        let call = HttpCall {
            method: "POST".to_owned(),
            url: url.clone(),
            headers,
            body: Some(body.to_string().into_bytes()),
            timeout: Duration::from_secs_f64(params.number("timeout_s").max(1.0)),
            // The key never follows a redirect to another origin.
            secret_headers: vec!["Authorization".to_owned()],
        };
        let mut reply = String::new();
        let mut whole = String::new();
        let mut done = false;
        let failed = http_client::stream_lines(ctx, call, |line| {
            let line = line.trim_end_matches(['\r', '\n']);
            let Some(data) = line.strip_prefix("data:") else {
                // A server that ignored `stream` answers with one JSON document.
                whole.push_str(line);
                whole.push('\n');
                return Ok(true);
            };
            let data = data.trim();
            if data == "[DONE]" {
                done = true;
                return Ok(false);
            }
            let event: serde_json::Value = serde_json::from_str(data).map_err(|err| {
                NodeError::failed(format!("{url}: the stream sent something that is not JSON ({err}): {data}"))
            })?;
            if let Some(message) = error_message(&event) {
                return Err(NodeError::failed(format!("{url}: the server said: {message}")));
            }
            let token = event
                .pointer("/choices/0/delta/content")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default();
            if !token.is_empty() {
                reply.push_str(token);
                ctx.progress(Progress::Output {
                    stream: Stream::Stdout,
                    text: token.to_owned(),
                });
            }
            Ok(true)
        })
        .map_err(|err| match err {
            NodeError::Failed(message) if message.contains("connection refused") => {
                NodeError::failed(format!(
                    "nothing answers at {base_url} (connection refused): is the server running? llama-server listens on {DEFAULT_BASE_URL} by default"
                ))
            }
            other => other,
        })?;
        if let Some(failed) = failed {
            let message = format!("{url}: {}", describe_failure(&failed));
            return Err(NodeError::failed_with(message, failed.failure_cause()));
        }
        if !done && reply.is_empty() && !whole.trim().is_empty() {
            reply = reply_of_document(&url, whole.trim())?;
            ctx.progress(Progress::Output {
                stream: Stream::Stdout,
                text: reply.clone(),
            });
        }
        Ok(Outputs::new().with("text", Value::Text(reply)))
    }
}

/// The error message in an OpenAI-style error document, if it is one.
fn error_message(document: &serde_json::Value) -> Option<String> {
    let error = document.get("error")?;
    Some(match error {
        serde_json::Value::String(text) => text.clone(),
        other => other
            .get("message")
            .and_then(serde_json::Value::as_str)
            .map_or_else(|| other.to_string(), str::to_owned),
    })
}

/// A non-2xx reply in words: the status and what the server said.
fn describe_failure(reply: &HttpReply) -> String {
    let said = serde_json::from_slice::<serde_json::Value>(&reply.body)
        .ok()
        .and_then(|doc| error_message(&doc))
        .unwrap_or_else(|| reply.body_excerpt(300));
    let hint = match reply.status {
        401 | 403 => " (check the API key and the variable named in `api_key_env`)",
        404 => " (check the base URL and the model name)",
        _ => "",
    };
    format!("HTTP {} {}: {said}{hint}", reply.status, reply.status_text)
}

/// The reply of a server that ignored `stream` and answered with one JSON document.
fn reply_of_document(url: &str, document: &str) -> Result<String, NodeError> {
    let document: serde_json::Value = serde_json::from_str(document).map_err(|err| {
        NodeError::failed(format!(
            "{url}: the reply is neither a stream nor JSON ({err})"
        ))
    })?;
    if let Some(message) = error_message(&document) {
        return Err(NodeError::failed(format!(
            "{url}: the server said: {message}"
        )));
    }
    Ok(document
        .pointer("/choices/0/message/content")
        .and_then(serde_json::Value::as_str)
        .unwrap_or_default()
        .to_owned())
}
