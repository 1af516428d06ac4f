//! A fast reader for `.flow` text in the plain forms `flowcanvas fmt`, the app and simple
//! generators write. It reads only what it is sure RON reads to the same [`Flow`]; on
//! anything else (a comment, an escape, an unknown or repeated field, a syntax error, ...)
//! it gives up and the caller parses with RON, so every error still comes from RON's
//! located path. RON's generic parser was the longest part of loading a large flow.

use std::collections::BTreeMap;

use super::scan::{Number, Scan};
use crate::model::{
    Edge, Flow, Group, GroupColor, Layout, Node, NodeId, ParamValue, Promotion, Retry, RetryOn,
    Settings,
};

/// How deeply parameter values may nest before this reader leaves the text to RON (well
/// under RON's own limit, so RON reports a too-deep value).
const MAX_VALUE_DEPTH: usize = 32;

/// Reads `text` (without a byte-order mark) as a flow, or `None` when it is not in a form
/// this reader knows; RON then decides.
pub(super) fn read(text: &str) -> Option<Flow> {
    let mut scan = Scan::new(text);
    let flow = flow(&mut scan)?;
    scan.at_end().then_some(flow)
}

/// Reads `Name(field: value, ...)`, calling `field` for each field by name; a field named
/// twice is refused (as serde does).
fn fields<'a>(
    scan: &mut Scan<'a>,
    name: &str,
    mut field: impl FnMut(&mut Scan<'a>, &'a str) -> Option<()>,
) -> Option<()> {
    if scan.word()? != name {
        return None;
    }
    scan.expect_adjacent(b'(')?;
    let mut seen: Vec<&str> = Vec::new();
    loop {
        if scan.eat(b')') {
            return Some(());
        }
        let key = scan.word()?;
        if seen.contains(&key) {
            return None;
        }
        seen.push(key);
        scan.expect(b':')?;
        field(scan, key)?;
        if !scan.eat(b',') {
            return scan.expect(b')');
        }
    }
}

/// Reads `[item, ...]` (a trailing comma allowed).
fn list<'a, T>(
    scan: &mut Scan<'a>,
    mut item: impl FnMut(&mut Scan<'a>) -> Option<T>,
) -> Option<Vec<T>> {
    scan.expect(b'[')?;
    let mut items = Vec::new();
    loop {
        if scan.eat(b']') {
            return Some(items);
        }
        items.push(item(scan)?);
        if !scan.eat(b',') {
            scan.expect(b']')?;
            return Some(items);
        }
    }
}

/// Reads `{"key": value, ...}` (a trailing comma allowed; a repeated key keeps the last
/// value, as serde's maps do).
fn map<'a, K: Ord, V>(
    scan: &mut Scan<'a>,
    mut key: impl FnMut(&str) -> K,
    mut value: impl FnMut(&mut Scan<'a>) -> Option<V>,
) -> Option<BTreeMap<K, V>> {
    scan.expect(b'{')?;
    let mut entries = BTreeMap::new();
    loop {
        if scan.eat(b'}') {
            return Some(entries);
        }
        let name = key(&scan.string()?);
        scan.expect(b':')?;
        entries.insert(name, value(scan)?);
        if !scan.eat(b',') {
            scan.expect(b'}')?;
            return Some(entries);
        }
    }
}

fn flow(scan: &mut Scan<'_>) -> Option<Flow> {
    let (mut version, mut flow) = (None, Flow::default());
    fields(scan, "Flow", |scan, key| {
        match key {
            "version" => version = Some(unsigned(scan)?),
            "nodes" => flow.nodes = list(scan, node)?,
            "edges" => flow.edges = list(scan, edge)?,
            "layout" => flow.layout = layout(scan)?,
            "settings" => flow.settings = settings(scan)?,
            _ => return None,
        }
        Some(())
    })?;
    flow.version = version?;
    Some(flow)
}

fn node(scan: &mut Scan<'_>) -> Option<Node> {
    let (mut id, mut kind) = (None, None);
    let mut node = Node::new("", "");
    fields(scan, "Node", |scan, key| {
        match key {
            "id" => id = Some(NodeId::new(scan.string()?)),
            "kind" => kind = Some(scan.string()?.into_owned()),
            "title" => node.title = scan.string()?.into_owned(),
            "params" => node.params = params(scan)?,
            "values" => node.values = params(scan)?,
            "bypassed" => node.bypassed = boolean(scan)?,
            "output" => node.output = boolean(scan)?,
            "promote" => node.promote = option(scan, promotion)?,
            "concurrency" => node.concurrency = option(scan, unsigned)?,
            "retry" => node.retry = option(scan, retry)?,
            "timeout_ms" => node.timeout_ms = option(scan, unsigned64)?,
            "checkpoint" => node.checkpoint = option(scan, |s| Some(s.string()?.into_owned()))?,
            _ => return None,
        }
        Some(())
    })?;
    node.id = id?;
    node.kind = kind?;
    Some(node)
}

fn promotion(scan: &mut Scan<'_>) -> Option<Promotion> {
    let mut label = None;
    let mut promotion = Promotion::new("");
    fields(scan, "Promotion", |scan, key| {
        match key {
            "label" => label = Some(scan.string()?.into_owned()),
            "order" => promotion.order = signed(scan)?,
            "min" => promotion.min = option(scan, float64)?,
            "max" => promotion.max = option(scan, float64)?,
            _ => return None,
        }
        Some(())
    })?;
    promotion.label = label?;
    Some(promotion)
}

fn layout(scan: &mut Scan<'_>) -> Option<Layout> {
    let mut layout = Layout::default();
    fields(scan, "Layout", |scan, key| {
        match key {
            "pan" => layout.pan = pair(scan)?,
            "zoom" => layout.zoom = float32(scan)?,
            "positions" => layout.positions = map(scan, |id| NodeId::new(id), pair)?,
            "groups" => layout.groups = list(scan, group)?,
            "sizes" => layout.sizes = map(scan, |id| NodeId::new(id), pair)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(layout)
}

fn settings(scan: &mut Scan<'_>) -> Option<Settings> {
    let mut settings = Settings::default();
    fields(scan, "Settings", |scan, key| {
        match key {
            "max_parallel" => settings.max_parallel = option(scan, unsigned)?,
            "kind_limits" => settings.kind_limits = map(scan, str::to_owned, unsigned)?,
            "fail_fast" => settings.fail_fast = boolean(scan)?,
            "retry" => settings.retry = map(scan, str::to_owned, retry)?,
            "timeout_ms" => settings.timeout_ms = option(scan, unsigned64)?,
            "queue_timeout_ms" => settings.queue_timeout_ms = map(scan, str::to_owned, unsigned64)?,
            _ => return None,
        }
        Some(())
    })?;
    Some(settings)
}

fn retry(scan: &mut Scan<'_>) -> Option<Retry> {
    let mut attempts = None;
    let mut retry = Retry::new(1);
    fields(scan, "Retry", |scan, key| {
        match key {
            "attempts" => attempts = Some(unsigned(scan)?),
            "delay_ms" => retry.delay_ms = unsigned64(scan)?,
            "factor" => retry.factor = float64(scan)?,
            "max_delay_ms" => retry.max_delay_ms = unsigned64(scan)?,
            "jitter" => retry.jitter = float64(scan)?,
            "on" => retry.on = list(scan, retry_on)?,
            _ => return None,
        }
        Some(())
    })?;
    retry.attempts = attempts?;
    Some(retry)
}

fn retry_on(scan: &mut Scan<'_>) -> Option<RetryOn> {
    match scan.word()? {
        "Timeout" => Some(RetryOn::Timeout),
        "Http5xx" => Some(RetryOn::Http5xx),
        "Http429" => Some(RetryOn::Http429),
        "Exit" => {
            scan.expect_adjacent(b'(')?;
            let code = signed(scan)?;
            scan.expect(b')')?;
            Some(RetryOn::Exit(code))
        }
        _ => None,
    }
}

fn group(scan: &mut Scan<'_>) -> Option<Group> {
    let (mut title, mut nodes) = (None, None);
    let mut color = GroupColor::default();
    fields(scan, "Group", |scan, key| {
        match key {
            "title" => title = Some(scan.string()?.into_owned()),
            "color" => color = GroupColor::from_name(scan.word()?)?,
            "nodes" => nodes = Some(list(scan, |scan| Some(NodeId::new(scan.string()?)))?),
            _ => return None,
        }
        Some(())
    })?;
    Some(Group {
        title: title?,
        color,
        nodes: nodes?,
    })
}

fn edge(scan: &mut Scan<'_>) -> Option<Edge> {
    Edge::parse(&scan.string()?)
}

/// `None` or `Some(value)`.
fn option<'a, T>(
    scan: &mut Scan<'a>,
    value: impl FnOnce(&mut Scan<'a>) -> Option<T>,
) -> Option<Option<T>> {
    match scan.word()? {
        "None" => Some(None),
        "Some" => {
            scan.expect_adjacent(b'(')?;
            let inner = value(scan)?;
            scan.expect(b')')?;
            Some(Some(inner))
        }
        _ => None,
    }
}

fn boolean(scan: &mut Scan<'_>) -> Option<bool> {
    match scan.word()? {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

fn unsigned(scan: &mut Scan<'_>) -> Option<u32> {
    let number = scan.number()?;
    (!number.fraction).then_some(())?;
    number.text.parse().ok()
}

fn unsigned64(scan: &mut Scan<'_>) -> Option<u64> {
    let number = scan.number()?;
    (!number.fraction).then_some(())?;
    number.text.parse().ok()
}

fn signed(scan: &mut Scan<'_>) -> Option<i32> {
    let number = scan.number()?;
    (!number.fraction).then_some(())?;
    number.text.parse().ok()
}

/// A float field: only a literal with a fractional part (RON's float reader then parses
/// the same text with the standard library).
fn float64(scan: &mut Scan<'_>) -> Option<f64> {
    let number = scan.number()?;
    number.fraction.then_some(())?;
    number.text.parse().ok()
}

fn float32(scan: &mut Scan<'_>) -> Option<f32> {
    let number = scan.number()?;
    number.fraction.then_some(())?;
    number.text.parse().ok()
}

/// `(x, y)`.
fn pair(scan: &mut Scan<'_>) -> Option<(f32, f32)> {
    scan.expect(b'(')?;
    let x = float32(scan)?;
    scan.expect(b',')?;
    let y = float32(scan)?;
    scan.expect(b')')?;
    Some((x, y))
}

fn params(scan: &mut Scan<'_>) -> Option<BTreeMap<String, ParamValue>> {
    map(scan, str::to_owned, |scan| value(scan, 0))
}

/// A parameter value, read as RON's self-describing reader does for [`ParamValue`].
fn value(scan: &mut Scan<'_>, depth: usize) -> Option<ParamValue> {
    if depth >= MAX_VALUE_DEPTH {
        return None;
    }
    match scan.peek()? {
        b'"' | b'r' => Some(ParamValue::Text(scan.string()?.into_owned())),
        b'[' => list(scan, |scan| value(scan, depth + 1)).map(ParamValue::List),
        b'{' => map(scan, str::to_owned, |scan| value(scan, depth + 1)).map(ParamValue::Map),
        b'-' | b'0'..=b'9' => number_value(scan.number()?),
        _ => boolean(scan).map(ParamValue::Bool),
    }
}

/// A number as RON gives it to [`ParamValue`]: an integer as an integer converted to
/// `f64`, anything with a fraction parsed as `f64`.
fn number_value(number: Number<'_>) -> Option<ParamValue> {
    if number.fraction {
        return number.text.parse().ok().map(ParamValue::Number);
    }
    // At most 18 digits always fits an i64 (RON picks the integer type; any of them
    // converts to the same f64).
    let digits = number.text.trim_start_matches('-').len();
    if digits > 18 {
        return None;
    }
    let integer: i64 = number.text.parse().ok()?;
    #[allow(clippy::cast_precision_loss)] // as RON's reader does: the nearest f64
    Some(ParamValue::Number(integer as f64))
}
