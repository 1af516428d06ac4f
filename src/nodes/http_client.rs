//! The HTTP client the HTTP request and LLM chat kinds share. The request runs on a helper
//! thread while the node waits for its reply or for Stop, so Stop ends the node at once (the
//! helper's connection is dropped when it next hears from the server, or at the timeout).

use std::io::{BufRead, BufReader, Read};
use std::time::{Duration, Instant};

use crossbeam_channel::{select, Receiver};

use super::context::{NodeContext, Progress, Stream};
use super::kind::{FailureCause, NodeError};

/// The most of a response body kept (larger bodies are cut there, with a note).
pub const MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// How many redirects one request follows (ureq's own default, which we used before
/// following them ourselves).
pub const MAX_REDIRECTS: u32 = 5;

/// One request.
#[derive(Clone, Debug)]
pub struct HttpCall {
    /// GET, POST, …
    pub method: String,
    /// Where to.
    pub url: String,
    /// Header names and values.
    pub headers: Vec<(String, String)>,
    /// The body, if any.
    pub body: Option<Vec<u8>>,
    /// How long the whole exchange may take.
    pub timeout: Duration,
    /// Names of the headers that carry a key (their value came from the environment): they
    /// are never sent on to another origin when the server redirects (see [`follow`]).
    pub secret_headers: Vec<String>,
}

/// A response, whatever its status.
#[derive(Clone, Debug)]
pub struct HttpReply {
    /// The status code.
    pub status: u16,
    /// The status text ("Not Found").
    pub status_text: String,
    /// Header names (lowercase) and values, in the order received.
    pub headers: Vec<(String, String)>,
    /// The body (cut at [`MAX_BODY_BYTES`]).
    pub body: Vec<u8>,
}

impl HttpReply {
    /// The value of header `name` (any case), if present.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Why this reply counts as a failure, for a retry policy: its status, and how long
    /// the server asked to wait (`Retry-After`, in seconds or as an HTTP date).
    pub fn failure_cause(&self) -> FailureCause {
        FailureCause::Http {
            status: self.status,
            retry_after_ms: self.header("retry-after").and_then(retry_after_ms),
        }
    }

    /// The start of the body as text, for error messages.
    pub fn body_excerpt(&self, max_chars: usize) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        if text.chars().count() > max_chars {
            let cut: String = text.chars().take(max_chars).collect();
            format!("{cut}…")
        } else {
            text.to_owned()
        }
    }
}

/// What a streamed exchange delivers to the node, piece by piece.
enum Piece {
    Head {
        status: u16,
        status_text: String,
        headers: Vec<(String, String)>,
    },
    Line(String),
    Bytes(Vec<u8>),
    End,
    Failed(String),
}

/// Sends `call` and waits for the whole reply, or for Stop.
pub fn send(ctx: &NodeContext, call: HttpCall) -> Result<HttpReply, NodeError> {
    let mut reply: Option<HttpReply> = None;
    let mut body = Vec::new();
    exchange(ctx, call, false, |piece| {
        match piece {
            Piece::Head {
                status,
                status_text,
                headers,
            } => {
                reply = Some(HttpReply {
                    status,
                    status_text,
                    headers,
                    body: Vec::new(),
                })
            }
            Piece::Line(chunk) => body.extend_from_slice(chunk.as_bytes()),
            Piece::Bytes(bytes) => body.extend(bytes),
            Piece::End | Piece::Failed(_) => {}
        }
        Ok(true)
    })?;
    let mut reply = reply.ok_or_else(|| NodeError::failed("the server sent no response"))?;
    reply.body = body;
    Ok(reply)
}

/// Sends `call` and hands each line of a 2xx reply's body to `on_line` as it arrives (a
/// server-sent event stream, say); `on_line` returns false to stop reading. A reply with
/// another status is returned whole, for the caller to report.
pub fn stream_lines(
    ctx: &NodeContext,
    call: HttpCall,
    mut on_line: impl FnMut(&str) -> Result<bool, NodeError>,
) -> Result<Option<HttpReply>, NodeError> {
    let mut failed_reply: Option<HttpReply> = None;
    exchange(ctx, call, true, |piece| match piece {
        Piece::Head {
            status,
            status_text,
            headers,
        } => {
            if !(200..300).contains(&status) {
                failed_reply = Some(HttpReply {
                    status,
                    status_text,
                    headers,
                    body: Vec::new(),
                });
            }
            Ok(true)
        }
        Piece::Line(line) => match &mut failed_reply {
            Some(reply) => {
                reply.body.extend_from_slice(line.as_bytes());
                Ok(true)
            }
            None => on_line(&line),
        },
        Piece::Bytes(_) | Piece::End | Piece::Failed(_) => Ok(true),
    })?;
    Ok(failed_reply)
}

/// Runs the exchange on a helper thread, feeding pieces to `on_piece` until the end, an
/// error, Stop, or `on_piece` returning false.
fn exchange(
    ctx: &NodeContext,
    call: HttpCall,
    by_line: bool,
    mut on_piece: impl FnMut(Piece) -> Result<bool, NodeError>,
) -> Result<(), NodeError> {
    let (tx, rx) = crossbeam_channel::bounded::<Piece>(256);
    let (stop_tx, stop_rx) = crossbeam_channel::bounded::<()>(1);
    ctx.cancel().on_cancel(move || {
        let _ = stop_tx.try_send(());
    });
    let url = call.url.clone();
    let asked = Instant::now();
    // The request and the answer's status go to the transcript's info channel.
    ctx.progress(Progress::Output {
        stream: Stream::Info,
        text: format!("→ {} {url}\n", call.method),
    });
    std::thread::Builder::new()
        .name("flowcanvas-http".to_owned())
        .spawn(move || talk(call, by_line, &tx))
        .map_err(|err| NodeError::failed(format!("could not start the request: {err}")))?;
    loop {
        let piece = wait(&rx, &stop_rx)?;
        match piece {
            Piece::End => return Ok(()),
            Piece::Failed(message) => {
                return Err(NodeError::failed(format!("{url}: {message}")));
            }
            Piece::Head {
                status,
                ref status_text,
                ..
            } => {
                let took_ms = asked.elapsed().as_millis();
                ctx.progress(Progress::Output {
                    stream: Stream::Info,
                    text: format!("← {status} {status_text} after {took_ms} ms\n"),
                });
                if !on_piece(piece)? {
                    return Ok(());
                }
            }
            piece => {
                if !on_piece(piece)? {
                    // Dropping the receiver ends the helper at its next piece.
                    return Ok(());
                }
            }
        }
    }
}

fn wait(rx: &Receiver<Piece>, stop: &Receiver<()>) -> Result<Piece, NodeError> {
    select! {
        recv(rx) -> piece => Ok(piece.unwrap_or(Piece::End)),
        recv(stop) -> _ => Err(NodeError::Cancelled),
    }
}

/// The helper thread: does the request and sends what comes back.
fn talk(call: HttpCall, by_line: bool, tx: &crossbeam_channel::Sender<Piece>) {
    let response = match follow(call) {
        Ok(response) => response,
        Err(message) => {
            let _ = tx.send(Piece::Failed(message));
            return;
        }
    };
    let headers = response
        .headers_names()
        .into_iter()
        .filter_map(|name| {
            let value = response.header(&name)?.to_owned();
            Some((name.to_ascii_lowercase(), value))
        })
        .collect();
    let head = Piece::Head {
        status: response.status(),
        status_text: response.status_text().to_owned(),
        headers,
    };
    if tx.send(head).is_err() {
        return;
    }
    let reader = response.into_reader().take(MAX_BODY_BYTES);
    let outcome = if by_line {
        send_lines(reader, tx)
    } else {
        send_all(reader, tx)
    };
    let _ = tx.send(match outcome {
        Ok(()) => Piece::End,
        Err(message) => Piece::Failed(message),
    });
}

/// Does the request, following up to [`MAX_REDIRECTS`] redirects itself (ureq's own
/// following would forward every header but Authorization to whatever host the server names).
/// A redirect to another origin (scheme, host or port) drops `Authorization`, `Cookie` and
/// every header in [`HttpCall::secret_headers`]; a 301, 302 or 303 turns into a GET without
/// the body (as browsers do), a 307 or 308 repeats the method and body.
fn follow(call: HttpCall) -> Result<ureq::Response, String> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(call.timeout.min(Duration::from_secs(15)))
        .timeout(call.timeout)
        .redirects(0)
        .build();
    let HttpCall {
        mut method,
        url,
        mut headers,
        mut body,
        timeout,
        secret_headers,
    } = call;
    let mut url = url::Url::parse(&url).map_err(|err| format!("not a usable URL: {err}"))?;
    let mut redirects = 0;
    loop {
        let mut request = agent.request_url(&method, &url);
        for (name, value) in &headers {
            request = request.set(name, value);
        }
        let result = match &body {
            Some(bytes) => request.send_bytes(bytes),
            None => request.call(),
        };
        let response = match result {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(transport)) => return Err(describe(&transport, timeout)),
        };
        let status = response.status();
        if !matches!(status, 301..=303 | 307 | 308) {
            return Ok(response);
        }
        let Some(location) = response.header("location") else {
            return Ok(response);
        };
        if redirects >= MAX_REDIRECTS {
            return Err(format!("too many redirects (more than {MAX_REDIRECTS})"));
        }
        redirects += 1;
        let next = url
            .join(location)
            .map_err(|err| format!("the redirect to `{location}` is not a usable URL: {err}"))?;
        if next.origin() != url.origin() {
            headers.retain(|(name, _)| {
                !(name.eq_ignore_ascii_case("authorization")
                    || name.eq_ignore_ascii_case("cookie")
                    || secret_headers.iter().any(|s| s.eq_ignore_ascii_case(name)))
            });
        }
        if matches!(status, 301..=303) && method != "HEAD" {
            method = "GET".to_owned();
            if body.take().is_some() {
                headers.retain(|(name, _)| !name.eq_ignore_ascii_case("content-type"));
            }
        }
        url = next;
    }
}

fn send_lines(reader: impl Read, tx: &crossbeam_channel::Sender<Piece>) -> Result<(), String> {
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) => return Ok(()),
            Ok(_) => {
                if tx.send(Piece::Line(line.clone())).is_err() {
                    return Ok(());
                }
            }
            Err(err) => return Err(format!("the response broke off: {err}")),
        }
    }
}

fn send_all(mut reader: impl Read, tx: &crossbeam_channel::Sender<Piece>) -> Result<(), String> {
    let mut body = Vec::new();
    reader
        .read_to_end(&mut body)
        .map_err(|err| format!("the response broke off: {err}"))?;
    let _ = tx.send(Piece::Bytes(body));
    Ok(())
}

/// A transport error in words: what failed and, where it helps, what to check.
fn describe(error: &ureq::Transport, timeout: Duration) -> String {
    use ureq::ErrorKind as K;
    let detail = error
        .message()
        .map(str::to_owned)
        .or_else(|| std::error::Error::source(error).map(|source| source.to_string()))
        .unwrap_or_default();
    let text = error.to_string();
    match error.kind() {
        K::ConnectionFailed if text.contains("refused") || detail.contains("refused") => {
            "nothing answers there (connection refused): is the server running?".to_owned()
        }
        K::ConnectionFailed => format!("could not connect: {detail}"),
        K::Dns => format!("the host name could not be found: {detail}"),
        K::InvalidUrl | K::UnknownScheme => format!("not a usable URL: {detail}"),
        K::TooManyRedirects => "too many redirects".to_owned(),
        K::Io if text.contains("timed out") || detail.contains("timed out") => {
            format!("no answer within the timeout ({} s)", timeout.as_secs_f64())
        }
        _ => text,
    }
}

/// A `Retry-After` value in milliseconds from now: whole seconds, or an HTTP date (a date
/// already past is no wait). `None` when it is neither.
fn retry_after_ms(value: &str) -> Option<u64> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(seconds.saturating_mul(1000));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let wait_ms = at.as_millisecond() - jiff::Timestamp::now().as_millisecond();
    Some(u64::try_from(wait_ms).unwrap_or(0))
}

#[cfg(test)]
mod retry_after_tests {
    use super::retry_after_ms;

    #[test]
    fn retry_after_reads_seconds_and_dates() {
        assert_eq!(retry_after_ms("3"), Some(3000));
        assert_eq!(retry_after_ms(" 0 "), Some(0));
        assert_eq!(retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), Some(0));
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(120);
        let printer = jiff::fmt::rfc2822::DateTimePrinter::new();
        let date = printer.timestamp_to_rfc9110_string(&later).unwrap();
        let wait = retry_after_ms(&date).unwrap();
        assert!((100_000..=121_000).contains(&wait), "{date}: {wait}");
        assert_eq!(retry_after_ms("soon"), None);
    }
}
