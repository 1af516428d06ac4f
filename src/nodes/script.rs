//! `script`: a Rhai script that gets the node's inputs as variables and returns its output.

use std::time::{Duration, Instant};

use rhai::{Dynamic, Engine, EvalAltResult, Position, Scope};

use super::context::{Progress, Stream};
use super::prelude::*;

/// The longest string a script may build, in bytes.
pub const MAX_STRING_BYTES: usize = 32 * 1024 * 1024;
/// The most items an array may hold, counting the items of arrays inside it; a BLOB may
/// hold as many bytes (Rhai counts both with one limit).
pub const MAX_ARRAY_ITEMS: usize = 8 * 1024 * 1024;
/// The most entries an object map may hold, counting the maps inside it.
pub const MAX_MAP_ENTRIES: usize = 1024 * 1024;
/// How deeply script functions may call each other (recursion included).
pub const MAX_CALL_DEPTH: usize = 64;
/// How deeply expressions may nest, at the top level and inside functions.
pub const MAX_EXPR_DEPTH: (usize, usize) = (64, 32);
/// The stack of the thread a script runs on. Rhai walks nested values recursively (to
/// check their size, to drop them), so a script nesting arrays in a loop needs depth;
/// the space is reserved, not used, until the script needs it.
const SCRIPT_STACK_BYTES: usize = 256 * 1024 * 1024;

/// Runs a Rhai script. Each name in `vars` is an input and a variable of the script; the
/// script's last value is the `result` output (text, number, bool; arrays and object maps
/// become JSON). `print` lines stream to the monitor. An operation limit and a timeout stop
/// runaway scripts, Stop ends one at once, and size limits on strings, arrays, BLOBs and
/// maps (the constants above) make a script that would eat all memory fail instead.
#[derive(Clone)]
pub struct ScriptKind {
    info: KindInfo,
}

impl ScriptKind {
    /// The kind with its description.
    pub fn new() -> Self {
        let info = KindInfo::step(
            "script",
            "Script (Rhai)",
            groups::CODE,
            "A Rhai script: inputs are variables, its last value is the output. Errors show line and column.",
            Placement::Worker,
            Effects::Pure,
        )
        .with_param(
            "script",
            ParamType::LongText,
            "",
            "The Rhai script; the value of its last expression is the result.",
        )
        .with_param(
            "vars",
            ParamType::TextList,
            ParamValue::List(Vec::new()),
            "Input names; each is a variable of the script.",
        )
        .with_param(
            "max_operations",
            ParamType::Integer {
                min: Some(1),
                max: Some(i64::MAX),
            },
            100_000_000.0,
            "The most operations the script may take before it is stopped.",
        )
        .with_param(
            "timeout_s",
            ParamType::Number {
                min: Some(0.01),
                max: Some(86_400.0),
            },
            10.0,
            "Seconds the script may run before it is stopped.",
        );
        Self { info }
    }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Why the progress callback stopped a script.
const STOPPED: &str = "stopped";
const TIMED_OUT: &str = "timed out";
const TOO_MUCH_MEMORY: &str = "too much memory";

/// How much the process may grow while a script runs before the script is stopped. The size
/// limits above bound each value; this bounds many values together (a map of large strings).
const MAX_SCRIPT_GROWTH_BYTES: u64 = 1 << 30;

/// The process's resident memory, where the system tells it (Linux).
fn resident_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

impl NodeKind for ScriptKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        named_inputs(params, "vars", DataType::Any)
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("result", DataType::Any)]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let mut problems: Vec<String> = params
            .text_list("vars")
            .into_iter()
            .filter(|name| !is_identifier(name))
            .map(|name| {
                format!("`{name}` cannot be a script variable: use letters, digits and `_`, not starting with a digit")
            })
            .collect();
        let mut engine = Engine::new_raw();
        limit(&mut engine);
        if let Err(err) = engine.compile(params.text("script")) {
            problems.push(format!("script: {}", parse_message(&err)));
        }
        problems
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        // On a thread of its own, with room for Rhai's recursive walks over nested values
        // (to check their size, to convert the result, to drop them at the end).
        std::thread::scope(|threads| {
            std::thread::Builder::new()
                .name("flowcanvas-script".to_owned())
                .stack_size(SCRIPT_STACK_BYTES)
                .spawn_scoped(threads, || super::node_work::as_node_work(|| evaluate(ctx)))
                .map_err(|err| {
                    NodeError::failed(format!("could not start the script's thread: {err}"))
                })?
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    }
}

/// Sets the size and depth limits (the constants above) on a Rhai engine.
pub(super) fn limit(engine: &mut Engine) {
    engine
        .set_max_string_size(MAX_STRING_BYTES)
        .set_max_array_size(MAX_ARRAY_ITEMS)
        .set_max_map_size(MAX_MAP_ENTRIES)
        .set_max_call_levels(MAX_CALL_DEPTH)
        .set_max_expr_depths(MAX_EXPR_DEPTH.0, MAX_EXPR_DEPTH.1);
}

/// Compiles and runs the node's script with its inputs; its result as the node's outputs.
fn evaluate(ctx: &NodeContext) -> Result<Outputs, NodeError> {
    let params = ctx.params();
    let mut engine = Engine::new();
    let max_operations = params.integer("max_operations").max(1) as u64;
    engine.set_max_operations(max_operations);
    limit(&mut engine);
    let deadline = Instant::now() + Duration::from_secs_f64(params.number("timeout_s").max(0.01));
    let cancel = ctx.cancel().clone();
    let resident_at_start = resident_bytes();
    engine.on_progress(move |count| {
        if count % 1024 != 0 {
            return None;
        }
        let grown = || Some(resident_bytes()?.saturating_sub(resident_at_start?));
        if cancel.is_cancelled() {
            Some(Dynamic::from(STOPPED))
        } else if Instant::now() > deadline {
            Some(Dynamic::from(TIMED_OUT))
        } else if grown().is_some_and(|bytes| bytes > MAX_SCRIPT_GROWTH_BYTES) {
            Some(Dynamic::from(TOO_MUCH_MEMORY))
        } else {
            None
        }
    });
    if let Some(sink) = ctx.progress_sink() {
        engine.on_print(move |line| {
            sink(Progress::Output {
                stream: Stream::Stdout,
                text: format!("{line}\n"),
            });
        });
    }
    let ast = engine
        .compile(params.text("script"))
        .map_err(|err| NodeError::failed(format!("script: {}", parse_message(&err))))?;
    let mut scope = Scope::new();
    for name in params.text_list("vars") {
        let value = ctx
            .input(name)
            .ok_or_else(|| NodeError::failed(format!("input `{name}` has no value")))?;
        scope.push_dynamic(name.to_owned(), to_dynamic(value)?);
    }
    let result = engine
        .eval_ast_with_scope::<Dynamic>(&mut scope, &ast)
        .map_err(|err| run_error(*err, max_operations, params.number("timeout_s")))?;
    Ok(Outputs::new().with("result", from_dynamic(result)?))
}

/// A value as a script variable.
pub(super) fn to_dynamic(value: &Value) -> Result<Dynamic, NodeError> {
    Ok(match value {
        Value::Text(text) => Dynamic::from(text.clone()),
        Value::Number(n) if n.fract() == 0.0 && n.abs() < 9.0e15 => Dynamic::from(*n as i64),
        Value::Number(n) => Dynamic::from(*n),
        Value::Bool(b) => Dynamic::from(*b),
        Value::Path(path) => Dynamic::from(path.display().to_string()),
        Value::Bytes(bytes) => Dynamic::from_blob(bytes.to_vec()),
        Value::Json(json) => rhai::serde::to_dynamic(json).map_err(|err| {
            NodeError::failed(format!("could not pass JSON to the script: {err}"))
        })?,
        Value::List(items) => {
            let array: Result<rhai::Array, NodeError> = items.iter().map(to_dynamic).collect();
            Dynamic::from_array(array?)
        }
        Value::Batch(items) => {
            let array: Result<rhai::Array, NodeError> = items
                .iter()
                .map(|item| item.value().map_or(Ok(Dynamic::UNIT), to_dynamic))
                .collect();
            Dynamic::from_array(array?)
        }
        Value::Image(image) => {
            let mut map = rhai::Map::new();
            map.insert("width".into(), Dynamic::from(i64::from(image.width())));
            map.insert("height".into(), Dynamic::from(i64::from(image.height())));
            Dynamic::from_map(map)
        }
    })
}

/// The script's result as a value.
fn from_dynamic(result: Dynamic) -> Result<Value, NodeError> {
    if result.is_unit() {
        return Err(NodeError::failed(
            "the script gave no value: end it with the expression to output",
        ));
    }
    if result.is_string() || result.is_char() {
        return Ok(Value::Text(result.to_string()));
    }
    if let Ok(n) = result.as_int() {
        return Ok(Value::Number(n as f64));
    }
    if let Ok(n) = result.as_float() {
        return Ok(Value::Number(n));
    }
    if let Ok(b) = result.as_bool() {
        return Ok(Value::Bool(b));
    }
    if result.is_blob() {
        let bytes = result.into_blob().unwrap_or_default();
        return Ok(Value::Bytes(std::sync::Arc::new(bytes)));
    }
    rhai::serde::from_dynamic::<serde_json::Value>(&result)
        .map(Value::Json)
        .map_err(|err| NodeError::failed(format!("the script's result cannot be output: {err}")))
}

fn at(position: Position) -> String {
    match (position.line(), position.position()) {
        (Some(line), Some(column)) => format!("line {line}, column {column}: "),
        (Some(line), None) => format!("line {line}: "),
        _ => String::new(),
    }
}

/// A size in bytes as `N MiB`.
fn mib(bytes: usize) -> String {
    format!("{} MiB", bytes / (1024 * 1024))
}

fn parse_message(err: &rhai::ParseError) -> String {
    match *err.0 {
        rhai::ParseErrorType::ExprTooDeep => format!(
            "{}expressions nest too deeply (the limit is {} levels, {} inside a function)",
            at(err.1),
            MAX_EXPR_DEPTH.0,
            MAX_EXPR_DEPTH.1
        ),
        ref other => format!("{}{other}", at(err.1)),
    }
}

fn run_error(mut err: EvalAltResult, max_operations: u64, timeout_s: f64) -> NodeError {
    match &err {
        EvalAltResult::ErrorTerminated(token, _) if token.to_string() == STOPPED => {
            NodeError::Cancelled
        }
        EvalAltResult::ErrorTerminated(token, pos) if token.to_string() == TIMED_OUT => {
            NodeError::failed(format!(
                "script: {}stopped after {timeout_s} s (the timeout; raise `timeout_s` if it needs longer)",
                at(*pos)
            ))
        }
        EvalAltResult::ErrorTerminated(token, pos) if token.to_string() == TOO_MUCH_MEMORY => {
            NodeError::failed(format!(
                "script: {}stopped: the process grew by more than {} while it ran (a script may use at most that much memory)",
                at(*pos),
                mib(MAX_SCRIPT_GROWTH_BYTES as usize)
            ))
        }
        EvalAltResult::ErrorTooManyOperations(pos) => NodeError::failed(format!(
            "script: {}stopped after {max_operations} operations (raise `max_operations` if it needs more)",
            at(*pos)
        )),
        EvalAltResult::ErrorDataTooLarge(what, pos) => {
            let limit = match what.as_str() {
                "Length of string" => format!("a string may hold {}", mib(MAX_STRING_BYTES)),
                "Size of object map" => {
                    format!("an object map may hold {MAX_MAP_ENTRIES} entries")
                }
                _ => format!(
                    "an array may hold {MAX_ARRAY_ITEMS} items, a BLOB {}",
                    mib(MAX_ARRAY_ITEMS)
                ),
            };
            NodeError::failed(format!(
                "script: {}stopped: {} exceeds the size limit ({limit})",
                at(*pos),
                what.to_lowercase()
            ))
        }
        EvalAltResult::ErrorStackOverflow(pos) => NodeError::failed(format!(
            "script: {}stopped: functions called each other more than {MAX_CALL_DEPTH} deep (the call depth limit)",
            at(*pos)
        )),
        _ => {
            let position = err.take_position();
            NodeError::failed(format!("script: {}{err}", at(position)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::testing::{run_kind, run_kind_in};
    use crate::nodes::CancelToken;

    fn script(source: &str, inputs: &[(&str, Value)]) -> Result<Outputs, NodeError> {
        let vars: Vec<ParamValue> = inputs.iter().map(|(n, _)| ParamValue::from(*n)).collect();
        run_kind(
            &ScriptKind::new(),
            &[
                ("script", ParamValue::from(source)),
                ("vars", ParamValue::List(vars)),
                ("timeout_s", ParamValue::Number(2.0)),
            ],
            inputs,
        )
    }

    #[test]
    fn inputs_are_variables_and_the_last_value_is_the_result() {
        let out = script(
            "let words = text.split(\" \");\nwords.len() * factor",
            &[
                ("text", Value::Text("a b c".into())),
                ("factor", Value::Number(2.0)),
            ],
        )
        .unwrap();
        assert_eq!(out.get("result"), Some(&Value::Number(6.0)));
        let out = script(
            "#{ name: data.name, n: data.items.len() }",
            &[(
                "data",
                Value::Json(serde_json::json!({"name": "x", "items": [1, 2]})),
            )],
        )
        .unwrap();
        assert_eq!(
            out.get("result"),
            Some(&Value::Json(serde_json::json!({"name": "x", "n": 2})))
        );
    }

    #[test]
    fn errors_say_line_and_column() {
        let err = script("let a = 1;\nlet b = a +;\nb", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2, column"), "{err}");
        let err = script("let a = 1;\nundefined_fn(a)", &[])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("line 2, column 1") && err.contains("undefined_fn"),
            "{err}"
        );
        let err = script("let a = 1;", &[]).unwrap_err().to_string();
        assert!(err.contains("no value"), "{err}");
    }

    #[test]
    fn runaway_scripts_are_stopped() {
        let err = run_kind(
            &ScriptKind::new(),
            &[
                ("script", ParamValue::from("loop { }")),
                ("max_operations", ParamValue::Number(10_000.0)),
            ],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("10000 operations"), "{err}");
        let err = run_kind(
            &ScriptKind::new(),
            &[
                ("script", ParamValue::from("loop { }")),
                ("timeout_s", ParamValue::Number(0.2)),
            ],
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("stopped after 0.2 s"), "{err}");
        let cancel = CancelToken::new();
        cancel.cancel();
        let (outcome, _) = run_kind_in(
            &ScriptKind::new(),
            &[("script", ParamValue::from("loop { }"))],
            &[],
            std::path::Path::new("."),
            cancel,
        );
        assert_eq!(outcome.unwrap_err(), NodeError::Cancelled);
    }

    #[test]
    fn print_streams_to_the_monitor() {
        let (outcome, progress) = run_kind_in(
            &ScriptKind::new(),
            &[("script", ParamValue::from("print(\"hi\"); 1"))],
            &[],
            std::path::Path::new("."),
            CancelToken::new(),
        );
        assert!(outcome.is_ok());
        assert_eq!(
            progress,
            [Progress::Output {
                stream: Stream::Stdout,
                text: "hi\n".into()
            }]
        );
    }
}
