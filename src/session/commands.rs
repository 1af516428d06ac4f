//! Commands: what buttons, menus, shortcuts and node widgets ask for. The app applies them
//! in one place, once per frame.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::exec::{QueueMove, RunId};
use crate::model::{NodeId, ParamValue};
use crate::plan::{RunMode, Scope};
use crate::store::ContinueHow;

pub use super::result_actions::SaveContent;

/// Something the user asked for.
#[derive(Clone, Debug, PartialEq)]
pub enum AppCommand {
    /// Change the flow (the canvas's edits, and any other).
    Edit(super::edit::DocEdit),
    /// Make these nodes the selection.
    Select(Vec<NodeId>),
    /// Show or hide a node's whole result on the canvas.
    ToggleExpanded(NodeId),
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
        /// Steps at once for this run (`None`: the flow's `max_parallel` setting).
        parallel: Option<u32>,
        /// Stop at the first failure (`None`: the flow's `fail_fast` setting).
        fail_fast: Option<bool>,
        /// The run's time limit (`None`: the flow's `timeout_ms` setting, else none).
        timeout: Option<std::time::Duration>,
        /// Which steps stop for a decision.
        checkpoints: crate::model::CheckpointMode,
    },
    /// Cancel a run gracefully: a queued one never starts; the running one starts no new
    /// step, lets its running steps finish, and cancels the rest.
    CancelRun(RunId),
    /// Open the page of a recorded run (its record id).
    OpenRunPage(String),
    /// Open the flow a subflow or loop node runs, in place of this one (a breadcrumb
    /// leads back; so does Esc).
    OpenSubflow(NodeId),
    /// Go back out to the flow at this depth of the breadcrumb (0: the outermost).
    LeaveSubflow(usize),
    /// Write the selected nodes to a new `.flow` file and put a subflow node running it in
    /// their place, wired the same (one undo step).
    GroupIntoSubflow,
    /// Put the nodes of the flow a subflow node runs in its place (one undo step).
    InlineSubflow(NodeId),
    /// Cancel a recorded run that waits (paused at a checkpoint, or blocked).
    CancelWaiting(String),
    /// A decision at the checkpoint a run waits at (see `Session::awaiting`).
    Decide {
        /// Approve, reject or skip.
        verdict: crate::model::Verdict,
        /// What the person wrote with it.
        comment: String,
    },
    /// Pause (true) or resume (false) the running run: while paused no new step starts.
    PauseRun(RunId, bool),
    /// Move a queued run.
    QueueMove(RunId, QueueMove),
    /// Pause (true) or resume (false) the queue.
    QueuePause(bool),
    /// Clear finished runs from the queue.
    QueueClearFinished,
    /// Show just the form, Run, progress and outputs (or the canvas again).
    ToggleAppMode,
    /// Stop the active run now, killing its running steps.
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
    /// Show or hide the minimap.
    ToggleMinimap,
    /// Frame the selected nodes in a new group.
    GroupSelection,
    /// Show the find bar (find nodes by title, id, kind or content).
    Find,
    /// Open the add-node menu under the pointer (or in the middle of the canvas).
    AddNodeMenu,
    /// Select a node and centre the canvas on it.
    Focus(NodeId),
    /// Close the window (asks first about unsaved changes).
    Quit,
    /// Make entry `index` of a node's result history its active result.
    SetActiveResult {
        /// The node.
        node: NodeId,
        /// The entry, from 0 (oldest).
        index: usize,
    },
    /// Open a node's results window (history and Compare).
    ShowResults(NodeId),
    /// Open the node data panel on a node (its inputs and outputs, whole).
    ShowNodeData(NodeId),
    /// Open the node data panel on the selected node, or close it.
    ToggleNodeData,
    /// Show an image full size in the image viewer.
    ShowImage {
        /// What it is (the node's title).
        title: String,
        /// The image.
        image: crate::model::ImageData,
    },
    /// Open the drawer on a tab, or close it if it shows that tab already.
    ToggleDrawer(DrawerTab),
    /// Resume or retry a recorded run that did not complete.
    ContinueRun {
        /// The run's id.
        run: String,
        /// Resume or retry.
        how: ContinueHow,
    },
    /// Put text on the clipboard.
    CopyText(String),
    /// Ask where, then save a result there.
    SaveResult {
        /// The file name to suggest.
        name: String,
        /// What to write.
        content: SaveContent,
    },
    /// Show a file's folder in the system's file manager.
    OpenFolder(PathBuf),
    /// Run these batch items of a node again (its failed ones, say).
    RetryItems {
        /// The node.
        node: NodeId,
        /// The items, from 0.
        items: Vec<usize>,
    },
    /// Pick files and add them to a batch node's items.
    AddFiles(NodeId),
    /// Show a run's timeline in the Flow Monitor: a recorded run (its id), or with `None`
    /// this window's run (else the latest recorded one).
    ShowTimeline(Option<String>),
    /// Write a run's timeline as Chrome trace JSON (`run` as for `ShowTimeline`).
    ExportTrace {
        /// The recorded run (its id); `None`: the run the Timeline shows by default.
        run: Option<String>,
        /// The file to write; `None` asks where.
        to: Option<PathBuf>,
    },
    /// Hide the "run interrupted" banner for this run.
    DismissInterrupted(String),
    /// Trust the open flow's folder (and every folder below it): lift the restriction.
    TrustFolder,
}

/// The tabs of the drawer on the right.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrawerTab {
    /// Everything the flow produced, newest first.
    Outputs,
    /// The recorded runs.
    Runs,
}
