//! Commands: what buttons, menus, shortcuts and node widgets ask for. The app applies them
//! in one place, once per frame.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exec::{QueueMove, RunId};
use crate::model::{NodeId, ParamValue};
use crate::plan::{RunMode, Scope};

/// Something the user asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum AppCommand {
    /// Run a scope of the flow at once, with the nodes' own values (Run node, Retry).
    Run(Scope),
    /// Open the run panel for a scope (Run, Run flow to here).
    OpenRunPanel(Scope),
    /// Queue a run from the run panel, with its input values.
    Queue {
        /// What to run.
        scope: Scope,
        /// All or Missing.
        mode: RunMode,
        /// Promoted input values by label.
        inputs: BTreeMap<String, ParamValue>,
    },
    /// Cancel a queued run.
    QueueCancel(RunId),
    /// Move a queued run.
    QueueMove(RunId, QueueMove),
    /// Pause (true) or resume (false) the queue.
    QueuePause(bool),
    /// Clear finished runs from the queue.
    QueueClearFinished,
    /// Show just the form, Run, progress and outputs (or the canvas again).
    ToggleAppMode,
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
