//! The node-kind registry: every kind the engine knows, by id.

use std::sync::Arc;

use rustc_hash::FxHashMap;

use super::kind::NodeKind;

/// The set of node kinds a flow may use.
#[derive(Clone, Default)]
pub struct Registry {
    kinds: Vec<Arc<dyn NodeKind>>,
    by_id: FxHashMap<&'static str, usize>,
}

impl Registry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every built-in kind.
    pub fn builtin() -> Self {
        let mut registry = Self::new();
        registry.register(super::text::TextKind::new());
        registry.register(super::number::NumberKind::new());
        registry.register(super::seed::SeedKind::new());
        registry.register(super::choice::ChoiceKind::new());
        registry.register(super::path::PathKind::new());
        registry.register(super::template::TemplateKind::new());
        registry.register(super::shell::ShellKind::new());
        registry.register(super::delay::DelayKind::new());
        registry.register(super::write_file::WriteFileKind::new());
        registry.register(super::read_file::ReadFileKind::new());
        registry.register(super::json_parse::JsonParseKind::new());
        registry.register(super::json_pick::JsonPickKind::new());
        registry.register(super::json_object::JsonObjectKind::new());
        registry.register(super::script::ScriptKind::new());
        registry.register(super::http_request::HttpRequestKind::new());
        registry.register(super::llm_chat::LlmChatKind::new());
        registry.register(super::image_load::ImageLoadKind::new());
        registry.register(super::image_generate::ImageGenerateKind::new());
        registry.register(super::image_resize::image_resize());
        registry.register(super::image_crop::image_crop());
        registry.register(super::image_blur::image_blur());
        registry.register(super::image_grayscale::image_grayscale());
        registry.register(super::image_invert::image_invert());
        registry.register(super::image_rotate::image_rotate());
        registry.register(super::image_adjust::image_adjust());
        registry.register(super::image_save::ImageSaveKind::new());
        registry.register(super::batch::BatchKind::new());
        registry.register(super::collect::CollectKind::new());
        registry.register(super::viewer::ViewerKind::new());
        registry.register(super::switch::SwitchKind::new());
        registry.register(super::if_kind::IfKind::new());
        registry.register(super::switch_value::SwitchValueKind::new());
        registry.register(super::subflow::SubflowKind::new());
        registry.register(super::for_each::ForEachKind::new());
        registry.register(super::repeat_until::RepeatUntilKind::new());
        registry.register(super::note::NoteKind::new());
        registry
    }

    /// Adds a kind, replacing any kind with the same id.
    pub fn register(&mut self, kind: impl NodeKind) {
        let id = kind.info().id;
        let kind: Arc<dyn NodeKind> = Arc::new(kind);
        match self.by_id.get(id) {
            Some(&index) => self.kinds[index] = kind,
            None => {
                self.by_id.insert(id, self.kinds.len());
                self.kinds.push(kind);
            }
        }
    }

    /// The kind with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<dyn NodeKind>> {
        self.by_id.get(id).map(|&index| &self.kinds[index])
    }

    /// Every kind, in registration order.
    pub fn kinds(&self) -> impl Iterator<Item = &Arc<dyn NodeKind>> {
        self.kinds.iter()
    }

    /// The ids of every kind, sorted, for messages.
    pub fn ids(&self) -> Vec<&'static str> {
        let mut ids: Vec<_> = self.by_id.keys().copied().collect();
        ids.sort_unstable();
        ids
    }
}

#[cfg(test)]
mod tests {
    use super::Registry;
    use crate::nodes::spec::{groups, SUMMARY_MAX_CHARS};

    #[test]
    fn every_builtin_kind_has_a_known_group_and_a_one_line_summary() {
        let registry = Registry::builtin();
        for kind in registry.kinds() {
            let info = kind.info();
            assert!(
                groups::ORDER.contains(&info.category),
                "`{}` is in the unknown group {:?}",
                info.id,
                info.category
            );
            let summary = info.summary();
            assert!(
                !summary.is_empty() && summary.chars().count() <= SUMMARY_MAX_CHARS,
                "`{}`'s summary does not fit one line: {summary:?}",
                info.id
            );
        }
        for group in groups::ORDER {
            assert!(
                registry.kinds().any(|k| k.info().category == group),
                "no kind in {group}"
            );
        }
    }
}
