//! Commands: what buttons, menus, shortcuts and node widgets ask for. The app applies them
//! in one place, once per frame.

use std::path::PathBuf;

use crate::model::NodeId;
use crate::plan::Scope;

/// Something the user asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum AppCommand {
    /// Run a scope of the flow (Run, Run flow to here, Run node, Retry).
    Run(Scope),
    /// Stop the active run.
    Stop,
    /// Start a new, empty flow (asks first if there are unsaved changes).
    New,
    /// Open a file; `None` shows the file dialog (asks first about unsaved changes).
    Open(Option<PathBuf>),
    /// Save to the current file (or ask where, for a new flow).
    Save,
    /// Save under a new name.
    SaveAs,
    /// Undo the last edit.
    Undo,
    /// Redo the last undone edit.
    Redo,
    /// Copy the selected nodes.
    Copy,
    /// Paste copied nodes.
    Paste,
    /// Duplicate the selected nodes.
    Duplicate,
    /// Delete the selected nodes.
    Delete,
    /// Fit every node in view.
    ZoomToFit,
    /// Select a node and centre the canvas on it.
    Focus(NodeId),
    /// Close the window (asks first about unsaved changes).
    Quit,
}
