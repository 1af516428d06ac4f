//! `flowcanvas kinds`: every node kind with its ports and parameters (as in docs/nodes.md).

use super::{KindsArgs, EXIT_OK};
use crate::model::Node;
use crate::nodes::{Params, Registry, Role};

/// Prints the node kinds; returns the exit code.
pub fn kinds(args: &KindsArgs) -> i32 {
    let registry = Registry::builtin();
    let mut listed = Vec::new();
    for kind in registry.kinds() {
        let info = kind.info();
        let node = Node::new("n", info.id);
        let params = Params::new(&node, info);
        let ports = |specs: Vec<crate::nodes::PortSpec>| -> Vec<serde_json::Value> {
            specs
                .into_iter()
                .map(|p| {
                    serde_json::json!({
                        "name": p.name,
                        "type": p.ty.name(),
                        "required": p.required,
                    })
                })
                .collect()
        };
        let role = match info.role {
            Role::Step(_) => "step",
            Role::Viewer => "viewer",
            Role::Switch => "switch",
            Role::Static => "static",
        };
        listed.push(serde_json::json!({
            "id": info.id,
            "name": info.name,
            "category": info.category,
            "description": info.description,
            "role": role,
            "inputs": ports(kind.inputs(&params)),
            "outputs": ports(kind.all_outputs(&params)),
            "params": info.params.iter().map(|p| serde_json::json!({
                "name": p.name,
                "type": p.ty.describe(),
                "default": p.default.to_json(),
                "doc": p.doc,
            })).collect::<Vec<_>>(),
            "batch_concurrency": kind.batch_concurrency(),
        }));
    }
    if args.json {
        for kind in &listed {
            println!("{kind}");
        }
        return EXIT_OK;
    }
    for kind in &listed {
        println!(
            "{} ({}, {}): {}",
            kind["id"].as_str().unwrap_or_default(),
            kind["name"].as_str().unwrap_or_default(),
            kind["category"].as_str().unwrap_or_default(),
            kind["description"].as_str().unwrap_or_default()
        );
        let port_list = |key: &str| {
            kind[key]
                .as_array()
                .map(|ports| {
                    ports
                        .iter()
                        .map(|p| {
                            let optional = if p["required"] == serde_json::json!(false) {
                                "?"
                            } else {
                                ""
                            };
                            format!(
                                "{}{optional}: {}",
                                p["name"].as_str().unwrap_or_default(),
                                p["type"].as_str().unwrap_or_default()
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        };
        println!("    in:  {}", port_list("inputs"));
        println!("    out: {}", port_list("outputs"));
        if let Some(params) = kind["params"].as_array() {
            for p in params {
                let default = match p["default"].as_f64() {
                    Some(n) => crate::model::format_number(n),
                    None => p["default"].to_string(),
                };
                println!(
                    "    {} ({}, default {default}): {}",
                    p["name"].as_str().unwrap_or_default(),
                    p["type"].as_str().unwrap_or_default(),
                    p["doc"].as_str().unwrap_or_default()
                );
            }
        }
    }
    EXIT_OK
}
