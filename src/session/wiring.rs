//! Wiring a node that does not exist yet: a wire dragged from a port and dropped on empty
//! canvas offers the kinds that could take it, and the new node is added already wired.
//! Which port of a new node fits is decided here, from the kinds' default ports, so the
//! menu's filter and the edit it makes agree (and are tested without a window).

use crate::model::{DataType, Node, PortRef};
use crate::nodes::{NodeKind, Params, PortSpec};

use super::edit::NewWire;

/// A port a wire is being dragged from, in document terms.
#[derive(Clone, Debug, PartialEq)]
pub struct DraggedPort {
    /// The port.
    pub port: PortRef,
    /// An output (the new node takes the wire in) or an input (the new node feeds it).
    pub is_output: bool,
    /// The data it carries.
    pub ty: DataType,
}

impl DraggedPort {
    /// The port of a new node of `kind` (with its default parameters) that this wire would
    /// join: one of the same type first, else the first the engine converts to or from.
    /// `None` when the kind has no such port.
    pub fn port_on(&self, kind: &dyn NodeKind) -> Option<String> {
        let node = Node::new("new", kind.info().id);
        let params = Params::new(&node, kind.info());
        let ports: Vec<PortSpec> = if self.is_output {
            kind.inputs(&params)
        } else {
            kind.all_outputs(&params)
        };
        let fits = |port: &PortSpec| {
            if self.is_output {
                self.ty.connects_to(port.ty)
            } else {
                port.ty.connects_to(self.ty)
            }
        };
        ports
            .iter()
            .find(|port| port.ty == self.ty)
            .or_else(|| ports.iter().find(|port| fits(port)))
            .map(|port| port.name.to_string())
    }

    /// The wire between this port and the new node's port `port`.
    pub fn wire_to(&self, port: String) -> NewWire {
        if self.is_output {
            NewWire::FromOutput {
                from: self.port.clone(),
                input: port,
            }
        } else {
            NewWire::IntoInput {
                output: port,
                to: self.port.clone(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nodes::Registry;

    fn port_on(registry: &Registry, kind: &str, dragged: &DraggedPort) -> Option<String> {
        dragged.port_on(registry.get(kind).unwrap().as_ref())
    }

    #[test]
    fn an_output_finds_an_input_of_its_type_or_one_it_converts_to() {
        let registry = Registry::builtin();
        let image = DraggedPort {
            port: PortRef::new("load", "image"),
            is_output: true,
            ty: DataType::Image,
        };
        assert_eq!(
            port_on(&registry, "image_blur", &image).as_deref(),
            Some("image")
        );
        assert_eq!(port_on(&registry, "json_parse", &image), None);
        assert_eq!(port_on(&registry, "text", &image), None, "no inputs at all");
        let number = DraggedPort {
            port: PortRef::new("n", "value"),
            is_output: true,
            ty: DataType::Number,
        };
        // A number converts to text: Parse JSON's text input takes it.
        assert!(port_on(&registry, "json_parse", &number).is_some());
    }

    #[test]
    fn an_input_finds_an_output_that_feeds_it() {
        let registry = Registry::builtin();
        let wants_image = DraggedPort {
            port: PortRef::new("blur", "image"),
            is_output: false,
            ty: DataType::Image,
        };
        assert_eq!(
            port_on(&registry, "image_load", &wants_image).as_deref(),
            Some("image")
        );
        assert_eq!(port_on(&registry, "number", &wants_image), None);
        let wire = wants_image.wire_to("image".into());
        assert_eq!(
            wire,
            NewWire::IntoInput {
                output: "image".into(),
                to: PortRef::new("blur", "image"),
            }
        );
    }
}
