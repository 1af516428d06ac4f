//! The add-node menu: a search box over every node kind, grouped under headings, each kind
//! with its one-line summary. Right-click on the canvas opens it; so does a wire dropped on
//! empty canvas, and then it lists only the kinds that can take that wire. It replaces the
//! editor crate's node finder (which the canvas takes away the moment it opens).
//!
//! The menu only chooses: the canvas turns a choice into the document edit.

use std::sync::Arc;

use eframe::egui::{self, Key, Modifiers, Pos2, Rect};

use crate::nodes::{groups, NodeKind, Registry};
use crate::session::edit::NewWire;
use crate::session::my_flows::MyFlow;
use crate::session::wiring::DraggedPort;

mod rows;

/// The menu's width, in screen points.
const MENU_WIDTH: f32 = 600.0;

/// The heading of the flows offered as subflows.
pub const MY_FLOWS: &str = "My flows";

/// One node kind as the menu lists it, or one of "My flows" (a subflow running it).
struct KindEntry {
    kind: Arc<dyn NodeKind>,
    /// Lower-case text the search looks in: name, id, group and description.
    haystack: String,
    /// For an entry of "My flows": the flow it runs.
    my_flow: Option<MyFlow>,
}

impl KindEntry {
    fn id(&self) -> &'static str {
        self.kind.info().id
    }

    fn group(&self) -> &'static str {
        match self.my_flow {
            Some(_) => MY_FLOWS,
            None => self.kind.info().category,
        }
    }

    /// The name the row shows.
    fn name(&self) -> &str {
        match &self.my_flow {
            Some(flow) => &flow.name,
            None => self.kind.info().name,
        }
    }

    /// The row's whole description (its tooltip).
    fn description(&self) -> String {
        match &self.my_flow {
            Some(flow) => format!(
                "Adds a subflow node running {}: its inputs and outputs are that flow's promoted inputs and marked outputs",
                flow.file
            ),
            None => self.kind.info().description.to_owned(),
        }
    }

    /// The row's summary.
    fn summary(&self) -> String {
        match &self.my_flow {
            Some(flow) => format!("A subflow running {}", flow.file),
            None => self.kind.info().summary().to_owned(),
        }
    }

    /// How well the entry matches a lower-case query (lower is better), or `None`.
    fn rank(&self, query: &str) -> Option<u8> {
        if query.is_empty() {
            return Some(0);
        }
        if !query
            .split_whitespace()
            .all(|word| self.haystack.contains(word))
        {
            return None;
        }
        let name = self.name().to_lowercase();
        Some(if name.starts_with(query) {
            0
        } else if name.contains(query) {
            1
        } else if self.id().contains(query) || self.group().to_lowercase().contains(query) {
            2
        } else {
            3
        })
    }
}

/// The menu while it is open.
struct OpenMenu {
    /// Where it was opened, on screen: the new node goes there.
    at_screen: Pos2,
    /// What is typed in the search box.
    query: String,
    /// The highlighted kind (an index into the entries), which Enter adds.
    highlight: Option<usize>,
    /// The wire dropped on the canvas, and per entry the port of a new node it would join.
    wire: Option<(DraggedPort, Vec<Option<String>>)>,
    /// What the wire comes from, for the menu's first line.
    wire_label: String,
    /// The search box still has to take the keyboard.
    focus_pending: bool,
    /// Opened this frame: the press that opened it is not an outside click.
    fresh: bool,
    /// The height of what is above the list (measured as drawn), in screen points.
    header_height: f32,
    /// Move the list so the highlighted row shows.
    scroll_to_highlight: bool,
}

/// A kind chosen in the menu.
#[derive(Clone, Debug, PartialEq)]
pub struct MenuChoice {
    /// The kind.
    pub kind: &'static str,
    /// Where the menu was opened, on screen.
    pub at_screen: Pos2,
    /// The wire to make with the new node, when the menu was opened by dropping one.
    pub wire: Option<NewWire>,
    /// For an entry of "My flows": the flow the new subflow node runs.
    pub my_flow: Option<MyFlow>,
}

/// The add-node menu's state: closed, or open with its query, highlight and wire. The
/// canvas owns the one instance.
pub struct AddNodeMenu {
    /// Every kind, in menu order: by group (as [`groups::ORDER`]), then as registered.
    entries: Vec<KindEntry>,
    open: Option<OpenMenu>,
    /// The menu's rectangle on screen when last drawn.
    pub rect: Option<Rect>,
}

impl AddNodeMenu {
    /// A closed menu listing the kinds of `registry`.
    pub fn new(registry: &Registry) -> Self {
        let group_index = |group: &str| {
            groups::ORDER
                .iter()
                .position(|g| *g == group)
                .unwrap_or(groups::ORDER.len())
        };
        let mut entries: Vec<KindEntry> = registry
            .kinds()
            .map(|kind| {
                let info = kind.info();
                let haystack = format!(
                    "{} {} {} {}",
                    info.name, info.id, info.category, info.description
                )
                .to_lowercase();
                KindEntry {
                    kind: kind.clone(),
                    haystack,
                    my_flow: None,
                }
            })
            .collect();
        // A stable sort keeps registration order within a group; unknown groups go last.
        entries.sort_by_key(|entry| group_index(entry.group()));
        Self {
            entries,
            open: None,
            rect: None,
        }
    }

    /// Opens the menu at `at_screen` with an empty search; with a dropped wire, only the
    /// kinds that can take it are listed. `wire_label` says what the wire comes from.
    pub fn open_at(&mut self, at_screen: Pos2, wire: Option<(DraggedPort, String)>) {
        let (wire, wire_label) = match wire {
            Some((dragged, label)) => {
                let ports = (self.entries.iter())
                    .map(|entry| dragged.port_on(entry.kind.as_ref()))
                    .collect();
                (Some((dragged, ports)), label)
            }
            None => (None, String::new()),
        };
        let mut menu = OpenMenu {
            at_screen,
            query: String::new(),
            highlight: None,
            wire,
            wire_label,
            focus_pending: true,
            fresh: true,
            header_height: rows::HEADER_HEIGHT_GUESS,
            scroll_to_highlight: true,
        };
        menu.highlight = self.best(&menu);
        self.open = Some(menu);
    }

    /// Lists `flows` under "My flows" (after the kinds), in place of those listed before;
    /// `subflow` is the subflow kind the entries add.
    pub fn set_my_flows(&mut self, subflow: Option<&Arc<dyn NodeKind>>, flows: Vec<MyFlow>) {
        self.entries.retain(|entry| entry.my_flow.is_none());
        let Some(subflow) = subflow else {
            return;
        };
        for flow in flows {
            let haystack = format!("{} {} {MY_FLOWS} subflow", flow.name, flow.file).to_lowercase();
            self.entries.push(KindEntry {
                kind: subflow.clone(),
                haystack,
                my_flow: Some(flow),
            });
        }
        // The wire a dropped wire would make is per entry: a subflow's ports are known
        // only once its flow is read, so these take none.
        if let Some(menu) = &mut self.open {
            if let Some((_, ports)) = &mut menu.wire {
                ports.resize(self.entries.len(), None);
            }
            menu.highlight = menu.highlight.filter(|&h| h < self.entries.len());
        }
    }

    /// The flows listed under "My flows", by name.
    pub fn my_flow_names(&self) -> Vec<&str> {
        (self.entries.iter())
            .filter_map(|entry| entry.my_flow.as_ref().map(|f| f.name.as_str()))
            .collect()
    }

    /// Closes the menu.
    pub fn close(&mut self) {
        self.open = None;
        self.rect = None;
    }

    /// Whether the menu is open.
    pub fn is_open(&self) -> bool {
        self.open.is_some()
    }

    /// What is typed in the search box, while open.
    pub fn query(&self) -> Option<&str> {
        self.open.as_ref().map(|menu| menu.query.as_str())
    }

    /// The wire dropped on the canvas that opened the menu, and where the menu was opened.
    pub fn pending_wire(&self) -> Option<(&DraggedPort, Pos2)> {
        let menu = self.open.as_ref()?;
        let (dragged, _) = menu.wire.as_ref()?;
        Some((dragged, menu.at_screen))
    }

    /// The highlighted kind's id, while open.
    pub fn highlighted(&self) -> Option<&'static str> {
        let menu = self.open.as_ref()?;
        Some(self.entries[menu.highlight?].id())
    }

    /// The search box's widget id (it has the keyboard while the menu is open).
    pub fn search_id() -> egui::Id {
        egui::Id::new("add_node_menu_search")
    }

    /// What the open menu lists: each heading with its kinds' ids, in order.
    pub fn listed(&self) -> Vec<(&'static str, Vec<&'static str>)> {
        let Some(menu) = &self.open else {
            return Vec::new();
        };
        let mut listed: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
        for index in self.visible(menu) {
            let entry = &self.entries[index];
            match listed.last_mut() {
                Some((group, ids)) if *group == entry.group() => ids.push(entry.id()),
                _ => listed.push((entry.group(), vec![entry.id()])),
            }
        }
        listed
    }

    /// The entries the open menu lists, in order.
    fn visible(&self, menu: &OpenMenu) -> Vec<usize> {
        let query = menu.query.trim().to_lowercase();
        (0..self.entries.len())
            .filter(|&index| {
                menu.wire
                    .as_ref()
                    .is_none_or(|(_, ports)| ports[index].is_some())
            })
            .filter(|&index| self.entries[index].rank(&query).is_some())
            .collect()
    }

    /// The best match for the query: the first listed among the best ranked.
    fn best(&self, menu: &OpenMenu) -> Option<usize> {
        let query = menu.query.trim().to_lowercase();
        self.visible(menu)
            .into_iter()
            .min_by_key(|&index| self.entries[index].rank(&query))
    }

    /// Draws the open menu inside `bounds` (the canvas), handles its keys, and returns the
    /// kind chosen, if any (the menu then closes). Esc or a press outside closes it.
    pub fn show(&mut self, ctx: &egui::Context, bounds: Rect) -> Option<MenuChoice> {
        let mut menu = self.open.take()?;
        let (up, down, enter, escape) = ctx.input_mut(|i| {
            (
                i.consume_key(Modifiers::NONE, Key::ArrowUp),
                i.consume_key(Modifiers::NONE, Key::ArrowDown),
                i.consume_key(Modifiers::NONE, Key::Enter),
                i.key_pressed(Key::Escape),
            )
        });
        if escape {
            self.close();
            // One more frame lets egui drop the search box's focus, so the next shortcut is
            // not taken for typing.
            ctx.request_repaint();
            return None;
        }
        if up || down {
            self.step_highlight(&mut menu, if down { 1 } else { -1 });
        }
        let placed = self.placement(ctx, &menu, bounds);
        let drawn = egui::Area::new(egui::Id::new("add_node_menu"))
            .order(egui::Order::Foreground)
            .fixed_pos(placed.min)
            .constrain_to(bounds)
            .show(ctx, |ui| {
                egui::Frame::popup(ui.style())
                    .show(ui, |ui| self.contents(ui, &mut menu, placed.size()))
                    .inner
            });
        let mut clicked = drawn.inner;
        if enter {
            clicked = clicked.or(menu.highlight);
        }
        let rect = drawn.response.rect;
        let pressed_outside = ctx.input(|i| {
            i.pointer.any_pressed() && i.pointer.interact_pos().is_some_and(|p| !rect.contains(p))
        });
        if let Some(index) = clicked {
            self.close();
            ctx.request_repaint();
            return Some(self.choice(&menu, index));
        }
        if pressed_outside && !menu.fresh {
            self.close();
            ctx.request_repaint();
            return None;
        }
        menu.fresh = false;
        self.rect = Some(rect);
        self.open = Some(menu);
        None
    }

    /// Where the menu goes: at the point it was opened, moved left and up as far as it takes
    /// to keep it inside `bounds`, and no taller than `bounds` (the list then scrolls).
    fn placement(&self, ctx: &egui::Context, menu: &OpenMenu, bounds: Rect) -> Rect {
        let style = ctx.style();
        let chrome = style.spacing.menu_margin.sum() + egui::Vec2::splat(2.0);
        let width = MENU_WIDTH.min(bounds.width() - chrome.x);
        let list = rows::list_height(&style, self.visible(menu).iter().map(|&i| &self.entries[i]));
        let wanted = egui::vec2(width, menu.header_height + list) + chrome;
        let size = wanted.min(bounds.size());
        let left = menu
            .at_screen
            .x
            .min(bounds.right() - size.x)
            .max(bounds.left());
        let top = menu
            .at_screen
            .y
            .min(bounds.bottom() - size.y)
            .max(bounds.top());
        Rect::from_min_size(Pos2::new(left, top), size)
    }

    /// Moves the highlight `step` rows through the listed kinds.
    fn step_highlight(&self, menu: &mut OpenMenu, step: isize) {
        let visible = self.visible(menu);
        if visible.is_empty() {
            return;
        }
        let current = menu
            .highlight
            .and_then(|h| visible.iter().position(|&v| v == h));
        let next = match current {
            Some(at) => (at as isize + step).clamp(0, visible.len() as isize - 1) as usize,
            None => 0,
        };
        menu.highlight = Some(visible[next]);
        menu.scroll_to_highlight = true;
    }

    /// What choosing entry `index` makes.
    fn choice(&self, menu: &OpenMenu, index: usize) -> MenuChoice {
        let wire = menu.wire.as_ref().and_then(|(dragged, ports)| {
            let port = ports[index].clone()?;
            Some(dragged.wire_to(port))
        });
        MenuChoice {
            kind: self.entries[index].id(),
            at_screen: menu.at_screen,
            wire,
            my_flow: self.entries[index].my_flow.clone(),
        }
    }
}
