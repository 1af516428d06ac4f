//! `template`: text with `{name}` placeholders filled from named inputs.

use super::prelude::*;

/// Fills `{name}` placeholders from inputs named in its `vars` list.
///
/// `{{` and `}}` stand for literal braces. A placeholder that is not in `vars` is an error
/// (reported when the flow is loaded, and again if the node is run).
pub struct TemplateKind {
    info: KindInfo,
}

impl TemplateKind {
    /// The kind with its description.
    pub fn new() -> Self {
        Self {
            info: KindInfo {
                id: "template",
                name: "Template",
                category: groups::TEXT,
                description:
                    "Text with {name} placeholders filled from the inputs named in `vars`.",
                role: Role::Step(Placement::Inline),
                effects: Effects::Pure,
                params: vec![
                    ParamSpec {
                        name: "template",
                        ty: ParamType::LongText,
                        default: ParamValue::Text(String::new()),
                        doc: "The text, with {name} placeholders; {{ and }} are literal braces.",
                    },
                    ParamSpec {
                        name: "vars",
                        ty: ParamType::TextList,
                        default: ParamValue::List(Vec::new()),
                        doc: "The placeholder names; each becomes an input.",
                    },
                ],
                promote: None,
            },
        }
    }
}

/// A piece of a parsed template.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Literal(&'a str),
    Placeholder(&'a str),
}

/// Splits a template into literal text and placeholders.
fn parse(template: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let bytes = template.as_bytes();
    let mut literal_start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'{' if bytes.get(i + 1) == Some(&b'{') => {
                pieces.push(Piece::Literal(&template[literal_start..=i]));
                i += 2;
                literal_start = i;
            }
            b'}' if bytes.get(i + 1) == Some(&b'}') => {
                pieces.push(Piece::Literal(&template[literal_start..=i]));
                i += 2;
                literal_start = i;
            }
            b'{' => {
                let rest = &template[i + 1..];
                let end = rest.find('}').ok_or_else(|| {
                    format!(
                        "`{{` at character {} is never closed (write {{{{ for a literal brace)",
                        char_index(template, i)
                    )
                })?;
                let name = &rest[..end];
                if !is_var_name(name) {
                    return Err(format!(
                        "`{{{name}}}` at character {} is not a placeholder: names are letters, digits, `_` and `-` (write {{{{ for a literal brace)",
                        char_index(template, i)
                    ));
                }
                pieces.push(Piece::Literal(&template[literal_start..i]));
                pieces.push(Piece::Placeholder(name));
                i += end + 2;
                literal_start = i;
            }
            _ => i += 1,
        }
    }
    pieces.push(Piece::Literal(&template[literal_start..]));
    pieces.retain(|piece| *piece != Piece::Literal(""));
    Ok(pieces)
}

fn char_index(text: &str, byte_index: usize) -> usize {
    text[..byte_index].chars().count() + 1
}

fn is_var_name(name: &str) -> bool {
    crate::model::NodeId::is_valid(name)
}

impl NodeKind for TemplateKind {
    fn info(&self) -> &KindInfo {
        &self.info
    }

    fn inputs(&self, params: &Params<'_>) -> Vec<PortSpec> {
        named_inputs(params, "vars", DataType::Text)
    }

    fn outputs(&self, _params: &Params<'_>) -> Vec<PortSpec> {
        vec![PortSpec::new("text", DataType::Text)]
    }

    fn check(&self, params: &Params<'_>) -> Vec<String> {
        let vars = params.text_list("vars");
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::with_capacity(vars.len());
        for name in &vars {
            if !is_var_name(name) {
                problems.push(format!(
                    "`vars` entry `{name}` is not a valid name (letters, digits, `_`, `-`)"
                ));
            } else if !seen.insert(*name) {
                problems.push(format!("`vars` lists `{name}` twice"));
            }
        }
        match parse(params.text("template")) {
            Ok(pieces) => {
                for piece in pieces {
                    if let Piece::Placeholder(name) = piece {
                        if !vars.contains(&name) {
                            problems.push(format!(
                                "unknown placeholder `{{{name}}}`: add `{name}` to `vars` or remove it"
                            ));
                        }
                    }
                }
            }
            Err(message) => problems.push(format!("template: {message}")),
        }
        problems
    }

    fn run(&self, ctx: &NodeContext) -> Result<Outputs, NodeError> {
        let params = ctx.params();
        let pieces = parse(params.text("template")).map_err(NodeError::Failed)?;
        let mut text = String::new();
        for piece in pieces {
            match piece {
                Piece::Literal(literal) => text.push_str(literal),
                Piece::Placeholder(name) => match ctx.input(name) {
                    Some(value) => text.push_str(&value.to_text()),
                    None if params.text_list("vars").contains(&name) => {
                        return Err(NodeError::failed(format!("input `{name}` has no value")))
                    }
                    None => {
                        return Err(NodeError::failed(format!(
                            "unknown placeholder `{{{name}}}`: add `{name}` to `vars`"
                        )))
                    }
                },
            }
        }
        Ok(Outputs::new().with("text", Value::Text(text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_placeholders_and_escapes() {
        assert_eq!(
            parse("Hi {name}, {{x}} }").unwrap(),
            vec![
                Piece::Literal("Hi "),
                Piece::Placeholder("name"),
                Piece::Literal(", {"),
                Piece::Literal("x}"),
                Piece::Literal(" }"),
            ]
        );
    }

    #[test]
    fn unclosed_brace_is_an_error() {
        let err = parse("a {name").unwrap_err();
        assert!(err.contains("never closed"), "{err}");
    }

    #[test]
    fn non_name_in_braces_is_an_error() {
        let err = parse("json {\"a\": 1}").unwrap_err();
        assert!(err.contains("not a placeholder"), "{err}");
    }
}
