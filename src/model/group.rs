//! Groups: frames drawn around nodes on the canvas, each with a title and a colour. They are
//! part of the layout: they change how a flow looks, never what it does.

use serde::{Deserialize, Serialize};

use super::NodeId;

/// A frame around some nodes. Moving the frame moves its nodes; it is as large as they need.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    /// What the frame says at its top ("Fetch the page").
    pub title: String,
    /// Its colour.
    #[serde(default)]
    pub color: GroupColor,
    /// The nodes inside it, by id (a node is in at most one group).
    pub nodes: Vec<NodeId>,
}

/// The colours a group can have (the app's palette turns each into a fill and an edge).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupColor {
    /// The default.
    #[default]
    Blue,
    /// Green.
    Green,
    /// Yellow.
    Yellow,
    /// Orange.
    Orange,
    /// Red.
    Red,
    /// Purple.
    Purple,
    /// Grey.
    Grey,
}

impl GroupColor {
    /// Every colour, in the order the app offers them.
    pub const ALL: [GroupColor; 7] = [
        GroupColor::Blue,
        GroupColor::Green,
        GroupColor::Yellow,
        GroupColor::Orange,
        GroupColor::Red,
        GroupColor::Purple,
        GroupColor::Grey,
    ];

    /// The colour's name as the file writes it ("Blue").
    pub fn name(self) -> &'static str {
        match self {
            GroupColor::Blue => "Blue",
            GroupColor::Green => "Green",
            GroupColor::Yellow => "Yellow",
            GroupColor::Orange => "Orange",
            GroupColor::Red => "Red",
            GroupColor::Purple => "Purple",
            GroupColor::Grey => "Grey",
        }
    }

    /// The colour written `name`, if it is one.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_colour_reads_back_from_its_name() {
        for color in GroupColor::ALL {
            assert_eq!(GroupColor::from_name(color.name()), Some(color));
        }
        assert_eq!(GroupColor::from_name("Mauve"), None);
    }
}
